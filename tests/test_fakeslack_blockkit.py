"""The fake Slack refuses what Slack refuses in Block Kit (tests/blockkit.py), with Slack's
error names: each payload the issue found accepted is now refused, and a fair one is taken."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from tests.fakeslack import FakeSlack
from tests.slackreq import new_trigger_id


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    server.add_user("U1", name="ann")
    yield server
    server.stop()


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(**changes: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Kept"}}
    view["blocks"] = [section("hi")]
    view.update(changes)
    return view


def refused(call: Any) -> tuple[str, list[str]]:
    with pytest.raises(SlackApiError) as err:
        call()
    response = err.value.response
    return response["error"], (response.get("response_metadata") or {}).get("messages", [])


def test_messages_slack_refuses_are_refused(client: WebClient) -> None:
    post = client.chat_postMessage
    error, why = refused(lambda: post(channel="U1", text="x", blocks=[section("a")] * 51))
    assert error == "invalid_blocks" and "no more than 50 items" in why[0]
    error, why = refused(lambda: post(channel="U1", text="x", blocks=[section("a" * 3001)]))
    assert error == "invalid_blocks" and "/blocks/0" in why[0]
    error, _ = refused(lambda: post(channel="U1", text="x", blocks=[section("a" * 2900)] * 4))
    assert error == "msg_blocks_too_long"  # 11,600 characters of block text in all
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "b" * 76},
        "action_id": "a",
        "value": "v",
    }
    error, _ = refused(
        lambda: post(channel="U1", text="x", blocks=[{"type": "actions", "elements": [button]}])
    )
    assert error == "invalid_blocks"
    twice = [{**section("a"), "block_id": "same"}, {**section("b"), "block_id": "same"}]
    assert refused(lambda: post(channel="U1", text="x", blocks=twice))[0] == "invalid_blocks"
    error, _ = refused(lambda: post(channel="U1", text="x", blocks=[{"type": "nonsense"}]))
    assert error == "invalid_blocks"
    # a fair message is taken, as is one of 50 blocks and 9,000 characters
    assert post(channel="U1", text="x", blocks=[section("a" * 180)] * 50)["ok"]
    error, _ = refused(
        lambda: client.chat_postEphemeral(
            channel="C1", user="U1", text="x", blocks=[section("a")] * 51
        )
    )
    assert error == "invalid_blocks"


def test_views_slack_refuses_are_refused(client: WebClient) -> None:
    def open_(view: dict[str, Any]) -> Any:
        return lambda: client.views_open(trigger_id=new_trigger_id(), view=view)

    error, why = refused(open_(modal(title={"type": "plain_text", "text": "t" * 60})))
    assert error == "invalid_arguments" and "/view/title" in why[0]
    assert refused(open_(modal(private_metadata="m" * 10_000)))[0] == "invalid_arguments"
    assert refused(open_(modal(blocks=[section("a")] * 150)))[0] == "invalid_arguments"
    too_long_input = {
        "type": "input",
        "label": {"type": "plain_text", "text": "What?"},
        "element": {
            "type": "plain_text_input",
            "action_id": "v",
            "max_length": 3000,
            "initial_value": "x" * 3001,
        },
    }
    assert refused(open_(modal(blocks=[too_long_input])))[0] == "invalid_arguments"
    home = {"type": "home", "blocks": [section("a")] * 101}
    error, _ = refused(lambda: client.views_publish(user_id="U1", view=home))
    assert error == "invalid_arguments"
    assert client.views_open(trigger_id=new_trigger_id(), view=modal())["ok"]
    assert client.views_publish(
        user_id="U1", view={"type": "home", "blocks": [section("a")] * 100}
    )["ok"]


def test_response_url_answers_are_checked_too(fake: FakeSlack) -> None:
    hook = WebhookClient(fake.response_url("k"))
    answer = hook.send(text="x", blocks=[section("a" * 5000)])
    assert '"invalid_blocks"' in answer.body
    assert '"ok": true' in hook.send(text="x", blocks=[section("a")]).body
