"""evidence/read.py: third-party WARCs and damaged files."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from revenant.errors import BadWarc
from revenant.evidence.read import read_captures
from revenant.evidence.warc import open_case_log


def _third_party(path: Path) -> None:
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        rec = w.create_warc_record(
            "https://other.test/",
            "response",
            payload=io.BytesIO(b"<html>hi</html>"),
            http_headers=headers,
        )
        w.write_record(rec)


def test_plain_warc_gives_page_only_captures(tmp_path: Path) -> None:
    path = tmp_path / "other.warc.gz"
    _third_party(path)
    (cap,) = list(read_captures(path))
    assert cap.target == "https://other.test/"
    assert (
        cap.page is not None and cap.page.content == b"<html>hi</html>" and cap.page.status == 200
    )


def test_garbage_file_raises_bad_warc_naming_file_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "bad.warc.gz"
    path.write_bytes(b"this is not a warc file at all\r\n\r\n")
    with pytest.raises(BadWarc, match=r"bad\.warc\.gz offset 0"):
        list(read_captures(path))


def test_truncated_warc_raises_bad_warc_at_the_cut_record(
    tmp_path: Path, clock, make_capture
) -> None:

    with open_case_log(tmp_path, "coco", clock=clock) as w:
        path = Path(w.write(make_capture(0)))
        w.write(make_capture(1))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(BadWarc, match=path.name):
        list(read_captures(path))


def test_missing_file_is_bad_warc(tmp_path: Path) -> None:
    with pytest.raises(BadWarc, match="no such file"):
        list(read_captures(tmp_path / "nope.warc.gz"))


# ------------------------------------------------------------- cut and overlong records


def _written(path: Path, *, gz: bool, bodies: int = 3) -> list[int]:
    """A third-party WARC of `bodies` responses; the offset of each record and the end."""
    offsets = []
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=gz)
        for i in range(bodies):
            offsets.append(fh.tell())
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"
            )
            body = b"<html>" + bytes([97 + i]) * 700 + b"</html>"
            rec = w.create_warc_record(
                f"https://o{i}.test/", "response", payload=io.BytesIO(body), http_headers=headers
            )
            w.write_record(rec)
        offsets.append(fh.tell())
    return offsets


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "gzip"])
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    gz = request.param
    path = tmp_path_factory.mktemp("warc") / ("s.warc.gz" if gz else "s.warc")
    offsets = _written(path, gz=gz)
    whole = [c.page.content for c in read_captures(path) if c.page is not None]
    return gz, path.read_bytes(), offsets, whole


def test_a_record_cut_short_is_reported_with_its_offset(tmp_path: Path, sample) -> None:  # type: ignore[no-untyped-def]
    _, data, offsets, _ = sample
    cut = tmp_path / "cut.warc"
    cut.write_bytes(data[: offsets[2] + (offsets[3] - offsets[2]) // 2])
    with pytest.raises(BadWarc, match=rf"cut\.warc offset {offsets[2]}: "):
        list(read_captures(cut))


def test_a_content_length_past_the_data_is_reported_with_its_offset(tmp_path: Path) -> None:
    path = tmp_path / "long.warc"
    offsets = _written(path, gz=False)
    data = path.read_bytes()
    at = data.index(b"Content-Length: ", offsets[1])
    end = data.index(b"\r\n", at)
    length = int(data[at + 16 : end])
    path.write_bytes(data[: at + 16] + str(length + 300).encode() + data[end:])
    with pytest.raises(
        BadWarc, match=rf"offset {offsets[1]}: no blank line where its Content-Length"
    ):
        list(read_captures(path))


def test_a_content_length_past_the_end_of_the_file_is_a_cut_record(tmp_path: Path) -> None:
    path = tmp_path / "end.warc"
    offsets = _written(path, gz=False, bodies=1)
    data = path.read_bytes()
    at = data.index(b"Content-Length: ")
    end = data.index(b"\r\n", at)
    path.write_bytes(data[: at + 16] + b"99999" + data[end:])
    with pytest.raises(BadWarc, match=r"offset 0: record is cut: its Content-Length is 99999"):
        list(read_captures(path))
    assert offsets[0] == 0


@pytest.mark.parametrize("value", [b"", b"-5", b"12x", b"\xd9\xa1"])
def test_a_content_length_that_is_no_number_is_reported(tmp_path: Path, value: bytes) -> None:
    path = tmp_path / "cl.warc"
    _written(path, gz=False, bodies=1)
    data = path.read_bytes()
    at = data.index(b"Content-Length: ")
    end = data.index(b"\r\n", at)
    path.write_bytes(data[: at + 16] + value + data[end:])
    with pytest.raises(BadWarc, match=r"cl\.warc offset 0: "):
        list(read_captures(path))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_a_warc_cut_anywhere_gives_its_whole_records_or_bad_warc(sample, data) -> None:  # type: ignore[no-untyped-def]
    gz, whole_file, offsets, whole = sample
    k = data.draw(st.integers(0, len(whole_file)))
    path = Path(tempfile.mkdtemp()) / "prefix.warc"
    path.write_bytes(whole_file[:k])
    try:
        got = [c.page.content for c in read_captures(path) if c.page is not None]
    except BadWarc as exc:
        assert "prefix.warc offset " in str(exc) and "\n" not in str(exc)
        return
    # read without error: only records the prefix holds whole, each as written
    assert got == whole[: len(got)]
    inside = [i for i in range(len(offsets) - 1) if offsets[i] < k < offsets[i + 1]]
    if inside:  # a cut inside a record: only its trailing blank line may be missing
        (i,) = inside
        assert not gz and k >= offsets[i + 1] - 4 and len(got) == i + 1


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_a_damaged_warc_gives_captures_or_bad_warc(sample, data) -> None:  # type: ignore[no-untyped-def]
    _, whole_file, _, _ = sample
    damaged = bytearray(whole_file)
    for _ in range(data.draw(st.integers(1, 6))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    path = Path(tempfile.mkdtemp()) / "damaged.warc"
    path.write_bytes(bytes(damaged))
    with contextlib.suppress(BadWarc):
        list(read_captures(path))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_give_captures_or_bad_warc(blob: bytes) -> None:
    path = Path(tempfile.mkdtemp()) / "any.warc"
    path.write_bytes(b"WARC/1.1\r\n" + blob if blob[:1] == b"W" else blob)
    try:
        list(read_captures(path))
    except BadWarc as exc:
        assert str(exc).startswith(f"{path} offset ") and "\n" not in str(exc)


def test_own_warc_cut_anywhere_gives_whole_captures_or_bad_warc(
    tmp_path: Path, clock, make_capture
) -> None:
    with open_case_log(tmp_path, "coco", clock=clock) as w:
        path = Path(w.write(make_capture(0)))
        w.write(make_capture(1))
    data = path.read_bytes()
    whole = [c.target for c in read_captures(path)]
    cut = tmp_path / "cut.warc.gz"
    for k in range(0, len(data), max(1, len(data) // 300)):
        cut.write_bytes(data[:k])
        try:
            got = [c.target for c in read_captures(cut)]
        except BadWarc:
            continue
        assert got == whole[: len(got)]
