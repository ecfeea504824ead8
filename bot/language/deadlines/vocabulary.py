"""The words and patterns of deadline phrases: months, weekdays, numbers, clock times, spans."""

from __future__ import annotations

import re

# Vocabulary
# --------------------------------------------------------------------------------------------

MONTHS: dict[str, int] = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MAX_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MONTH_RE = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# any weekday, full or abbreviated (bot.language.cadence too)
WEEKDAY_RE = (
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?"
    r"|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
)
FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# one to twelve in words: clock hours, and counts of days or weeks (bot.language.cadence too)
HOUR_WORDS: dict[str, int] = {
    word: n
    for n, word in enumerate(
        (
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ),
        start=1,
    )
}
NUMBER_WORDS: dict[str, float] = {**HOUR_WORDS, "a": 1, "an": 1, "few": 3, "couple": 2}
HW = "|".join(HOUR_WORDS)
MINUTE_WORDS = {"half": 30, "quarter": 15, "five": 5, "ten": 10, "twenty": 20}

# A clock time.  Group names are unique per pattern; clock_from reads them.
TIME_RE = (
    r"(?:(?P<h>\d{1,2})(?:[:.](?P<mi>[0-5]\d))?\s*(?P<ap>[ap])\.?m\.?(?!\w)"
    r"|(?P<h24>[01]?\d|2[0-3]):(?P<mi24>[0-5]\d)(?:\s*(?:hrs|h)(?!\w))?(?![\d:])"
    r"|(?P<hhmm>(?:[01]\d|2[0-3])[0-5]\d)(?:\s*(?P<hrs>hrs|hours|h)(?!\w))?(?![\w:]|[.,/-]\d)"
    r"|(?P<rel>half|(?:a\s+)?quarter|twenty[-\s]five|twenty|ten|five|\d{1,2}(?:\s+minutes)?)"
    rf"\s+(?P<dir>past|after|to|till)\s+(?P<rh>\d{{1,2}}|{HW})(?!\w)"
    r"(?:\s*(?P<rap>[ap])\.?m\.?(?!\w))?"
    rf"|(?P<oh>\d{{1,2}}|{HW})\s*o['’]?\s?clock(?!\w)(?:\s*(?P<oap>[ap])\.?m\.?(?!\w))?"
    rf"|half\s+(?P<half>{HW}|\d{{1,2}})(?!\w|\s*(?:an?\s|hours?|days?|weeks?|months?|of\s))"
    r"|(?P<word>noon|midday|midnight|lunch\s*time|lunch))"
)
EOD_RE = (
    r"eod|cob|eob|e\.o\.d\.?|c\.o\.b\.?"
    r"|end\s+of\s+(?:the\s+)?(?:business\s+|working\s+|work\s+)?day"
    r"|close\s+of\s+(?:business|play)|end\s+of\s+business|end\s+of\s+play"
)

CI = re.IGNORECASE

TIME_ONLY = re.compile(rf"(?<![\w:./$£€#-]){TIME_RE}", CI)
TRAIL = re.compile(
    r"\s*,?\s*(?:between|from)\s+[\w:.]+(?:\s*[ap]\.?m\.?)?\s+(?:and|to|-)\s+"
    r"(?P<btw>\d{1,2})(?::(?P<btwm>[0-5]\d))?(?:\s*(?P<btwap>[ap])\.?m\.?)?(?!\w)"
    rf"|\s*,?\s*(?:(?:at|by|before|around|until|@)\s*)?{TIME_RE}"
    r"|\s*,?\s*(?:at|@|by|before|until|around)\s*(?P<bare>\d{1,2})(?=\s*(?:[.,;:!?)\]](?!\d)|\Z))"
    rf"|\s*,?\s*(?P<eod>{EOD_RE})(?!\w)"
    r"|\s*,?\s*(?:at\s+|by\s+|around\s+)?(?P<tsame>(?:this|the\s+same|same)\s+time)(?!\w)"
    r"|\s+(?:in\s+the\s+)?(?P<part>morning|afternoon|arvo|evening|night|lunchtime"
    r"|first\s+thing(?:\s+in\s+the\s+morning)?)(?!\w)",
    CI,
)
LEAD = re.compile(
    rf"(?:(?<![\w:./-]){TIME_RE}\s*,?\s*(?:on\s+)?"
    r"|(?<!\w)(?:by|at|before|@)\s*(?P<lbare>\d{1,2})\s*,?\s*(?:on\s+)?"
    r"|(?<!\w)(?P<same>(?:this|the\s+same|same)\s+time)\s*,?\s*(?:on\s+)?"
    r"|(?<!\w)(?P<first>first\s+thing(?:\s+in\s+the\s+morning)?)\s*,?\s*(?:on\s+)?"
    rf"|(?<!\w)(?:{EOD_RE}|end\s+of(?:\s+the)?(?:\s+day)?)\s*,?\s*(?:on\s+)?)\Z",
    CI,
)
STRONG_INTROS = (
    r"due\s+(?:by|on|before|until|in|within)|due|no\s+later\s+than|not\s+later\s+than"
    r"|latest\s+by|by|before|on|within|in|over|until|till|til"
)
WEAK_INTROS = r"during|for|at|around|after"
INTRO = re.compile(
    rf"(?:(?<!\w)(?P<strong>{STRONG_INTROS})|(?<!\w)(?P<weak>{WEAK_INTROS}))\s+\Z|(?P<at>@)\s*\Z",
    CI,
)
SPAN_INTRO_WORDS = frozenset({"in", "within", "over", "during", "for"})

ISO_DT = re.compile(
    r"(?<![\w:.-])(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,6})\d*)?)?"
    r"(?:\s*(?P<z>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)(?!\w))?(?![\w:])",
    CI,
)
ISO_DATE = re.compile(
    r"(?<![\w:.-])(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\w/-])",
    CI,
)
NUMERIC_DATE = re.compile(
    r"(?<![\w/.:$£€#-])(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})"
    r"(?:(?P=sep)(?P<y>\d{4}|\d{2}))?(?![\w/]|[.,]\d)",
    CI,
)
MONTH_DAY = re.compile(
    rf"(?<!\w)(?P<mon>{MONTH_RE})\.?\s+(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\w)"
    r"(?:,?\s+(?P<year>\d{4})(?![\w:]))?",
    CI,
)
DAY_MONTH = re.compile(
    rf"(?<![\w/.:-])(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?(?P<mon>{MONTH_RE})"
    r"(?!\w)\.?(?:,?\s+(?P<year>\d{4})(?![\w:]))?",
    CI,
)
ORDINAL = re.compile(
    r"(?<!\w)the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)(?!\w)"
    r"(?:\s+of\s+(?P<which>this|next|the\s+month)(?:\s+month)?(?!\w))?"
    # "on the 3rd floor" is not a date: reject when a noun-like word follows.
    r"(?!\s+(?!(?:at|by|before|until|and|or|then|to|please|latest|eod|cob|end|so|if|when|for"
    r"|in|with|about|re|morning|afternoon|evening|noon|first)(?!\w))[a-z])",
    CI,
)
WEEKDAY = re.compile(
    rf"(?<!\w)(?:(?P<mod>this\s+coming|this|next|coming)\s+)?(?P<wd>{WEEKDAY_RE})(?!\w)", CI
)
WEEKDAY_WEEK = re.compile(
    r"(?<!\w)(?:a\s+week\s+(?:on\s+|from\s+|after\s+|this\s+|next\s+)?"
    rf"(?P<wa>{WEEKDAY_RE}|today|tomorrow)"
    rf"|(?P<wb>{WEEKDAY_RE})\s+(?:week|after\s+next)"
    rf"|(?:the\s+)?(?P<wc>{WEEKDAY_RE})\s+(?:of\s+|in\s+)?next\s+week"
    rf"|next\s+week(?:\s+on|,)?\s+(?P<wn>{WEEKDAY_RE})"
    rf"|(?P<wt>{WEEKDAY_RE})\s+(?:of\s+)?this\s+week"
    r"|(?P<wr>today|tomorrow)\s+week"
    rf"|(?P<wf>{WEEKDAY_RE})\s+fortnight|(?:a\s+)?fortnight\s+(?:on\s+)?(?P<wf2>{WEEKDAY_RE}))(?!\w)",
    CI,
)
RELDAY = re.compile(
    r"(?<!\w)(?:(?P<rel>(?:the\s+)?day\s+after\s+tomorrow|today|tonight|tomorrow|tomorow"
    r"|tmrw|tmr|tmrow|yesterday)(?:\s+(?P<part>morning|afternoon|evening|night|noon|midday"
    r"|lunchtime|lunch))?|this\s+(?P<this>morning|afternoon|evening))(?!\w)",
    CI,
)
PAST_REF = re.compile(
    rf"(?<!\w)(?:(?:last|past|previous)\s+(?P<pwd>{WEEKDAY_RE})"
    r"|(?:the\s+)?(?:last|past|previous)\s+(?P<pper>week(?:end)?|month|year|night)"
    r"|(?:the\s+)?(?:last|past|previous)\s+(?P<pn2>\d{1,4}|two|three|four|five|six|seven"
    r"|few|couple\s+of)\s+(?P<pu2>minutes|hours|days|weeks|months|years)"
    r"|(?P<pn>\d{1,4}|an?|one|two|three|four|five|six|seven|eight|nine|ten|a\s+few"
    r"|a\s+couple\s+of)\s*(?P<pu>minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)"
    r"\s+ago|(?P<pdby>(?:the\s+)?day\s+before\s+yesterday)|(?P<pearly>earlier\s+today))(?!\w)",
    CI,
)
EOD_WORDS = re.compile(rf"(?<!\w)(?:{EOD_RE})(?!\w)", CI)
THIS_WEEK = re.compile(
    r"(?<!\w)(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:work(?:ing)?\s+)?week"
    r"|eow|e\.o\.w\.?|this\s+week)(?!\w)",
    CI,
)
NEXT_WEEK = re.compile(r"(?<!\w)(?:(?:the\s+)?end\s+of\s+)?next\s+week(?!\w)", CI)
WEEK_AFTER_NEXT = re.compile(
    r"(?<!\w)(?:(?:the\s+)?end\s+of\s+)?(?:the\s+)?week\s+after\s+next(?!\w)", CI
)
PART_OF_WEEK = re.compile(
    r"(?<!\w)(?P<pw>early|mid|(?:the\s+)?middle\s+of|late|later)\s*-?\s*"
    r"(?:(?:the\s+)?(?P<pwn>next|this|the)\s+)?week(?!\w)",
    CI,
)
WEEKEND = re.compile(
    r"(?<!\w)(?P<wkp>by|before|over|during|at|on|this)\s+(?:the\s+)?weekend(?!\w)", CI
)
THIS_MONTH = re.compile(
    r"(?<!\w)(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|eom|e\.o\.m\.?"
    r"|(?:the\s+)?month[-\s]end)(?!\w)",
    CI,
)
NEXT_MONTH = re.compile(r"(?<!\w)(?:(?:the\s+)?end\s+of\s+)?next\s+month(?!\w)", CI)
END_OF_PERIOD = re.compile(
    r"(?<!\w)(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?P<eper>quarter|year)"
    r"|(?:the\s+|this\s+)?(?P<eper2>quarter|year)[-\s]end"
    r"|(?P<eabbr>eoq|eoy)|(?:the\s+)?end\s+of\s+next\s+(?P<enext>quarter|year)"
    r"|(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?P<fisc>fiscal|financial)\s+year"
    r"|(?:the\s+)?(?P<fisc2>fiscal|financial)\s+year[-\s]end|(?P<fye>fye|eofy)"
    r"|(?:the\s+)?end\s+of\s+(?:the\s+)?(?:fiscal\s+|fy\s*)?q(?P<qn>[1-4])"
    r"|(?:the\s+)?end\s+of\s+(?:the\s+)?(?P<qord>first|second|third|fourth|1st|2nd|3rd|4th)"
    r"\s+(?:fiscal\s+)?quarter"
    r"|(?:the\s+)?q(?P<qn2>[1-4])[-\s]end"
    rf"|(?:the\s+)?end\s+of\s+(?P<emon>{MONTH_RE}))(?!\w)",
    CI,
)
FIRST_THING = re.compile(
    r"(?<!\w)(?:first\s+thing(?:\s+in\s+the\s+morning)?|(?:by|in)\s+the\s+morning"
    r"|by\s+morning)(?!\w)",
    CI,
)
WITHIN_HOUR = re.compile(r"(?<!\w)within\s+the\s+(?:next\s+)?(?P<wu>hour|day)(?!\w)", CI)
BARE_HOUR = re.compile(
    r"(?<!\w)(?:by|at|before|until|till|@)\s*(?P<bh>\d{1,2})(?::(?P<bm>[0-5]\d))?"
    r"(?=\s*(?:[.,;:!?)\]](?!\d)|\Z|(?:and|then|please|pls|latest)(?!\w)))",
    CI,
)
NUM_RE = (
    r"\d{1,3}[.,]\d{1,2}(?=\s*[a-z])|\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|a\s+couple\s+of|couple\s+of|a\s+couple|a\s+few|few|half\s+an?|an?"
)
UNIT_RE = (
    r"(?:working|business|work)\s+days?|minutes?|mins?|hours?|hrs?|h|days?|weeks?|wks?"
    r"|fortnights?|months?|years?|yrs?"
)
SPAN = re.compile(
    rf"(?<![\w.])(?:(?P<next>(?:the\s+)?next)\s+(?:(?P<n1>{NUM_RE})\s*)?|(?P<n2>{NUM_RE})\s*)"
    rf"(?P<unit>{UNIT_RE})(?!\w)(?:['’]?s?\s+time(?!\w))?(?P<fromnow>\s+from\s+(?:now|today))?",
    CI,
)
LOOSE_MONTH = re.compile(
    r"(?<!\w)(?:January|February|March|April|June|July|August|September|October|November"
    r"|December|jan(?:uary)?|feb(?:ruary)?|apr(?:il)?|june|july|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?!\w)"
)

TRAILING_WORD = re.compile(r"(?<!\w)(?:by|before|due|until|till)\Z", CI)
CONNECTOR_CHARS = " \t\r\n\v\f,;:-\u2013\u2014"
ZONE_GAP = re.compile(r"[\s(,]{0,3}\Z")


def count_of(raw: str | None) -> float:
    if raw is None:
        return 1
    raw = " ".join(raw.lower().split())
    if raw.isdigit():
        return int(raw)
    if raw[:1].isdigit():
        return float(raw.replace(",", "."))  # "1.5 hours", "2,5 Stunden"
    if raw.startswith("half"):
        return 0.5
    for word in ("couple", "few"):
        if word in raw:
            return NUMBER_WORDS[word]
    return NUMBER_WORDS.get(raw, 1)


# "same time next week": the same weekday next week (not the end of next week)
SAME_TIME_NEXT_WEEK = re.compile(
    r"(?:(?<=same\stime\s)|(?<=this\stime\s))next\s+week(?!\w)"
    r"|(?<!\w)next\s+week(?=\s*,?\s*(?:at\s+)?(?:this|the\s+same|same)\s+time(?!\w))",
    CI,
)
NEXT_WORKING_DAY = re.compile(
    r"(?<!\w)(?:the\s+)?(?:next|following)\s+(?:business|working|work)\s+day(?!\w)", CI
)
