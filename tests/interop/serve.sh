#!/usr/bin/env bash
# mklive serve --stdio against curl (a client nobody here wrote), through
# socat listening on 127.0.0.1 only and starting one `mklive serve --stdio
# DIR` per connection, as QEMU's guestfwd does: whole files, HEAD, the
# three Range forms (206, Content-Range) and 416, several requests on one
# connection, and 404 for '..', an encoded '..', symbolic links leaving
# DIR (absolute and relative), a directory and a FIFO; bad requests over a
# raw pipe (400, 405, 505) and the command's own usage errors.
source "$TESTS_DIR/lib/common.sh"
need curl curl
need socat socat
O=$TEST_OUT
D=$O/dir
rm -rf "$D"; mkdir -p "$D/sub" "$O/hide"
head -c 300000 /dev/urandom >"$D/sub/data.bin"
echo secret >"$O/hide/secret"
ln -s sub/data.bin "$D/inside"
ln -s "$O/hide/secret" "$D/abs-out"
ln -s ../hide/secret "$D/rel-out"
mkfifo "$D/fifo"
size=$(stat -c %s "$D/sub/data.bin")

expect_fail serve-needs-stdio "--stdio is required" "" "$MKLIVE" serve "$D"
expect_fail serve-needs-dir "$O/nope" "" "$MKLIVE" serve --stdio "$O/nope"

# a free port on 127.0.0.1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "EXEC:$MKLIVE serve --stdio $D" 2>"$O/socat.err" &
sp=$!
trap 'kill $sp 2>/dev/null' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
U=http://127.0.0.1:$port

curl -s -o "$O/got" -w '%{http_code}' "$U/sub/data.bin" >"$O/code"
check get-whole bash -c "[ \"\$(cat $O/code)\" = 200 ] && cmp -s $O/got $D/sub/data.bin"
curl -sI "$U/sub/data.bin" | tr -d '\r' >"$O/head"
check head-length grep -qx "Content-Length: $size" "$O/head"
check head-accept-ranges grep -qx "Accept-Ranges: bytes" "$O/head"
check head-no-body bash -c "[ \"\$(curl -s -X HEAD --max-time 5 -o - -w '%{size_download}' $U/sub/data.bin)\" = 0 ]"

rng() { # NAME RANGE FIRST LAST
	curl -s -D "$O/$1.h" -o "$O/$1.b" -r "$2" "$U/sub/data.bin"
	tail -c +$(($3 + 1)) "$D/sub/data.bin" | head -c $(($4 - $3 + 1)) >"$O/$1.want"
	if grep -q '^HTTP/1.1 206' "$O/$1.h" && tr -d '\r' <"$O/$1.h" | grep -qx "Content-Range: bytes $3-$4/$size" &&
		cmp -s "$O/$1.b" "$O/$1.want"; then
		t_pass "$1"
	else
		t_fail "$1" "$(head -n 1 "$O/$1.h")"
	fi
}
rng range-a-b 1000-1999 1000 1999
rng range-a- 299000- 299000 $((size - 1))
rng range-suffix -100 $((size - 100)) $((size - 1))
rng range-past-end 299990-400000 299990 $((size - 1))
check range-416 bash -c "curl -s -D - -o /dev/null -r $size- $U/sub/data.bin | tr -d '\r' | grep -q -x 'Content-Range: bytes \*/$size'"

# two files over one connection: curl says it reuses it
curl -sv -o /dev/null -o /dev/null "$U/sub/data.bin" "$U/inside" 2>"$O/reuse.err"
check keep-alive grep -qi 're-using existing connection' "$O/reuse.err"
check symlink-inside bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $U/inside)\" = 200 ]"

for p in /../hide/secret /sub/../../hide/secret /%2e%2e/hide/secret /abs-out /rel-out /sub /fifo /nothing "/sub%2fdata.bin"; do
	code=$(curl -s --path-as-is -o "$O/body" -w '%{http_code}' --max-time 10 "$U$p")
	if [ "$code" = 404 ] && ! grep -q secret "$O/body"; then
		t_pass "404$(echo "$p" | tr '/%' '__')"
	else
		t_fail "404$(echo "$p" | tr '/%' '__')" "got $code"
	fi
done
kill $sp 2>/dev/null; wait $sp 2>/dev/null
trap - EXIT
check no-listener-left bash -c "! ss -ltn | grep -q ':$port '"

rawcheck() { # NAME REQUEST STATUS-LINE
	local got
	got=$(printf "$2" | "$MKLIVE" serve --stdio "$D" | head -n 1 | tr -d '\r')
	if [ "$got" = "$3" ]; then t_pass "$1"; else t_fail "$1" "got '$got'"; fi
}
rawcheck raw-400 'GET\r\n\r\n' 'HTTP/1.1 400 Bad Request'
rawcheck raw-405 'DELETE /sub/data.bin HTTP/1.1\r\n\r\n' 'HTTP/1.1 405 Method Not Allowed'
rawcheck raw-505 'GET / HTTP/3.0\r\n\r\n' 'HTTP/1.1 505 HTTP Version Not Supported'
rawcheck raw-not-absolute 'GET etc/passwd HTTP/1.1\r\n\r\n' 'HTTP/1.1 400 Bad Request'
t_done
