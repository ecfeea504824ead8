"""Every Block Kit message, form and view Kept sends, as pure functions of plain data.

Grouped by surface; everything is re-exported here so callers write `messages.nudge(...)`."""

from bot.slack.messages.base import *  # noqa: F403
from bot.slack.messages.cadence import *  # noqa: F403
from bot.slack.messages.forms import *  # noqa: F403
from bot.slack.messages.home import *  # noqa: F403
from bot.slack.messages.ids import *  # noqa: F403
from bot.slack.messages.reminders import *  # noqa: F403
from bot.slack.messages.replies import *  # noqa: F403
from bot.slack.messages.reports import *  # noqa: F403
