"""How an owner writes numeric dates (4/11), from their Slack locale."""

from __future__ import annotations

from bot.language.deadlines.model import DateOrder

# Locale
# --------------------------------------------------------------------------------------------

MONTH_FIRST_LOCALES = frozenset({"en-us", "es-us", "en-ph"})
MONTH_FIRST_LANGUAGES = frozenset({"ja", "zh", "ko"})
DAY_FIRST_ENGLISH = frozenset(
    {
        "en-gb",
        "en-au",
        "en-in",
        "en-nz",
        "en-ie",
        "en-za",
        "en-sg",
        "en-hk",
        "en-ng",
        "en-ke",
        "en-pk",
        "en-my",
    }
)
DAY_FIRST_LANGUAGES = frozenset(
    {"de", "fr", "es", "it", "pt", "ru", "nl", "pl", "tr", "sv", "da", "nb", "nn", "no", "fi"}
    | {"cs", "sk", "uk", "el", "id", "vi", "he", "ar", "ro", "hu", "bg", "hr", "sr", "sl"}
    | {"lt", "lv", "et", "ca", "gl", "eu", "ms", "th"}
)
UNSETTLED_LOCALES = frozenset({"en-ca", "fr-ca"})  # both orders are common there


def date_order(locale: str | None) -> DateOrder | None:
    """How the owner writes numeric dates, from their Slack locale; None when unknown."""
    if not locale or not isinstance(locale, str):
        return None
    loc = locale.strip().replace("_", "-").lower()
    if loc in UNSETTLED_LOCALES:
        return None
    if loc in MONTH_FIRST_LOCALES:
        return DateOrder.MONTH_FIRST
    if loc in DAY_FIRST_ENGLISH:
        return DateOrder.DAY_FIRST
    language = loc.split("-")[0]
    if language in MONTH_FIRST_LANGUAGES:
        return DateOrder.MONTH_FIRST
    if language in DAY_FIRST_LANGUAGES:
        return DateOrder.DAY_FIRST
    return None
