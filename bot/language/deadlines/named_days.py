"""Named days: holidays and the days before the big ones ("by Christmas Eve", "before
Thanksgiving", "by MLK Day", "the day before Good Friday").

Days on a fixed date (Christmas, New Year, Halloween...) are known everywhere.  The others come
from the `holidays` package for the workspace's countries (``KEPT_HOLIDAYS``): without a
country, or when the day is not one of its holidays, Kept asks for the date instead of guessing
whose Thanksgiving it is.  "before X" is the last working day before X; "by X" and "on X" are X.
"""

from __future__ import annotations

import re
from datetime import date

from bot.language.deadlines.clock import Clock
from bot.language.deadlines.context import Context
from bot.language.deadlines.model import DayResolver, DeadlineProblem, Issue, Outcome
from bot.language.deadlines.vocabulary import CI
from bot.language.workdays import previous_working_day

_A = r"['’]?"  # an optional apostrophe
NAMED_DAY = re.compile(
    r"(?<!\w)(?:(?<!day\s)(?<!days\s)(?<!week\s)(?<!weeks\s)(?<!hours\s)(?<!hour\s)"
    r"(?<!month\s)(?<!months\s)(?<!\bbd\s)(?P<hbefore>before|ahead\s+of|prior\s+to|in\s+advance\s+of)\s+)?(?:the\s+)?"
    r"(?P<hname>(?:christmas|xmas)\s+eve|new\s+year" + _A + r"s\s+eve|nye"
    r"|(?:christmas|xmas)(?:\s+day)?|new\s+year" + _A + r"s(?:\s+day)?|new\s+year(?!" + _A + r"s)"
    r"|thanksgiving(?:\s+day)?|mlk(?:\s+day)?|martin\s+luther\s+king(?:\s+jr\.?)?(?:\s+day)?"
    r"|presidents?" + _A + r"\s+day|washington" + _A + r"s\s+birthday|memorial\s+day"
    r"|labou?r\s+day|independence\s+day|juneteenth|columbus\s+day"
    r"|indigenous\s+peoples?" + _A + r"\s+day|veterans?" + _A + r"\s+day|good\s+friday"
    r"|easter(?:\s+(?:sunday|monday))?|boxing\s+day|halloween|valentine" + _A + r"s(?:\s+day)?"
    r"|st\.?\s+patrick" + _A + r"s(?:\s+day)?"
    r"|(?:early\s+may|spring|summer|late\s+summer|august)\s+bank\s+holiday"
    r"|victoria\s+day|canada\s+day|australia\s+day|anzac\s+day|remembrance\s+day"
    r"|whit\s+monday|ascension\s+day|day\s+of\s+german\s+unity|german\s+unity\s+day"
    r"|diwali|hanukkah|lunar\s+new\s+year|chinese\s+new\s+year)(?!\w)",
    CI,
)

# fixed dates, known whatever the country: (month, day)
_FIXED: dict[str, tuple[int, int]] = {
    "christmas eve": (12, 24),
    "new years eve": (12, 31),
    "nye": (12, 31),
    "christmas": (12, 25),
    "christmas day": (12, 25),
    "new years": (1, 1),
    "new years day": (1, 1),
    "new year": (1, 1),
    "halloween": (10, 31),
    "valentines": (2, 14),
    "valentines day": (2, 14),
    "st patricks": (3, 17),
    "st patricks day": (3, 17),
}
# what to look for in the holidays package's English names
_LOOK_FOR: dict[str, tuple[str, ...]] = {
    "mlk": ("martin luther king",),
    "mlk day": ("martin luther king",),
    "presidents day": ("washington", "president"),
    "president day": ("washington", "president"),
    "washingtons birthday": ("washington",),
    "labour day": ("labour day", "labor day"),
    "labor day": ("labor day", "labour day"),
    "easter": ("easter sunday",),
    "german unity day": ("german unity",),
    "day of german unity": ("german unity",),
    "indigenous peoples day": ("indigenous", "columbus"),
    "indigenous people day": ("indigenous", "columbus"),
    "veteran day": ("veterans",),
    "chinese new year": ("lunar new year", "chinese new year", "spring festival"),
}


def _key(name: str) -> str:
    name = re.sub(r"['’.]", "", name.lower())
    name = name.replace("xmas", "christmas")
    return " ".join(name.split())


def _looked_for(key: str) -> tuple[str, ...]:
    if key in _LOOK_FOR:
        return _LOOK_FOR[key]
    if key.startswith("martin luther king"):
        return ("martin luther king",)
    return (key.removesuffix(" day"),)


def _find(ctx: Context, key: str) -> date | None:
    """The next date (today included) of this named day in the workspace's calendars."""
    wanted = _looked_for(key)
    for year in (ctx.today.year, ctx.today.year + 1):
        for day, name in ctx.wd.holidays.named(year):
            if day >= ctx.today and any(w in _key(name) for w in wanted):
                return day
    return None


def named_day(m: re.Match[str], ctx: Context) -> tuple[DayResolver, bool] | None:
    written = " ".join(m["hname"].split())
    key = _key(written)
    day: date | None = None
    if key in _FIXED:
        month, dom = _FIXED[key]
        day = date(ctx.today.year, month, dom)
        if day < ctx.today:
            day = date(ctx.today.year + 1, month, dom)
    elif ctx.wd.holidays:
        day = _find(ctx, key)
    if day is None:
        codes = ", ".join(ctx.wd.holidays.codes)
        where = (
            f"“{written}” isn't a holiday in this workspace's calendar ({codes})"
            if codes
            else f"I don't know which country's “{written}” you mean"
        )
        issue = Issue(DeadlineProblem.UNCLEAR, f"{where}: what's the date?")
        return (lambda _clock: issue), False
    if m["hbefore"]:
        before = previous_working_day(day, ctx.wd)
        return _on(ctx, before), False
    return _on(ctx, day), False


def _on(ctx: Context, day: date) -> DayResolver:
    def resolve(clock: Clock | None) -> Outcome:
        return ctx.on(day, clock)

    return resolve
