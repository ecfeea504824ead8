"""OAuth installs ("Add to Slack"): Bolt's OAuthSettings over slack_sdk's SQLAlchemy
installation and state stores, in Kept's own database (tables from migration 0006).

Single-token mode (SLACK_BOT_TOKEN) stays the default; with SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET set, every workspace that installs Kept gets its own bot token, and
everything Kept sends for a workspace goes out with that workspace's token
(`Installations.bot_for`). Rotating tokens are refreshed before they expire.

Enterprise Grid: a workspace-level install is stored under (enterprise, team); an org-wide
install under the enterprise alone. Kept's data is always keyed by the workspace's team id,
so two workspaces of one org never see each other's promises, people or settings; the
`workspaces` table remembers which org a workspace belongs to, so the scheduler can find the
org-wide install's token for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Connection, desc, select
from sqlalchemy.orm import Session, sessionmaker

from bot.ops.oauth_pages import callback_options, keep_codes_out_of_logs
from bot.settings import Settings
from bot.slack.scopes import Scope
from bot.store.db import Sessions
from bot.store.models import SLACK_BOTS, Workspace

if TYPE_CHECKING:
    from slack_bolt import App

log = logging.getLogger("kept.oauth")
# no OAuth code in Kept's log, nor in slack_sdk's debug lines of the oauth.v2.access call
# (Bolt's OAuth flow logs through the app's logger, kept.bolt: bot/app.py)
keep_codes_out_of_logs(
    log, logging.getLogger("kept.bolt"), logging.getLogger("slack_sdk.web.base_client")
)

# The manifest's bot scopes, for installs from a packaged Kept without manifest.yml at hand;
# tests/test_oauth.py checks that they stay the same as manifest.yml's.
DEFAULT_BOT_SCOPES = tuple(scope.value for scope in Scope)
STATE_EXPIRES_SECONDS = 600
ROTATE_MINUTES_BEFORE = 120  # Bolt's default: refresh a rotating token two hours early
BOT_CACHE_SECONDS = 60.0


class NotInstalled(LookupError):
    """No bot token for this workspace: Kept was never installed there, or was removed."""


def find_manifest() -> Path | None:
    """manifest.yml in the working directory, else next to the source checkout."""
    for candidate in (Path.cwd() / "manifest.yml", Path(__file__).parents[2] / "manifest.yml"):
        if candidate.is_file():
            return candidate
    return None


def manifest_bot_scopes(path: Path | None = None) -> tuple[str, ...]:
    """The bot scopes manifest.yml asks for (DEFAULT_BOT_SCOPES without a manifest)."""
    path = path or find_manifest()
    if path is None:
        return DEFAULT_BOT_SCOPES
    manifest = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    scopes = ((manifest.get("oauth_config") or {}).get("scopes") or {}).get("bot") or []
    return tuple(str(s) for s in scopes)


class SharedEngine:
    """What slack_sdk's SQLAlchemy stores call on their `engine`, served by Kept's own
    sessions: `begin()` (their writes) is a write transaction of Kept's, through the writer
    gate like any other; `connect()` (their reads) a read-only connection, which on SQLite
    never waits for the writer. So an installation look-up never opens a second write
    connection (on SQLite it would wait on the request's own lock until the busy timeout)."""

    def __init__(self, sessions: Sessions, readers: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.readers = readers

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.sessions.begin() as session:
            yield session.connection()

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.readers() as session:
            yield session.connection()


class Installations:
    """Where the bot token of each workspace is found, refreshed and remembered."""

    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        readers: sessionmaker[Session],
        client: WebClient,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        assert settings.slack_client_id and settings.slack_client_secret
        self.client_id = settings.slack_client_id
        shared: Any = SharedEngine(sessions, readers)
        self.store = SQLAlchemyInstallationStore(
            client_id=settings.slack_client_id, engine=shared, logger=log
        )
        self.states = SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRES_SECONDS, engine=shared, logger=log
        )
        self.rotator = TokenRotator(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            client=client,
        )
        self.sessions = sessions
        self.readers = readers
        self.clock = clock
        self._lock = threading.Lock()
        self._orgs: dict[str, str | None] = {}  # team id -> enterprise id, as recorded
        self._bots: dict[str, tuple[float, Bot]] = {}  # team id -> (monotonic, bot)

    def oauth_settings(self, scopes: tuple[str, ...] | None = None) -> OAuthSettings:
        """Bolt's defaults: GET /slack/install redirects to Slack's authorize page (with the
        manifest's scopes and a state), GET /slack/oauth_redirect stores the installation."""
        return OAuthSettings(
            client_id=self.client_id,
            client_secret=self.rotator.client_secret,
            scopes=list(scopes or manifest_bot_scopes()),
            installation_store=self.store,
            state_store=self.states,
            install_page_rendering_enabled=False,
            token_rotation_expiration_minutes=ROTATE_MINUTES_BEFORE,
            callback_options=callback_options(),
            logger=log,
        )

    # ------------------------------------------------------------------ workspaces

    def remember(self, team_id: str | None, enterprise_id: str | None) -> None:
        """Note which org a workspace belongs to (once per process and workspace)."""
        if not team_id:
            return
        with self._lock:
            if team_id in self._orgs and self._orgs[team_id] == enterprise_id:
                return
        with self.sessions.begin() as session:
            row = session.get(Workspace, team_id)
            if row is None:
                session.add(
                    Workspace(team_id=team_id, enterprise_id=enterprise_id, seen_at=self.clock())
                )
            elif row.enterprise_id != enterprise_id:
                row.enterprise_id = enterprise_id
                row.seen_at = self.clock()
        with self._lock:
            self._orgs[team_id] = enterprise_id

    def enterprise_of(self, team_id: str) -> str | None:
        with self._lock:
            if team_id in self._orgs:
                return self._orgs[team_id]
        with self.readers() as session:
            row = session.get(Workspace, team_id)
            enterprise = row.enterprise_id if row is not None else None
            if row is None:  # not seen yet: a workspace install names its org itself
                enterprise = session.scalar(
                    select(SLACK_BOTS.c.enterprise_id)
                    .where(
                        SLACK_BOTS.c.client_id == self.client_id,
                        SLACK_BOTS.c.team_id == team_id,
                    )
                    .order_by(desc(SLACK_BOTS.c.installed_at))
                    .limit(1)
                )
        with self._lock:
            self._orgs[team_id] = enterprise
        return enterprise

    # ------------------------------------------------------------------ tokens

    def bot_for(self, team_id: str) -> Bot:
        """This workspace's bot (its token fresh); NotInstalled if there is none."""
        with self._lock:
            cached = self._bots.get(team_id)
        if cached is not None and time.monotonic() - cached[0] < BOT_CACHE_SECONDS:
            bot = cached[1]
            if not _expiring(bot):
                return bot
        enterprise = self.enterprise_of(team_id)
        bot = self.store.find_bot(enterprise_id=enterprise, team_id=team_id)
        if bot is None and enterprise is not None:
            bot = self.store.find_bot(
                enterprise_id=enterprise, team_id=None, is_enterprise_install=True
            )
        if bot is None or not bot.bot_token:
            raise NotInstalled(team_id)
        refreshed = self.rotator.perform_bot_token_rotation(
            bot=bot, minutes_before_expiration=ROTATE_MINUTES_BEFORE
        )
        if refreshed is not None:
            self.store.save_bot(refreshed)
            bot = refreshed
            log.info("rotated the bot token of %s", team_id)
        with self._lock:
            self._bots[team_id] = (time.monotonic(), bot)
        return bot

    def forget_cached(self, team_id: str) -> None:
        with self._lock:
            self._bots.pop(team_id, None)

    def teams(self) -> list[dict[str, Any]]:
        """Every installation's latest bot: for `kept doctor`."""
        with self.readers() as session:
            rows = session.execute(
                select(
                    SLACK_BOTS.c.enterprise_id,
                    SLACK_BOTS.c.team_id,
                    SLACK_BOTS.c.team_name,
                    SLACK_BOTS.c.is_enterprise_install,
                    SLACK_BOTS.c.installed_at,
                )
                .where(SLACK_BOTS.c.client_id == self.client_id)
                .order_by(SLACK_BOTS.c.installed_at)
            ).all()
        latest: dict[tuple[str | None, str | None], dict[str, Any]] = {}
        for enterprise, team, name, org_wide, at in rows:
            latest[(enterprise, team)] = {
                "enterprise_id": enterprise,
                "team_id": team,
                "team_name": name,
                "is_enterprise_install": bool(org_wide),
                "installed_at": at,
            }
        return list(latest.values())


def _expiring(bot: Bot) -> bool:
    expires = bot.bot_token_expires_at
    return expires is not None and expires <= time.time() + ROTATE_MINUTES_BEFORE * 60


def remember_workspaces(app: App, installations: Installations) -> None:
    """A Bolt middleware recording each request's workspace and org (OAuth mode)."""

    def record(context: Any, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name
        try:
            installations.remember(context.team_id, context.enterprise_id)
        except Exception:  # noqa: BLE001 - bookkeeping must never fail a request
            log.exception("could not record workspace %s", context.team_id)
        return next()

    app.use(record)


def utc(moment: datetime | None) -> datetime | None:
    """slack_sdk stores naive UTC datetimes: make them aware."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
