"""The owner's now, zone, working day and date order: what every phrase is resolved against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.language.deadlines.clock import Clock, show_day
from bot.language.deadlines.model import DateOrder, DeadlineProblem, Issue, OutOfRange
from bot.language.workdays import (
    WorkingDay,
    is_working_day,
    next_working_day,
)


@dataclass(frozen=True)
class Context:
    now: datetime  # aware, UTC
    tz: tzinfo
    local: datetime  # now in tz
    wd: WorkingDay
    order: DateOrder | None

    @property
    def clock_now(self) -> time:
        """The owner's time of day now, to the minute ("same time tomorrow")."""
        return time(self.local.hour, self.local.minute)

    @property
    def today(self) -> date:
        return self.local.date()

    def at(self, day: date, at: time | None = None) -> datetime:
        if not 2 <= day.year <= self.today.year + 6:
            raise OutOfRange(day)
        t = at if at is not None else self.wd.end
        naive = datetime(day.year, day.month, day.day, t.hour, t.minute, t.second, t.microsecond)
        return naive.replace(tzinfo=self.tz).astimezone(UTC)

    def on(self, day: date, clock: Clock | None) -> datetime:
        return self.at(day, clock.on_day(self.wd) if clock is not None else None)

    def end_of_or_next_working(self, day: date) -> datetime:
        """wd.end on ``day`` if it is a working day still ahead, else the next working day's."""
        if is_working_day(day, self.wd):
            end = self.at(day)
            if end > self.now:
                return end
        return self.at(next_working_day(day, self.wd))

    def next_working_at(self, clock: Clock) -> datetime:
        """The next moment (working days, from today) showing this clock inside working hours;
        a clock with no reading inside them: its nearest reading, today or tomorrow."""
        inside = [t for t in clock.options if self.wd.start <= t <= self.wd.end]
        if inside:
            day = self.today
            for _ in range(40):
                if is_working_day(day, self.wd):
                    for t in inside:
                        moment = self.at(day, t)
                        if moment > self.now:
                            return moment
                day += timedelta(days=1)
        t = clock.on_day(self.wd)
        moment = self.at(self.today, t)
        return moment if moment > self.now else self.at(self.today + timedelta(days=1), t)


def range_issue(ctx: Context, day: date) -> Issue:
    if day < ctx.today:
        return Issue(DeadlineProblem.PAST, f"{show_day(day)} is long gone")
    return Issue(
        DeadlineProblem.TOO_FAR,
        f"{show_day(day)} is more than 5 years away; I only track promises up to 5 years ahead",
    )
