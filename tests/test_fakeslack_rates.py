"""The fake Slack's rate limits (switched on per test): Slack's tiers per method and
workspace, chat.postMessage per channel and per workspace, 429 with Retry-After. These run on
the fake's own clock (the test clock), so a bucket refills only when the test moves it."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.conftest import LEAD, OTHER, OWNER, Clock
from tests.fakeslack import FakeSlack, RateLimits


@pytest.fixture(autouse=True)
def fake_on_the_test_clock(fake_slack: FakeSlack, clock: Clock) -> None:
    fake_slack.now = lambda: clock().timestamp()  # buckets refill as the test moves time


def client(fake: FakeSlack, token: str = "xoxb-test") -> WebClient:
    return WebClient(token=token, base_url=fake.api_url)  # no retry handlers: we see the 429


def refused(call: object) -> tuple[int, str, str]:
    with pytest.raises(SlackApiError) as raised:
        call()  # type: ignore[operator]
    response = raised.value.response
    return response.status_code, str(response["error"]), response.headers.get("Retry-After", "")


def test_posts_to_one_channel_get_a_small_burst_then_one_per_second(
    fake_slack: FakeSlack, clock: Clock
) -> None:
    fake_slack.limit_rates(RateLimits(channel_burst=3))
    slack = client(fake_slack)
    for _ in range(3):
        slack.chat_postMessage(channel=OWNER, text="hi")
    post = lambda: slack.chat_postMessage(channel=OWNER, text="hi")  # noqa: E731
    assert refused(post) == (429, "ratelimited", "1")
    slack.chat_postMessage(channel=LEAD, text="hi")  # another channel is not held
    clock.advance(seconds=1)
    slack.chat_postMessage(channel=OWNER, text="hi")
    assert refused(post)[0] == 429
    assert fake_slack.rate_limited == 2
    assert len(fake_slack.messages_to(OWNER)) == 4  # a refused post is not stored


def test_a_workspace_allowance_holds_every_channel_but_not_other_workspaces(
    fake_slack: FakeSlack, clock: Clock
) -> None:
    fake_slack.add_workspace("T0OTHER", token="xoxb-other")
    fake_slack.limit_rates(RateLimits(workspace_posts_per_minute=60, workspace_posts_burst=5))
    slack = client(fake_slack)
    for channel in ("C01", "C02", "C03", "C04", "C05"):
        slack.chat_postMessage(channel=channel, text="hi")
    status, error, retry_after = refused(lambda: slack.chat_postMessage(channel="C06", text="x"))
    assert (status, error, retry_after) == (429, "ratelimited", "1")
    client(fake_slack, "xoxb-other").chat_postMessage(channel="C06", text="hi")
    clock.advance(seconds=1)
    slack.chat_postMessage(channel="C06", text="hi")


def test_other_methods_are_limited_by_their_tier_per_workspace(
    fake_slack: FakeSlack, clock: Clock
) -> None:
    # users.info is Tier 4 (100+/min); the bucket holds 6 s of it: 10 calls
    fake_slack.limit_rates(RateLimits())
    slack = client(fake_slack)
    for _ in range(10):
        slack.users_info(user=OTHER)
    assert refused(lambda: slack.users_info(user=OTHER)) == (429, "ratelimited", "1")
    slack.conversations_open(users=OTHER)  # another method has its own bucket (Tier 3)
    clock.advance(seconds=3)  # 100/min: five more
    for _ in range(5):
        slack.users_info(user=OTHER)
    assert refused(lambda: slack.users_info(user=OTHER))[0] == 429
    fake_slack.unlimit_rates()
    slack.users_info(user=OTHER)
