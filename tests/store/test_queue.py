from __future__ import annotations

from datetime import timedelta

from revenant.model import Candidate, Source
from revenant.store import queue
from revenant.store.schema import CaptureRow


def _cand(name: str, when, priority: float = 0.0, source: Source = Source.PERMUTATION) -> Candidate:
    return Candidate(
        name=name, source=source, seen_at=when, detail=f"from {source}", priority=priority
    )


def test_claims_come_highest_priority_first(store, clock) -> None:
    queue.enqueue(store, [_cand("low.fr", clock(), 0.1), _cand("high.fr", clock(), 0.9)])
    claims = queue.claim(store, 1, now=clock())
    assert [c.name for c in claims] == ["high.fr"]


def test_a_known_name_is_not_queued_twice_but_its_sightings_are_kept(store, clock) -> None:
    assert queue.enqueue(store, [_cand("coco-chat.fr", clock(), 0.2)]) == 1
    assert queue.enqueue(store, [_cand("coco-chat.fr", clock(), 0.8, Source.CT)]) == 0
    assert queue.counts(store) == {"queued": 1}
    assert [s for s, _ in queue.sources_of(store, "coco-chat.fr")] == ["permutation", "ct"]
    assert queue.claim(store, 5, now=clock())[0].priority == 0.8


def test_leased_names_are_not_claimed_again_until_the_lease_expires(store, clock) -> None:
    queue.enqueue(store, [_cand("a.fr", clock())])
    first = queue.claim(store, 5, now=clock(), lease=timedelta(minutes=10))
    assert len(first) == 1
    assert queue.claim(store, 5, now=clock()) == []
    clock.advance(minutes=11)  # the worker died: its lease ran out
    again = queue.claim(store, 5, now=clock())
    assert [c.name for c in again] == ["a.fr"]
    assert again[0].attempts == 2


def test_finished_names_come_back_only_when_their_recheck_is_due(store, clock) -> None:
    queue.enqueue(store, [_cand("a.fr", clock())])
    (claim,) = queue.claim(store, 5, now=clock())
    with store.session() as session:
        session.add(
            CaptureRow(
                id=1,
                target="a.fr",
                host="a.fr",
                final_url="a.fr",
                started_at=clock(),
                finished_at=clock(),
                outcome="ok",
            )
        )
        session.flush()
        queue.finish(session, claim.id, capture_id=1, next_probe_at=clock() + timedelta(hours=6))
    assert queue.claim(store, 5, now=clock() + timedelta(hours=5)) == []
    assert [c.name for c in queue.claim(store, 5, now=clock() + timedelta(hours=6))] == ["a.fr"]


def test_released_claims_are_requeued_then_failed_after_max_attempts(store, clock) -> None:
    queue.enqueue(store, [_cand("a.fr", clock())])
    for _ in range(3):
        (claim,) = queue.claim(store, 1, now=clock())
        queue.release(store, [claim.id], max_attempts=3)
    assert queue.counts(store) == {"failed": 1}


def test_two_stores_on_one_file_never_claim_the_same_name(store_factory, clock) -> None:
    a, b = store_factory(), store_factory()
    queue.enqueue(a, [_cand(f"n{i}.fr", clock()) for i in range(20)])
    got_a = queue.claim(a, 12, now=clock())
    got_b = queue.claim(b, 12, now=clock())
    names_a = {c.name for c in got_a}
    names_b = {c.name for c in got_b}
    assert not names_a & names_b
    assert len(names_a | names_b) == 20
