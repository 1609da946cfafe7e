#!/usr/bin/env bash
# mklive squashfs, checked by software nobody here wrote: the kernel mounts
# every image (as root) and the mounted tree equals the source; unsquashfs
# -s/-lls, sqfs2tar and sqfsdiff (against mksquashfs's image of the same
# tree) agree; bad input fails cleanly.
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need unsquashfs squashfs-tools
need mksquashfs squashfs-tools
need sqfs2tar squashfs-tools-ng
need sqfsdiff squashfs-tools-ng
need getfattr attr
T=$TEST_OUT
rm -rf "$T"/*
is_root=0; [ "$(id -u)" = 0 ] && is_root=1
MNT=$T/mnt
mkdir -p "$MNT"
cleanup() { mountpoint -q "$MNT" && umount "$MNT"; mountpoint -q "$T/full" && umount "$T/full"; true; }
trap cleanup EXIT

xattr_dump() { (cd "$1" && find . -print0 | LC_ALL=C sort -z | xargs -0 getfattr -h -d -m - 2>/dev/null); }

# mount_check NAME IMAGE SRC: the kernel mounts IMAGE and it equals SRC
mount_check() {
	local name=$1 img=$2 src=$3 why=
	if [ $is_root != 1 ]; then t_skip "$name-mount" "needs root"; return; fi
	if ! mount -t squashfs -o loop,ro "$img" "$MNT" 2>"$T/mount.err"; then
		t_fail "$name-mount" "mount: $(cat "$T/mount.err")"; return
	fi
	if ! tree_compare "$src" "$MNT" >"$T/$name.diff" 2>&1; then
		why="tree differs: $(head -c 400 "$T/$name.diff")"
	elif ! diff <(xattr_dump "$src") <(xattr_dump "$MNT") >"$T/$name.xdiff"; then
		why="xattrs differ: $(head -c 400 "$T/$name.xdiff")"
	fi
	umount "$MNT"
	if [ -n "$why" ]; then t_fail "$name-mount" "$why"; else t_pass "$name-mount"; fi
}

# ref_check NAME IMAGE SRC MKSQUASHFS-ARGS...: sqfsdiff and unsquashfs -lls
# find no difference from mksquashfs's image of the same tree
ref_check() {
	local name=$1 img=$2 src=$3; shift 3
	mksquashfs "$src" "$T/ref.sqfs" -noappend -quiet -no-progress "$@" >/dev/null 2>&1 ||
		{ t_fail "$name-sqfsdiff" "mksquashfs failed"; return; }
	if sqfsdiff -a "$img" -b "$T/ref.sqfs" >"$T/$name.sqfsdiff" 2>&1; then t_pass "$name-sqfsdiff"
	else t_fail "$name-sqfsdiff" "$(head -c 400 "$T/$name.sqfsdiff")"; fi
	if diff <(unsquashfs -lls -d R "$img" 2>&1) <(unsquashfs -lls -d R "$T/ref.sqfs" 2>&1) >"$T/$name.lls"; then
		t_pass "$name-unsquashfs-lls"
	else t_fail "$name-unsquashfs-lls" "$(head -c 400 "$T/$name.lls")"; fi
}

# ---- the ISO issue's trees plus xattrs, every compressor ---------------------
make_tree_all "$T/all"
make_tree_xattrs "$T/all"
# hard links to a symlink and a fifo (and a device, as root): basic inodes keep the count
ln -P "$T/all/links/relative" "$T/all/links/relative-hard"
ln "$T/all/special/fifo" "$T/all/special/fifo-hard"
[ $is_root = 1 ] && ln "$T/all/special/null" "$T/all/special/null-hard"
# the trusted namespace and xattrs on a symlink and a shared set (root only)
if [ $is_root = 1 ]; then
	setfattr -n trusted.overlay.opaque -v y "$T/all/xattrs"
	setfattr -h -n trusted.link -v on-a-symlink "$T/all/links/absolute"
	for f in names/README names/UPPER.TXT; do setfattr -n user.shared -v same "$T/all/$f"; done
fi
for comp in gzip xz zstd lz4; do
	img=$T/all-$comp.sqfs
	if ! "$MKLIVE" squashfs "$T/all" "$img" -comp "$comp" -b 4K -quiet 2>"$T/err"; then
		t_fail "all-$comp" "$(cat "$T/err")"; continue
	fi
	mount_check "all-$comp" "$img" "$T/all"
	ref_check "all-$comp" "$img" "$T/all" -comp "$comp" -b 4K
done
img=$T/all-gzip.sqfs
unsquashfs -s "$img" >"$T/s.txt" 2>&1
n=$(($(find "$T/all" -mindepth 1 ! -links +1 | wc -l) + $(find "$T/all" -mindepth 1 -type f -links +1 -printf '%i\n' | sort -u | wc -l) + 1))
check unsquashfs-s grep -q "Compression gzip" "$T/s.txt"
check unsquashfs-s-inodes grep -qx "Number of inodes $(($(find "$T/all" -mindepth 1 -printf '%i\n' | sort -u | wc -l) + 1))" "$T/s.txt"
check unsquashfs-s-block grep -qx "Block size 4096" "$T/s.txt"
if sqfs2tar "$img" >"$T/all.tar" 2>"$T/sqfs2tar.err" &&
	[ "$(tar -tf "$T/all.tar" | wc -l)" = "$(find "$T/all" -mindepth 1 | wc -l)" ]; then t_pass sqfs2tar
else t_fail sqfs2tar "$(head -c 300 "$T/sqfs2tar.err")"; fi
check info "$MKLIVE" squashfs --info "$img"
"$MKLIVE" squashfs --info "$img" >"$T/info.txt"
check info-comp grep -qx "compression: gzip" "$T/info.txt"
check info-block-size grep -qx "block size: 4096" "$T/info.txt"
# one printer: --info says what mklive info says of the format
"$MKLIVE" info "$img" | sed '1,2d; /^files: /d' >"$T/info2.txt"
check info-same-as-mklive-info cmp "$T/info.txt" "$T/info2.txt"
[ $((($(stat -c %s "$img")) % 4096)) = 0 ] && t_pass padded-4k || t_fail padded-4k "size $(stat -c %s "$img")"

# ---- options ---------------------------------------------------------------
"$MKLIVE" squashfs "$T/all" "$T/opt.sqfs" -comp gzip -Xcompression-level 1 -no-fragments \
	-no-duplicates -all-root -no-xattrs -quiet
unsquashfs -lls -d R "$T/opt.sqfs" >"$T/opt.lls" 2>&1
check all-root bash -c "! grep -v 'root/root' '$T/opt.lls' | grep -q '^[-dlbcsp]'"
unsquashfs -s "$T/opt.sqfs" >"$T/opt.s" 2>&1
check no-fragments grep -q "Number of fragments 0" "$T/opt.s"
check comp-options grep -q "compression-level 1" "$T/opt.s"
"$MKLIVE" squashfs "$T/all" "$T/force.sqfs" -force-uid 4242 -force-gid 77 -quiet
check force-uid bash -c "unsquashfs -lln -d R '$T/force.sqfs' | sed 1,3d | awk '{print \$2}' | sort -u | grep -qx 4242/77"

# ---- block sizes 4K and 1M: one block, one block + 1, sparse, duplicates -----
for bs in 4096 1048576; do
	src=$T/sizes-$bs
	make_tree_sizes "$src" "$bs"
	for frag in "" -no-fragments; do
		img=$T/sizes-$bs$frag.sqfs
		if ! "$MKLIVE" squashfs "$src" "$img" -b "$bs" $frag -quiet 2>"$T/err"; then
			t_fail "sizes-$bs$frag" "$(cat "$T/err")"; continue
		fi
		mount_check "sizes-$bs$frag" "$img" "$src"
		ref_check "sizes-$bs$frag" "$img" "$src" -b "$bs" $frag
	done
done
# 1 MiB blocks with xz (dictionary = block size) and lz4 -Xhc (compressor options)
for c in "xz" "lz4 -Xhc"; do
	"$MKLIVE" squashfs "$T/sizes-1048576" "$T/1m.sqfs" -b 1M -comp $c -quiet
	mount_check "sizes-1m-${c%% *}" "$T/1m.sqfs" "$T/sizes-1048576"
done
unsquashfs -s "$T/1m.sqfs" >"$T/1m.s" 2>&1
check lz4-hc-option grep -q "High Compression option" "$T/1m.s"

# a sparse file's holes are not stored
mkdir -p "$T/sparse"
make_sparse "$T/sparse/file" $((16 << 20))
truncate -s 1M "$T/sparse/leading-hole" && printf end >>"$T/sparse/leading-hole"
dd if=/dev/urandom of="$T/sparse/data-after-hole" bs=4096 count=2 seek=10 status=none
head -c 40960 /dev/zero >"$T/sparse/written-zeros"
truncate -s 100000 "$T/sparse/only-hole"
"$MKLIVE" squashfs "$T/sparse" "$T/sparse.sqfs" -b 4K -quiet
sz=$(stat -c %s "$T/sparse.sqfs")
[ "$sz" -le 80000 ] && t_pass sparse-hole || t_fail sparse-hole "image of $sz bytes for 18 MiB of mostly holes"
mount_check sparse "$T/sparse.sqfs" "$T/sparse"
ref_check sparse "$T/sparse.sqfs" "$T/sparse" -b 4K
"$MKLIVE" squashfs "$T/sparse" "$T/sparse-nf.sqfs" -b 4K -no-fragments -quiet
mount_check sparse-no-fragments "$T/sparse-nf.sqfs" "$T/sparse"

# a 5 GiB sparse file: extended inode (64-bit size), holes never read
mkdir -p "$T/huge"
truncate -s 5G "$T/huge/file"
printf tail-data | dd of="$T/huge/file" bs=1 seek=$((5 * 1024 * 1024 * 1024 - 9)) conv=notrunc status=none
"$MKLIVE" squashfs "$T/huge" "$T/huge.sqfs" -quiet
sz=$(stat -c %s "$T/huge.sqfs")
[ "$sz" -le 65536 ] && t_pass sparse-5g-size || t_fail sparse-5g-size "image of $sz bytes"
if [ $is_root = 1 ] && mount -t squashfs -o loop,ro "$T/huge.sqfs" "$MNT"; then
	[ "$(stat -c %s "$MNT/file")" = 5368709120 ] && [ "$(tail -c 9 "$MNT/file")" = tail-data ] &&
		[ "$(dd if="$MNT/file" bs=1M skip=4095 count=2 status=none | tr -d '\0' | wc -c)" = 0 ] &&
		t_pass sparse-5g-mount || t_fail sparse-5g-mount "size or bytes differ"
	umount "$MNT"
fi
rm -f "$T/huge/file"

# ---- many duplicate files are stored once -----------------------------------
mkdir -p "$T/dups"
head -c 300000 /dev/urandom >"$T/dups/orig"
for i in $(seq 1 40); do cp "$T/dups/orig" "$T/dups/copy$i"; done
head -c 299999 "$T/dups/orig" >"$T/dups/almost"
printf x >>"$T/dups/almost"
"$MKLIVE" squashfs "$T/dups" "$T/dups.sqfs" -quiet
sz=$(stat -c %s "$T/dups.sqfs")
[ "$sz" -lt 700000 ] && t_pass duplicates-once || t_fail duplicates-once "image of $sz bytes"
mount_check dups "$T/dups.sqfs" "$T/dups"
ref_check dups "$T/dups.sqfs" "$T/dups"

# ---- a directory with 100,000 entries (directory index) ---------------------
mkdir -p "$T/big/d"
(cd "$T/big/d" && seq -f 'entry-%06g' 0 99999 | xargs touch)
if "$MKLIVE" squashfs "$T/big" "$T/big.sqfs" -quiet 2>"$T/err"; then
	if [ $is_root = 1 ] && mount -t squashfs -o loop,ro "$T/big.sqfs" "$MNT"; then
		[ "$(ls -f "$MNT/d" | wc -l)" = 100002 ] && t_pass big-dir-readdir || t_fail big-dir-readdir
		ok=1
		for n in 000000 012345 050000 077777 099999; do [ -e "$MNT/d/entry-$n" ] || ok=0; done
		[ ! -e "$MNT/d/entry-100000" ] || ok=0
		[ $ok = 1 ] && t_pass big-dir-lookup || t_fail big-dir-lookup
		umount "$MNT"
	else
		t_skip big-dir-mount "needs root"
	fi
	ref_check big "$T/big.sqfs" "$T/big"
else
	t_fail big-dir "$(cat "$T/err")"
fi

# ---- reproducible: any -processors value, SOURCE_DATE_EPOCH ------------------
SOURCE_DATE_EPOCH=1600000000 "$MKLIVE" squashfs "$T/all" "$T/r1.sqfs" -comp zstd -processors 1 -quiet
SOURCE_DATE_EPOCH=1600000000 "$MKLIVE" squashfs "$T/all" "$T/r2.sqfs" -comp zstd -processors 4 -quiet
check reproducible cmp "$T/r1.sqfs" "$T/r2.sqfs"
check mkfs-time bash -c "unsquashfs -s '$T/r1.sqfs' | grep -q 'Sun Sep 13 12:26:40 2020'"

# ---- bad input: clear error, exit 1, nothing left ---------------------------
expect_fail missing-source "does-not-exist" "$T/bad.sqfs" "$MKLIVE" squashfs "$T/does-not-exist" "$T/bad.sqfs"
expect_fail bad-block-size "block size" "$T/bad.sqfs" "$MKLIVE" squashfs "$T/all" "$T/bad.sqfs" -b 3000
expect_fail bad-comp "lzo" "$T/bad.sqfs" "$MKLIVE" squashfs "$T/all" "$T/bad.sqfs" -comp lzo
expect_fail bad-level "level" "$T/bad.sqfs" "$MKLIVE" squashfs "$T/all" "$T/bad.sqfs" -comp gzip -Xcompression-level 12
expect_fail info-not-squashfs "not a squashfs" "" "$MKLIVE" squashfs --info "$T/all.tar"
if [ $is_root = 1 ] && command -v setpriv >/dev/null; then
	mkdir -p "$T/unreadable" "$T/nobody"
	echo secret >"$T/unreadable/secret"
	chmod 000 "$T/unreadable/secret"
	chmod 777 "$T/nobody"
	expect_fail unreadable-file "secret" "$T/nobody/bad.sqfs" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$MKLIVE" squashfs "$T/unreadable" "$T/nobody/bad.sqfs"
	mkdir -p "$T/full"
	mount -t tmpfs -o size=256k tmpfs "$T/full"
	expect_fail disk-full "No space left" "$T/full/bad.sqfs" "$MKLIVE" squashfs "$T/sizes-1048576" "$T/full/bad.sqfs"
	[ -z "$(ls -A "$T/full")" ] && t_pass disk-full-clean || t_fail disk-full-clean "$(ls -A "$T/full")"
	umount "$T/full"
else
	t_skip unreadable-file "needs root"
fi
t_done
