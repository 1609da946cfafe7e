#!/usr/bin/env bash
# The tar/cpio reader against GNU tar and GNU cpio: archives they write
# (every tar format, gzip/xz/zstd/bzip2, newc/crc/odc/bin cpio) are read
# into a tree that equals what GNU tar / cpio extract (owners, modes,
# times, links, devices, xattrs and file capabilities, sparse files), also
# when written again as squashfs (unsquashfs -lln, sqfsdiff) and when read
# by an unprivileged user; hostile archives fail cleanly.
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need tar tar
need cpio cpio
need getfattr attr
need unsquashfs squashfs-tools
need sqfsdiff squashfs-tools-ng
TR=${BUILD:-$TOP/build}/tools/treeread
need "$TR" "(make unit-bins builds build/tools/treeread)"
T=$TEST_OUT
rm -rf "$T"/*
is_root=0; [ "$(id -u)" = 0 ] && is_root=1
xattr_dump() { (cd "$1" && find . -print0 | LC_ALL=C sort -z | xargs -0 getfattr -h -d -m - 2>/dev/null); }

# ---- the source tree -----------------------------------------------------
S=$T/src
make_tree_all "$S"
make_tree_xattrs "$S"
mkdir -p "$S/sparse"
make_sparse "$S/sparse/file" $((16 << 20))
truncate -s 1M "$S/sparse/leading-hole" && printf end >>"$S/sparse/leading-hole"
truncate -s 100000 "$S/sparse/only-hole"
ln "$S/sparse/file" "$S/sparse/file-hard"
if [ $is_root = 1 ] && command -v setcap >/dev/null; then
	echo bin >"$S/xattrs/setcap-bin"
	setcap cap_net_bind_service,cap_net_admin+ep "$S/xattrs/setcap-bin"
	chown 0:0 "$S/special/setuid"
fi
find "$S" -exec touch -h -d "@$fixed_time" {} +

# compare NAME DIR-A DIR-B [manifest fields]: manifests, contents, xattrs
compare() {
	local name=$1 a=$2 b=$3 fields=${4:-1-} why=
	if ! tree_compare "$a" "$b" "$fields" >"$T/$name.diff" 2>&1; then
		why="tree differs: $(head -c 600 "$T/$name.diff")"
	elif [ "${NOXATTR:-0}" = 0 ] && ! diff <(xattr_dump "$a") <(xattr_dump "$b") >"$T/$name.xdiff"; then
		why="xattrs differ: $(head -c 400 "$T/$name.xdiff")"
	fi
	if [ -n "$why" ]; then t_fail "$name" "$why"; else t_pass "$name"; fi
}

# read_check NAME ARCHIVE REFDIR: treeread's extraction equals REFDIR
read_check() {
	local name=$1 ar=$2 ref=$3 fields=${4:-1-}
	rm -rf "$T/out"
	if ! "$TR" extract "$ar" "$T/out" 2>"$T/$name.err"; then
		t_fail "$name" "$(head -c 400 "$T/$name.err")"; return
	fi
	compare "$name" "$ref" "$T/out" "$fields"
}

# ---- GNU tar: formats and compressors -------------------------------------
XA=(--xattrs --xattrs-include='*')
for fmt in posix gnu; do
	for z in none gzip xz zstd bzip2; do
		ar=$T/src-$fmt.tar; zflag=
		case $z in gzip) zflag=-z; ar=$ar.gz ;; xz) zflag=-J; ar=$ar.xz ;;
		zstd) zflag=--zstd; ar=$ar.zst ;; bzip2) zflag=-j; ar=$ar.bz2 ;; esac
		[ $fmt = gnu ] && [ $z != none ] && [ $z != gzip ] && continue
		x=(); [ $fmt = posix ] && x=("${XA[@]}")
		if ! tar --format=$fmt "${x[@]}" -S --numeric-owner $zflag -cf "$ar" -C "$S" . 2>"$T/tar.err"; then
			t_fail "tar-$fmt-$z-create" "$(cat "$T/tar.err")"; continue
		fi
		ref=$T/ref-$fmt-$z
		mkdir -p "$ref"
		tar "${x[@]}" --numeric-owner -xpf "$ar" -C "$ref"
		# GNU tar's gnu format keeps no xattrs: the reference has none either
		NOXATTR=0 read_check "tar-$fmt-$z" "$ar" "$ref"
		[ $fmt = posix ] && [ $z = none ] && NOXATTR=0 read_check "tar-$fmt-source" "$ar" "$S"
		rm -rf "$ref"
	done
done
ar=$T/src-posix.tar
# the data of an uncompressed tarball is used in place, except sparse files
"$TR" dump "$ar" >"$T/dump.txt"
n_range=$(grep -c '^/sizes/.*|f|.*|range|' "$T/dump.txt")
[ "$n_range" -ge 7 ] && t_pass tar-in-place || t_fail tar-in-place "only $n_range files of /sizes in place"
if [ $is_root = 1 ]; then
	grep -q '^/xattrs/ping|.*security.capability=0100000200200000' "$T/dump.txt" &&
		t_pass tar-capability || t_fail tar-capability "$(grep '^/xattrs/ping' "$T/dump.txt")"
	grep -q '^/special/null|c|[0-7]*|0|0|.*|1:3|' "$T/dump.txt" && t_pass tar-device ||
		t_fail tar-device "$(grep '^/special/null' "$T/dump.txt")"
fi
grep -q '^/sparse/file-hard|f|.*|2@/sparse/file|' "$T/dump.txt" && t_pass tar-hardlink ||
	t_fail tar-hardlink "$(grep '^/sparse/file-hard' "$T/dump.txt")"
# ustar (short names and link targets, small device numbers)
mkdir -p "$T/short"
cp -a "$S/links" "$S/special" "$T/short/"
rm -f "$T/short/links/longtarget" "$T/short/special/bigdev"
tar --format=ustar --numeric-owner -cf "$T/short.tar" -C "$T/short" .
NOXATTR=1 read_check tar-ustar "$T/short.tar" "$T/short"

# ---- GNU cpio: every header format -----------------------------------------
for h in newc crc odc bin; do
	src=$S; [ $h = odc ] || [ $h = bin ] && src=$T/short
	(cd "$src" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H $h --quiet >"$T/src-$h.cpio") 2>"$T/cpio.err" ||
		{ t_fail "cpio-$h-create" "$(cat "$T/cpio.err")"; continue; }
	ref=$T/ref-cpio-$h
	mkdir -p "$ref"
	(cd "$ref" && cpio -idm --quiet --no-absolute-filenames <"$T/src-$h.cpio")
	# cpio -m restores file times, but a directory's time changes as files go in
	NOXATTR=1 read_check "cpio-$h" "$T/src-$h.cpio" "$ref" 1-5,7-
	NOXATTR=1 read_check "cpio-$h-times" "$T/src-$h.cpio" "$src" 1-
	rm -rf "$ref"
done
gzip -c "$T/src-newc.cpio" >"$T/src-newc.cpio.gz"
NOXATTR=1 read_check cpio-newc-gzip "$T/src-newc.cpio.gz" "$S"

# ---- written again as squashfs: unsquashfs and sqfsdiff see the source -----
# (4 KiB blocks: a file of holes shorter than a block is a fragment to
# mksquashfs and a sparse block to mklive's writer)
if "$TR" squashfs "$T/src-posix.tar.zst" "$T/from-tar.sqfs" zstd 4096 2>"$T/sq.err"; then
	mksquashfs "$S" "$T/ref.sqfs" -comp zstd -b 4K -noappend -quiet -no-progress >/dev/null 2>&1
	if diff <(unsquashfs -lln -d R "$T/ref.sqfs" 2>&1) <(unsquashfs -lln -d R "$T/from-tar.sqfs" 2>&1) \
		>"$T/lln.diff"; then t_pass squashfs-lln; else t_fail squashfs-lln "$(head -c 400 "$T/lln.diff")"; fi
	if sqfsdiff -a "$T/ref.sqfs" -b "$T/from-tar.sqfs" >"$T/sqfsdiff.txt" 2>&1; then t_pass squashfs-sqfsdiff
	else t_fail squashfs-sqfsdiff "$(head -c 400 "$T/sqfsdiff.txt")"; fi
else
	t_fail squashfs-from-tar "$(cat "$T/sq.err")"
fi

# ---- an unprivileged user: owners, set-uid bits, devices and capabilities --
if [ $is_root = 1 ] && command -v setpriv >/dev/null; then
	mkdir -p "$T/nobody"
	chmod 777 "$T/nobody"
	chmod 644 "$T/src-posix.tar.xz"
	if setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TR" squashfs "$T/src-posix.tar.xz" "$T/nobody/root.sqfs" xz 2>"$T/nobody.err"; then
		rm -rf "$T/unsq"
		unsquashfs -d "$T/unsq" "$T/nobody/root.sqfs" >/dev/null 2>&1
		compare unprivileged "$S" "$T/unsq"
	else
		t_fail unprivileged "$(cat "$T/nobody.err")"
	fi
else
	t_skip unprivileged "needs root and setpriv"
fi

# ---- hostile archives -------------------------------------------------------
mkdir -p "$T/h/sub"
echo evil >"$T/h/sub/evil"
tar -cPf "$T/dotdot.tar" --transform 's,^sub/evil$,../../etc/evil,' -C "$T/h" sub/evil
expect_fail tar-dotdot "'..' component" "$T/x1" "$TR" extract "$T/dotdot.tar" "$T/x1"
check tar-dotdot-names-entry grep -q "entry '../../etc/evil'" "$T/tar-dotdot.stderr"
tar -cPf "$T/abs.tar" -C / "${T#/}/h/sub/evil" 2>/dev/null || tar -cPf "$T/abs.tar" "$T/h/sub/evil"
"$TR" dump "$T/abs.tar" >"$T/abs.txt" 2>&1
check tar-absolute-stripped grep -q "^/${T#/}/h/sub/evil|f|" "$T/abs.txt"
head -c 20000 "$T/src-posix.tar" >"$T/cut.tar"
expect_fail tar-truncated "offset" "$T/x2" "$TR" extract "$T/cut.tar" "$T/x2"
head -c 15000 "$T/src-posix.tar.gz" >"$T/cut.tar.gz"
expect_fail tar-gzip-truncated "cut.tar.gz" "$T/x3" "$TR" extract "$T/cut.tar.gz" "$T/x3"
ln -s /etc "$T/h/link"
tar -cf "$T/linkthrough.tar" -C "$T/h" link
tar -rPf "$T/linkthrough.tar" --transform 's,^sub/evil$,link/evil,' -C "$T/h" sub/evil
expect_fail tar-through-symlink "link" "$T/x4" "$TR" extract "$T/linkthrough.tar" "$T/x4"
[ ! -e /etc/evil ] && t_pass tar-nothing-outside || t_fail tar-nothing-outside "/etc/evil exists"
# a hard link to itself: alone it names nothing (refused, by name); after
# the file (tar given a file twice) a warning, and the file is kept
python3 - "$T" <<'PY'
import io, sys, tarfile
def link(t, name):
    i = tarfile.TarInfo(name); i.type = tarfile.LNKTYPE; i.linkname = name; t.addfile(i)
def reg(t, name, data):
    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
with tarfile.open(sys.argv[1] + "/selflink.tar", "w", format=tarfile.GNU_FORMAT) as t:
    reg(t, "etc/a", b"a\n"); link(t, "etc/self")
with tarfile.open(sys.argv[1] + "/twice.tar", "w", format=tarfile.GNU_FORMAT) as t:
    reg(t, "etc/a", b"a\n"); link(t, "etc/a")
PY
expect_fail tar-self-link "entry 'etc/self' is a hard link to itself" "" "$MKLIVE" ls "$T/selflink.tar"
"$MKLIVE" ls -R "$T/twice.tar" >"$T/twice.out" 2>"$T/twice.err"
[ $? = 0 ] && grep -q "entry 'etc/a' is a hard link to itself" "$T/twice.err" && grep -qx /etc/a "$T/twice.out" &&
	t_pass tar-self-link-after-file || t_fail tar-self-link-after-file "$(head -c 300 "$T/twice.err")"
t_done
