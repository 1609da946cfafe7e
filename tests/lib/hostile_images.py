#!/usr/bin/env python3
"""Hand-made hostile images for the readers' tests (tests/interop/readers_hostile.sh).

    hostile_images.py OUTDIR [FAT12-IMAGE-WITH-FILE.BIN]

Writes small ISO 9660 images with Rock Ridge whose records lie in one way
each (traversal in NM, two entries of one name, directory loops, a
continuation area pointing at itself, lengths past the end, huge counts,
nesting past the depth limit), a cloop header with a huge block count, and,
given a FAT12 image holding FILE.BIN of three clusters or more, a copy of it
whose cluster chain loops back.
"""
import os
import struct
import sys

B = 2048


def both16(v):
    return struct.pack('<H', v) + struct.pack('>H', v)


def both32(v):
    return struct.pack('<I', v) + struct.pack('>I', v)


DATE7 = bytes([120, 1, 1, 0, 0, 0, 0])


def rec(extent, size, flags, name, su=b''):
    """ECMA-119 9.1 directory record."""
    pad = b'' if len(name) % 2 else b'\0'
    body = (both32(extent) + both32(size) + DATE7 + bytes([flags, 0, 0]) + both16(1) +
            bytes([len(name)]) + name + pad + su)
    r = bytes([0, 0]) + body
    if len(r) % 2:
        r += b'\0'
    return bytes([len(r)]) + r[1:]


def sp():
    return b'SP' + bytes([7, 1, 0xBE, 0xEF, 0])


def px(mode, nlink=1, ino=1):
    return b'PX' + bytes([44, 1]) + both32(mode) + both32(nlink) + both32(0) + both32(0) + both32(ino)


def nm(name):
    return b'NM' + bytes([5 + len(name), 1, 0]) + name


def sl(target):
    comp = bytes([0, len(target)]) + target
    return b'SL' + bytes([5 + len(comp), 1, 0]) + comp


def ce(block, off, length):
    return b'CE' + bytes([28, 1]) + both32(block) + both32(off) + both32(length)


def dot(extent, size, root=False):
    su = (sp() if root else b'') + px(0o40755, 2)
    return rec(extent, size, 2, b'\0', su) + rec(extent, size, 2, b'\1', px(0o40755, 2))


class Iso:
    def __init__(self, nsectors):
        self.img = bytearray(nsectors * B)

    def put(self, sector, data, off=0):
        assert len(data) + off <= B, 'record spills over the sector'
        self.img[sector * B + off:sector * B + off + len(data)] = data

    def finish(self, root_size=B, space=None):
        pvd = bytearray(B)
        pvd[0] = 1
        pvd[1:6] = b'CD001'
        pvd[6] = 1
        pvd[40:72] = b'HOSTILE'.ljust(32)
        pvd[80:88] = both32(space if space is not None else len(self.img) // B)
        pvd[120:124] = both16(1)
        pvd[124:128] = both16(1)
        pvd[128:132] = both16(B)
        pvd[156:190] = rec(18, root_size, 2, b'\0')
        self.put(16, bytes(pvd))
        term = bytearray(B)
        term[0] = 255
        term[1:6] = b'CD001'
        term[6] = 1
        self.put(17, bytes(term))
        return bytes(self.img)


def file_rec(iso_name, name, extent=0, size=0, mode=0o100644, extra=b''):
    return rec(extent, size, 0, iso_name, px(mode) + nm(name) + extra)


def dir_rec(iso_name, name, extent, size=B):
    return rec(extent, size, 2, iso_name, px(0o40755, 2) + nm(name))


def root_with(entries, nsectors=20):
    iso = Iso(nsectors)
    iso.put(18, dot(18, B, root=True) + b''.join(entries))
    return iso


def images(out):
    made = {}
    # Rock Ridge NM names that leave the target
    iso = root_with([file_rec(b'A.;1', b'../outside/evil', 19, 5)])
    iso.put(19, b'evil\n')
    made['iso-nm-dotdot.iso'] = iso.finish()
    iso = root_with([file_rec(b'A.;1', b'sub/../../outside/evil', 19, 5)])
    iso.put(19, b'evil\n')
    made['iso-nm-slash.iso'] = iso.finish()
    # a symbolic link, then a file of the same name
    iso = root_with([rec(0, 0, 0, b'X1.;1', px(0o120777) + nm(b'x') + sl(b'../outside/evil')),
                     file_rec(b'X2.;1', b'x', 19, 5)])
    iso.put(19, b'evil\n')
    made['iso-symlink-then-file.iso'] = iso.finish()
    # a directory whose child is the root again, and one that is its own child
    made['iso-dir-loop-root.iso'] = root_with([dir_rec(b'LOOP', b'loop', 18)]).finish()
    iso = root_with([dir_rec(b'A', b'a', 19)])
    iso.put(19, dot(19, B) + dir_rec(b'B', b'b', 19))
    made['iso-dir-loop-self.iso'] = iso.finish()
    # a continuation area whose own CE points at itself
    iso = root_with([rec(19, 5, 0, b'A.;1', px(0o100644) + ce(20, 0, 28))], 21)
    iso.put(19, b'data\n')
    iso.put(20, ce(20, 0, 28))
    made['iso-ce-self.iso'] = iso.finish()
    # a file whose extent lies past the end of the image
    made['iso-extent-past-end.iso'] = root_with([file_rec(b'A.;1', b'a', 100000, 4096)]).finish()
    # a directory of 4 GiB - 2 KiB (a huge count: nothing may allocate it)
    made['iso-dir-huge.iso'] = root_with([dir_rec(b'BIG', b'big', 19, 0xFFFFF800)]).finish()
    # a continuation area of 4 GiB - 1 bytes
    made['iso-ce-huge.iso'] = root_with([rec(0, 0, 0, b'A.;1', px(0o100644) + ce(19, 0, 0xFFFFFFFF))]).finish()
    # a root directory that is longer than the image
    made['iso-root-past-end.iso'] = root_with([]).finish(root_size=0x7FFFF800)
    # 1100 nested directories: past the depth limit of 1024
    n = 1100
    iso = Iso(19 + n + 1)
    iso.put(18, dot(18, B, root=True) + dir_rec(b'D', b'd', 19))
    for i in range(n):
        s = 19 + i
        iso.put(s, dot(s, B) + (dir_rec(b'D', b'd', s + 1) if i + 1 < n else b''))
    made['iso-too-deep.iso'] = iso.finish()
    # cloop V2.0 with a block count no file can hold
    head = bytearray(136)
    head[0:11] = b'#!/bin/sh\n#'
    head[11:15] = b'V2.0'
    head[128:132] = struct.pack('>I', 65536)
    head[132:136] = struct.pack('>I', 0xFFFFFFF0)
    made['cloop-huge-count.cloop'] = bytes(head) + bytes(1024)
    for name, data in made.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


def fat_cycle(src, dst):
    """Make FILE.BIN's cluster chain loop back to its first cluster."""
    img = bytearray(open(src, 'rb').read())
    bps = struct.unpack_from('<H', img, 11)[0]
    res = struct.unpack_from('<H', img, 14)[0]
    nfats = img[16]
    root_entries = struct.unpack_from('<H', img, 17)[0]
    fatsz = struct.unpack_from('<H', img, 22)[0]
    root = (res + nfats * fatsz) * bps
    first = None
    for i in range(root_entries):
        e = img[root + 32 * i:root + 32 * i + 32]
        if e[0:11] == b'FILE    BIN':
            first = struct.unpack_from('<H', e, 26)[0]
    assert first, 'FILE.BIN not found'

    def get(fat, c):
        w = struct.unpack_from('<H', img, fat + c * 3 // 2)[0]
        return w >> 4 if c & 1 else w & 0xFFF

    def put(fat, c, v):
        o = fat + c * 3 // 2
        w = struct.unpack_from('<H', img, o)[0]
        w = (w & 0x000F) | (v << 4) if c & 1 else (w & 0xF000) | v
        struct.pack_into('<H', img, o, w)

    fat0 = res * bps
    c, last = first, first
    while c < 0xFF8:
        last, c = c, get(fat0, c)
    for k in range(nfats):
        put(fat0 + k * fatsz * bps, last, first)
    open(dst, 'wb').write(img)


if __name__ == '__main__':
    os.makedirs(sys.argv[1], exist_ok=True)
    images(sys.argv[1])
    if len(sys.argv) > 2:
        fat_cycle(sys.argv[2], os.path.join(sys.argv[1], 'fat-cluster-cycle.img'))
