"""Text to and from Slack: decoded once on the way in, stored plain, escaped once on the way out.

Slack sends the text of slash commands, shortcuts and message events with `&`, `<` and `>`
escaped as `&amp;`, `&lt;` and `&gt;`, and with references in angle brackets: `<@U123|jane>`,
`<#C123|sales>`, `<https://example.com|the quote>`, `<!here>`. `from_slack` turns that into the
text a person would read; `escape` prepares plain text for mrkdwn. Form inputs
(`plain_text_input` values) arrive unescaped and need no decoding. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# <@U123>, <@U123|name>, <#C123|name>, <!here>, <!subteam^S1|@team>, <!date^…|fallback>,
# <https://…|label>, <mailto:…|label>
_REFERENCE = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")

# A function that names a Slack user id (e.g. from the profile cache); None when unknown.
NameOf = Callable[[str], str | None]


def unescape(text: str) -> str:
    """Undo Slack's three escapes (and only those, `&amp;` last)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _readable(match: re.Match[str], name_of: NameOf | None) -> str:
    sigil, target, label = match.group(1), match.group(2), match.group(3)
    if sigil == "@":
        name = label or (name_of(target) if name_of else None)
        return f"@{name or target}"
    if sigil == "#":
        return f"#{label or target}"
    if sigil == "!":
        if label:
            return label if label.startswith("@") or target.startswith("date") else f"@{label}"
        return f"@{target.split('^')[0]}"
    if target.startswith("mailto:"):
        return label or target[len("mailto:") :]
    if label and label != target:
        return f"{label} ({target})"
    return target


def from_slack(text: str | None, *, name_of: NameOf | None = None) -> str:
    """Slack's escaped text -> plain text a person reads: `Acme &amp; Co` -> `Acme & Co`,
    `<@U1|jane>` -> `@jane`, `<#C1|sales>` -> `#sales`, `<https://x.io|quote>` ->
    `quote (https://x.io)`. `name_of` names users mentioned without a label."""
    if not text:
        return ""
    out: list[str] = []
    last = 0
    for match in _REFERENCE.finditer(text):
        out.append(unescape(text[last : match.start()]))
        out.append(unescape(_readable(match, name_of)))
        last = match.end()
    out.append(unescape(text[last:]))
    return "".join(out)


def user_ids_in(text: str) -> list[str]:
    """The user ids mentioned in Slack's text (`<@U1>`, `<@W2|name>`), in order."""
    return [m.group(2) for m in _REFERENCE.finditer(text or "") if m.group(1) == "@" and m.group(2)]


# ------------------------------------------------------------------ user text out to mrkdwn

# an emoji code a cut must not split (`:palm_tree:`, `:+1:`, `:skin-tone-2:`)
_EMOJI_CODE = re.compile(r":[a-z0-9_+'-]{1,100}:")
ELLIPSIS = "…"


def _escaped_length(text: str) -> int:
    return len(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))


def _safe_cut(text: str, cut: int) -> int:
    """`cut` moved back so it never splits an emoji code or a surrogate/combining pair."""
    for match in _EMOJI_CODE.finditer(text, max(0, cut - 102), min(len(text), cut + 102)):
        if match.start() < cut < match.end():
            cut = match.start()
            break
    while 0 < cut < len(text) and (_is_joiner(text[cut]) or text[cut - 1] == "\u200d"):
        cut -= 1  # never split an emoji sequence (👩🏽‍💻) or a letter from its accent
    return cut


def _is_joiner(char: str) -> bool:
    """A character that belongs to the one before it (a combining mark, a joiner, a variation
    selector, an emoji skin tone)."""
    code = ord(char)
    return (
        0x0300 <= code <= 0x036F
        or code in (0x200D, 0xFE0F, 0xFE0E)
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xDC00 <= code <= 0xDFFF
    )


def cut_plain(text: str, limit: int) -> str:
    """Plain text cut to at most `limit` characters (an ellipsis included), never inside an
    emoji code; unchanged when it fits."""
    if len(text) <= limit:
        return text
    return text[: _safe_cut(text, max(limit - 1, 0))].rstrip() + ELLIPSIS


def mrkdwn(text: str | None, limit: int | None = None) -> str:
    """Text a person typed, rendered into mrkdwn as text: `&`, `<`, `>` escaped, so a
    `<!channel>`, `<!here>`, `<@U…>` or `<https://…|label>` they wrote stays visible text and
    never becomes a live mention or a disguised link. With `limit`, the *escaped* result fits in
    `limit` characters: the plain text is cut first (never inside an emoji code), escaped after,
    so a cut never lands inside an `&amp;`."""
    plain = text or ""
    if limit is None or _escaped_length(plain) <= limit:
        return escape(plain)
    keep = min(len(plain), limit)
    while keep > 0 and _escaped_length(plain[:keep]) > limit - 1:
        # shrink by what is over, at least one character
        keep -= max(1, (_escaped_length(plain[:keep]) - (limit - 1)) // 5)
    keep = _safe_cut(plain, keep)
    return escape(plain[:keep].rstrip()) + ELLIPSIS


def code_block(text: str | None, limit: int) -> str:
    """User text inside a ``` fence that always closes: escaped, fitted to `limit` characters
    with the fences, and a ``` the person typed broken up so it cannot end the block early."""
    inner = mrkdwn((text or "").replace("```", "`\u200b`\u200b`"), max(limit - 6, 1))
    return f"```{inner}```"


def cut_markup(text: str, limit: int) -> str:
    """Kept's own mrkdwn cut to `limit` characters (a last resort: builders fit user text
    first): never inside a `<…>` reference, an `&amp;`-style escape or an emoji code, and a
    code fence left open is closed."""
    if len(text) <= limit:
        return text
    cut = max(limit - 4, 0)  # room for the ellipsis and a closing fence
    opened = text.rfind("<", 0, cut)
    if opened > text.rfind(">", 0, cut):
        cut = opened
    amp = text.rfind("&", max(0, cut - 6), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    cut = _safe_cut(text, cut)
    out = text[:cut].rstrip() + ELLIPSIS
    if out.count("```") % 2:
        out = out[: limit - 3] + "```"
    return out
