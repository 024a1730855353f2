"""End to end in a real browser: the demo's data served by `revenant serve`; Chromium
logs in as the demo user, opens the top alert waiting in the queue, confirms it,
extends the demo's two-person order to it (a second user approves), downloads the
signed WACZ, the case's WARC and every export the dashboard offers, and a screenshot of
each page it visits is kept with the test report (tests/web/browser.REPORT)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from revenant.demo import CASE, DEMO_USER, SECOND_USER, demo_login
from revenant.evidence import verify_case, verify_wacz
from revenant.model import Score, Verdict
from revenant.settings import Settings
from revenant.store import open_store
from revenant.store.alerts import raise_alert
from revenant.store.cases import get_case
from revenant.store.decisions import list_decisions
from tests.web.browser import REPORT, VIOLATIONS, Guard, free_port

# The whole demo runs first (several minutes on a loaded 2-core machine): more than the
# suite's default 300 s per test.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@dataclass
class Demo:
    settings: Settings
    password: str
    second: str  # the second person's password (two-person approvals)
    base: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo's scenario (without its CT replay), a demo login, and `revenant serve`."""
    settings = Settings.resolve(tmp_path_factory.mktemp("demo") / "data")
    revenant = str(Path(sys.executable).parent / "revenant")
    # A process of its own: the demo runs asyncio, and Playwright's loop owns this thread.
    subprocess.run(
        [revenant, "--data-dir", str(settings.data_dir), "demo", "--no-serve", "--ct-entries", "0"],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )
    password = demo_login(settings)
    second = demo_login(settings, SECOND_USER)
    port = free_port()
    proc = subprocess.Popen(
        [revenant, "--data-dir", str(settings.data_dir), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "REVENANT_DB": settings.db_url},
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"revenant serve did not start: {proc.stderr and proc.stderr.read()!r}"
                    ) from None
                time.sleep(0.2)
        yield Demo(settings, password, second, f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(30)


def decide_on_page(page, state: str, comment: str) -> None:  # type: ignore[no-untyped-def]
    page.check(f"#decide input[value={state}]")
    page.fill("#decide textarea[name=comment]", comment)
    with page.expect_navigation():
        page.click("#decide button[type=submit]")


def test_analyst_logs_in_confirms_the_top_alert_and_downloads_the_evidence(
    demo: Demo, browser
) -> None:  # type: ignore[no-untyped-def]
    REPORT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    guard = Guard()
    context.route("**/*", guard)
    context.add_init_script(VIOLATIONS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    shots = 0

    def shot(name: str) -> None:
        nonlocal shots
        shots += 1
        page.screenshot(path=str(REPORT / f"e2e-{shots:02d}-{name}.png"), full_page=True)
        assert page.evaluate("window.__violations") == [], name

    page.goto(demo.base + "/")
    assert page.url.startswith(demo.base + "/login")
    shot("login")
    page.fill("input[name=name]", DEMO_USER)
    page.fill("input[name=password]", demo.password)
    page.click("button[type=submit]")
    page.wait_for_url(demo.base + "/")
    assert "probes per minute" in page.inner_text("#status")
    shot("home")

    # The demo confirmed its strongest mirrors itself (act/showcase.py); the others wait,
    # open, at the top of the queue.
    page.goto(demo.base + "/alerts")
    rows = page.locator("tr.row")
    assert rows.count() >= 3
    assert "re-emergence" in rows.first.inner_text() and "open" in rows.first.inner_text()
    top_host = rows.first.locator("td a").inner_text()
    shot("queue")
    # keyboard: j selects the first row, o opens it
    page.keyboard.press("j")
    assert "current" in (rows.first.get_attribute("class") or "")
    page.keyboard.press("o")
    page.wait_for_url("**/alerts/*")
    assert top_host in page.inner_text("h1")
    assert "times more" in page.inner_text("blockquote.sentence")
    assert page.locator("img.favicon").count() == 2
    assert all(page.eval_on_selector_all("img.favicon", "els => els.map(e => e.naturalWidth > 0)"))
    assert int(page.inner_text("h2:has-text('Features:')").split()[1]) > 5
    shot("alert")
    alert_url = page.url

    assert page.inner_text("p.summary .state") == "open"  # waiting for a decision
    decide_on_page(
        page, "confirmed", "Same Telegram handle, favicon and wallet as the seized site."
    )
    assert page.url == alert_url, page.inner_text("main")
    assert page.inner_text("p.summary .state") == "confirmed"
    assert DEMO_USER in page.inner_text("table:below(h2:has-text('Decisions'))")
    shot("confirmed")
    store = open_store(demo.settings.db_url)
    alert_id = int(alert_url.rsplit("/", 1)[1])
    decision = list_decisions(store, subject_kind="alert", subject_id=alert_id)[-1]
    assert (decision.actor, decision.action) == (DEMO_USER, "confirm")
    assert verify_case(demo.settings.data_dir, CASE).ok

    capture_link = page.locator("section.side").nth(1).locator("dl.facts a").first
    capture_link.click()
    page.wait_for_url("**/captures/*")
    assert page.inner_text("h1").startswith("Capture #")
    page.click("#rendered summary")
    page.wait_for_selector("iframe.render")
    assert page.get_attribute("iframe.render", "sandbox") == ""
    shot("capture")

    page.goto(f"{demo.base}/cases/{CASE}")
    assert page.locator("svg.timeline .hop").count() >= 6
    assert page.locator("svg.graph .node").count() >= 6
    shot("case")
    with page.expect_download() as got:
        page.click("text=Export a signed WACZ")
    wacz = REPORT / got.value.suggested_filename
    got.value.save_as(wacz)
    assert verify_wacz(wacz, data_dir=demo.settings.data_dir).ok
    warc_link = page.locator("a[href^='/evidence/']").first
    with page.expect_download() as got:
        warc_link.click()
    warc = REPORT / got.value.suggested_filename
    got.value.save_as(warc)
    with warc.open("rb") as fh:
        assert any(r.rec_type == "response" for r in ArchiveIterator(fh))
    for export in ("STIX 2.1 bundle", "MISP event"):
        with page.expect_download() as got:
            page.click(f"#share button:has-text('{export}')")
        shared = REPORT / got.value.suggested_filename
        got.value.save_as(shared)
        assert top_host in shared.read_text()
    with page.expect_download() as got:
        page.click("a:has-text('PDF')")
    report = REPORT / got.value.suggested_filename
    got.value.save_as(report)
    assert report.read_bytes().startswith(b"%PDF")
    shot("case-after-downloads")

    # act from the page: extend the demo's two-person order to the mirror just confirmed;
    # it waits for a second person, who approves it in a session of their own
    page.goto(f"{demo.base}/cases/{CASE}/orders")
    page.click("td a:has-text('DEMO-2024-0001')")
    page.wait_for_url("**/orders/*")
    demo_order = page.url
    page.select_option("select[name=alert]", str(alert_id))
    page.click("text=Extend the order")
    page.wait_for_url(demo_order)
    assert "awaiting approval" in page.inner_text(f"tr:has-text('{top_host}')")
    shot("order-awaiting")
    second = browser.new_context(viewport={"width": 1400, "height": 900})
    second.route("**/*", guard)
    supervisor = second.new_page()
    supervisor.goto(demo.base + "/login")
    supervisor.fill("input[name=name]", SECOND_USER)
    supervisor.fill("input[name=password]", demo.second)
    supervisor.click("button[type=submit]")
    supervisor.wait_for_url(demo.base + "/")
    supervisor.goto(demo_order)
    supervisor.click(f"tr:has-text('{top_host}') button:has-text('Approve')")
    supervisor.wait_for_url(demo_order)
    assert "blocked" in supervisor.inner_text(f"tr:has-text('{top_host}')")
    supervisor.screenshot(path=str(REPORT / "e2e-second-person-approved.png"), full_page=True)
    second.close()
    approvals = list_decisions(store, subject_kind="order")
    assert (approvals[-1].action, approvals[-1].actor) == ("approve", SECOND_USER)

    # record an order covering mirrors, extend it, download the zone
    page.goto(f"{demo.base}/cases/{CASE}")
    page.click("text=Orders and the RPZ blocking zone")
    page.fill("input[name=authority]", "Tribunal judiciaire de Paris")
    page.fill("input[name=reference]", "RG 26/01234")
    page.fill("input[name=basis]", "art. 6-3 LCEN")
    page.fill("input[name=issued]", decision.decided_at.date().isoformat())
    page.check("input[name=covers_mirrors]")
    page.click("text=Record the order")
    page.wait_for_url("**/orders/*")
    page.select_option("select[name=alert]", str(alert_id))
    page.click("text=Extend the order")
    page.wait_for_url("**/orders/*")
    assert "blocked" in page.inner_text(f"tr:has-text('{top_host}')")
    shot("order")
    page.goto(f"{demo.base}/cases/{CASE}/orders")
    with page.expect_download() as got:
        page.click("text=Download the RPZ zone")
    zone = REPORT / got.value.suggested_filename
    got.value.save_as(zone)
    text = zone.read_text()
    assert f"{top_host} CNAME ." in text and f"*.{top_host} CNAME ." in text
    shot("orders")

    # live: an alert raised now appears in the open queue without a reload
    page.goto(demo.base + "/alerts")
    with store.session() as s:
        case = get_case(store, CASE)
        assert case.id is not None
        raise_alert(
            s,
            case.id,
            Score("https://live-new.example/", CASE, 99.0, Verdict.REEMERGENCE, sentence="new"),
            capture_id=None,
            now=decision.decided_at,
        )
    page.wait_for_selector("#fresh-rows tr:has-text('live-new.example')", timeout=20_000)
    shot("queue-live")

    assert errors == []
    assert guard.refused == [], guard.refused
    assert all(u.startswith(demo.base) for u in guard.seen)
    context.close()
