"""The ZIP container of a WACZ, byte by byte: what content digests cannot cover (local
headers, central directory, end record) checked against itself and against the form
Revenant writes, so that no flipped byte anywhere in a package goes unnoticed.

It must never read member data (the digests do that) and never trust zipfile's
parsing alone: zipfile silently truncates over-long fields and ignores several.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from revenant.evidence.verify import Finding

MODE = 0o100644 << 16
"""External attributes of every member Revenant writes (regular file, rw-r--r--)."""


def container_findings(path: Path, z: zipfile.ZipFile) -> list[Finding]:
    """The ZIP structure itself: each local header agrees with the central directory,
    members are contiguous from byte 0 to the central directory, and the fields only
    the central directory holds have the values Revenant writes. Content digests do not
    cover these bytes; this does."""
    out: list[Finding] = []
    infos = sorted(z.infolist(), key=lambda i: i.header_offset)
    expect = 0
    with path.open("rb") as fh:
        for info in infos:
            where = info.filename
            if info.header_offset != expect:
                out.append(
                    Finding(where, info.header_offset, f"member expected at offset {expect}")
                )
            fh.seek(info.header_offset)
            head = fh.read(30)
            if len(head) < 30 or head[:4] != b"PK\x03\x04":
                out.append(Finding(where, info.header_offset, "no local header"))
                break
            (_, version, flags, method, mtime, mdate, crc, csize, usize, nlen, xlen) = (
                struct.unpack("<IHHHHHIIIHH", head)
            )
            name = fh.read(nlen)
            local_extra = fh.read(xlen)
            dt = info.date_time
            dos_time = (dt[3] << 11) | (dt[4] << 5) | (dt[5] // 2)
            dos_date = ((dt[0] - 1980) << 9) | (dt[1] << 5) | dt[2]
            zip64 = csize == 0xFFFFFFFF
            same = (
                version == info.extract_version
                and flags == info.flag_bits
                and method == info.compress_type
                and mtime == dos_time
                and mdate == dos_date
                and (flags & 0x08 or crc == info.CRC)
                and (
                    flags & 0x08 or zip64 or (csize, usize) == (info.compress_size, info.file_size)
                )
                and name == info.filename.encode("utf-8" if flags & 0x800 else "cp437")
                and (
                    local_extra == b""
                    or (zip64 and _zip64_sizes(local_extra) == (info.file_size, info.compress_size))
                )
            )
            if not same:
                out.append(
                    Finding(
                        where,
                        info.header_offset,
                        "local header disagrees with the central directory",
                    )
                )
            central_only = (
                info.create_system == 3
                and info.external_attr == MODE
                and info.internal_attr == 0
                and info.comment == b""
                and info.volume == 0
                and info.reserved == 0
                and info.create_version in (20, 45)
                and info.extra == b""
            )
            if not central_only:
                out.append(
                    Finding(where, 0, "central directory entry is not as Revenant writes it")
                )
            expect = info.header_offset + 30 + nlen + xlen + info.compress_size
            if flags & 0x08:
                expect += 24 if zip64 else 16
    start_dir = getattr(z, "start_dir", expect)
    if start_dir != expect:
        out.append(
            Finding(
                path.name,
                expect,
                f"{start_dir - expect} bytes between members and the central directory",
            )
        )
    if z.comment:
        out.append(Finding(path.name, 0, "archive comment present"))
    cd_size = _central_walk(path, start_dir, z.infolist(), out)
    size = path.stat().st_size
    tail = size - (start_dir + cd_size)
    if tail not in (22, 22 + 56 + 20):  # EOCD, or zip64 EOCD + locator + EOCD
        out.append(
            Finding(path.name, start_dir + cd_size, f"{tail - 22} unexpected bytes at the end")
        )
    with path.open("rb") as fh:
        fh.seek(max(0, size - 22))
        eocd = fh.read(22)
    if len(eocd) == 22:
        sig, disk, cd_disk, here, total, cd_len, cd_off, clen = struct.unpack("<IHHHHIIH", eocd)
        n = len(infos)
        if (
            (sig, disk, cd_disk, clen) != (0x06054B50, 0, 0, 0)
            or (here, total)
            not in (
                (n, n),
                (0xFFFF, 0xFFFF),
            )
            or (tail == 22 and (cd_len, cd_off) != (cd_size, start_dir))
        ):
            out.append(
                Finding(path.name, size - 22, "end of central directory record is not consistent")
            )
    return out


def _zip64_sizes(extra: bytes) -> tuple[int, int] | None:
    """(uncompressed, compressed) from a local header's zip64 extra field, if that is all it holds."""
    if len(extra) != 20 or extra[:2] != b"\x01\x00":
        return None
    _, _, usize, csize = struct.unpack("<HHQQ", extra)
    return usize, csize


def _central_walk(path: Path, start: int, infos: list[zipfile.ZipInfo], out: list[Finding]) -> int:
    """Walk the raw central directory: each entry's declared lengths must match what
    zipfile parsed (it silently truncates over-long ones). Returns the directory size."""
    offset = start
    with path.open("rb") as fh:
        for info in infos:
            fh.seek(offset)
            head = fh.read(46)
            if len(head) < 46 or head[:4] != b"PK\x01\x02":
                out.append(Finding(path.name, offset, "central directory entry malformed"))
                return offset - start
            nlen, xlen, clen = struct.unpack("<HHH", head[28:34])
            name = fh.read(nlen)
            if (nlen, xlen, clen) != (
                len(info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")),
                len(info.extra),
                len(info.comment),
            ) or (
                name.decode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
                != info.orig_filename
            ):
                out.append(
                    Finding(
                        path.name,
                        offset,
                        f"central directory entry of {info.filename} is inconsistent",
                    )
                )
            offset += 46 + nlen + xlen + clen
    return offset - start
