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
