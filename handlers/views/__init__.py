"""Form (modal) submissions, one module per surface."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers.views import capture, reminders


def register(app: App, runtime: Runtime) -> None:
    capture.register(app, runtime)
    reminders.register(app, runtime)
