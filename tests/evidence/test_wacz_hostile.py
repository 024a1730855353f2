"""evidence/waczcheck.py against crafted packages: a WACZ is what its signature covers
and nothing else; any bytes give findings, never a traceback."""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from revenant.cli import app
from revenant.evidence.keys import load_or_create, public_key_b64, sign
from revenant.evidence.wacz import export_wacz, verify_wacz
from revenant.evidence.warc import open_case_log
from revenant.evidence.zipcheck import MODE
from tests.evidence.conftest import T0, make_capture

Members = list[tuple[str, bytes]]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """(data dir, bytes of a genuine signed package)."""
    data = tmp_path_factory.mktemp("data")
    with open_case_log(data, "coco", clock=lambda: T0) as w:
        for n in range(2):
            w.write(make_capture(n))
    out = export_wacz(data, "coco", data / "coco.wacz", clock=lambda: T0)
    return data, out.read_bytes()


def _members(blob: bytes) -> Members:
    with tempfile.NamedTemporaryFile(suffix=".wacz") as fh:
        fh.write(blob)
        fh.flush()
        with zipfile.ZipFile(fh.name) as z:
            return [(i.filename, z.read(i)) for i in z.infolist()]


def _build(path: Path, members: Members, method: int = zipfile.ZIP_STORED) -> Path:
    """A ZIP written with exactly the attributes Revenant gives its members."""
    with zipfile.ZipFile(path, "w") as z:
        for name, blob in members:
            info = zipfile.ZipInfo(name, date_time=T0.timetuple()[:6])
            info.compress_type = method
            info.create_system = 3
            info.external_attr = MODE
            z.writestr(info, blob)
    return path


def _resign(data: Path, members: Members, edit: Callable[[dict], object]) -> Members:
    """Edit datapackage.json and sign it again with the installation's key."""
    by_name = dict(members)
    package = json.loads(by_name["datapackage.json"])
    edit(package)
    blob = json.dumps(package).encode()
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    key = load_or_create(data)
    doc = {
        "path": "datapackage.json",
        "hash": digest,
        "signedData": {
            "hash": digest,
            "signature": sign(key, digest),
            "publicKey": public_key_b64(key),
        },
    }
    out = []
    for name, old in members:
        if name == "datapackage.json":
            out.append((name, blob))
        elif name == "datapackage-digest.json":
            out.append((name, json.dumps(doc).encode()))
        else:
            out.append((name, old))
    return out


def _problems(path: Path, data: Path | None = None) -> list[str]:
    return [f"{f.file}: {f.problem}" for f in verify_wacz(path, data_dir=data).findings]


def test_rebuilt_package_with_revenant_attributes_still_verifies(package, tmp_path) -> None:
    data, blob = package
    assert _problems(_build(tmp_path / "a.wacz", _members(blob)), data) == []


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")  # the attack itself
@pytest.mark.parametrize("shadowed", ["datapackage.json", "archive"])
def test_an_unsigned_member_placed_before_the_real_one_is_refused(
    package, tmp_path, shadowed: str
) -> None:
    data, blob = package
    members = _members(blob)
    name = next(n for n, _ in members if n.startswith(shadowed))
    forged = (name, b'{"title": "what unzip and replay tools read first"}')
    problems = _problems(_build(tmp_path / "a.wacz", [forged, *members]), data)
    assert f"{name}: member name appears 2 times" in problems


def test_a_member_the_signed_datapackage_does_not_list_is_refused(package, tmp_path) -> None:
    data, blob = package
    members = [*_members(blob), ("archive/extra.warc.gz", b"x")]
    problems = _problems(_build(tmp_path / "a.wacz", members), data)
    assert "archive/extra.warc.gz: file not listed in datapackage.json" in problems


def test_a_path_listed_ten_times_is_refused_without_inflating_it(
    package, tmp_path, monkeypatch
) -> None:
    data, blob = package
    members = _members(blob)
    warc = next(n for n, _ in members if n.startswith("archive/"))

    def tenfold(package: dict) -> None:
        res = next(r for r in package["resources"] if r["path"] == warc)
        package["resources"] += [res] * 9

    path = _build(tmp_path / "a.wacz", _resign(data, members, tenfold))
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def counting(self, name, *args, **kwargs):  # instrumentation, not a mock
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", counting)
    problems = _problems(path, data)
    assert f"{warc}: listed 10 times in datapackage.json" in problems
    assert warc not in opened


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("signature", 12345),
        ("signature", None),
        ("publicKey", ["not", "a", "key"]),
        ("hash", {"sha256": "x"}),
        ("signedData", "not an object"),
        ("bytes", "1234"),
        ("bytes", "many"),
        ("bytes", None),
        ("bytes", [1]),
        ("bytes", True),
        ("bytes", -1),
        ("bytes", 1.5),
        ("path", 7),
        ("resource", "archive/x.warc.gz"),
        ("resources", {"path": "x"}),
    ],
)
def test_a_field_of_the_wrong_type_is_a_finding_never_a_traceback(
    package, tmp_path, where: str, value: object
) -> None:
    data, blob = package
    members = _members(blob)
    if where in ("signature", "publicKey", "hash", "signedData"):
        by_name = dict(members)
        doc = json.loads(by_name["datapackage-digest.json"])
        (doc if where in ("hash", "signedData") else doc["signedData"])[where] = value
        members = [
            (n, json.dumps(doc).encode() if n == "datapackage-digest.json" else b)
            for n, b in members
        ]
    else:

        def edit(package: dict) -> None:
            if where == "resources":
                package["resources"] = value
            elif where == "resource":
                package["resources"][0] = value
            else:
                package["resources"][0][where] = value

        members = _resign(data, members, edit)
    path = _build(tmp_path / "a.wacz", members)
    assert _problems(path, data)
    done = CliRunner().invoke(app, ["--data-dir", str(data), "verify", "--wacz", str(path)])
    assert done.exit_code == 1 and "TAMPERED" in done.stdout, done.output
    assert "Traceback" not in done.output


def test_a_deflated_member_that_inflates_over_the_ratio_is_refused_before_inflating(
    package, tmp_path
) -> None:
    data, blob = package
    members = [*_members(blob), ("pages/bomb.jsonl", bytes(50_000_000))]
    path = _build(tmp_path / "a.wacz", members, zipfile.ZIP_DEFLATED)
    problems = _problems(path, data)
    assert any(p.startswith("pages/bomb.jsonl: inflates") for p in problems), problems


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_any_bytes_give_findings_never_a_traceback(blob: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.wacz"
        path.write_bytes(blob)
        assert not verify_wacz(path).ok


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_damage_to_a_genuine_package_is_found_never_a_traceback(package, data) -> None:
    _, blob = package
    size = len(blob)
    pos = data.draw(st.integers(0, size - 1), label="position")
    kind = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
    chunk = data.draw(st.binary(min_size=1, max_size=64), label="bytes")
    if kind == "replace":
        if chunk == blob[pos : pos + len(chunk)]:
            return
        damaged = blob[:pos] + chunk + blob[pos + len(chunk) :]
    elif kind == "insert":
        damaged = blob[:pos] + chunk + blob[pos:]
    elif kind == "delete":
        damaged = blob[:pos] + blob[pos + len(chunk) :]
    else:
        damaged = blob[:pos]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.wacz"
        path.write_bytes(damaged)
        assert not verify_wacz(path).ok


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(digest_doc=_json, package_doc=_json)
def test_any_descriptor_json_gives_findings_never_a_traceback(
    package, digest_doc: object, package_doc: object
) -> None:
    _, blob = package
    members = [
        (n, b)
        for n, b in _members(blob)
        if n not in ("datapackage.json", "datapackage-digest.json")
    ]
    members += [
        ("datapackage.json", json.dumps(package_doc).encode()),
        ("datapackage-digest.json", json.dumps(digest_doc).encode()),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        assert not verify_wacz(_build(Path(tmp) / "x.wacz", members)).ok


def test_a_member_in_another_compression_method_is_refused_before_it_is_read(
    package, tmp_path
) -> None:
    data, blob = package
    problems = _problems(_build(tmp_path / "a.wacz", _members(blob), zipfile.ZIP_LZMA), data)
    assert problems and all(p.endswith(f"compression method {zipfile.ZIP_LZMA}") for p in problems)
