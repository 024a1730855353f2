"""A rendered capture as evidence: its browser exchanges, the DOM and the screenshot as
`resource` records with ledger entries, its refusals in the metadata; read back
exactly, verified, and packaged."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from revenant.evidence import EvidenceLog, read_captures
from revenant.evidence.verify import verify
from revenant.evidence.wacz import export_wacz, verify_wacz
from revenant.model import Capture, Exchange, Outcome, Refusal, Rendering
from tests.evidence.conftest import T0, make_capture

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
DOM = "<html><body><h1>Drawn by script</h1><p>t.me/drawn é</p></body></html>".encode()


def _rendered(n: int = 0, *, cut: bool = False) -> Capture:
    base = make_capture(n)
    api = Exchange(
        role="render:fetch",
        url=f"https://coco{n}.test/api/site",
        started=T0,
        outcome=Outcome.OK,
        peer="127.0.0.5",
        status=200,
        status_text="OK",
        request_headers=(("User-Agent", "Revenant/test"),),
        headers=(("Content-Type", "application/json"),),
        payload=b'{"t": "drawn"}',
        content=b'{"t": "drawn"}',
    )
    rendering = Rendering(
        url=f"https://coco{n}.test/",
        started=T0,
        finished=T0,
        outcome=Outcome.OK,
        dom=DOM,
        dom_truncated=cut,
        screenshot=PNG,
        refused=(
            Refusal(f"https://coco{n}.test/pic.png", "image", "images are never downloaded"),
            Refusal(f"wss://coco{n}.test/ws", "websocket", "WebSockets are refused"),
        ),
        refused_more=3,
        requests=9,
        browser="Chromium 156.0.8078.114",
    )
    return replace(base, exchanges=(*base.exchanges, api), rendering=rendering)


def test_written_and_read_back_exactly(tmp_path: Path) -> None:
    capture = _rendered(cut=True)
    with EvidenceLog(tmp_path / "ev", case="ev") as log:
        log.write(capture)
    (back,) = list(read_captures(tmp_path / "ev"))
    assert back.rendering == capture.rendering
    assert back.exchanges[-1].content == b'{"t": "drawn"}'


def test_dom_and_screenshot_are_resource_records_with_ledger_entries(tmp_path: Path) -> None:
    with EvidenceLog(tmp_path / "ev", case="ev") as log:
        path = log.write(_rendered(cut=True))
    records = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            records.append(
                (record.rec_type, dict(record.rec_headers.headers), record.content_stream().read())
            )
    types = [r[0] for r in records]
    assert types[-3:] == ["resource", "resource", "metadata"]
    dom, shot, meta = records[-3:]
    assert dom[1]["WARC-Target-URI"] == "urn:revenant:rendered-dom:https://coco0.test/"
    assert dom[1]["Content-Type"].startswith("text/html") and dom[2] == DOM
    assert dom[1]["WARC-Truncated"] == "length"
    assert shot[1]["WARC-Target-URI"] == "urn:revenant:screenshot:https://coco0.test/"
    assert shot[1]["Content-Type"] == "image/png" and shot[2] == PNG
    page_id = next(h["WARC-Record-ID"] for t, h, _ in records if t == "response")
    assert dom[1]["WARC-Refers-To"] == shot[1]["WARC-Refers-To"] == page_id
    doc = json.loads(meta[2])["render"]
    assert doc["refused"][1] == {
        "url": "wss://coco0.test/ws",
        "kind": "websocket",
        "reason": "WebSockets are refused",
    }
    assert doc["refused_more"] == 3 and doc["requests"] == 9
    assert doc["dom_record"] == dom[1]["WARC-Record-ID"]
    ledger = [
        json.loads(line) for line in (tmp_path / "ev" / "ledger.jsonl").read_text().splitlines()
    ]
    assert {e["record_id"] for e in ledger} >= {dom[1]["WARC-Record-ID"], shot[1]["WARC-Record-ID"]}


def test_a_changed_screenshot_byte_is_found(tmp_path: Path) -> None:
    with EvidenceLog(tmp_path / "ev", case="ev") as log:
        path = log.write(_rendered())
    assert verify(tmp_path / "ev").ok
    raw = gzip.decompress(path.read_bytes())
    at = raw.index(PNG) + 20
    tampered = raw[:at] + bytes([raw[at] ^ 1]) + raw[at + 1 :]
    path.write_bytes(gzip.compress(tampered))
    assert not verify(tmp_path / "ev").ok


def test_a_rendered_case_packages_and_verifies(tmp_path: Path, clock) -> None:
    data = tmp_path / "data"
    with EvidenceLog(data / "evidence" / "coco", case="coco", clock=clock) as log:
        log.write(_rendered(1))
        log.write(make_capture(2))
    out = export_wacz(data, "coco", data / "coco.wacz", clock=clock)
    assert verify_wacz(out, data_dir=data).ok
