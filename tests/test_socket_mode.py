"""Socket Mode: the same listeners serve requests that arrive over Slack's WebSocket.

There is no Socket Mode server here (Slack's WebSocket endpoint is out of reach), so the test
hands the envelope to Bolt's Socket Mode handler the way slack_sdk's client would after reading
it from the socket, and captures the acknowledgement the client would write back on it. Kept's
own code runs unchanged and talks to the fake Web API over HTTP."""

from __future__ import annotations

from dataclasses import replace

from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from sqlalchemy import select

from bot.app import create_app, socket_mode_handler
from bot.runtime import Runtime
from bot.store.models import Promise
from tests.conftest import OWNER, TEAM, message_text
from tests.fakeslack import FakeSlack


def test_a_command_over_socket_mode_is_acked_and_answered(
    runtime: Runtime, fake_slack: FakeSlack
) -> None:
    runtime = replace(runtime, settings=replace(runtime.settings, slack_app_token="xapp-test"))
    app = create_app(runtime)
    handler = socket_mode_handler(app, runtime)
    assert handler.client.web_client.base_url == fake_slack.api_url  # SLACK_API_URL is used
    acks: list[SocketModeResponse] = []
    handler.client.send_socket_mode_response = acks.append  # the socket write
    payload = {
        "team_id": TEAM,
        "user_id": OWNER,
        "channel_id": "C0SALES",
        "command": "/promise",
        "text": "call Sam back by tomorrow",
        "response_url": fake_slack.response_url("sm"),
        "trigger_id": "sm.1",
        "api_app_id": "A0KEPT",
    }
    handler.handle(
        handler.client,
        SocketModeRequest(type="slash_commands", envelope_id="env-1", payload=payload),
    )
    assert [a.envelope_id for a in acks] == ["env-1"]
    # the reply travels in the acknowledgement itself, after the promise was stored
    assert "hold you to this" in message_text(acks[0].payload or {})
    assert fake_slack.calls("response_url") == []
    app.listener_runner.listener_executor.shutdown(wait=True)
    with runtime.sessions() as session:
        assert [p.description for p in session.scalars(select(Promise))] == ["call Sam back"]
