"""What a rendering browser may have fetched for it: one table, in probe/policy.py."""

from __future__ import annotations

import pytest

from revenant.probe.policy import FULFILLED_KINDS, browser_refusal


@pytest.mark.parametrize("kind", sorted(FULFILLED_KINDS))
def test_documents_scripts_styles_and_data_requests_may_be_fetched(kind: str) -> None:
    assert browser_refusal(kind, "GET") is None


@pytest.mark.parametrize(
    ("kind", "word"),
    [
        ("image", "images"),
        ("media", "video"),
        ("font", "fonts"),
        ("websocket", "WebSockets"),
        ("eventsource", "event streams"),
        ("ping", "pings"),
        ("somethingnew", "somethingnew"),
    ],
)
def test_every_other_type_is_refused_with_its_reason(kind: str, word: str) -> None:
    why = browser_refusal(kind, "GET")
    assert why is not None and word in why


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "HEAD", "OPTIONS"])
def test_only_get_is_sent(method: str) -> None:
    assert (
        browser_refusal("fetch", method) == f"{method} is never sent (the prober only reads: GET)"
    )
