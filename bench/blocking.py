"""Confirmation to enforcement, on a real BIND 9 primary and a real Unbound resolver.

1. Twenty times: an alert is confirmed, the order that covers mirrors is extended to it,
   `rpz push` sends the delta (TSIG-signed RFC 2136 update), BIND notifies Unbound,
   Unbound transfers the change (IXFR) and answers NXDOMAIN for the name. Timed from the
   confirmation call until Unbound's first NXDOMAIN: median and p95 (goal < 5 s).
2. A zone of 100,000 blocked names (seeded by pushes, transferred to Unbound), then one
   more extension pushed and enforced, timed the same way (goal < 5 s), with the bytes
   the push sent and the size of the transfer BIND logged for it (only the delta).

Needs `named`, `unbound` and `tsig-keygen` (scripts/system-deps.sh). Run from the repo
root: `.venv/bin/python bench/blocking.py [--runs 20] [--zone-names 100000]`.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.act.dnsservers import (
    ZONE,
    bind_primary,
    free_port,
    make_key,
    unbound_resolver,
    wait_for,
)

from revenant.act.decisions import decide
from revenant.act.orders import add_order, extend
from revenant.act.push import push, read_tsig
from revenant.model import Score, Verdict, utcnow
from revenant.settings import Settings
from revenant.store import Store, open_store
from revenant.store.alerts import raise_alert
from revenant.store.cases import create_case

GOAL = 5.0


def _alert(store: Store, case_id: int, host: str) -> int:
    with store.session() as session:
        score = Score(f"https://{host}/", "coco", 40.0, Verdict.REEMERGENCE)
        alert_id, _ = raise_alert(session, case_id, score, capture_id=None, now=utcnow())
    return alert_id


def _confirm_to_nxdomain(
    store: Store,
    data: Path,
    order_id: int,
    alert_id: int,
    host: str,
    server: str,
    key: Path,
    resolver_port: int,
) -> tuple[float, float, int]:
    """(seconds to Unbound's NXDOMAIN, of which until the push returned, bytes pushed)."""
    began = time.monotonic()
    decide(store, data, alert_id, "confirm", actor="analyst")
    extend(store, data, order_id, alert_id, actor="analyst")
    result = push(store, server, ZONE, read_tsig(key), now=utcnow())
    pushed = time.monotonic() - began
    wait_for(resolver_port, f"www.{host}", "NXDOMAIN", timeout=60)
    return time.monotonic() - began, pushed, result.bytes_sent


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--zone-names", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="revenant-bench-blocking-") as tmp:
        root = Path(tmp)
        settings = Settings.resolve(root / "data")
        store = open_store(settings.db_url)
        case = create_case(store, "coco", ["coco.example"])
        assert case.id is not None
        key = make_key(root)
        resolver_port = free_port()
        with (
            bind_primary(root / "bind", key, notify_port=resolver_port) as primary,
            unbound_resolver(
                root / "unbound",
                port=resolver_port,
                primary_port=primary.port,
                # Other names go to the primary, which refuses them at once: no
                # forwarder timeout hides in the polling loop.
                forward=f"127.0.0.1:{primary.port}",
            ),
        ):
            server = f"127.0.0.1:{primary.port}"
            order = add_order(
                store,
                settings.data_dir,
                "coco",
                authority="Tribunal judiciaire de Paris",
                reference="RG 26/00001",
                basis="LCEN art. 6-I-8",
                issued=date(2026, 1, 5),
                expires=None,
                domains=["coco.example"],
                covers_mirrors=True,
                actor="clerk",
            ).order.id
            push(store, server, ZONE, read_tsig(key), now=utcnow())
            wait_for(resolver_port, "coco.example", "NXDOMAIN", timeout=60)
            times = []
            for i in range(args.runs):
                host = f"mirror{i}.example"
                elapsed, _, _ = _confirm_to_nxdomain(
                    store,
                    settings.data_dir,
                    order,
                    _alert(store, case.id, host),
                    host,
                    server,
                    key,
                    resolver_port,
                )
                times.append(elapsed)
            print(
                f"confirmation -> Unbound NXDOMAIN, {args.runs} runs: median "
                f"{statistics.median(times):.3f} s, p95 {_p95(times):.3f} s, max "
                f"{max(times):.3f} s (goal < {GOAL:g} s)"
            )

            seeded = time.monotonic()
            big = add_order(
                store,
                settings.data_dir,
                "coco",
                authority="Tribunal judiciaire de Paris",
                reference="RG 26/00002",
                basis="LCEN art. 6-I-8",
                issued=date(2026, 1, 5),
                expires=None,
                domains=[f"n{i}.blocked.example" for i in range(args.zone_names)],
                covers_mirrors=True,
                actor="clerk",
            ).order.id
            seed = push(store, server, ZONE, read_tsig(key), now=utcnow())
            last = f"n{args.zone_names - 1}.blocked.example"
            wait_for(resolver_port, last, "NXDOMAIN", timeout=600)
            print(
                f"zone seeded with {args.zone_names:,} more names in "
                f"{time.monotonic() - seeded:.1f} s ({seed.messages} update messages, "
                f"{seed.bytes_sent:,} bytes), transferred to Unbound"
            )
            log_mark = primary.log.stat().st_size
            host = "one-more-mirror.example"
            elapsed, pushed, sent = _confirm_to_nxdomain(
                store,
                settings.data_dir,
                big,
                _alert(store, case.id, host),
                host,
                server,
                key,
                resolver_port,
            )
            time.sleep(0.5)
            with primary.log.open("rb") as fh:
                fh.seek(log_mark)
                tail = fh.read().decode(errors="replace")
            xfr = re.findall(r"((?:AXFR-style )?IXFR|AXFR) ended: (.*?bytes)", tail)
            transfer = "; ".join(f"{kind}: {what}" for kind, what in xfr) or "no transfer logged"
            print(
                f"zone of {args.zone_names + args.runs + 1:,} names, one extension: confirmation -> "
                f"Unbound NXDOMAIN {elapsed:.3f} s (goal < {GOAL:g} s; decision, extension and "
                f"push returned after {pushed:.3f} s); push sent {sent} bytes; "
                f"BIND -> Unbound {transfer}"
            )
        store.close()


if __name__ == "__main__":
    main()
