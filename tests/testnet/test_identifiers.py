"""Made-up operator identifiers look like the real thing to extractors."""

from __future__ import annotations

import random
import re

from hypothesis import given
from hypothesis import strategies as st

from revenant.testnet import identifiers


def test_bip173_vector_is_valid() -> None:
    assert identifiers.bech32_valid("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
    assert not identifiers.bech32_valid("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5")


@given(st.integers())
def test_generated_btc_addresses_are_valid_p2wpkh(seed: int) -> None:
    address = identifiers.btc_address(random.Random(seed))
    assert re.fullmatch(r"bc1q[02-9ac-hj-np-z]{38}", address)
    assert identifiers.bech32_valid(address)


@given(st.integers())
def test_analytics_ids_have_their_public_shapes(seed: int) -> None:
    rng = random.Random(seed)
    assert re.fullmatch(r"UA-\d{8}-[1-3]", identifiers.ua_id(rng))
    assert re.fullmatch(r"G-[A-Z0-9]{10}", identifiers.ga4_id(rng))
    assert re.fullmatch(r"matomo:\d+", identifiers.matomo_id(rng))
