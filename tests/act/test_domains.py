"""What may enter a blocking zone: property tests over hostile names and key files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.act.domains import check_domain
from revenant.act.push import read_tsig
from revenant.errors import UsageError

_LDH = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")


@given(st.text(max_size=300))
@settings(max_examples=400)
def test_any_text_is_a_zone_safe_name_or_a_usage_error(text: str) -> None:
    try:
        name = check_domain(text)
    except UsageError as exc:
        assert str(exc)
        return
    assert _LDH.match(name) and len(name) <= 253
    assert not name.rsplit(".", 1)[-1].isdigit()
    assert check_domain(name) == name  # stable


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [
        ("Bavardo.NET.", "bavardo.net"),
        ("bävardo.net", "xn--bvardo-bua.net"),
        (" mirror.example ", "mirror.example"),
    ],
)
def test_names_are_normalised_to_lower_case_a_labels(given_name: str, expected: str) -> None:
    assert check_domain(given_name) == expected


@pytest.mark.parametrize("bad", ["*.coco.gg", "127.0.0.1", "coco", "a..b", "x" * 64 + ".gg", ""])
def test_wildcards_addresses_single_labels_and_long_labels_are_refused(bad: str) -> None:
    with pytest.raises(UsageError):
        check_domain(bad)


@given(st.binary(max_size=400))
@settings(max_examples=200)
def test_any_key_file_is_a_key_or_a_usage_error(tmp_path_factory, data: bytes) -> None:
    path: Path = tmp_path_factory.mktemp("k") / "key"
    path.write_bytes(data)
    try:
        key = read_tsig(path)
    except UsageError:
        return
    assert key.name and key.secret
