"""Buttons on Kept's messages, one module per surface."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers.actions import capture, lists, reminders


def register(app: App, runtime: Runtime) -> None:
    capture.register(app, runtime)
    reminders.register(app, runtime)
    lists.register(app, runtime)
