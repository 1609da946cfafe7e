#!/usr/bin/env python3
"""png_shrink.py IN.png OUT.png [FACTOR]: a screenshot made smaller for the
README: each FACTORxFACTOR block (default 2) averaged into one pixel, then
written as an 8-bit RGB PNG with the Paeth filter and zlib level 9."""
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from png_stats import decode  # noqa: E402


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def paeth(line, prev):
    out = bytearray(len(line))
    for x in range(len(line)):
        a = line[x - 3] if x >= 3 else 0
        b = prev[x]
        c = prev[x - 3] if x >= 3 else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out[x] = (line[x] - pr) & 255
    return bytes(out)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    f = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    w, h, rows = decode(src)
    nw, nh = w // f, h // f
    out, prev = bytearray(), bytes(nw * 3)
    for y in range(nh):
        block = rows[y * f:(y + 1) * f]
        line = bytearray(nw * 3)
        for x in range(nw):
            for k in range(3):
                line[x * 3 + k] = sum(r[(x * f + i) * 3 + k] for r in block for i in range(f)) // (f * f)
        out += b"\x04" + paeth(line, prev)
        prev = bytes(line)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", nw, nh, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(bytes(out), 9)) + chunk(b"IEND", b"")
    tmp = dst + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(png)
    os.replace(tmp, dst)


main()
