"""OAuth installs (SPEC §5, §6): "Add to Slack", the redirect storing the installation, each
workspace's own token for commands and the scheduler, and workspaces kept apart. Through real
HTTP: the bot's WSGI app on loopback, the fake Slack answering oauth.v2.access and auth.test."""

from __future__ import annotations

import contextlib
import http.client
import logging
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import waitress
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, select

from bot.app import create_app
from bot.ops.oauth import DEFAULT_BOT_SCOPES, manifest_bot_scopes
from bot.promises.service import supervisor_of
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.web import KeptWSGI
from bot.store.migrate import migrate
from bot.store.models import (
    SLACK_BOTS,
    SLACK_INSTALLATIONS,
    SLACK_OAUTH_STATES,
    AwayPeriod,
    Delivery,
    Promise,
    Workspace,
)
from handlers.answer import WORKING_ON_IT
from scheduler.passes import run_pass
from tests.conftest import SECRET, Clock
from tests.fakeslack import FakeSlack
from tests.slackreq import post, slash_command_body

ACME = "T0ACME"
GLOBEX = "T0GLOBEX"
ORG = "E0INITECH"
NORTH, SOUTH = "T0NORTH", "T0SOUTH"  # two workspaces of the org
ANNA = "U0ANNA"  # in Acme
BERT = "U0BERT"  # in Globex
NINA, SVEN = "U0NINA", "U0SVEN"  # in North and South


@dataclass
class OAuthBot:
    base: str
    fake: FakeSlack
    runtime: Runtime

    def get(self, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
        url = urllib.parse.urlsplit(self.base)
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    def install(self, code: str) -> http.client.HTTPResponse:
        """What a browser does: open the install page, go to Slack, come back with a code."""
        started = self.get("/slack/install")
        assert started.status == 302, started.status
        state = _query(started.getheader("Location") or "")["state"]
        cookie = (started.getheader("Set-Cookie") or "").split(";", 1)[0]
        return self.get(f"/slack/oauth_redirect?code={code}&state={state}", cookie=cookie)

    def command(
        self, text: str, *, team: str, user: str, enterprise: str | None = None
    ) -> dict[str, Any]:
        key = uuid.uuid4().hex
        body = slash_command_body(
            text=text,
            user_id=user,
            team_id=team,
            channel_id="C0SALES",
            response_url=self.fake.response_url(key),
        )
        if enterprise is not None:  # an org-wide install: Slack says so in the payload
            fields = [
                (k, "true" if k == "is_enterprise_install" else v)
                for k, v in urllib.parse.parse_qsl(body.decode())
            ]
            body = urllib.parse.urlencode([*fields, ("enterprise_id", enterprise)]).encode()
        reply = post(f"{self.base}/slack/events", body, secret=SECRET)
        assert reply.status == 200, (reply.status, reply.body[:300])
        answer = reply.json() if reply.body else {}
        if answer and WORKING_ON_IT not in str(answer.get("text")):
            return dict(answer)  # answered in the acknowledgement
        calls = self.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == key)
        return calls[-1].params


def _query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


@pytest.fixture
def oauth_bot(database_url: str, fake_slack: FakeSlack, clock: Clock) -> Iterator[OAuthBot]:
    fake_slack.add_user(ANNA, name="anna", team_id=ACME)
    fake_slack.add_user(BERT, name="bert", team_id=GLOBEX)
    fake_slack.add_user(NINA, name="nina", team_id=NORTH)
    fake_slack.add_user(SVEN, name="sven", team_id=SOUTH)
    settings = Settings(
        slack_bot_token="",
        slack_signing_secret=SECRET,
        slack_client_id=FakeSlack.CLIENT_ID,
        slack_client_secret=FakeSlack.CLIENT_SECRET,
        database_url=database_url,
        slack_api_url=fake_slack.api_url,
        respect_working_hours=False,
        slack_timeout=3.0,
        claim_lease=timedelta(seconds=10),
        strict_transactions=True,
    )
    runtime = Runtime.build(settings, clock=clock)
    migrate(runtime.engine)
    app = create_app(runtime)
    server = waitress.create_server(
        KeptWSGI(app, runtime), host="127.0.0.1", port=0, threads=4, ident="kept-test"
    )

    def serve() -> None:
        with contextlib.suppress(OSError):
            server.run()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = server.effective_port  # type: ignore[union-attr]
    yield OAuthBot(base=f"http://127.0.0.1:{port}", fake=fake_slack, runtime=runtime)
    server.close()
    thread.join(timeout=5)
    app.listener_runner.listener_executor.shutdown(wait=True)
    runtime.engine.dispose()
    assert not runtime.guard.refused, runtime.guard.refused


def test_the_built_in_scopes_are_the_manifests() -> None:
    assert manifest_bot_scopes() == DEFAULT_BOT_SCOPES


def test_install_page_redirects_to_slack_with_the_manifest_scopes_and_a_state(
    oauth_bot: OAuthBot,
) -> None:
    response = oauth_bot.get("/slack/install")
    assert response.status == 302
    location = response.getheader("Location") or ""
    assert location.startswith("https://slack.com/oauth/v2/authorize?")
    query = _query(location)
    assert query["client_id"] == FakeSlack.CLIENT_ID
    assert query["scope"].split(",") == list(manifest_bot_scopes())
    assert len(query["state"]) >= 32
    # the browser keeps the state in a cookie: the redirect must come back from this browser
    assert f"={query['state']}" in (response.getheader("Set-Cookie") or "")


def test_the_redirect_stores_the_installation_and_commands_use_its_token(
    oauth_bot: OAuthBot,
) -> None:
    fake, runtime = oauth_bot.fake, oauth_bot.runtime
    fake.add_install_code("code-acme", ACME, name="Acme")
    done = oauth_bot.install("code-acme")
    assert done.status == 200
    exchange = fake.calls("oauth.v2.access")
    assert [c.params.get("code") for c in exchange] == ["code-acme"] and exchange[0].ok
    token = fake.token_of(ACME)
    assert token is not None and token != fake.bot_token
    assert runtime.installations is not None
    assert runtime.installations.bot_for(ACME).bot_token == token

    reply = oauth_bot.command("call Jane Doe back by tomorrow 5pm", team=ACME, user=ANNA)
    assert "Jane Doe" in str(reply)
    lookups = fake.calls("users.info")
    assert lookups and {c.token for c in lookups} == {token}
    with runtime.readers() as session:
        promise = session.scalars(select(Promise)).one()
    assert promise.team_id == ACME and promise.owner_id == ANNA

    # the scheduler sends Acme's nudge with Acme's token
    runtime.clock.set(promise.deadline + timedelta(minutes=1))  # type: ignore[attr-defined]
    run_pass(runtime)
    posted = [c for c in fake.calls("chat.postMessage") if c.ok]
    assert posted and {c.token for c in posted} == {token}


def test_two_workspaces_never_see_each_others_promises(oauth_bot: OAuthBot) -> None:
    fake = oauth_bot.fake
    fake.add_install_code("code-acme", ACME)
    fake.add_install_code("code-globex", GLOBEX)
    assert oauth_bot.install("code-acme").status == 200
    assert oauth_bot.install("code-globex").status == 200
    oauth_bot.command("send Acme the revised quote by tomorrow", team=ACME, user=ANNA)
    listed = oauth_bot.command("list", team=GLOBEX, user=BERT)
    assert "revised quote" not in str(listed)
    # a user id from the other workspace is unknown here, even to Slack
    other = oauth_bot.command(f"list <@{ANNA}>", team=GLOBEX, user=BERT)
    assert "revised quote" not in str(other)
    assert {c.token for c in fake.calls("users.info") if c.params.get("user") == BERT} == {
        fake.token_of(GLOBEX)
    }


def test_an_org_wide_install_serves_each_workspace_apart(oauth_bot: OAuthBot) -> None:
    fake, runtime = oauth_bot.fake, oauth_bot.runtime
    fake.add_install_code("code-org", None, enterprise_id=ORG, org_wide=True)
    assert oauth_bot.install("code-org").status == 200
    org_token = fake.token_of(ORG)
    north = oauth_bot.command(
        "call the North candidate back by tomorrow", team=NORTH, user=NINA, enterprise=ORG
    )
    assert "North candidate" in str(north)
    south = oauth_bot.command("list", team=SOUTH, user=SVEN, enterprise=ORG)
    assert "North candidate" not in str(south)
    with runtime.readers() as session:
        promise = session.scalars(select(Promise)).one()
        seen = {w.team_id: w.enterprise_id for w in session.scalars(select(Workspace))}
    assert promise.team_id == NORTH
    assert seen == {NORTH: ORG, SOUTH: ORG}
    runtime.clock.set(promise.deadline + timedelta(minutes=1))  # type: ignore[attr-defined]
    run_pass(runtime)
    posted = [c for c in fake.calls("chat.postMessage") if c.ok]
    assert posted and {c.token for c in posted} == {org_token}


def test_a_rotating_token_is_refreshed_before_it_expires(oauth_bot: OAuthBot) -> None:
    fake, runtime = oauth_bot.fake, oauth_bot.runtime
    fake.add_install_code("code-acme", ACME, rotating=True, expires_in=600)
    assert oauth_bot.install("code-acme").status == 200
    first = fake.token_of(ACME)
    assert runtime.installations is not None
    bot = runtime.installations.bot_for(ACME)  # expires within the rotation margin: renewed
    refreshes = [c for c in fake.calls("oauth.v2.access") if c.params.get("grant_type")]
    assert len(refreshes) == 1 and refreshes[0].ok
    assert bot.bot_token != first and bot.bot_token == fake.token_of(ACME)
    assert bot.bot_token_expires_at and bot.bot_token_expires_at > datetime.now(UTC).timestamp()


def test_an_uninstalled_workspace_waits(oauth_bot: OAuthBot) -> None:
    """A delivery for a workspace with no installation is kept and retried later."""
    runtime = oauth_bot.runtime
    now = runtime.now()
    with runtime.sessions.begin() as session:
        session.add(
            Delivery(
                team_id="T0GONE",
                key="digest:T0GONE:U0X:1",
                promise_id=None,
                step="digest",
                recipient_id="U0X",
                due_at=now,
                created_at=now,
            )
        )
    result = run_pass(replace(runtime))
    with runtime.readers() as session:
        row = session.scalars(select(Delivery)).one()
    assert result.sent == 0
    assert row.status == "pending" and row.due_at > now
    assert "not installed" in (row.last_error or "")


# ------------------------------------------------- one client per workspace, no Slack in a write


def test_a_hand_off_to_someone_slack_is_slow_about_holds_nobody_up_in_oauth_mode(
    oauth_bot: OAuthBot,
) -> None:
    """OAuth mode looks the workspace's token up in Kept's database: that look-up shares
    Kept's sessions (no second write connection), and happens before the transaction."""
    fake, runtime = oauth_bot.fake, oauth_bot.runtime
    fake.add_install_code("code-acme", ACME)
    assert oauth_bot.install("code-acme").status == 200
    fake.add_user("U0SLOW", name="sam slow", team_id=ACME)
    fake.add_user("U0ALEX", name="alex", team_id=ACME)
    oauth_bot.command("call Jane Doe back by Friday", team=ACME, user=ANNA)
    oauth_bot.command("list", team=ACME, user="U0ALEX")  # Alex is known to Kept
    with runtime.readers() as session:
        promise = session.scalars(select(Promise)).one()
    fake.set_delay("users.info", 2.5)  # under the tests' 3 s Slack timeout
    assert runtime.installations is not None
    runtime.installations.forget_cached(ACME)  # the token is read from the database again
    outcome: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: outcome.update(
            reply=oauth_bot.command(f"handoff {promise.id} <@U0SLOW>", team=ACME, user=ANNA)
        )
    )
    began = time.monotonic()
    thread.start()
    time.sleep(1.2)
    started = time.monotonic()
    reply = oauth_bot.command("send Acme the revised quote by Friday", team=ACME, user="U0ALEX")
    answered = time.monotonic() - started
    assert "revised quote" in str(reply)
    assert answered < 1.0, f"another user's /promise took {answered:.2f}s"
    assert time.monotonic() - began < 2.5  # Slack was still thinking meanwhile
    thread.join(timeout=20)
    assert "U0SLOW" in str(outcome.get("reply")), outcome
    with runtime.readers() as session:
        assert session.get(Promise, promise.id).owner_id == "U0SLOW"  # type: ignore[union-attr]


def test_a_paused_workspace_resumes_after_a_reinstall_in_oauth_mode(oauth_bot: OAuthBot) -> None:
    from tests.slackreq import app_uninstalled_event, event_body

    fake, runtime = oauth_bot.fake, oauth_bot.runtime
    fake.add_install_code("code-acme", ACME)
    assert oauth_bot.install("code-acme").status == 200
    oauth_bot.command("call Jane Doe back in 2 hours", team=ACME, user=ANNA)
    first = fake.token_of(ACME)
    assert first is not None
    fake.revoke(first)
    uninstalled = post(
        f"{oauth_bot.base}/slack/events",
        event_body(app_uninstalled_event(), team_id=ACME),
        secret=SECRET,
        content_type="application/json",
    )
    assert uninstalled.status == 200
    runtime.clock.advance(hours=3)  # type: ignore[attr-defined]
    assert run_pass(runtime).claimed == 0  # paused: the nudge waits
    fake.add_install_code("code-acme-again", ACME)
    assert oauth_bot.install("code-acme-again").status == 200
    second = fake.token_of(ACME)
    assert second not in (None, first)
    oauth_bot.command("help", team=ACME, user=ANNA)  # Acme is back: checked with its new token
    checks = [c for c in fake.calls("auth.test") if c.token == second]
    assert checks and checks[-1].ok
    run_pass(runtime)
    nudges = [
        c
        for c in fake.calls("chat.postMessage")
        if c.ok and c.params.get("channel") == ANNA and "Jane Doe" in str(c.params)
    ]
    assert nudges and {c.token for c in nudges} == {second}


def test_supervisors_import_and_sync_reach_slack_with_the_workspaces_token(
    oauth_bot: OAuthBot, tmp_path: Any
) -> None:
    import io

    from bot.people.directory import import_supervisors, sync_people

    fake, runtime = oauth_bot.fake, oauth_bot.runtime
    fake.add_install_code("code-acme", ACME)
    assert oauth_bot.install("code-acme").status == 200
    token = fake.token_of(ACME)
    fake.add_user("U0LEAD", name="lena", team_id=ACME, email="lena@acme.example")
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(f"user,supervisor\n{ANNA},lena@acme.example\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert import_supervisors(runtime, csv_file, team_id=ACME, out=out, err=err) == 0, (
        err.getvalue()
    )
    assert "1 supervisor(s) set for team T0ACME" in out.getvalue()
    lookups = fake.calls("users.info") + fake.calls("users.lookupByEmail")
    assert lookups and {c.token for c in lookups} == {token}

    oauth_bot.command("call Jane Doe back by Friday", team=ACME, user=ANNA)
    fake.add_user(ANNA, name="anna", team_id=ACME, deleted=True)
    out = io.StringIO()
    assert sync_people(runtime, team_id=ACME, out=out, err=io.StringIO()) == 0
    assert f"{ANNA} is deactivated; 1 open promise(s) handed to U0LEAD" in out.getvalue()
    run_pass(runtime)  # the new owner is told through the outbox, with Acme's token
    told = [
        c for c in fake.calls("chat.postMessage") if c.ok and c.params.get("channel") == "U0LEAD"
    ]
    assert told and {c.token for c in told} == {token}


def test_an_org_wide_install_refuses_people_of_another_workspace_as_owner_cover_or_supervisor(
    oauth_bot: OAuthBot,
) -> None:
    """Enterprise Grid: an org-wide token sees everyone in the org, but a person of South
    may not take, cover or supervise North's promises (users.info's enterprise_user.teams)."""
    fake, runtime = oauth_bot.fake, oauth_bot.runtime
    fake.add_install_code("code-org", None, enterprise_id=ORG, org_wide=True)
    assert oauth_bot.install("code-org").status == 200
    fake.add_user("U0NOAH", name="noah", team_id=NORTH, is_admin=True)
    oauth_bot.command(
        "call the North candidate back by Friday", team=NORTH, user=NINA, enterprise=ORG
    )
    with runtime.readers() as session:
        promise = session.scalars(select(Promise)).one()
    refusals = [
        oauth_bot.command(f"handoff {promise.id} <@{SVEN}>", team=NORTH, user=NINA, enterprise=ORG),
        oauth_bot.command(f"away Dec 18 <@{SVEN}>", team=NORTH, user=NINA, enterprise=ORG),
        oauth_bot.command(
            f"supervisor <@{NINA}> <@{SVEN}>", team=NORTH, user="U0NOAH", enterprise=ORG
        ),
    ]
    for refused in refusals:
        assert "isn't a member of this workspace" in str(refused), refused
    with runtime.readers() as session:
        assert session.get(Promise, promise.id).owner_id == NINA  # type: ignore[union-attr]
        assert session.scalars(select(AwayPeriod)).all() == []
        assert supervisor_of(session, NORTH, NINA) is None
    # someone of North is fine
    accepted = oauth_bot.command(
        f"handoff {promise.id} <@U0NOAH>", team=NORTH, user=NINA, enterprise=ORG
    )
    assert "isn't a member" not in str(accepted)
    with runtime.readers() as session:
        assert session.get(Promise, promise.id).owner_id == "U0NOAH"  # type: ignore[union-attr]


def test_a_failed_install_shows_the_reason_escaped_once_and_logs_no_code(
    oauth_bot: OAuthBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    failed = oauth_bot.install("code-secret-4711")  # Slack never issued it: invalid_code
    assert failed.status == 401
    url = urllib.parse.urlsplit(oauth_bot.base)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    connection.request("GET", "/slack/oauth_redirect?error=" + urllib.parse.quote("<b>x&y</b>"))
    page = connection.getresponse().read().decode()
    connection.close()
    assert "&lt;b&gt;x&amp;y&lt;/b&gt;" in page and "&amp;lt;" not in page and "<b>x" not in page
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "an install failed: 'invalid_code'" in logged
    assert "code-secret-4711" not in logged


def _shape(table: Any) -> tuple[Any, ...]:
    columns = tuple((c.name, repr(c.type), c.nullable, c.primary_key) for c in table.columns)
    indexes = tuple(sorted((i.name, tuple(c.name for c in i.columns)) for i in table.indexes))
    return table.name, columns, indexes


def test_kept_declares_slack_sdks_oauth_tables_column_for_column() -> None:
    """Kept's store declares the OAuth tables itself (it imports nothing of Slack's SDK); the
    SDK's stores read and write them, so they must be exactly what the SDK builds. An SDK
    upgrade that changes them fails here, before a migration is missed."""
    sdk = MetaData()
    built = [
        SQLAlchemyInstallationStore.build_installations_table(
            sdk, SQLAlchemyInstallationStore.default_installations_table_name
        ),
        SQLAlchemyInstallationStore.build_bots_table(
            sdk, SQLAlchemyInstallationStore.default_bots_table_name
        ),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(
            sdk, SQLAlchemyOAuthStateStore.default_table_name
        ),
    ]
    ours = [SLACK_INSTALLATIONS, SLACK_BOTS, SLACK_OAUTH_STATES]
    assert [_shape(t) for t in ours] == [_shape(t) for t in built]
