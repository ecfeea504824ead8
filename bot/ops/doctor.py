"""`kept doctor`: check a real install before its symptoms show up days later as reminders
that never came. One line per check; `problems()` decides the exit code.

Checks: the settings (secrets masked), the database (reachable, at the latest migration),
the Slack token (`auth.test`), the scopes it was granted (`x-oauth-scopes`) against
manifest.yml's bot scopes, the manifest's request URLs (still placeholders?), and the clock
against the `Date` header of Slack's answer.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.ops.oauth import Installations, NotInstalled, find_manifest, manifest_bot_scopes
from bot.settings import Settings, redact_url
from bot.slack.client import make_client
from bot.store.db import make_engine, make_reader_factory, make_session_factory, ping
from bot.store.migrate import current_revision, head_revision

MAX_CLOCK_SKEW = 5.0  # seconds
PLACEHOLDER = re.compile(r"YOUR-HOST|example\.com|localhost", re.I)


class Verdict(StrEnum):
    OK = "ok"
    WARN = "warn"  # worth knowing, not a failure
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    name: str
    verdict: Verdict
    detail: str

    def line(self) -> str:
        return f"{self.verdict.value:<4}  {self.name}: {self.detail}"


def mask(secret: str | None) -> str:
    """`xoxb-… (sha256 1a2b3c4d)`: the kind of token and a fingerprint, enough to tell two
    apart (compare with `printf %s "$TOKEN" | sha256sum`), with no character of the secret."""
    if not secret:
        return "(not set)"
    prefix = secret.split("-", 1)[0] + "-…" if secret[:5] in {"xoxb-", "xoxp-", "xapp-"} else ""
    fingerprint = hashlib.sha256(secret.encode()).hexdigest()[:8]
    return f"{prefix or '****'} (sha256 {fingerprint})"


def settings_summary(settings: Settings) -> Check:
    mode = "OAuth (many workspaces)" if settings.oauth else "single token"
    transport = "Socket Mode" if settings.socket_mode else f"HTTP on port {settings.port}"
    parts = [
        f"{mode}, {transport}",
        f"SLACK_BOT_TOKEN={mask(settings.slack_bot_token)}",
        f"SLACK_SIGNING_SECRET={mask(settings.slack_signing_secret)}",
    ]
    if settings.oauth:
        parts.append(f"SLACK_CLIENT_ID={settings.slack_client_id}")
        parts.append(f"SLACK_CLIENT_SECRET={mask(settings.slack_client_secret)}")
    if settings.slack_app_token:
        parts.append(f"SLACK_APP_TOKEN={mask(settings.slack_app_token)}")
    parts += [
        f"DATABASE_URL={redact_url(settings.database_url)}",
        f"SLACK_API_URL={settings.slack_api_url}",
        f"KEPT_RETENTION_DAYS={settings.retention_days or 'keep'}",
        f"KEPT_LOG_FORMAT={settings.log_format.value}",
    ]
    return Check("settings", Verdict.OK, ", ".join(parts))


def check_database(settings: Settings) -> Check:
    try:
        engine = make_engine(settings.database_url)
    except Exception as error:  # noqa: BLE001 - a bad URL: say so in one line
        return Check("database", Verdict.FAIL, f"can't open DATABASE_URL ({error})")
    try:
        if not ping(engine):
            return Check(
                "database",
                Verdict.FAIL,
                f"{redact_url(settings.database_url)} is not reachable",
            )
        current, head = current_revision(engine), head_revision()
    finally:
        engine.dispose()
    if current != head:
        return Check(
            "database",
            Verdict.FAIL,
            f"at migration {current or 'none'}, the latest is {head}: run `kept migrate`",
        )
    return Check("database", Verdict.OK, f"reachable, at the latest migration ({head})")


def _header(response: SlackResponse, name: str) -> str | None:
    for key, value in (response.headers or {}).items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else str(value)
    return None


def check_slack(
    client: WebClient, wanted: tuple[str, ...], *, now: datetime, label: str = "token"
) -> list[Check]:
    """auth.test with this client's token: valid? granted scopes? clock?"""
    try:
        response = client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error")
        return [Check(label, Verdict.FAIL, f"Slack refused it ({code}): copy the token again")]
    except Exception as error:  # noqa: BLE001 - unreachable: one line
        return [Check(label, Verdict.FAIL, f"could not reach Slack at {client.base_url} ({error})")]
    team = f"{response.get('team')} ({response.get('team_id')})"
    checks = [Check(label, Verdict.OK, f"valid for {team} as bot {response.get('user_id')}")]
    granted_text = _header(response, "x-oauth-scopes")
    if granted_text is None:
        checks.append(Check("scopes", Verdict.WARN, "Slack did not say which scopes it granted"))
    else:
        granted = {s.strip() for s in granted_text.split(",") if s.strip()}
        missing = [s for s in wanted if s not in granted]
        extra = sorted(granted - set(wanted))
        if missing:
            checks.append(
                Check(
                    "scopes",
                    Verdict.FAIL,
                    f"missing {', '.join(missing)} (granted: {', '.join(sorted(granted))}): "
                    "reinstall the app so Slack grants the manifest's scopes",
                )
            )
        else:
            note = f"; also granted {', '.join(extra)}" if extra else ""
            checks.append(
                Check("scopes", Verdict.OK, f"all {len(wanted)} manifest scopes granted{note}")
            )
    checks.append(check_clock(_header(response, "date"), now))
    return checks


def check_clock(date_header: str | None, now: datetime) -> Check:
    if not date_header:
        return Check("clock", Verdict.WARN, "Slack's answer had no Date header to compare with")
    try:
        slack_now = parsedate_to_datetime(date_header).astimezone(UTC)
    except (TypeError, ValueError):
        return Check("clock", Verdict.WARN, f"can't read Slack's Date header {date_header!r}")
    skew = (now - slack_now).total_seconds()
    # the header has whole seconds: allow one more than the limit for the rounding
    if abs(skew) > MAX_CLOCK_SKEW + 1:
        ahead = "ahead of" if skew > 0 else "behind"
        return Check(
            "clock",
            Verdict.FAIL,
            f"this machine is {abs(skew):.0f}s {ahead} Slack: reminders would go out at the "
            "wrong time; turn on NTP (e.g. systemd-timesyncd)",
        )
    return Check("clock", Verdict.OK, f"within {MAX_CLOCK_SKEW:.0f}s of Slack ({skew:+.1f}s)")


def check_manifest(path: Path | None) -> tuple[Check, tuple[str, ...]]:
    if path is None:
        return (
            Check("manifest", Verdict.WARN, "manifest.yml not found: pass --manifest FILE"),
            manifest_bot_scopes(None),
        )
    try:
        manifest: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        return Check("manifest", Verdict.FAIL, f"can't read {path}: {error}"), ()
    urls = []
    features = manifest.get("features") or {}
    settings = manifest.get("settings") or {}
    urls += [c.get("url") for c in features.get("slash_commands") or []]
    urls.append((settings.get("event_subscriptions") or {}).get("request_url"))
    urls.append((settings.get("interactivity") or {}).get("request_url"))
    urls += list((manifest.get("oauth_config") or {}).get("redirect_urls") or [])
    placeholders = sorted({u for u in urls if u and PLACEHOLDER.search(u)})
    scopes = manifest_bot_scopes(path)
    if placeholders and not settings.get("socket_mode_enabled"):
        return (
            Check(
                "manifest",
                Verdict.FAIL,
                f"{path.name} still has placeholder request URLs ({', '.join(placeholders)}): "
                "put the public HTTPS address of `kept run` there and update the app",
            ),
            scopes,
        )
    return Check("manifest", Verdict.OK, f"{path.name}: request URLs set"), scopes


def run_checks(
    settings: Settings, *, manifest: Path | None = None, now: datetime | None = None
) -> list[Check]:
    now = now or datetime.now(UTC)
    checks = [settings_summary(settings)]
    manifest_check, wanted = check_manifest(manifest or find_manifest())
    checks.append(manifest_check)
    database = check_database(settings)
    checks.append(database)
    client = make_client(settings, retries=False)
    if not settings.oauth:
        checks += check_slack(client, wanted, now=now)
        return checks
    if database.verdict is not Verdict.OK:
        checks.append(Check("installations", Verdict.FAIL, "need the database to list them"))
        return checks
    checks += _check_installations(settings, client, wanted, now)
    return checks


def _check_installations(
    settings: Settings, client: WebClient, wanted: tuple[str, ...], now: datetime
) -> list[Check]:
    engine = make_engine(settings.database_url)
    try:
        installations = Installations(
            settings,
            make_session_factory(engine),
            make_reader_factory(engine),
            client,
            clock=lambda: now,
        )
        teams = installations.teams()
        if not teams:
            return [
                Check(
                    "installations",
                    Verdict.WARN,
                    "none yet: open /slack/install to add Kept to a workspace",
                )
            ]
        checks = [Check("installations", Verdict.OK, f"{len(teams)} workspace(s) or org(s)")]
        for team in teams:
            key = team["team_id"] or team["enterprise_id"]
            try:
                if team["team_id"]:
                    bot = installations.bot_for(team["team_id"])
                else:
                    found = installations.store.find_bot(
                        enterprise_id=team["enterprise_id"],
                        team_id=None,
                        is_enterprise_install=True,
                    )
                    if found is None:
                        raise NotInstalled(key)
                    bot = found
            except NotInstalled:
                checks.append(Check(f"token {key}", Verdict.FAIL, "no bot token stored"))
                continue
            team_client = WebClient(
                token=bot.bot_token, base_url=client.base_url, timeout=client.timeout
            )
            checks += check_slack(team_client, wanted, now=now, label=f"token {key}")
        return checks
    finally:
        engine.dispose()


def problems(checks: list[Check]) -> int:
    return sum(1 for c in checks if c.verdict is Verdict.FAIL)
