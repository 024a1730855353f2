"""discover/feed.py: names checked, bad items counted and reported with file and line."""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import threading
from pathlib import Path

import idna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.discover.feed import FeedStats, check_name, read_lines


def test_check_name_normalises_and_explains() -> None:
    assert check_name("*.Coco.GG.") == ("coco.gg", None)
    assert check_name("bücher.de") == ("xn--bcher-kva.de", None)
    assert check_name("a" * 312, "SAN") == (None, "SAN has 312 characters (max 253)")
    assert check_name("bad\x07name.com")[1] == "name 'bad\\x07name.com' contains control characters"
    assert "not a valid IDNA hostname" in (check_name("-x-.com")[1] or "")
    assert "not a valid IDNA hostname" in (check_name("a..b")[1] or "")
    assert check_name("127.0.0.1")[1] == "name '127.0.0.1' is an IP address, not a hostname"


def test_skip_message_names_feed_and_line(caplog: pytest.LogCaptureFixture) -> None:
    stats = FeedStats()
    with caplog.at_level(logging.WARNING, logger="revenant.discover"):
        err = stats.skip("ct.json", "line 48213", "SAN has 312 characters (max 253)", "too_long")
    assert str(err) == "feed ct.json line 48213: SAN has 312 characters (max 253); skipped"
    assert str(err) in caplog.text
    assert stats.as_dict()["skipped_by_reason"] == {"too_long": 1}


def test_read_lines_skips_overlong_lines_and_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"one\n" + b"x" * 5000 + b"\ntwo\n\xff\xfe\nthree")
    stats = FeedStats()
    got = list(read_lines(path, stats, max_line=1000))
    assert got == [(1, "one"), (3, "two"), (5, "three")]
    assert stats.skipped == {"too_long": 1, "not_utf8": 1}


def test_read_lines_stops_at_truncated_gzip_with_a_reason(tmp_path: Path) -> None:
    data = gzip.compress(b"".join(b"name%d.com\n" % i for i in range(20000)))
    path = tmp_path / "f.gz"
    path.write_bytes(data[: len(data) // 2])
    stats = FeedStats()
    got = list(read_lines(path, stats))
    assert 0 < len(got) < 20000
    assert stats.skipped == {"truncated_gzip": 1}
    assert "f.gz line" in stats.recent[-1] and "truncated gzip" in stats.recent[-1]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_check_name_never_raises_and_only_returns_valid_hostnames(raw: str) -> None:
    name, reason = check_name(raw)
    assert (name is None) != (reason is None)
    if name is not None:
        assert len(name) <= 253 and name.isascii()
        assert idna.encode(idna.decode(name)).decode() == name


def test_endless_input_without_newlines_ends_the_file_not_the_reader() -> None:
    stats = FeedStats()
    got = list(read_lines("/dev/zero", stats, max_line=1000, max_skip=64_000))
    assert got == []
    assert stats.skipped == {"too_long": 1}
    assert stats.recent == [
        "feed zero line 1: line over 1000 bytes and no line end in the next 64000; "
        "rest of the file not read; skipped"
    ]


def test_endless_input_stops_when_asked(tmp_path: Path) -> None:
    fifo = tmp_path / "endless"
    os.mkfifo(fifo)

    def write_forever() -> None:
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as out:
            while True:
                out.write(b"endless.example\n" * 4096)

    threading.Thread(target=write_forever, daemon=True).start()
    asked = 0

    def stop() -> bool:
        nonlocal asked
        asked += 1
        return asked > 1000

    stats = FeedStats()
    got = sum(1 for _ in read_lines(fifo, stats, stop=stop))
    assert got == 1000 and asked == 1001  # asked before every line
    assert stats.skipped == {"stopped": 1}
    assert stats.recent[-1].endswith("watch stopping, rest not read; skipped")


def test_a_stop_is_seen_while_skipping_an_overlong_line() -> None:
    stats = FeedStats()
    assert list(read_lines("/dev/zero", stats, max_line=1000, stop=lambda: True)) == []
    assert stats.skipped == {"stopped": 1}


def test_a_file_that_cannot_be_opened_raises_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list(read_lines(tmp_path / "gone.txt", FeedStats()))
