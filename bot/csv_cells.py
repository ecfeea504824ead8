"""Every CSV Kept writes goes through here, so that no cell runs as a formula when the file is
opened in a spreadsheet (OWASP's "CSV injection" rule): a cell starting with `=`, `+`, `-`,
`@`, a tab or a carriage return gets a single quote in front (`'=HYPERLINK(…)`). Numbers Kept
writes itself (counts, ids, rates) are written as they are."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet will show it and never run it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer with every text cell neutralised."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
