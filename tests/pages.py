"""The 91 real pages of ../shared/data/pages (gzip files and a manifest), shared by the
tests that check bounds leave real pages as they are."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "pages"


def real_pages() -> list[tuple[str, bytes]]:
    """(URL, body) of each real page, in manifest order."""
    manifest = json.loads((PAGES / "manifest.json").read_text())
    return [
        (
            e["url"] or f"https://page-{i}.example/",
            gzip.decompress((PAGES / e["file"]).read_bytes()),
        )
        for i, e in enumerate(manifest)
    ]
