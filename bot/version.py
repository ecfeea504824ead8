"""`kept --version`: the package version and the build it came from, so two installs of
0.1.0 can be told apart: `kept 0.1.0 (build 2d846f0)`.

The build is, first found: `bot/BUILD` (one line, written before packaging, e.g.
`git rev-parse --short HEAD > bot/BUILD`; shipped in the wheel), the commit of the git
checkout Kept runs from, or the commit pip recorded when Kept was installed from a git URL.
"""

from __future__ import annotations

import json
import subprocess
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

HERE = Path(__file__).resolve().parent


def version() -> str:
    try:
        dist = distribution("kept")
    except PackageNotFoundError:
        return f"unknown (not installed){_suffix(None)}"
    return f"{dist.version}{_suffix(dist)}"


def _suffix(dist: object) -> str:
    build = _stamped() or _checkout() or _pip_commit(dist)
    return f" (build {build})" if build else " (build unknown)"


def _stamped() -> str | None:
    stamp = HERE / "BUILD"
    if stamp.is_file():
        text = stamp.read_text(encoding="utf-8").strip().splitlines()
        return text[0][:64] if text else None
    return None


def _checkout() -> str | None:
    root = HERE.parent
    if not (root / ".git").exists():
        return None
    try:
        found = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty", "--abbrev=9"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None if found.returncode == 0 else None


def _pip_commit(dist: object) -> str | None:
    read = getattr(dist, "read_text", None)
    raw = read("direct_url.json") if read is not None else None
    if not raw:
        return None
    try:
        info = json.loads(raw)
    except ValueError:
        return None
    commit = (info.get("vcs_info") or {}).get("commit_id")
    return str(commit)[:9] if commit else None
