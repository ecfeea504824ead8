"""Sending one prepared delivery to Slack, outside any transaction.

A post carries message metadata with the delivery key. A row reclaimed after a crash or a
timeout (`uncertain`) is first looked up in the channel by that key; if Slack already has it,
it is recorded as sent instead of sent again. Updates and Home-tab publishes are idempotent
and simply done again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.ops.oauth import NotInstalled
from bot.runtime import Runtime
from bot.slack import messages
from bot.slack.pacing import method_of, postpone_until
from bot.store.models import Delivery
from scheduler import queue, routing
from scheduler.steps import Outgoing, Transport
from scheduler.upload import upload

log = logging.getLogger("kept.scheduler")

METADATA_EVENT = "kept_delivery"

# Slack refused the payload itself: it goes once more in a compact form and is done
REFUSED_PAYLOAD = messages.REFUSED_PAYLOAD
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
        *REFUSED_PAYLOAD,
        "no_text",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
    }
)

# what a send comes to: an outcome for the pass result, and where the message now is
Sent = tuple[str | None, tuple[str | None, str | None] | None]


def find_posted(
    client: WebClient, channel: str, key: str, since: datetime, thread_ts: str | None = None
) -> tuple[str, str] | None:
    """Look for a message Kept already posted for `key` (by its metadata), in the thread
    `thread_ts` when it went to one (a channel's history leaves thread replies out)."""
    if channel[:1] in {"U", "W"}:
        opened = client.conversations_open(users=channel)
        channel = opened["channel"]["id"]
    cursor = None
    for _page in range(5):
        if thread_ts:
            response = client.conversations_replies(
                channel=channel,
                ts=thread_ts,
                oldest=f"{since.timestamp() - 60:.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
        else:
            response = client.conversations_history(
                channel=channel,
                oldest=f"{since.timestamp() - 60:.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("key") == key
            ):
                return channel, message["ts"]
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return None


def _still_ours(runtime: Runtime, outgoing: Outgoing, worker: str) -> bool:
    """Renew the claim if less than a Slack timeout (with margin) of it is left."""
    now = runtime.now()
    if outgoing.expires_at - now > timedelta(seconds=2 * runtime.settings.slack_timeout):
        return True
    with runtime.sessions.begin() as session:
        if not queue.renew(
            session, outgoing.delivery_id, worker, now, runtime.settings.claim_lease
        ):
            return False
    outgoing.expires_at = now + runtime.settings.claim_lease
    return True


def _post(client: WebClient, outgoing: Outgoing) -> tuple[str | None, str | None]:
    response = client.chat_postMessage(
        channel=outgoing.target.channel,
        text=outgoing.message.get("text", ""),
        blocks=outgoing.message.get("blocks"),
        thread_ts=outgoing.message.get("thread_ts"),
        unfurl_links=False,
        metadata={"event_type": METADATA_EVENT, "event_payload": {"key": outgoing.key}},
    )
    return str(response.get("channel")), str(response.get("ts"))


def _update(client: WebClient, outgoing: Outgoing) -> tuple[str | None, str | None]:
    for channel, ts, message in outgoing.message["updates"]:
        try:
            try:
                client.chat_update(
                    channel=channel, ts=ts, text=message["text"], blocks=message["blocks"]
                )
            except SlackApiError as refused:
                if str(refused.response.get("error")) not in REFUSED_PAYLOAD:
                    raise
                log.warning(
                    "Slack refused the rewrite of %s/%s (%s); rewriting it in a compact form",
                    channel,
                    ts,
                    refused.response.get("error"),
                )
                compact = messages.compact_message(message)
                client.chat_update(
                    channel=channel, ts=ts, text=compact["text"], blocks=compact["blocks"]
                )
        except SlackApiError as error:
            # a message deleted or no longer editable is left as it is; anything else
            # (rate limits, Slack down) fails the row, which is retried as a whole
            if str(error.response.get("error")) not in PERMANENT_ERRORS:
                raise
            log.info("left reminder %s/%s as it is: %s", channel, ts, error.response["error"])
    return None, None


def _publish(client: WebClient, outgoing: Outgoing) -> tuple[str | None, str | None]:
    client.views_publish(user_id=outgoing.target.channel, view=outgoing.message["view"])
    return None, None


_NO_COMPACT_FORM = frozenset({Transport.UPDATE, Transport.UPLOAD})


def _compact(outgoing: Outgoing) -> dict[str, Any]:
    if outgoing.transport is Transport.PUBLISH:
        return {**outgoing.message, "view": messages.compact_home()}
    return messages.compact_message(outgoing.message)


_TRANSPORTS = {
    Transport.POST: _post,
    Transport.UPDATE: _update,
    Transport.PUBLISH: _publish,
    Transport.UPLOAD: upload,
}


# seconds: a turn taken at the claim and not used by then is given up (calls that went late
# would bunch up past Slack's burst), and a new one taken
STALE_TURN = 0.1
THREAD_WAIT = 0.25  # seconds a sender thread may wait for a turn taken at the send
LOOKUP_WAIT = 30.0  # seconds a sender thread may wait to look for an earlier send


def _paced(
    runtime: Runtime, outgoing: Outgoing, worker: str, start: float | None, dispatched: bool
) -> bool:
    """Wait for this call's turn (bot.slack.pacing): the workspace's slot taken at the claim
    (`start`; None: not taken yet) and, for a post, the channel's. False: the turn is too far
    off to hold a thread for it, and the row was postponed to it."""
    pacer = runtime.pacer
    method = method_of(outgoing.transport.value)
    channel = outgoing.target.channel if outgoing.transport is Transport.POST else None
    now = runtime.now()
    if start is not None and pacer.clock() - start > STALE_TURN:
        start = None  # preparing took long: that turn is gone, take a new one
    if start is not None and channel is None:
        if not dispatched:
            pacer.sleep_until(start)
        return True
    # a sender thread waits for a turn a moment at most, else the row waits in the queue
    slot = pacer.take(
        outgoing.team_id,
        method,
        channel=channel,
        workspace=start is None,
        max_wait=THREAD_WAIT if dispatched else None,
    )
    if not slot.taken:
        if start is not None:  # the workspace's turn taken at the claim goes back unused
            pacer.refund(outgoing.team_id, method, start)
        queue.postpone(runtime.sessions, outgoing.delivery_id, worker, postpone_until(now, slot))
        return False
    pacer.sleep_until(slot.start if dispatched else max(slot.start, start or 0.0))
    return True


def _wait_for_lookup(runtime: Runtime, outgoing: Outgoing) -> None:
    """Turns for the calls that look for an earlier send (Tier 3 each): rare, so the thread
    waits for them."""
    methods = ["conversations.history"]
    if outgoing.target.channel[:1] in {"U", "W"}:
        methods.insert(0, "conversations.open")
    for method in methods:
        slot = runtime.pacer.take(outgoing.team_id, method, max_wait=LOOKUP_WAIT)
        if slot.taken:
            runtime.pacer.sleep_until(slot.start)


def send(
    runtime: Runtime,
    outgoing: Outgoing,
    worker: str,
    start: float | None = None,
    *,
    dispatched: bool = False,
) -> Sent:
    """Send one message. Returns (outcome for PassResult, (channel, ts) to record as sent);
    outcome None: the row is not ours any more. `start`: the turn its workspace gave it at
    the claim (bot.slack.pacing); `dispatched`: handed over at that turn already."""
    try:  # each workspace's own token in OAuth mode
        client = runtime.client_for(outgoing.team_id, retries=False)
    except NotInstalled:  # uninstalled: wait, with back-off, in case Kept is added again
        queue.record_failure(
            runtime.sessions,
            outgoing.delivery_id,
            worker,
            runtime.now(),
            "not installed in this workspace",
            retry_after=None,
            uncertain=False,
            permanent=False,
            lease=runtime.settings.claim_lease,
        )
        return "failed", None
    if outgoing.uncertain and outgoing.transport is Transport.POST:
        try:
            _wait_for_lookup(runtime, outgoing)
            found = find_posted(
                client,
                outgoing.target.channel,
                outgoing.key,
                outgoing.since,
                thread_ts=outgoing.message.get("thread_ts"),
            )
        except SlackApiError as error:
            if error.response.status_code != 429:
                log.warning(
                    "could not check whether %s was already sent (%s); sending",
                    outgoing.key,
                    error,
                )
                found = None
            else:  # Slack said wait: look again then, rather than risk a second copy
                queue.record_failure(
                    runtime.sessions,
                    outgoing.delivery_id,
                    worker,
                    runtime.now(),
                    "slack: ratelimited (looking for an earlier send)",
                    retry_after=float(error.response.headers.get("Retry-After", "1") or 1),
                    uncertain=True,
                    permanent=False,
                    lease=runtime.settings.claim_lease,
                )
                return "failed", None
        except Exception as error:  # noqa: BLE001 - can't check: sending again is the lesser evil
            log.warning(
                "could not check whether %s was already sent (%s); sending", outgoing.key, error
            )
            found = None
        if found is not None:
            return "recovered", found
    if not _paced(runtime, outgoing, worker, start, dispatched):
        return "deferred", None
    if not _still_ours(runtime, outgoing, worker):
        return None, None  # the claim ran out: whoever holds it now sends
    try:
        try:
            where = _TRANSPORTS[outgoing.transport](client, outgoing)
        except SlackApiError as refused:
            code = str(refused.response.get("error") or "")
            if code not in REFUSED_PAYLOAD or outgoing.transport in _NO_COMPACT_FORM:
                raise
            # permanent for this payload: once more in a compact form, then done either way
            log.warning(
                "Slack refused %s (%s): sending it once more in a compact form",
                outgoing.key,
                code,
            )
            outgoing.message = _compact(outgoing)
            outgoing.note = f"slack: {code}; sent in a compact form"
            where = _TRANSPORTS[outgoing.transport](client, outgoing)
            return "degraded", where
    except SlackApiError as error:
        code = str(error.response.get("error") or error.response.status_code)
        retry_after = None
        now = runtime.now()
        if error.response.status_code == 429:
            retry_after = float(error.response.headers.get("Retry-After", "1") or 1)
            # the whole workspace waits, not just this row
            runtime.pacer.hold(outgoing.team_id, method_of(outgoing.transport.value), retry_after)

        def elsewhere(session: Session, failed: Delivery) -> None:
            if code in routing.RECIPIENT_ERRORS:  # this recipient can't receive it
                routing.fall_back(session, runtime, failed, now)

        queue.record_failure(
            runtime.sessions,
            outgoing.delivery_id,
            worker,
            now,
            f"slack: {code}",
            retry_after=retry_after,
            uncertain=error.response.status_code >= 500,
            permanent=code in PERMANENT_ERRORS,
            lease=runtime.settings.claim_lease,
            # a refused payload (even in its compact form) is never sent again
            final=code in routing.CANT_RECEIVE or code in REFUSED_PAYLOAD,
            on_failed=elsewhere,
        )
        return "failed", None
    except Exception as error:  # noqa: BLE001 - timeouts, connection resets: maybe delivered
        queue.record_failure(
            runtime.sessions,
            outgoing.delivery_id,
            worker,
            runtime.now(),
            f"{type(error).__name__}: {error}",
            retry_after=None,
            uncertain=True,
            permanent=False,
            lease=runtime.settings.claim_lease,
        )
        return "failed", None
    return "sent", where
