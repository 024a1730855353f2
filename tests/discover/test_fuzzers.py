"""discover/fuzzers.py: the look-alike fuzzer makes every one- and two-swap label once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.discover.fuzzers import homoglyph
from revenant.discover.glyphs import homoglyphs_for


def _one_look_alike(label: str, glyphs: dict[str, tuple[str, ...]]) -> set[str]:
    """Spec: one character or pair replaced by a look-alike, or a doubled letter by a
    doubled look-alike."""
    out = set()
    for i in range(len(label)):
        for key in (label[i], label[i : i + 2]):
            out |= {label[:i] + g + label[i + len(key) :] for g in glyphs.get(key, ())}
        if label[i : i + 1] == label[i + 1 : i + 2]:
            out |= {label[:i] + g + g + label[i + 2 :] for g in glyphs.get(label[i], ())}
    return out


@settings(max_examples=60, deadline=None)
@given(
    # letters with two-letter look-alikes (rn, cl, vv, ae, oe), doubles, digits, IDN
    label=st.text(alphabet="acdelmnorsuvw018-éöæ", min_size=1, max_size=9),
    suffix=st.sampled_from(["com", "fr", "co.uk", "de", "org"]),
)
def test_homoglyphs_are_every_one_and_two_look_alike_replacements_once(
    label: str, suffix: str
) -> None:
    glyphs = homoglyphs_for(suffix)
    once = _one_look_alike(label, glyphs)
    twice = set().union(*(_one_look_alike(x, glyphs) for x in once))
    made = homoglyph(label, suffix)
    assert len(made) == len(set(made))
    assert set(made) == once | twice
