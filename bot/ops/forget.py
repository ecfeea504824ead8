"""`kept forget`: erase a person or a counterpart's name from Kept's database (SPEC §4, §6).

Every table and column that can hold a person is listed in bot.store.personal; this walks
them all (promises, history, deliveries, replies kept for repeated requests, away periods,
channel settings, installations, cached profiles).

- A Slack user id (`U…`/`W…`): their cached profiles and away periods are deleted; where the
  id stands in others' rows it is replaced by one pseudonym (`gone-xxxxxxxx`, random, the same
  within one run), so history still reads "the same person did this" without saying who; a
  cover or supervisor role is emptied. In free text (descriptions, notes, replies, history)
  the id (`<@U…>`) and the name Kept had cached for them are replaced by the pseudonym too.
  Someone who still owns open promises is refused: hand those off first.
- A counterpart's name: replaced by `[forgotten]` in every text column and in history.

Matching is by whole words, in Python, with Unicode case folding and accents set aside
("Élodie Durand" finds "elodie durand" and "ÉLODIE DURAND"), the same on SQLite and
PostgreSQL; never inside a longer word or an id ("Sam" leaves "Samsung" alone, "Ann" leaves
"annual" and U0ANNA alone).

`dry_run` lists exactly what would change (and, for someone the real run would refuse, why)
and changes nothing. Messages already posted in Slack are not edited; delete them in Slack if
they must go too.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, delete, select, tuple_, update
from sqlalchemy.orm import Session

from bot.promises.service import KeptError
from bot.store.models import Base, DeliveryStatus, Promise, Status
from bot.store.personal import PERSONAL_DATA, Holds, OnForget

FORGOTTEN = "[forgotten]"
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
MIN_NAME = 2
BATCH = 1000
EXCERPT = 24  # characters shown either side of a change in the dry run


@dataclass(frozen=True)
class Change:
    what: str  # "promises 12", "people T0001/U0123"
    column: str | None  # None: the whole row is deleted
    before: str = ""
    after: str = ""

    def line(self) -> str:
        if self.column is None:
            return f"{self.what}: deleted"
        return f"{self.what} {self.column}: {self.before} -> {self.after}"


@dataclass
class ForgetResult:
    target: str
    replacement: str
    changes: list[Change] = field(default_factory=list)
    refusal: str | None = None  # why the real run refuses (set on a dry run only)
    plan: _Plan | None = None
    planned: list[_RowPlan] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len({c.what for c in self.changes})


def is_user_id(target: str) -> bool:
    return bool(USER_ID.match(target.strip()))


# ---------------------------------------------------------------------- matching words


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _folded(text: str) -> tuple[str, list[int]]:
    """`text` case-folded with accents set aside, and for each of its characters the index
    of the character of `text` it came from."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for folded in _fold_char(char):
            out.append(folded)
            origin.append(index)
    return "".join(out), origin


class Words:
    """Finds whole-word occurrences of any of some phrases, accent- and case-insensitively."""

    def __init__(self, phrases: Sequence[str]) -> None:
        parts = []
        for phrase in sorted({p for p in phrases if p.strip()}, key=len, reverse=True):
            words = _folded(phrase.strip())[0].split()
            parts.append(r"\s+".join(re.escape(w) for w in words))
        self.pattern = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)") if parts else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        if self.pattern is None or not text:
            return []
        folded, origin = _folded(text)
        found = []
        for match in self.pattern.finditer(folded):
            start, end = origin[match.start()], origin[match.end() - 1] + 1
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1  # a decomposed accent on the last letter goes with it
            found.append((start, end))
        return found

    def replace(self, text: str, replacement: str) -> str:
        spans = self.spans(text)
        for start, end in reversed(spans):
            text = text[:start] + replacement + text[end:]
        return text


def _excerpt(text: str, spans: list[tuple[int, int]]) -> str:
    pieces = []
    for start, end in spans:
        left, right = max(0, start - EXCERPT), min(len(text), end + EXCERPT)
        pieces.append(("…" if left else "") + text[left:right] + ("…" if right < len(text) else ""))
    return repr(" ".join(pieces))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _scrub(value: Any, words: Words, replacement: str) -> Any:
    """`value` (text, or JSON-like) with every whole-word match replaced; keys untouched."""
    if isinstance(value, str):
        return words.replace(value, replacement)
    if isinstance(value, list):
        return [_scrub(v, words, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, words, replacement) for k, v in value.items()}
    return value


def _shown(value: Any, words: Words, replacement: str) -> tuple[str, str]:
    """What a changed value looked like around each change, before and after."""
    befores, afters = [], []
    for text in _strings(value):
        spans = words.spans(text)
        if spans:
            befores.append(_excerpt(text, spans))
            after = words.replace(text, replacement)
            # the same places in the new text: shift each span by what came before it
            shifted, delta = [], 0
            for start, end in spans:
                shifted.append((start + delta, start + delta + len(replacement)))
                delta += len(replacement) - (end - start)
            afters.append(_excerpt(after, shifted))
    return " ".join(befores), " ".join(afters)


# ---------------------------------------------------------------------- walking the tables


@dataclass
class _Plan:
    """What one run erases: a user id (with the names cached for them) or a name."""

    replacement: str
    words: Words
    user_id: str | None = None


def _tables() -> Iterator[Table]:
    for name in PERSONAL_DATA:
        yield Base.metadata.tables[name]


def _rows(session: Session, table: Table, columns: list[str], team_id: str | None) -> Iterator[Any]:
    keys = list(table.primary_key.columns)
    query = select(*keys, *(table.c[c] for c in columns)).order_by(*keys)
    if team_id and "team_id" in table.c:
        query = query.where(table.c.team_id == team_id)
    last: tuple[Any, ...] | None = None
    while True:
        page = query
        if last is not None:
            page = page.where(tuple_(*keys) > tuple_(*last))
        batch = session.execute(page.limit(BATCH)).all()
        yield from batch
        if len(batch) < BATCH:
            return
        last = tuple(batch[-1][: len(keys)])


@dataclass
class _RowPlan:
    """One row to change: its table and primary key, and (at plan time) what changes."""

    table: Table
    key: tuple[Any, ...]
    changes: list[Change]
    new: dict[str, Any] | None  # None: the row is deleted


def _columns(table: Table, plan: _Plan) -> tuple[list[str], list[str]]:
    spec = PERSONAL_DATA[table.name]
    ids = [c for c, s in spec.items() if s.holds is Holds.PERSON] if plan.user_id else []
    texts = [c for c, s in spec.items() if s.holds in (Holds.TEXT, Holds.JSON)]
    return ids, texts


def _row_plan(
    session: Session, table: Table, key: tuple[Any, ...], values: dict[str, Any], plan: _Plan
) -> _RowPlan | None:
    """What forgetting does to one row with these values (None: nothing)."""
    spec = PERSONAL_DATA[table.name]
    ids, texts = _columns(table, plan)
    label = f"{table.name} {'/'.join(str(k) for k in key)}"
    new: dict[str, Any] = {}
    changes: list[Change] = []
    for column in ids:
        if values[column] != plan.user_id:
            continue
        action = spec[column].on_forget
        if action is OnForget.DELETE_ROW:
            return _RowPlan(table, key, [Change(label, None)], None)
        new[column] = None if action is OnForget.EMPTY else plan.replacement
        changes.append(Change(label, column, repr(values[column]), repr(new[column])))
    for column in texts:
        value = values[column]
        scrubbed = _scrub(value, plan.words, plan.replacement)
        if scrubbed == value:
            continue
        new[column] = scrubbed
        before, after = _shown(value, plan.words, plan.replacement)
        changes.append(Change(label, column, before, after))
    if table.name == "deliveries" and new.get("recipient_id") == plan.replacement:
        # a message still owed to someone forgotten is not sent
        status = session.execute(select(table.c.status).where(table.c.id == key[0])).scalar()
        if status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
            new["status"] = DeliveryStatus.SKIPPED
            changes.append(Change(label, "status", repr(str(status)), "'skipped'"))
    return _RowPlan(table, key, changes, new) if new else None


def _walk(session: Session, plan: _Plan, team_id: str | None) -> list[_RowPlan]:
    """Every row of every table that forgetting changes (reads only)."""
    rows: list[_RowPlan] = []
    for table in _tables():
        ids, texts = _columns(table, plan)
        columns = ids + texts
        if not columns:
            continue
        width = len(table.primary_key.columns)
        for row in _rows(session, table, columns, team_id):
            values = dict(zip(columns, row[width:], strict=True))
            planned = _row_plan(session, table, tuple(row[:width]), values, plan)
            if planned is not None:
                rows.append(planned)
    return rows


def _apply(session: Session, plan: _Plan, rows: list[_RowPlan]) -> None:
    """Write the planned rows, each re-read and re-planned as it is now (a row changed since
    the plan is forgotten as it stands)."""
    for planned in rows:
        table = planned.table
        keys = list(table.primary_key.columns)
        ids, texts = _columns(table, plan)
        where = [k == v for k, v in zip(keys, planned.key, strict=True)]
        current = session.execute(select(*(table.c[c] for c in ids + texts)).where(*where)).first()
        if current is None:
            continue
        now = _row_plan(
            session, table, planned.key, dict(zip(ids + texts, current, strict=True)), plan
        )
        if now is None:
            continue
        if now.new is None:
            session.execute(delete(table).where(*where))
        else:
            session.execute(update(table).where(*where).values(**now.new))


# ---------------------------------------------------------------------- the two kinds


def forget(
    session: Session, target: str, *, team_id: str | None = None, dry_run: bool = False
) -> ForgetResult:
    """Erase `target` (a user id or a counterpart's name). Raises KeptError when refused
    (on a dry run, the refusal is in the result instead, beside what would change).
    With dry_run the caller rolls back; nothing is written either way until it commits."""
    target = " ".join(target.split())
    if team_id is not None and not team_id.strip():
        raise KeptError("--team is empty: give a Slack team id (T…), or leave it out")
    if is_user_id(target):
        return _forget_user(session, target, team_id=team_id, dry_run=dry_run)
    if len(target) < MIN_NAME or not any(c.isalnum() for c in target):
        raise KeptError(f"{target!r} is too short to forget safely: give the full name")
    result = ForgetResult(target, FORGOTTEN)
    plan = _Plan(FORGOTTEN, Words([target]))
    _finish(session, result, plan, _walk(session, plan, team_id), dry_run)
    return result


def _finish(
    session: Session, result: ForgetResult, plan: _Plan, rows: list[_RowPlan], dry_run: bool
) -> None:
    result.changes = [change for row in rows for change in row.changes]
    result.plan, result.planned = plan, rows
    if not dry_run:
        _apply(session, plan, rows)


def apply(session: Session, result: ForgetResult, *, team_id: str | None = None) -> None:
    """Carry out a plan made by `forget(..., dry_run=True)` in a session of its own (a short
    write transaction: the scan ran before it, without holding a writer). A user who came to
    own an open promise since is refused."""
    if result.plan is None:
        return
    if result.plan.user_id is not None:
        refusal = _refusal(session, result.plan.user_id, team_id)
        if refusal is not None:
            raise KeptError(refusal)
    _apply(session, result.plan, result.planned)


def _refusal(session: Session, user_id: str, team_id: str | None) -> str | None:
    query = select(Promise.id).where(Promise.owner_id == user_id, Promise.status == Status.OPEN)
    if team_id:
        query = query.where(Promise.team_id == team_id)
    still_open = list(session.scalars(query.order_by(Promise.id)))
    if not still_open:
        return None
    ids = ", ".join(str(i) for i in still_open[:10])
    return (
        f"{user_id} still owns {len(still_open)} open promise(s) ({ids}): hand them off "
        "first (`/promise handoff <id> @someone`), then forget them"
    )


def _forget_user(
    session: Session, user_id: str, *, team_id: str | None, dry_run: bool
) -> ForgetResult:
    refusal = _refusal(session, user_id, team_id)
    if refusal is not None and not dry_run:
        raise KeptError(refusal)
    people = Base.metadata.tables["people"]
    names_query = select(people.c.name).where(people.c.user_id == user_id)
    if team_id:
        names_query = names_query.where(people.c.team_id == team_id)
    names = [n for n in session.scalars(names_query) if n and len(n.strip()) >= MIN_NAME]
    pseudonym = f"gone-{uuid.uuid4().hex[:8]}"
    plan = _Plan(pseudonym, Words([user_id, *names]), user_id=user_id)
    result = ForgetResult(user_id, pseudonym, refusal=refusal)
    _finish(session, result, plan, _walk(session, plan, team_id), dry_run)
    return result
