#!/usr/bin/env python3
# Test-only HTTP/1.1 file server on standard input/output, for QEMU's
# guestfwd=tcp:ADDR:80-cmd:... (one process per guest connection, no
# listening socket): answers GET/HEAD for files below DIR, 404 otherwise.
# Usage: http_stdio.py DIR [LOG]
import os
import sys

root = os.path.realpath(sys.argv[1])
log = sys.argv[2] if len(sys.argv) > 2 else None
inp, out = sys.stdin.buffer, sys.stdout.buffer


def answer(status, reason, body=b"", length=None, send_body=True):
    head = "HTTP/1.1 %d %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (
        status, reason, len(body) if length is None else length)
    out.write(head.encode())
    if send_body:
        out.write(body)
    out.flush()


line = inp.readline().decode("latin-1").rstrip("\r\n")
while True:
    h = inp.readline()
    if not h or h in (b"\r\n", b"\n"):
        break
if log:
    with open(log, "a") as f:
        f.write(line + "\n")
parts = line.split(" ")
if len(parts) != 3 or parts[0] not in ("GET", "HEAD"):
    answer(400, "Bad Request")
    sys.exit(0)
path = os.path.realpath(os.path.join(root, parts[1].split("?")[0].lstrip("/")))
if not (path == root or path.startswith(root + os.sep)) or not os.path.isfile(path):
    answer(404, "Not Found", b"not found\n")
    sys.exit(0)
size = os.path.getsize(path)
answer(200, "OK", length=size, send_body=False)
if parts[0] == "GET":
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 16)
            if not b:
                break
            out.write(b)
    out.flush()
