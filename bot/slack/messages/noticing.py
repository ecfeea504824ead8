"""Messages of noticing promises where they are made (SPEC §2.5): the suggestion its author
alone sees, the one-line announcements when watching starts or stops, and the replies."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.language.deadlines import format_deadline
from bot.noticing.suggest import SuggestionView, answer_label
from bot.slack.messages.base import (
    Block,
    Message,
    actions,
    button,
    context,
    section,
    text_message,
)
from bot.slack.text import mrkdwn

TRACK_IT = "suggestion_track"
EDIT_IT = "suggestion_edit"
NOT_A_PROMISE = "suggestion_dismiss"
MUTE_ME = "suggestion_mute"
POST_UPDATE = "post_update_there"
POST_UPDATE_VIEW = "post_update_view"

WATCH_USAGE = (
    "`/promise watch` — notice promises made in this channel (anyone here can turn it on); "
    "`/promise watch off` — stop; `/promise watch me off` / `on` — suggestions for you alone; "
    "`/promise watch answer 3` — admins: a promise with no date said is due 3 working days on."
)


def suggestion_message(view: SuggestionView, tz: str, now: datetime) -> Message:
    """The suggestion (ephemeral, to the author alone)."""
    what = mrkdwn(view.what, 400) if view.what else "_what you agreed to above_"
    lines = [f"*Sounds like a promise:* {what}"]
    if view.counterpart:
        lines.append(f"*To:* {mrkdwn(view.counterpart, 120)}")
    if view.rhythm:
        lines.append(f"*How often:* {mrkdwn(view.rhythm)}")
    when = format_deadline(view.deadline, tz, now=now)
    if view.date_said:
        lines.append(f"*By:* {when}")
    else:
        default = answer_label(view.answer_days)
        lines.append(f"*By:* {when} _(no date said: this channel's default, {default})_")
    value = view.button_value()
    buttons: list[Block] = []
    if view.promise_text:
        buttons.append(button("Track it", TRACK_IT, value, style="primary"))
    buttons += [
        button("Edit…", EDIT_IT, value),
        button("Not a promise", NOT_A_PROMISE, value),
        button("Stop suggesting to me", MUTE_ME, value),
    ]
    text = "Sounds like a promise. Track it with Kept?"
    return {
        "text": text,
        "blocks": [
            section("\n".join(lines)),
            actions(*buttons, block_id="suggestion"),
            context(
                "Only you can see this. Kept keeps nothing of your message unless you track it."
            ),
        ],
    }


def suggestion_dismissed() -> Message:
    return text_message("Got it, not a promise. Nothing was kept.", replace_original=True)


def suggestions_muted() -> Message:
    return text_message(
        "I won't suggest promises to you any more. `/promise watch me on` turns them back on.",
        replace_original=True,
    )


def already_tracked() -> Message:
    return text_message(
        "That message is already tracked. `/promise list` shows your promises.",
        replace_original=True,
    )


def watch_notice(watching: bool, by: str) -> Message:
    """One line in the channel when noticing starts or stops."""
    if watching:
        text = (
            f":eyes: <@{by}> asked Kept to notice promises in this channel: when someone here "
            "promises something, Kept offers them alone to track it. Nothing is stored unless "
            "they choose to. Stop it with `/promise watch off`."
        )
    else:
        text = (
            f"<@{by}> turned off noticing promises in this channel: Kept no longer reads its "
            "messages. `/promise watch` turns it back on."
        )
    return {"text": text, "blocks": [section(text)]}


def watch_started(channel_id: str, shared_with: str | None) -> Message:
    more = (
        f" It's shared with *{mrkdwn(shared_with)}*: their promises are theirs, so only your "
        "own team's messages are read for suggestions."
        if shared_with
        else ""
    )
    return text_message(
        f"Kept now notices promises in <#{channel_id}> and told the channel so.{more}"
    )


def watch_unchanged(channel_id: str, watching: bool) -> Message:
    if watching:
        return text_message(
            f"Kept already notices promises in <#{channel_id}>. `/promise watch off` stops it."
        )
    return text_message(f"Kept isn't watching <#{channel_id}>. `/promise watch` starts it.")


def watch_stopped(channel_id: str) -> Message:
    return text_message(f"Kept stopped noticing promises in <#{channel_id}> and told the channel.")


def watch_needs_invite(channel_id: str) -> Message:
    return text_message(
        f":wave: Kept isn't a member of <#{channel_id}>, so it can't read it. Invite it first "
        "(`/invite @Kept`), then `/promise watch` again."
    )


def watch_refused(reason: str) -> Message:
    return text_message(f":warning: {reason}")


def me_changed(on: bool) -> Message:
    if on:
        return text_message(
            "Kept will suggest tracking the promises you write in watched channels."
        )
    return text_message(
        "Kept won't suggest promises to you any more, in any channel. `/promise watch me on` "
        "turns them back on."
    )


def watched_lines(total: int, channels: list[tuple[str, str | None]]) -> list[str]:
    """`/promise channel` and the Home tab: which channels are watched (the true total)."""
    if total == 0:
        return ["Watched channels: none (`/promise watch` in a channel starts it)"]
    names = ", ".join(
        f"<#{cid}>" + (f" (shared with {mrkdwn(org, 60)})" if org else "") for cid, org in channels
    )
    more = f", and {total - len(channels)} more" if total > len(channels) else ""
    return [f"Watched channels ({total}): {names}{more}"]


def watching_block(
    channel_id: str, here: Any, total: int, channels: list[tuple[str, str | None]]
) -> Block:
    """Whether Kept notices promises in this channel (`here`: a bot.noticing.service.Watch or
    None), and the watched channels in all."""
    if here is not None:
        line = f"*Noticing promises here:* on since {here.changed_at:%d %b} (<@{here.changed_by}>)"
        if here.shared:
            line += f"; shared with {mrkdwn(here.other_org or 'another organisation')}"
        line += (
            f"\n*No date said* means {answer_label(here.answer_days)} "
            "(`/promise watch answer <working days>` changes it, admins)"
        )
    else:
        line = "*Noticing promises here:* off (`/promise watch` turns it on)"
    return section("\n".join([line, *watched_lines(total, channels)]))


def with_post_update(message: Message, promise_id: int) -> Message:
    """A nudge for a promise made in a shared channel, with **Post an update there**."""
    out = dict(message)
    out["blocks"] = [dict(b) for b in message.get("blocks") or []]
    for block in reversed(out["blocks"]):
        if block.get("type") == "actions":
            block["elements"] = [
                *block["elements"],
                button("Post an update there", POST_UPDATE, str(promise_id)),
            ]
            break
    return out


def draft_update(description: str, deadline_text: str, next_text: str) -> str:
    """The update Kept drafts: what happened, sorry, the new timeline (editable)."""
    return (
        f"A quick update on {description}: I said {deadline_text} and I haven't got it to you "
        f"yet — sorry about that. You'll have it by {next_text}."
    )


def post_update_form(
    promise_id: int, description: str, draft: str, channel_id: str
) -> dict[str, Any]:
    """The form behind **Post an update there**: the drafted update, editable."""
    return {
        "type": "modal",
        "callback_id": POST_UPDATE_VIEW,
        "title": {"type": "plain_text", "text": "Post an update"},
        "submit": {"type": "plain_text", "text": "Post it"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"promise_id": promise_id}),
        "blocks": [
            section(f"*{mrkdwn(description, 500)}*"),
            {
                "type": "input",
                "block_id": "update",
                "label": {"type": "plain_text", "text": "Your update"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 2000,
                    "initial_value": draft[:2000],
                },
            },
            context(
                f"Kept posts it in the thread in <#{channel_id}> where you made the promise, "
                "signed with your name, and keeps it in the promise's history."
            ),
        ],
    }


def channel_update(text: str, owner_name: str) -> Message:
    """The update as posted in the shared channel's thread, signed with the owner's name."""
    signed = f"{mrkdwn(text, 2800)}\n— {mrkdwn(owner_name)}"
    return {"text": f"{text[:2800]}\n— {owner_name}", "blocks": [section(signed)]}


def update_posted(channel_id: str) -> Message:
    return text_message(
        f"Your update is going to the thread in <#{channel_id}>, signed with your name. It's in "
        "the promise's history too."
    )


def answer_days_set(channel_id: str, days: int) -> Message:
    return text_message(
        f"In <#{channel_id}>, a promise with no date said is now due {answer_label(days)} on."
    )
