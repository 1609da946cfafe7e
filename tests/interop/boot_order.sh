#!/usr/bin/env bash
# mklive squashfs -boot-order and mklive build --boot-order FILE, read back
# by rdsquashfs (squashfs-tools-ng): the listed files' blocks come first,
# in the list's order, their tails in the first fragment block in that
# order; the same list gives the same bytes; a missing path is a warning
# and the kernel still mounts the image with the same files.
source "$TESTS_DIR/lib/common.sh"
need rdsquashfs squashfs-tools-ng
need unsquashfs squashfs-tools
T=$TEST_OUT
rm -rf "${T:?}"/*
src=$T/tree
mkdir -p "$src/usr/lib" "$src/etc" "$src/bin"
for i in 1 2 3 4 5; do
	# several blocks each, different bytes, compressible
	seq $((i * 1000)) $((i * 1000 + 40000)) >"$src/usr/lib/lib$i.so"
	echo "setting $i" >"$src/etc/conf$i"
done
seq 1 300000 >"$src/bin/prog"
ln -s ../usr/lib/lib3.so "$src/bin/lib3"
cat >"$T/order" <<'LIST'
# first the program, then a config file, a library through a symlink
/bin/prog
/etc/conf4
/missing/file
/bin/lib3
/usr/lib/lib1.so
/etc/conf2
LIST

export SOURCE_DATE_EPOCH=1700000000
"$MKLIVE" squashfs "$src" "$T/a.sqfs" -comp zstd -b 64K -boot-order "$T/order" >"$T/a.out" 2>&1
rc_a=$?
"$MKLIVE" squashfs "$src" "$T/b.sqfs" -comp zstd -b 64K -boot-order "$T/order" >"$T/b.out" 2>&1
"$MKLIVE" squashfs "$src" "$T/plain.sqfs" -comp zstd -b 64K >"$T/plain.out" 2>&1
if [ $rc_a = 0 ] && grep -q 'warning: .*order:4: /missing/file is not in the root' "$T/a.out"; then
	t_pass missing-path-warns
else
	t_fail missing-path-warns "exit $rc_a: $(cat "$T/a.out")"
fi
check same-list-same-bytes cmp -s "$T/a.sqfs" "$T/b.sqfs"
if cmp -s "$T/a.sqfs" "$T/plain.sqfs"; then t_fail order-changes-image "the image is the same without the list"; else t_pass order-changes-image; fi

# field VALUE of rdsquashfs -s PATH
field() { rdsquashfs -s "$2" "$T/a.sqfs" | sed -n "s/^$1: //p"; }
start() { field 'Blocks start' "$1"; }
prev=0 ok=1 why=
for f in /bin/prog /usr/lib/lib3.so /usr/lib/lib1.so; do
	s=$(start "$f")
	[ -n "$s" ] && [ "$s" -gt "$prev" ] || { ok=0; why="$why $f starts at '$s' (after $prev)"; }
	prev=$s
done
last_boot=$prev
for f in /usr/lib/lib2.so /usr/lib/lib4.so /usr/lib/lib5.so; do
	s=$(start "$f")
	[ "$s" -gt "$last_boot" ] || { ok=0; why="$why $f (not listed) at $s, before $last_boot"; }
done
[ $ok = 1 ] && t_pass blocks-in-list-order || t_fail blocks-in-list-order "$why"
# the listed files' tails: the first fragment blocks, in list order, and
# the others' after them
f4=$(($(field 'Fragment index' /etc/conf4))) o4=$(field 'Fragment offset' /etc/conf4)
f2=$(($(field 'Fragment index' /etc/conf2))) o2=$(field 'Fragment offset' /etc/conf2)
f1=$(($(field 'Fragment index' /etc/conf1)))
if { [ $f4 -lt $f2 ] || { [ $f4 = $f2 ] && [ "$o4" -lt "$o2" ]; }; } && [ $f1 -gt $f2 ]; then
	t_pass tails-in-boot-fragment
else
	t_fail tails-in-boot-fragment "conf4 $f4+$o4 conf2 $f2+$o2 conf1 $f1"
fi
# the files themselves are the same
rm -rf "$T/x"
if unsquashfs -q -d "$T/x" "$T/a.sqfs" >/dev/null 2>&1 && diff -r --no-dereference "$src" "$T/x" >"$T/diff" 2>&1; then
	t_pass same-files
else
	t_fail same-files "$(head -5 "$T/diff")"
fi

# mklive build --boot-order FILE (Live.BootOrder): two builds, one image
if [ -x /bin/busybox ] && ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1; then
	# /etc/profile would not come first in the directory walk's order
	printf '/etc/profile\n/no/such/path\n/sbin/init\n' >"$T/live.order"
	"$MKLIVE" build -o "$T/l1.iso" --boot-order "$T/live.order" --no-uefi >"$T/l1.out" 2>&1
	rc=$?
	"$MKLIVE" build -o "$T/l2.iso" --set Live.BootOrder="$T/live.order" --no-uefi -q >"$T/l2.out" 2>&1
	if [ $rc = 0 ] && grep -q '/no/such/path is not in the root' "$T/l1.out"; then
		t_pass build-warns-missing
	else
		t_fail build-warns-missing "exit $rc: $(tail -3 "$T/l1.out")"
	fi
	check build-same-bytes cmp -s "$T/l1.iso" "$T/l2.iso"
	"$MKLIVE" cat "$T/l1.iso:/live/root.squashfs" >"$T/root.sqfs" 2>"$T/cat.err"
	b=$(rdsquashfs -s /bin/busybox "$T/root.sqfs" | sed -n 's/^Blocks start: //p')
	p=$(rdsquashfs -s /etc/profile "$T/root.sqfs" | sed -n 's/^Fragment \(index\|offset\): //p' | tr '\n' ' ')
	if [ "$b" = 96 ] && [ "$p" = "0x0 0 " ]; then
		t_pass build-listed-first
	else
		t_fail build-listed-first "busybox at $b, /etc/profile at fragment $p"
	fi
	check print-config sh -c "'$MKLIVE' build --boot-order auto --print-config | grep -q '^BootOrder = auto'"
else
	t_skip build-boot-order "needs /bin/busybox and Debian's kernel"
fi
t_done
