"""The fake Slack behaves like Slack for slack_sdk, and the signer signs like Slack."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.fakeslack import FakeSlack
from tests.slackreq import (
    block_action_payload,
    event_body,
    interactive_body,
    new_trigger_id,
    post,
    sign,
    slash_command_body,
    view_submission_payload,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def test_web_client_calls_are_answered_and_recorded(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1", name="ann", tz="America/New_York", email="ann@example.com", is_admin=True)

    auth = client.auth_test()
    assert auth["user_id"] == "U0KEPTBOT" and auth["bot_id"] == "B0KEPT"
    assert auth["team_id"] == "T0001"

    user = client.users_info(user="U1")["user"]
    assert user["id"] == "U1" and user["is_admin"] is True and user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert user["profile"]["email"] == "ann@example.com"
    assert client.users_lookupByEmail(email="ann@example.com")["user"]["id"] == "U1"
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U404")
    assert err.value.response["error"] == "user_not_found"

    im = client.conversations_open(users="U1")["channel"]["id"]
    assert im.startswith("D") and client.conversations_open(users=["U1"])["channel"]["id"] == im

    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    metadata = {"event_type": "promise", "event_payload": {"id": 7}}
    sent = client.chat_postMessage(channel="U1", text="hi", blocks=blocks, metadata=metadata)
    assert sent["channel"] == im and sent["message"]["text"] == "hi"
    # Form-encoded JSON fields are decoded too.
    client.api_call(
        "chat.postMessage", data={"channel": im, "text": "two", "blocks": json.dumps(blocks)}
    )

    call = fake.wait_for("chat.postMessage", count=2)[0]
    assert call.token == "xoxb-test"
    assert call.params["blocks"] == blocks and call.params["metadata"] == metadata
    assert fake.calls("chat.postMessage")[1].params["blocks"] == blocks
    assert [m["text"] for m in fake.messages_to("U1")] == ["hi", "two"]

    history = client.conversations_history(channel=im)["messages"]
    assert [m["text"] for m in history] == ["two", "hi"] and "metadata" not in history[1]
    history = client.conversations_history(channel=im, include_all_metadata=True)["messages"]
    assert history[1]["metadata"] == metadata

    link = client.chat_getPermalink(channel=im, message_ts=sent["ts"])["permalink"]
    assert link.startswith("https://") and sent["ts"].replace(".", "") in link

    view = {
        "type": "modal",
        "callback_id": "new",
        "title": {"type": "plain_text", "text": "x"},
        "blocks": blocks,
    }
    opened = client.views_open(trigger_id=new_trigger_id(), view=view)["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "new" and opened["hash"]
    home = {"type": "home", "blocks": blocks}
    client.views_publish(user_id="U1", view=home)
    assert fake.home_view("U1")["blocks"] == blocks  # type: ignore[index]

    with pytest.raises(SlackApiError) as err:
        client.api_call("no.such.method")
    assert err.value.response["error"] == "unknown_method"
    assert fake.calls("no.such.method")[0].status == 200


def test_rate_limit_is_seen_and_retried(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "1"

    fake.clear()
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    started = time.monotonic()
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True
    assert time.monotonic() - started >= 1.0
    calls = fake.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]


def test_other_faults(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("users.info", status=200, error="fatal_error")
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U0KEPTBOT")
    assert err.value.response["error"] == "fatal_error"
    fake.fail_next("users.info", status=500)
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U0KEPTBOT")
    assert err.value.response.status_code == 500
    assert client.users_info(user="U0KEPTBOT")["ok"] is True

    slow = WebClient(token="xoxb-test", base_url=fake.api_url, timeout=1)
    fake.fail_next("auth.test", status=200, delay=1.5)
    with pytest.raises(TimeoutError):
        slow.auth_test()
    fake.set_delay("auth.test", 0.2)
    started = time.monotonic()
    slow.auth_test()
    assert time.monotonic() - started >= 0.2


def test_invalid_token_is_rejected(fake: FakeSlack) -> None:
    bad = WebClient(token="xoxb-wrong", base_url=fake.api_url)
    for call in (bad.auth_test, lambda: bad.chat_postMessage(channel="C1", text="x")):
        with pytest.raises(SlackApiError) as err:
            call()
        assert err.value.response["error"] == "invalid_auth"
    assert not fake.messages
    with pytest.raises(AssertionError, match="invalid_auth"):
        fake.wait_for("chat.postMessage", timeout=0.2)
    assert fake.wait_for("chat.postMessage", where=lambda c: not c.ok)[0].token == "xoxb-wrong"


def test_response_url_posts_are_recorded(fake: FakeSlack) -> None:
    webhook = WebhookClient(fake.response_url("cmd-1"))
    resp = webhook.send(text="done", response_type="ephemeral", replace_original=False)
    assert resp.status_code == 200
    (call,) = fake.wait_for("response_url")
    assert call.params == {
        "text": "done",
        "response_type": "ephemeral",
        "replace_original": False,
        "_key": "cmd-1",
    }


def test_chat_update_changes_stored_message(fake: FakeSlack, client: WebClient) -> None:
    sent = client.chat_postMessage(channel="C9", text="before", metadata={"event_type": "p"})
    client.chat_update(channel="C9", ts=sent["ts"], text="after", blocks=[{"type": "divider"}])
    msg = fake.message("C9", sent["ts"])
    assert msg is not None and msg["text"] == "after" and msg["blocks"] == [{"type": "divider"}]
    assert msg["metadata"] == {"event_type": "p"} and "edited" in msg
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C9", ts="1.000001", text="x")
    assert err.value.response["error"] == "message_not_found"


def test_signature_verifies_and_tampering_is_detected() -> None:
    body = slash_command_body(text="remind @ann friday", response_url="http://x/response/r")
    headers = sign(body, SECRET)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + b"x", headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    stale = sign(body, SECRET, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)

    payload = block_action_payload(action_id="done", value="42", user_id="U1")
    form = urllib.parse.parse_qs(interactive_body(payload).decode())
    assert json.loads(form["payload"][0]) == payload
    assert payload["container"]["type"] == "message" and payload["actions"][0]["value"] == "42"
    submission = view_submission_payload(
        callback_id="new",
        values={"b": {"a": {"type": "plain_text_input", "value": "v"}}},
        user_id="U1",
    )
    assert submission["view"]["state"]["values"]["b"]["a"]["value"] == "v"
    assert json.loads(event_body({"type": "app_home_opened"}))["type"] == "event_callback"


def test_post_sends_signed_requests_and_returns_errors(fake: FakeSlack) -> None:
    reply = post(fake.base_url + "/nowhere", b"a=1", secret=SECRET)
    assert reply.status == 404 and reply.json() == {"ok": False, "error": "not_found"}
    reply = post(
        fake.response_url("k"), b'{"text": "t"}', secret=None, content_type="application/json"
    )
    assert reply.status == 200 and reply.json() == {"ok": True}
    assert reply.header("content-type", "").startswith("application/json")  # type: ignore[union-attr]


def test_concurrent_posts_are_all_recorded(fake: FakeSlack) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        try:
            for i in range(50):
                client.chat_postMessage(channel=f"C{n % 4}", text=f"{n}-{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    calls = fake.wait_for("chat.postMessage", count=1000, timeout=1)
    assert len(calls) == 1000
    ts = [c.response["ts"] for c in calls if c.response]
    assert len(set(ts)) == 1000
    assert len(fake.messages) == 1000
    texts = {m["text"] for m in fake.messages}
    assert texts == {f"{n}-{i}" for n in range(20) for i in range(50)}


# ---------------------------------------------------------------- as strict as Slack


def test_methods_need_their_scopes_and_answer_missing_scope_like_slack(
    fake: FakeSlack, client: WebClient
) -> None:
    from bot.slack.client import granted_scopes
    from tests.fakeslack import manifest_scopes

    assert granted_scopes(client) == manifest_scopes()
    fake.add_user("U1", name="ann", email="ann@example.com")
    fake.set_scopes({"commands", "chat:write"})
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U1")
    response = err.value.response
    assert response.status_code == 200 and response["error"] == "missing_scope"
    assert response["needed"] == "users:read"
    assert set(response["provided"].split(",")) == {"commands", "chat:write"}
    assert response.headers["x-oauth-scopes"] == "chat:write,commands"
    with pytest.raises(SlackApiError) as err:
        client.conversations_history(channel="D1")
    assert err.value.response["needed"] == "im:history"
    assert granted_scopes(client) == {"commands", "chat:write"}  # auth.test needs none


def test_users_info_shows_the_e_mail_only_with_users_read_email(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.add_user("U1", name="ann", email="ann@example.com")
    assert client.users_info(user="U1")["user"]["profile"]["email"] == "ann@example.com"
    fake.set_scopes(fake.scopes() - {"users:read.email"})
    assert "email" not in client.users_info(user="U1")["user"]["profile"]
    with pytest.raises(SlackApiError) as err:
        client.users_lookupByEmail(email="ann@example.com")
    assert err.value.response["error"] == "missing_scope"


def test_dms_to_bots_deactivated_and_unknown_users_fail_as_on_slack(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.add_user("U0BOT", name="robot", is_bot=True)
    fake.add_user("U0GONE", name="gone", deleted=True)
    expected = {
        "U0BOT": ("cannot_dm_bot", "cannot_dm_bot"),
        "U0GONE": ("user_disabled", "user_disabled"),
        "U0NOBODY": ("user_not_found", "channel_not_found"),
    }
    for user, (on_open, on_post) in expected.items():
        with pytest.raises(SlackApiError) as err:
            client.conversations_open(users=user)
        assert err.value.response["error"] == on_open
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel=user, text="hi")
        assert err.value.response["error"] == on_post
    fake.delete_channel("C0GONE")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0GONE", text="hi")
    assert err.value.response["error"] == "channel_not_found"
    assert fake.messages == []


def test_a_revoked_token_is_refused(fake: FakeSlack, client: WebClient) -> None:
    fake.revoke()
    with pytest.raises(SlackApiError) as err:
        client.auth_test()
    assert err.value.response["error"] == "token_revoked"


def test_text_is_escaped_as_slack_escapes_it() -> None:
    from tests.slackreq import slack_escaped

    assert slack_escaped("Acme & Co <b> a>b") == "Acme &amp; Co &lt;b&gt; a&gt;b"
    assert slack_escaped("ask <@U1|ann> & <#C1|sales>") == "ask <@U1|ann> &amp; <#C1|sales>"
    assert slack_escaped("see <https://x.io/?a=1&b=2|quote>") == (
        "see <https://x.io/?a=1&b=2|quote>"
    )
    body = urllib.parse.parse_qs(
        slash_command_body(text="Sure & thanks", response_url="http://x").decode()
    )
    assert body["text"] == ["Sure &amp; thanks"]


def test_home_tab_actions_carry_no_response_url() -> None:
    payload = block_action_payload(
        action_id="a", value="1", user_id="U1", view={"id": "V1", "type": "home"}
    )
    assert "response_url" not in payload and payload["container"]["type"] == "view"
    with pytest.raises(ValueError):
        block_action_payload(
            action_id="a",
            value="1",
            user_id="U1",
            view={"id": "V1", "type": "home"},
            response_url="http://x",
        )
