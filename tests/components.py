"""Real components the integration tests run against (BIND, Unbound, PostgreSQL,
Chromium, an SMTP server...), and the one rule for when one is missing.

`scripts/system-deps.sh` installs them (`make test` runs it). In CI (env `CI` set, or
running as root, where the script can install everything) a missing component is a
failing test, never a silent skip; elsewhere the test is skipped with the reason
printed, so a developer without root still sees what did not run and why.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def strict() -> bool:
    """Whether a missing component must fail the test (CI, or root: it could install)."""
    return bool(os.environ.get("CI")) or os.geteuid() == 0


def missing(what: str, why: str) -> None:
    """Fail (CI/root) or skip (elsewhere) a test whose real component is unavailable."""
    message = f"{what} is not available ({why}); `make system-deps` installs it"
    if strict():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def need_binary(name: str, *, extra_dirs: tuple[str, ...] = ()) -> str:
    """The path of an executable the test needs (PATH, then `extra_dirs`, e.g. sbin)."""
    found = shutil.which(name)
    if found:
        return found
    for directory in (*extra_dirs, "/usr/sbin", "/sbin", "/usr/local/sbin"):
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    missing(name, "not on PATH")
    raise AssertionError("unreachable")  # missing() always raises
