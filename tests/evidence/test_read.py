"""evidence/read.py: third-party WARCs and damaged files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
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
