"""Refresh the shipped RDAP bootstrap files (RFC 9224) from IANA.

A maintainer's step, run by hand on a machine with Internet access:
    python scripts/rdap_bootstrap.py
It writes src/revenant/act/data/rdap/{dns,ipv4,ipv6,asn}.json exactly as IANA serves
them (after checking each parses as a bootstrap registry). Revenant never fetches them
at run time, and the tests never do.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

IANA = "https://data.iana.org/rdap/"
TARGET = Path(__file__).resolve().parent.parent / "src" / "revenant" / "act" / "data" / "rdap"
MAX_BYTES = 4 * 1024 * 1024


def main() -> int:
    for name in ("dns", "ipv4", "ipv6", "asn"):
        with urllib.request.urlopen(f"{IANA}{name}.json", timeout=30) as resp:
            raw = resp.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            print(f"{name}.json: over {MAX_BYTES} bytes; not written", file=sys.stderr)
            return 1
        doc = json.loads(raw)
        if not isinstance(doc, dict) or not isinstance(doc.get("services"), list):
            print(f"{name}.json: not an RFC 9224 registry; not written", file=sys.stderr)
            return 1
        (TARGET / f"{name}.json").write_bytes(raw)
        print(f"{name}.json: {len(doc['services'])} services, published {doc.get('publication')}")
    print(f"now update {TARGET / 'SOURCES.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
