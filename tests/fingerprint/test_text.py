"""Text and DOM sketches."""

from __future__ import annotations

import re
import sys
import unicodedata

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.fingerprint.text import (
    LAST_NON_STARTER,
    MINHASH_SAMPLE,
    NFKC_PIECE,
    NUM_PERM,
    fold,
    hamming,
    jaccard,
    minhash,
    normalize_title,
    path_simhash,
    sketch_text,
    text_blocks,
    word_tokens,
)

BASE = (
    "Bienvenue sur Papoti, le tchat gratuit et anonyme sans inscription. Choisissez un "
    "pseudo et entrez dans le salon général, rencontrez des gens de votre région et "
    "discutez en privé. Nos modérateurs veillent sur une ambiance conviviale jour et nuit."
)


def test_near_duplicate_text_is_close() -> None:
    a = sketch_text([BASE])
    b = sketch_text([BASE.replace("Papoti", "Papotti")])
    c = sketch_text(["The quick brown fox jumps over the lazy dog while the band plays on " * 3])
    assert a.simhash is not None and b.simhash is not None and c.simhash is not None
    assert hamming(a.simhash, b.simhash) < hamming(a.simhash, c.simhash)
    assert jaccard(a.minhash, b.minhash) > 0.6
    assert jaccard(a.minhash, c.minhash) < 0.1


def test_case_and_unicode_forms_do_not_matter() -> None:
    a = sketch_text([BASE])
    b = sketch_text([BASE.upper().replace("É", "É")])
    assert a.simhash == b.simhash


def test_empty_text() -> None:
    s = sketch_text([])
    assert s.simhash is None and s.minhash == () and s.words == 0 and s.blocks == []


def test_text_blocks_keep_sentences_of_4_to_40_words() -> None:
    blocks = text_blocks(["Accueil", "  Le tchat   gratuit et anonyme  ", "x " * 50])
    assert blocks == ["le tchat gratuit et anonyme"]


def test_title_normalized() -> None:
    assert normalize_title("  Papoti\n –  TCHAT ") == "papoti – tchat"


def test_path_simhash_deterministic_and_order_free() -> None:
    paths = ["html>body", "body>div", ".nav", ".footer"]
    assert path_simhash(paths) == path_simhash(list(reversed(paths)))
    assert path_simhash([]) is None


def test_minhash_equals_datasketch() -> None:
    rng = np.random.default_rng(5)
    for size in (1, 7, 300, 5000):
        hashes = np.unique(rng.integers(0, 2**64, size, dtype=np.uint64))
        sample = np.sort(hashes)[:MINHASH_SAMPLE]
        ref = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=int)
        ref.update_batch((sample & np.uint64(0xFFFFFFFF)).tolist())
        assert minhash(hashes) == tuple(int(v) for v in ref.hashvalues)


@given(st.text(max_size=300))
def test_word_tokens_are_the_regex_words(text: str) -> None:
    folded = fold(text)
    expected = [w.encode("utf-8", "surrogatepass") for w in re.findall(r"\w+", folded)]
    assert word_tokens(folded) == expected


_MIXED = st.text(
    alphabet=st.sampled_from(list("aZ é_1\u00a0\u2019\u2014\u2026\u00ab\u00bb\u0301ß\ufb01\n"))
    | st.characters(),
    max_size=200,
)


@given(_MIXED)
def test_word_tokens_are_the_regex_words_around_punctuation(text: str) -> None:
    folded = fold(text)
    expected = [w.encode("utf-8", "surrogatepass") for w in re.findall(r"\w+", folded)]
    assert word_tokens(folded) == expected


@given(_MIXED)
def test_fold_is_nfkc_then_casefold(text: str) -> None:
    assert fold(text) == unicodedata.normalize("NFKC", text).casefold()


@settings(max_examples=60, deadline=None)
@given(st.lists(_MIXED, min_size=1, max_size=30))
def test_fold_of_a_long_text_normalizes_piece_by_piece(lines: list[str]) -> None:
    # longer than a piece, with combining marks and compatibility characters at line
    # starts and ends, where the pieces are cut
    body = "\n".join(lines) + "\n"
    text = body * (NFKC_PIECE // len(body) + 2) + "\u0301x\u2026"
    assert len(text) > NFKC_PIECE
    assert fold(text) == unicodedata.normalize("NFKC", text).casefold()


def test_word_tokens_blank_many_kinds_of_separators() -> None:
    # more distinct non-word characters than are replaced one by one, of every UTF-8
    # length, and a lone surrogate
    folded = "a\u00abb\u2014c\u2019d\U0001f600e\ud800f\u3001g\u00a9h \u00e9t\u00e9 \u65e5\u672c"
    expected = [w.encode("utf-8", "surrogatepass") for w in re.findall(r"\w+", folded)]
    assert word_tokens(folded) == expected


def test_lower_stands_for_casefold_only_where_they_agree() -> None:
    for text in ("Straße", "ΣΊΣΥΦΟΣ ΣΑΣ", "ﬁn", "İstanbul", "Ꭰ ꭰ", "Éte"):
        assert fold(text) == unicodedata.normalize("NFKC", text).casefold()


def test_long_runs_of_combining_marks_are_made_stream_safe_before_nfkc() -> None:
    marks = "\u0316\u0301" * 50  # 100 non-starters in a row
    folded = fold("a" + marks + " b\u0301")
    runs = folded.split("\u034f")
    assert len(runs) == 4 and all(len(r) <= 31 for r in runs[:-1])  # 30 marks (+ "a")
    assert folded.endswith(" b\u0301") or folded.endswith(" \u1e03")  # short runs kept


def test_text_without_long_mark_runs_normalizes_as_before() -> None:
    text = "Cafe\u0301 \ufb01n \u00bd e\u0301\u0316\u0327 " * 3
    assert fold(text) == unicodedata.normalize("NFKC", text).lower()


def test_no_character_past_last_non_starter_has_a_combining_class() -> None:
    assert not any(
        unicodedata.combining(chr(c)) for c in range(LAST_NON_STARTER + 1, sys.maxunicode + 1)
    )
