"""Every dependency pyproject.toml declares is used: imported by Kept's code, or listed below
with the reason it is needed without an import. A dependency nothing uses is weight to
install, audit and upgrade (dateparser was one)."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# distributions needed though no module of Kept imports them
NOT_IMPORTED = {
    "psycopg": "SQLAlchemy loads it for postgresql+psycopg:// URLs (bot.store.db)",
    "tzdata": "zoneinfo's time zone data where the system has none",
}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imported_top_levels() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "handlers", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module.split(".")[0])
    return found


def test_every_declared_dependency_is_used() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    names = {_name(requirement) for requirement in declared}
    by_module = packages_distributions()
    used = {
        dist.lower().replace("_", "-")
        for module in _imported_top_levels()
        for dist in by_module.get(module, [])
    }
    unused = sorted(name for name in names if name not in used and name not in NOT_IMPORTED)
    assert unused == [], f"declared in pyproject.toml but never imported: {unused}"
    stale = sorted(name for name in NOT_IMPORTED if name not in names)
    assert stale == [], f"NOT_IMPORTED lists what pyproject.toml no longer declares: {stale}"
