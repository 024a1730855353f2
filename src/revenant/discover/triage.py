"""Lexical triage: how much a hostname looks like any watched case, from 0 to 1, before
anything is fetched. It orders the probe queue; it never drops a name.

Three signals, the strongest wins:
- confusable skeletons (discover.skeleton): "cοcο.fr" folds to the seized "coco";
- edit distance (rapidfuzz) between the registrable label and each known label/brand;
- brand tokens found anywhere in the name (Aho-Corasick, pyahocorasick).
Names are scored in batches: one translate, one automaton pass and one distance matrix
per batch, so a million names take seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import ahocorasick
import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from revenant import hostnames as idn
from revenant.discover.skeleton import fold, fold_multi
from revenant.hostnames import public_suffixes, split
from revenant.model import Case

KNOWN = 1.0  # a known domain of the case, or a name under it
LOOKALIKE = 0.95  # same skeleton as a known label: homoglyph, suffix swap
HYPHENATED = 0.9  # same skeleton once hyphens are removed
DOTTED = 0.85  # same skeleton once the dots before the suffix are removed
SUBDOMAIN_TOKEN = 0.5  # a brand token outside the registrable label
EDIT_FLOOR = 0.5  # similarity (optimal string alignment) below which edit distance is silent
MIN_TOKEN = 3  # brand tokens shorter than this match too much to mean anything


class Ranked(NamedTuple):
    """A name, its triage score, the case it most resembles and why (empty when 0)."""

    name: str
    score: float
    case: str | None
    reason: str


class _Target(NamedTuple):
    case: str
    word: str  # the known domain or brand word, as the analyst typed it
    flat: str  # its skeleton without hyphens
    near: str  # its character-folded form without hyphens, for edit distance
    label: str  # as typed, lower-case, hyphens kept


class Triage:
    """Scores names against every case's known domains and brand words."""

    def __init__(self, cases: Sequence[Case], *, batch: int = 65536) -> None:
        self._batch = batch
        self._known: dict[str, str] = {}  # ASCII known domain -> case
        self._targets: list[_Target] = []
        self._by_flat: dict[str, int] = {}
        self._suffix2 = {s for s in public_suffixes().all if s.count(".") == 1}
        self._second_by_tld: dict[str, set[str]] = {}  # folded: "uk" -> {"co", "org", ...}
        for suffix in self._suffix2:
            second, _, tld = fold(suffix).partition(".")
            self._second_by_tld.setdefault(tld, set()).add(second)
        auto = ahocorasick.Automaton()
        for case in cases:
            for domain in case.domains:
                ascii_name = idn.to_ascii(domain.strip().lower().rstrip("."))
                if ascii_name is None:
                    continue
                self._known[ascii_name] = case.name
                _sub, label, _suffix = split(ascii_name)
                self._add(case.name, domain, idn.to_unicode(label), auto)
            for brand in case.brands:
                self._add(case.name, brand, brand.strip().lower(), auto)
        self._auto: ahocorasick.Automaton | None = None
        if len(auto):
            auto.make_automaton()
            self._auto = auto
        self._nears = [t.near for t in self._targets]

    def _add(self, case: str, word: str, label: str, auto: ahocorasick.Automaton) -> None:
        near = fold(label).replace("-", "")
        flat = fold_multi(near)
        if not flat or flat in self._by_flat:
            return
        self._by_flat[flat] = len(self._targets)
        self._targets.append(_Target(case, word, flat, near, label.lower()))
        if len(flat) >= MIN_TOKEN:
            auto.add_word(flat, (len(self._targets) - 1, flat))

    # ------------------------------------------------------------------ API

    def score(self, name: str) -> float:
        """Resemblance of one name to the closest case, 0 (none) to 1 (a known domain)."""
        return self.assess(name).score

    def assess(self, name: str) -> Ranked:
        """Score, case and reason for one name."""
        return self._assess_batch([name])[0]

    def scores(self, names: Sequence[str]) -> list[float]:
        """Scores of many names, in input order (the fast path: no reasons built)."""
        out: list[float] = []
        for start in range(0, len(names), self._batch):
            scores, _which, _how = self._score_chunk(names[start : start + self._batch])
            out.extend(np.round(scores, 4).tolist())
        return out

    def rank(self, names: Iterable[str]) -> list[Ranked]:
        """Every name, most resembling first (ties keep input order); none is dropped."""
        ranked = self._assess_batch(list(names))
        return sorted(ranked, key=lambda r: -r.score)

    # ------------------------------------------------------------------ work

    def _assess_batch(self, names: Sequence[str]) -> list[Ranked]:
        out: list[Ranked] = []
        for start in range(0, len(names), self._batch):
            chunk = names[start : start + self._batch]
            scores, which, how = self._score_chunk(chunk)
            for name, s, w, h in zip(chunk, scores.tolist(), which.tolist(), how, strict=True):
                if s <= 0.0:
                    out.append(Ranked(name, 0.0, None, ""))
                else:
                    out.append(Ranked(name, round(s, 4), self._targets[w].case, h))
        return out

    def _place_token(self, name: str, reg: str, t: int, token: str) -> tuple[float, str]:
        """Score of a brand token found in `name` (folded, without dots or hyphens)."""
        target = self._targets[t]
        if token in reg:
            why = f"contains {token!r} ({target.word}) in its name"
            return 0.55 + 0.35 * len(token) / max(len(reg), 1), why
        stem = _stem(name, self._suffix2)
        labels = [fold_multi(fold(idn.to_unicode(x))).replace("-", "") for x in stem.split(".")]
        if any(token in label for label in labels):
            return SUBDOMAIN_TOKEN, f"contains {token!r} ({target.word}) in a subdomain"
        if "".join(labels) == target.flat:
            return DOTTED, f"{target.word} split by a dot"
        return 0.0, ""  # the token straddles labels by chance ("taco.company")

    def _score_chunk(self, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
        count = len(names)
        best = np.zeros(count, dtype=np.float64)
        which = np.full(count, -1, dtype=np.int64)
        how = [""] * count
        if not count or not self._targets:
            return best, which, how
        raw, blob = _clean_all(names)
        folded = _fold_blob(raw, blob)  # one translate for the batch; dots and hyphens kept
        regs = _registrable(folded.split("\n"), self._second_by_tld)
        reg_near_blob = "\n".join(regs).replace("-", "")
        reg_near = reg_near_blob.split("\n")

        # edit distance on the registrable label, one matrix per chunk
        sims = process.cdist(
            reg_near,
            self._nears,
            scorer=OSA.normalized_similarity,
            score_cutoff=EDIT_FLOOR,
            dtype=np.float32,
            workers=1,
        )
        arg = sims.argmax(axis=1)
        top = sims[np.arange(count), arg].astype(np.float64)
        edit = np.where(top > 0, 0.2 + 0.7 * (top - EDIT_FLOOR) / (1 - EDIT_FLOOR), 0.0)
        hit = edit > 0
        best[hit] = edit[hit]
        which[hit] = arg[hit]
        for i in np.flatnonzero(hit).tolist():
            target = self._targets[int(arg[i])]
            how[i] = f"near {target.word} (edit similarity {top[i]:.2f})"
            flat = fold_multi(reg_near[i])
            j = self._by_flat.get(flat)
            if j is None:
                continue
            target = self._targets[j]  # same skeleton: a look-alike or the same label
            which[i] = j
            if raw[i] in self._known or any(raw[i].endswith("." + k) for k in self._known):
                best[i], how[i] = KNOWN, f"known domain of case {target.case}"
                continue
            reg = idn.to_unicode(_stem(raw[i], self._suffix2).rpartition(".")[2])
            if reg == target.label:
                best[i], how[i] = LOOKALIKE, f"same name as {target.word}, other suffix"
            elif reg.replace("-", "") == target.label.replace("-", ""):
                best[i], how[i] = HYPHENATED, f"hyphenated {target.word}"
            else:
                best[i], how[i] = LOOKALIKE, f"looks like {target.word} (confusable characters)"

        # brand tokens anywhere in the name, dots and hyphens ignored: one automaton pass
        # over the batch; the few hits are then placed (name, subdomain, split by a dot)
        if self._auto is not None:
            text = fold_multi(folded).replace("-", "").replace(".", "")
            line_starts: np.ndarray | None = None
            for end, (t, token) in self._auto.iter(text):
                if line_starts is None:
                    line_starts = _starts(text)
                i = int(np.searchsorted(line_starts, end, side="right")) - 1
                s, why = self._place_token(raw[i], fold_multi(reg_near[i]), t, token)
                if s > best[i]:
                    best[i], which[i], how[i] = s, t, why
        return best, which, how


def _starts(blob: str) -> np.ndarray:
    """Offsets where each line of `blob` starts."""
    if blob.isascii():
        newlines = np.flatnonzero(np.frombuffer(blob.encode("ascii"), dtype=np.uint8) == 10)
        return np.concatenate(([0], newlines + 1))
    offsets = [0]
    for line in blob.split("\n")[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    return np.asarray(offsets)


def _registrable(names: list[str], second_by_tld: dict[str, set[str]]) -> list[str]:
    """The registrable label of every name: the label before its public suffix (one- or
    two-label suffixes, which covers all but a handful of PSL rules)."""
    out: list[str] = []
    add = out.append
    get = second_by_tld.get
    for n in names:
        head, _, tld = n.rpartition(".")
        rest, dot, second = head.rpartition(".")
        seconds = get(tld)
        if dot and seconds and second in seconds:
            add(rest.rpartition(".")[2])
        else:
            add(second or tld)
    return out


def _stem(name: str, suffix2: set[str]) -> str:
    """The name without its public suffix."""
    head, _, tld = name.rpartition(".")
    rest, dot, second = head.rpartition(".")
    if dot and f"{second}.{tld}" in suffix2:
        return rest
    return head or tld


def _clean(name: str) -> str:
    n = name.strip().lower().rstrip(".").replace("\n", " ")
    return n[2:] if n.startswith("*.") else n


def _clean_all(names: Sequence[str]) -> tuple[list[str], str]:
    """`_clean` of every name, and the names joined by newlines; one lower() over the
    joined batch when the names are plain."""
    blob = "\n".join(names).lower()
    if (
        blob.count("\n") == len(names) - 1
        and "*" not in blob
        and ".\n" not in blob
        and not blob.endswith(".")
        and " " not in blob
        and "\t" not in blob
        and "\r" not in blob
    ):
        return blob.split("\n"), blob
    cleaned = [_clean(n) for n in names]
    return cleaned, "\n".join(cleaned)


def _fold_blob(lines: list[str], blob: str | None = None) -> str:
    """`fold` of many names joined by newlines: one translate over the whole batch, then
    the few IDN or non-ASCII names one by one."""
    blob = "\n".join(lines) if blob is None else blob
    if blob.isascii():
        if "xn--" not in blob:
            return fold(blob)
        out = fold(blob).split("\n")
        starts = _starts(blob)
        pos = blob.find("xn--")
        while pos >= 0:
            i = int(np.searchsorted(starts, pos, side="right")) - 1
            out[i] = fold(idn.to_unicode(lines[i]))
            pos = blob.find("xn--", pos + 4)
        return "\n".join(out)
    out = fold(blob.encode("ascii", "replace").decode("ascii")).split("\n")
    for i, x in enumerate(lines):
        if "xn--" in x or not x.isascii():
            out[i] = fold(idn.to_unicode(x).replace("\n", " "))
    return "\n".join(out)
