"""discover/lists.py: NRD files, zone diffs and tips."""

from __future__ import annotations

import gzip
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.discover.feed import FeedStats, check_name
from revenant.discover.lists import nrd, tip, zone_diff, zone_names
from revenant.errors import BadFeed
from revenant.model import Source

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def clock() -> datetime:
    return NOW


def test_nrd_plain_and_gzip(tmp_path: Path) -> None:
    text = "# newly registered\ncoco-chat.fr\nExample.COM,2026-05-01\n\nbücher.de\tx\n"
    (tmp_path / "nrd.txt").write_text(text, "utf-8")
    (tmp_path / "nrd.txt.gz").write_bytes(gzip.compress(text.encode()))
    for name in ("nrd.txt", "nrd.txt.gz"):
        cands = list(nrd(tmp_path / name, clock=clock))
        assert [c.name for c in cands] == ["coco-chat.fr", "example.com", "xn--bcher-kva.de"]
        assert cands[0].source is Source.NRD and cands[0].detail == f"{name} line 2"


def test_nrd_bad_names_and_truncated_gzip(tmp_path: Path) -> None:
    body = (
        "ok.example\n"
        + "a" * 260
        + ".com\nbad name\n"
        + "".join(f"n{i}.example\n" for i in range(30000))
    )
    data = gzip.compress(body.encode())
    path = tmp_path / "nrd.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    stats = FeedStats()
    names = [c.name for c in nrd(path, stats=stats)]
    assert names[0] == "ok.example" and len(names) > 100
    assert stats.skipped["too_long"] == 1
    assert stats.skipped["truncated_gzip"] == 1
    assert "feed nrd.gz line 2: name has 264 characters (max 253); skipped" in stats.recent


OLD = """$ORIGIN fr.
$TTL 3600
@ IN SOA ns1.nic.fr. hostmaster.nic.fr. (
   2026050101 3600 600 86400 300 )
@ IN NS ns1.nic.fr.
coco IN NS ns1.host.net.
 IN NS ns2.host.net.
ancien 3600 IN NS ns.other.
ns1.coco IN A 127.0.9.1
"""
NEW = """$ORIGIN fr.
@ IN NS ns1.nic.fr.
coco IN NS ns1.host.net.
ancien 3600 IN NS ns.other.
coco-chat 300 IN NS ns1.bullet.example. ; the new one
nouveau.fr. IN NS ns.q.example.
glue IN A 127.0.9.9
"""


def test_zone_names_reads_delegations_only(tmp_path: Path) -> None:
    (tmp_path / "old.zone").write_text(OLD)
    assert [n for _, n in zone_names(tmp_path / "old.zone")] == ["coco.fr", "ancien.fr"]


def test_zone_diff_yields_new_delegations(tmp_path: Path) -> None:
    (tmp_path / "old.zone").write_text(OLD)
    (tmp_path / "new.zone.gz").write_bytes(gzip.compress(NEW.encode()))
    cands = list(zone_diff(tmp_path / "old.zone", tmp_path / "new.zone.gz", clock=clock))
    assert [c.name for c in cands] == ["coco-chat.fr", "nouveau.fr"]
    assert cands[0].source is Source.ZONE
    assert cands[0].detail == "new.zone.gz line 5 (new since old.zone)"


def test_tip_from_url_or_name() -> None:
    c = tip("https://Coco-Chat.fr/salon?id=1", case="coco", note="hotline", clock=clock)
    assert (c.name, c.source, c.case) == ("coco-chat.fr", Source.TIP, "coco")
    assert c.detail == "https://Coco-Chat.fr/salon?id=1 hotline"
    assert tip("cöcö.fr").name == "xn--cc-fkab.fr"
    with pytest.raises(BadFeed, match="not a valid IDNA hostname"):
        tip("https://exa mple.com/")


def test_a_zone_line_of_parentheses_only_is_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "old.zone").write_text(OLD)
    (tmp_path / "new.zone").write_text("$ORIGIN fr.\n(\n)\nfresh IN NS ns.x.example.\n")
    cands = list(zone_diff(tmp_path / "old.zone", tmp_path / "new.zone", clock=clock))
    assert [c.name for c in cands] == ["fresh.fr"]


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("http://[::1", "not a usable URL (Invalid IPv6 URL)"),
        ("https://coco.fr:99999/", "not a usable URL (Port out of range 0-65535)"),
    ],
)
def test_a_tip_that_is_no_usable_url_is_bad_feed(target: str, why: str) -> None:
    with pytest.raises(BadFeed, match=re.escape(why)):
        tip(target)


_ZONE_LINES = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(["$ORIGIN fr.", "(", ")", "@ IN NS ns.", " IN NS x.", "a IN NS b."]),
    ),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=400), _ZONE_LINES.map(lambda ls: "\n".join(ls).encode())))
def test_any_bytes_in_nrd_and_zone_files_give_names_or_counted_skips(data: bytes) -> None:
    folder = Path(tempfile.mkdtemp())
    (folder / "any").write_bytes(data)
    (folder / "old").write_bytes(data[: len(data) // 2])
    stats = FeedStats()
    names = [c.name for c in nrd(folder / "any", stats=stats)]
    names += [c.name for c in zone_diff(folder / "old", folder / "any", stats=stats)]
    assert stats.names == len(names)
    assert all(check_name(n) == (n, None) for n in names)
    assert all(m.startswith(("feed any line ", "feed old line ")) for m in stats.recent)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_as_a_tip_gives_a_candidate_or_bad_feed(text: str) -> None:
    try:
        cand = tip(text)
    except BadFeed as exc:
        assert str(exc).startswith("tip ")
    else:
        assert check_name(cand.name) == (cand.name, None) and cand.source is Source.TIP
