"""discover/triage.py: look-alikes rank above unrelated names; homoglyphs are caught."""

from __future__ import annotations

import random
import string

import idna

from revenant.discover.permute import permutations
from revenant.discover.triage import Triage
from revenant.model import Case

COCO = Case("coco", ("coco.gg",), ("coco",))
BANK = Case("bank", ("my-bank.com",))


def _unrelated(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    letters = "abdefghijkmnpqrstuvwxyz"  # no c, l, o: nothing that folds toward "coco"
    return [
        "".join(rng.choice(letters) for _ in range(rng.randint(5, 12))) + ".com" for _ in range(n)
    ]


def test_known_domains_score_one() -> None:
    t = Triage([COCO])
    assert t.score("coco.gg") == 1.0
    assert t.score("www.coco.gg") == 1.0
    assert t.assess("COCO.GG.").case == "coco"


def test_homoglyphs_are_caught_by_skeleton() -> None:
    t = Triage([COCO])
    for name in ("сосо.fr", "cοcο.gg", "c0c0.net", "cöcö.gg"):  # Cyrillic, Greek, digits, é
        ascii_name = idna.encode(name).decode()
        ranked = t.assess(ascii_name)
        assert ranked.score >= 0.9, (name, ranked)
        assert "looks like" in ranked.reason or "same name" in ranked.reason


def test_lookalikes_rank_above_unrelated_names() -> None:
    t = Triage([COCO, BANK])
    lookalikes = ["cocochat.fr", "coco-tchat.live", "cocoo.gg", "coc0.gg", "my-bank.fr",
                  "mybank-login.com", "rny-bank.com"]  # fmt: skip
    ranked = t.rank(_unrelated(500) + lookalikes)
    top = [r.name for r in ranked[: len(lookalikes)]]
    assert set(top) == set(lookalikes)
    assert all(r.score == 0.0 for r in ranked[len(lookalikes) :])


def test_every_permutation_outranks_unrelated_names() -> None:
    t = Triage([COCO])
    perms = [p.name for p in permutations("coco.gg", tlds=["com", "fr"])]
    scores = t.scores(perms)
    unrelated = t.scores(_unrelated(1000))
    assert min(scores) > max(unrelated)


def test_rank_keeps_every_name_and_input_order_on_ties() -> None:
    t = Triage([COCO])
    names = ["b.com", "a.com", "coco.fr", "", "x" * 300]
    ranked = t.rank(names)
    assert [r.name for r in ranked] == ["coco.fr", "b.com", "a.com", "", "x" * 300]


def test_scores_are_between_zero_and_one() -> None:
    t = Triage([COCO, BANK])
    names = [p.name for p in permutations("my-bank.com", tlds=["com"])] + _unrelated(100)
    assert all(0.0 <= s <= 1.0 for s in t.scores(names))


def test_no_cases_scores_zero() -> None:
    assert Triage([]).scores(["coco.gg", "x.com"]) == [0.0, 0.0]


def test_subdomain_brand_is_weaker_than_registrable_brand() -> None:
    t = Triage([COCO])
    assert t.score("cocochat.fr") > t.score("coco.example.org") > t.score("example.org")


def test_batches_give_the_same_scores_as_single_names() -> None:
    t = Triage([COCO], batch=7)
    names = [p.name for p in permutations("coco.gg", tlds=["fr"])][:50] + list(
        string.ascii_lowercase
    )
    assert t.scores(names) == [t.score(n) for n in names]
