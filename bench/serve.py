"""The alert queue page against a bare FastAPI route, with 100,000 alerts in the store.

Builds a SQLite store with N alerts over three cases (captures with titles, half of the
names from the probe queue with a source), then serves, in a child process (so the
client does not share the server's GIL), the dashboard app with one extra route,
`/bare`: the same query (store.alert_queue.queue_page, same filter and page) returning
the same rows as JSON, without login, access rules or templates. The client asks the
queue page (logged in as an analyst who is a member of one case, filtered by case,
verdict and state, third page) and the bare route alternately, over one keep-alive
connection each, and prints both medians and their ratio (goal: page <= 3x bare).

Last lines:
  bare:  median B ms (N requests)
  page:  median P ms (N requests, R rows each)
  ratio: page/bare = X (goal <= 3)
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from revenant.settings import Settings
from revenant.store import open_store
from revenant.store.accounts import Role, add_user, grant, open_session
from revenant.store.alert_queue import QueueFilter, queue_page
from revenant.store.cases import create_case
from revenant.store.schema import AlertRow, CandidateRow, CandidateSourceRow, CaptureRow

CASES = ("coco", "papoti", "tchatche")
FILTER = {"case": "coco", "verdict": "re-emergence", "state": "open", "page": 3}
PAGE = 50
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def build(root: Path, n: int) -> Settings:
    """A store with `n` alerts, their captures, and sources for half of their names."""
    settings = Settings.resolve(root)
    store = open_store(settings.db_url)
    ids = [create_case(store, c, [f"{c}.example"]).id for c in CASES]
    rng = random.Random(0)
    captures, alerts, candidates, sightings = [], [], [], []
    for i in range(n):
        host = f"mirror{i}.{CASES[i % 3]}-{i % 97}.example"
        when = T0 + timedelta(seconds=i)
        bits = rng.uniform(15, 90)
        captures.append(
            {"id": i + 1, "target": f"https://{host}/", "host": host, "final_url": f"https://{host}/",
             "started_at": when, "finished_at": when, "outcome": "ok", "reason": "", "title":
             f"{CASES[i % 3]} {i} | chat gratuit et anonyme", "registrable": host, "text_words": 0,
             "brand_tokens": "[]", "background": False}
        )  # fmt: skip
        alerts.append(
            {"case_id": ids[i % 3], "capture_id": i + 1, "host": host, "target": f"https://{host}/",
             "bits": bits, "verdict": "re-emergence" if bits >= 30 else "probable",
             "explanation": '{"contributions": []}', "created_at": when, "updated_at": when,
             "state": rng.choice(("open", "open", "open", "confirmed", "dismissed"))}
        )  # fmt: skip
        if i % 2 == 0:
            candidates.append(
                {"id": len(candidates) + 1, "name": host, "source": "ct", "detail": "", "first_seen": when,
                 "priority": 0.5, "state": "done", "attempts": 1}
            )  # fmt: skip
            sightings.append(
                {
                    "candidate_id": len(candidates),
                    "source": "ct",
                    "detail": f"log entry {i}",
                    "seen_at": when,
                }
            )
    with store.session() as s:
        for table, rows in (
            (CaptureRow, captures),
            (AlertRow, alerts),
            (CandidateRow, candidates),
            (CandidateSourceRow, sightings),
        ):
            for start in range(0, len(rows), 10_000):
                s.execute(insert(table), rows[start : start + 10_000])
    store.close()
    return settings


def serve(data_dir: str, port: int) -> None:
    """Child process: the dashboard plus the bare route, on loopback."""
    import uvicorn
    from fastapi.responses import JSONResponse

    from revenant.web import create_app

    settings = Settings.resolve(data_dir)
    store = open_store(settings.db_url)
    app = create_app(settings, store=store)

    @app.get("/bare")
    def bare(case: str, verdict: str, state: str, page: int) -> JSONResponse:
        found = queue_page(
            store,
            QueueFilter(case=case, verdict=verdict, state=state),
            cases=None,
            offset=(page - 1) * PAGE,
            limit=PAGE,
        )
        return JSONResponse(
            [
                dataclasses.asdict(r)
                | {"created_at": r.created_at.isoformat(), "updated_at": r.updated_at.isoformat()}
                for r in found.rows
            ]
        )

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--serve", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    root = Path(tempfile.mkdtemp(prefix="revenant-bench-serve-"))
    try:
        began = time.perf_counter()
        settings = build(root, args.alerts)
        store = open_store(settings.db_url)
        user = add_user(store, "bench", Role.ANALYST, "bench password 123")
        grant(store, "bench", "coco")
        token = open_session(store, user, now=datetime.now(UTC), ttl=timedelta(hours=2))
        store.close()
        print(f"store: {args.alerts:,} alerts built in {time.perf_counter() - began:.1f} s")
        run(settings, token, args.requests)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(settings: Settings, token: str, requests: int) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(settings.data_dir), str(port)],
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        page_client = httpx.Client(base_url=base, headers={"cookie": f"revenant_session={token}"})
        bare_client = httpx.Client(base_url=base)
        params = {k: str(v) for k, v in FILTER.items()}
        first_page = page_client.get("/alerts", params=params)
        first_bare = bare_client.get("/bare", params=params)
        assert first_page.status_code == 200, first_page.status_code
        rows = first_page.text.count('<tr class="row')
        assert rows == len(first_bare.json()) == PAGE, (rows, len(first_bare.json()))
        times: dict[str, list[float]] = {"bare": [], "page": []}
        for i in range(requests + 20):
            order = ("bare", "page") if i % 2 else ("page", "bare")
            for which in order:
                client, path = (
                    (bare_client, "/bare") if which == "bare" else (page_client, "/alerts")
                )
                t = time.perf_counter()
                response = client.get(path, params=params)
                elapsed = time.perf_counter() - t
                assert response.status_code == 200
                if i >= 20:  # warm-up first
                    times[which].append(elapsed)
        bare = statistics.median(times["bare"]) * 1000
        page = statistics.median(times["page"]) * 1000
        print(f"bare:  median {bare:.2f} ms ({requests} requests)")
        print(f"page:  median {page:.2f} ms ({requests} requests, {rows} rows each)")
        print(f"ratio: page/bare = {page / bare:.2f} (goal <= 3)")
    finally:
        child.terminate()
        child.wait(30)


if __name__ == "__main__":
    main()
