"""Fixtures of the testnet tests."""

from __future__ import annotations

import pytest

from tests.testnet.rawhttp import RawGet, raw_getter


@pytest.fixture
def raw_get() -> RawGet:
    """GET a path from a testnet site over a raw socket (see rawhttp.py)."""
    return raw_getter()
