#!/usr/bin/env python3
"""Decode a PNG (8-bit RGB or RGBA, non-interlaced, as QEMU's screendump
writes) with zlib and the five PNG filters, and print
    WIDTHxHEIGHT colours=N other=P
N: distinct colours; P: the share (0..1) of pixels that differ from the
most common colour. Exits 1 with a reason for anything that is not a whole,
valid PNG (bad signature, CRC, missing IEND, short data)."""
import struct
import sys
import zlib
from collections import Counter


def fail(why):
    print(f"png_stats: {sys.argv[1]}: {why}", file=sys.stderr)
    sys.exit(1)


def decode(path):
    """(width, height, [row of RGB bytes, ...]) of a whole, valid PNG."""
    try:
        data = open(path, "rb").read()
    except OSError as e:
        fail(e.strerror)
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("not a PNG signature")
    i, idat, ihdr, end = 8, b"", None, False
    while i + 12 <= len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        if i + 12 + n > len(data):
            fail(f"chunk {kind!r} cut short")
        body = data[i + 8:i + 8 + n]
        crc = struct.unpack(">I", data[i + 8 + n:i + 12 + n])[0]
        if zlib.crc32(kind + body) != crc:
            fail(f"bad CRC in {kind!r}")
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            end = True
            break
        i += 12 + n
    if not ihdr or not end:
        fail("no IHDR or no IEND")
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        fail(f"unsupported depth {depth} colour type {ctype} interlace {interlace}")
    bpp = 3 if ctype == 2 else 4
    try:
        raw = zlib.decompress(idat)
    except zlib.error as e:
        fail(f"pixel data: {e}")
    stride = w * bpp
    if len(raw) != h * (stride + 1):
        fail(f"{len(raw)} bytes of pixel data, expected {h * (stride + 1)}")
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
            elif f != 0:
                fail(f"bad filter {f} on row {y}")
        rows.append(bytes(line) if bpp == 3 else bytes(b for x in range(0, stride, 4) for b in line[x:x + 3]))
        prev = line
    return w, h, rows


def main():
    w, h, rows = decode(sys.argv[1])
    counts = Counter()
    for line in rows:
        counts.update(line[x:x + 3] for x in range(0, len(line), 3))
    top = counts.most_common(1)[0][1]
    print(f"{w}x{h} colours={len(counts)} other={(w * h - top) / (w * h):.4f}")


if __name__ == "__main__":
    main()
