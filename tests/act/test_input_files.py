"""What act/ reads from outside, as hostile input: key files, bootstrap files and RDAP
answers give a value or a clear error naming what and where, never a traceback."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.act.channels import read_bootstrap
from revenant.act.misp import read_key
from revenant.act.push import read_tsig
from revenant.act.rdap import Bootstrap, RdapAnswer, read_answer
from revenant.errors import UsageError
from revenant.model import Capture, Exchange, Outcome

WHEN = datetime(2026, 11, 1, tzinfo=UTC)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)
# Shaped like RDAP and bootstrap documents, so the parsers get past their first checks.
rdap_like = st.fixed_dictionaries(
    {},
    optional={
        "objectClassName": st.sampled_from(["domain", "ip network", "entity", "autnum"])
        | json_values,
        "ldhName": st.text(max_size=30) | json_values,
        "handle": json_values,
        "entities": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "roles": st.lists(
                        st.sampled_from(["abuse", "registrar", "registrant"]) | json_values,
                        max_size=3,
                    ),
                    "vcardArray": json_values,
                    "entities": json_values,
                    "publicIds": json_values,
                },
            ),
            max_size=3,
        )
        | json_values,
        "startAddress": json_values,
        "endAddress": json_values,
        "events": json_values,
        "remarks": json_values,
        "arin_originas0_originautnums": json_values,
    },
)
bootstrap_like = st.dictionaries(
    st.sampled_from(["dns", "ipv4", "ipv6", "asn"]) | st.text(max_size=5),
    st.fixed_dictionaries({}, optional={"services": json_values, "version": json_values})
    | json_values,
    max_size=4,
)


def _file(data: bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="revenant-input-"))
    path = folder / "input"
    path.write_bytes(data)
    return path


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_a_tsig_file_is_a_key_or_a_usage_error(data: bytes) -> None:
    try:
        read_tsig(_file(data))
    except UsageError as exc:
        assert "--tsig" in str(exc)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_a_misp_key_file_is_a_key_or_a_usage_error(data: bytes) -> None:
    try:
        key = read_key(_file(data))
    except UsageError as exc:
        assert "--key-file" in str(exc)
    else:
        assert len(key) == 40 and key.isalnum()


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=300)
    | json_values.map(lambda v: json.dumps(v).encode())
    | bootstrap_like.map(lambda v: json.dumps(v).encode())
    | st.integers(1, 100_000).map(lambda n: b"[" * n)
)
def test_a_bootstrap_file_is_registries_or_a_usage_error(data: bytes) -> None:
    try:
        assert isinstance(read_bootstrap(_file(data)), Bootstrap)
    except UsageError as exc:
        assert "--rdap-bootstrap" in str(exc)


def _answer(content: bytes) -> Capture:
    url = "https://rdap.test/domain/x.net"
    page = Exchange(
        "page",
        url,
        WHEN,
        Outcome.OK,
        status=200,
        headers=(("Content-Type", "application/rdap+json"),),
        payload=content,
        content=content,
    )
    return Capture(url, "rdap.test", WHEN, WHEN, Outcome.OK, exchanges=(page,))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["domain", "ip"]),
    st.binary(max_size=300)
    | json_values.map(lambda v: json.dumps(v).encode())
    | rdap_like.map(lambda v: json.dumps(v).encode())
    | st.integers(1, 100_000).map(lambda n: b'{"a":' * n),
)
def test_any_rdap_answer_body_is_an_answer(kind: str, content: bytes) -> None:
    query = "x.net" if kind == "domain" else "127.0.0.1"
    answer: Any = read_answer(kind, query, "https://rdap.test/x", _answer(content))
    assert isinstance(answer, RdapAnswer)
    assert isinstance(answer.reason, str)
