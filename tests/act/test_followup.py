"""The watch closes notices without cron: after a round that re-checked confirmed names,
it runs the notice review (act/followup.py), so a notice whose site a re-check found
gone becomes "acted", under the watch's name, with no `revenant notice review` run."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.act.followup import NoticeReview
from revenant.act.notice_text import Notifier
from revenant.act.notices import approve, draft, send_notice
from revenant.act.rdap import who_to_tell
from revenant.act.recheck import ConfirmedSource
from revenant.cli import app
from revenant.demo import probe_config_for
from revenant.evidence.verify import verify_case
from revenant.pipeline import Pipeline
from revenant.store.decisions import list_decisions
from revenant.store.notices import get_notice
from revenant.store.rdap import answers_for_alert
from revenant.store.rechecks import rechecks_of
from revenant.testnet import Page, SiteSpec, Testnet
from revenant.watch import Watch
from tests.act.mailserver import starttls_server
from tests.act.sharing import World, build_world, fresh_log, running_net
from tests.conftest import FakeClock

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def net() -> Iterator[Testnet]:
    yield from running_net()


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[Testnet]:
    """Another internet, where the mirror's name no longer resolves."""
    site = SiteSpec(names=("meteo-lyon.fr",), pages=(Page("/", b"<p>Soleil.</p>"),))
    with Testnet([site], seed=3, block=215) as running:
        yield running


def _sent_notice(w: World, folder: Path) -> int:
    """The registrar's notice of the confirmed mirror, drafted, approved and sent."""

    async def contacts() -> None:
        async with w.prober() as prober:
            await who_to_tell(
                prober, w.rdap, w.pipe.store, w.alert, evidence=fresh_log(w), clock=w.pipe.clock
            )

    asyncio.run(contacts())
    made = draft(
        w.pipe.store,
        w.data_dir,
        w.alert.id,
        answers_for_alert(w.pipe.store, w.alert.id),
        roles=["registrar"],
        notifier=Notifier("Sophie Martin", "pharos@interieur-gouv.test"),
        actor="analyst-a",
        clock=w.pipe.clock,
    )
    (notice,) = made.notices
    approve(w.pipe.store, w.data_dir, notice.id, actor="analyst-b", clock=w.pipe.clock)
    with starttls_server(folder) as (server, inbox):
        send_notice(
            w.pipe.store, w.data_dir, notice.id, server, actor="analyst-b", clock=w.pipe.clock
        )
        assert len(inbox.messages) == 1
    return notice.id


def test_the_watch_closes_a_notice_once_a_recheck_finds_the_site_gone(
    net: Testnet, elsewhere: Testnet, tmp_path: Path
) -> None:
    clock = FakeClock()
    w = build_world(net, tmp_path / "data", clock)
    notice_id = _sent_notice(w, tmp_path / "smtp")
    clock.advance(hours=7)
    calls: list[int] = []
    review = NoticeReview(w.pipe.store, w.data_dir, clock=clock)

    def hook() -> list[object]:
        closed = review()
        calls.append(len(closed))
        return list(closed)

    # a round without re-checks does not review
    idle = Watch(
        pipe=w.pipe, sources=[], prioritise=lambda names: [0.0] * len(names), after_rechecks=hook
    )
    idle.run_once()
    assert calls == [] and get_notice(w.pipe.store, notice_id).state == "sent"

    gone = Pipeline(w.pipe.settings, w.pipe.store, probe_config_for(elsewhere), clock=clock)
    watch = Watch(
        pipe=gone,
        sources=[ConfirmedSource(w.pipe.store)],
        prioritise=lambda names: [0.0] * len(names),
        after_rechecks=hook,
    )
    stats = watch.run_once()
    gone.close()
    (recheck,) = rechecks_of(w.pipe.store, w.alert.id)
    assert recheck.state == "down"
    assert calls == [1] and stats.rechecked == 1 and stats.notices_closed == 1
    closed = get_notice(w.pipe.store, notice_id)
    assert closed.state == "acted"
    assert "found bavard0.net down" in closed.outcome_note and "7.0 h after" in closed.outcome_note
    (decision,) = [
        d for d in list_decisions(w.pipe.store, case="coco") if d.action == "notice-acted"
    ]
    assert decision.actor == "revenant-watch"
    assert verify_case(w.data_dir, "coco").ok
    w.pipe.close()


def test_watch_refuses_a_review_period_under_a_day(tmp_path: Path) -> None:
    run = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path / "d"), "watch", "--once", "--notice-days", "0"]
    )
    assert run.exit_code == 2 and "--notice-days 0: at least 1" in run.stderr
