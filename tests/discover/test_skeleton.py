"""discover/skeleton.py: TR39-style folding of look-alikes."""

from __future__ import annotations

from revenant.discover.skeleton import confusable, skeleton


def test_scripts_and_digits_fold_to_latin() -> None:
    assert skeleton("сосо") == "coco"  # Cyrillic
    assert skeleton("cοcο") == "coco"  # Greek omicron
    assert skeleton("c0c0") == "coco"
    assert skeleton("ｃｏｃｏ") == "coco"  # fullwidth, by NFKD
    assert skeleton("cöcö") == "coco"  # diacritics dropped


def test_multi_letter_lookalikes_fold() -> None:
    assert skeleton("rnicrosoft") == skeleton("microsoft")
    assert skeleton("vveb") == skeleton("web")
    assert skeleton("clomain") == skeleton("domain")


def test_confusable_needs_different_strings() -> None:
    assert confusable("paypa1", "paypal")
    assert not confusable("paypal", "paypal")
    assert not confusable("coco", "cola")
