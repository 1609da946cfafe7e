#!/usr/bin/env bash
# What the commands do to what is at their destination and in their sources,
# tried as a user would: devices and FIFOs are written in place (never
# replaced by a file), symbolic links are written through, read-only files
# are refused and modes kept, a killed run leaves nothing, an output inside
# a source is left out of the next image, an input is never its own output;
# -follow-links on link cycles, fat --size auto with a full FAT12/16 root,
# squashfs --info on a corrupt superblock.
source "$TESTS_DIR/lib/common.sh"
need isoinfo genisoimage
need unsquashfs squashfs-tools
need xorriso xorriso
need mdir mtools
need fsck.fat dosfstools
T=$TEST_OUT
rm -rf "$T"/* "$T"/.[!.]*
export SOURCE_DATE_EPOCH=1700000000
is_root=0; [ "$(id -u)" = 0 ] && is_root=1
mkdir -p "$T/src/sub" && echo hello >"$T/src/a.txt" && echo sub >"$T/src/sub/b.txt"
"$MKLIVE" iso -quiet -R -o "$T/ref.iso" "$T/src"
no_temps() { ! ls -a "$1" | grep -q 'mklive-'; }

# --- 1. devices and FIFOs: written in place, no temporary file, no rename ---
if [ $is_root = 1 ]; then
	mknod "$T/null" c 1 3 && mknod "$T/full" c 1 7 && chmod 666 "$T/null" "$T/full"
	check device-null-kept bash -c "'$MKLIVE' iso -quiet -R -o '$T/null' '$T/src' && [ -c '$T/null' ] &&
		[ \"\$(stat -c %t:%T '$T/null')\" = 1:3 ]"
	expect_fail device-full-enospc "No space left on device" "" "$MKLIVE" iso -quiet -R -o "$T/full" "$T/src"
	check device-full-kept test -c "$T/full"
	check cloop-extract-to-device bash -c "'$MKLIVE' cloop create -q '$T/ref.iso' '$T/ref.cloop' &&
		'$MKLIVE' cloop extract '$T/ref.cloop' '$T/null' && [ -c '$T/null' ]"
	# a block device: every byte written, holes too (old contents must go)
	dd if=/dev/zero bs=1M count=4 2>/dev/null | tr '\0' '\377' >"$T/disk.img"
	if loop=$(losetup -f --show "$T/disk.img" 2>/dev/null); then
		dd if=/dev/zero bs=1M count=1 seek=1 of="$T/src/sparse" 2>/dev/null; truncate -s 3M "$T/src/sparse"
		"$MKLIVE" iso -quiet -R -o "$T/sparse.iso" "$T/src"
		# (through a node of our own: a writer that replaced it would
		# not touch the system's /dev)
		mknod "$T/blk" b "$(stat -c %t "$loop" | sed 's/^/0x/')" "$(stat -c %T "$loop" | sed 's/^/0x/')"
		"$MKLIVE" iso -quiet -R -o "$T/blk" "$T/src"; rc=$?
		[ -b "$T/blk" ] || rc=kind
		sync; losetup -d "$loop"; rm -f "$T/blk"
		check device-block-written bash -c "[ $rc = 0 ] && [ -f '$T/disk.img' ] &&
			cmp -n \$(stat -c %s '$T/sparse.iso') '$T/sparse.iso' '$T/disk.img'"
		rm -f "$T/src/sparse"
	else
		t_skip device-block-written "no loop device"
	fi
	rm -f "$T/null" "$T/full"
else
	t_skip devices "needs root (mknod)"
fi
# (readers give up after a while: a writer that replaced the FIFO by a file
# would leave them waiting)
mkfifo "$T/fifo"
timeout 60 cat "$T/fifo" >"$T/from-fifo" &
reader=$!
"$MKLIVE" iso -quiet -R -o "$T/fifo" "$T/src"; rc=$?
wait $reader
check fifo-written bash -c "[ $rc = 0 ] && [ -p '$T/fifo' ] && cmp '$T/ref.iso' '$T/from-fifo'"
timeout 60 cat "$T/fifo" >/dev/null &
reader=$!
expect_fail fifo-seek-needed "must seek back" "" "$MKLIVE" squashfs "$T/src" "$T/fifo" -quiet
wait $reader
check fifo-kept-after-error test -p "$T/fifo"
# a link to a pipe through /proc (as /dev/stdout is): the pipe gets the
# image, the link stays; to a regular file, the file does
ln -s /proc/self/fd/1 "$T/stdout"
"$MKLIVE" iso -quiet -R -o "$T/stdout" "$T/src" | cat >"$T/from-pipe"
check proc-link-to-pipe bash -c "cmp '$T/ref.iso' '$T/from-pipe' && [ -L '$T/stdout' ]"
"$MKLIVE" iso -quiet -R -o "$T/stdout" "$T/src" >"$T/from-redirect"
check proc-link-to-file bash -c "cmp '$T/ref.iso' '$T/from-redirect' && [ -L '$T/stdout' ] && ! ls -a '$T' | grep -q mklive-"

# --- 2. symbolic links: written through to the target ---
ln -s ref-copy.iso "$T/link.iso"
check symlink-written-through bash -c "'$MKLIVE' iso -quiet -R -o '$T/link.iso' '$T/src' && [ -L '$T/link.iso' ] &&
	[ \"\$(readlink '$T/link.iso')\" = ref-copy.iso ] && cmp '$T/ref.iso' '$T/ref-copy.iso'"
mkdir -p "$T/other" && ln -s ../chain.iso "$T/other/rel.iso" && ln -s other/rel.iso "$T/chain-start.iso"
check symlink-chain-relative bash -c "'$MKLIVE' iso -quiet -R -o '$T/chain-start.iso' '$T/src' &&
	[ -L '$T/chain-start.iso' ] && [ -L '$T/other/rel.iso' ] && cmp '$T/ref.iso' '$T/chain.iso' && no_temps() { :; } &&
	! ls -a '$T/other' | grep -q mklive-"

# --- 3. read-only destinations refused (as genisoimage), modes kept ---
cp "$T/ref.iso" "$T/mode.iso" && chmod 640 "$T/mode.iso"
"$MKLIVE" iso -quiet -R -J -o "$T/mode.iso" "$T/src"
check mode-kept bash -c "[ \"\$(stat -c %a '$T/mode.iso')\" = 640 ] && ! cmp -s '$T/ref.iso' '$T/mode.iso'"
if [ $is_root = 1 ] && command -v setpriv >/dev/null; then
	chown 1234:5678 "$T/mode.iso"
	"$MKLIVE" iso -quiet -R -o "$T/mode.iso" "$T/src"
	check owner-kept bash -c "[ \"\$(stat -c %u:%g:%a '$T/mode.iso')\" = 1234:5678:640 ]"
	mkdir -p "$T/nobody" && chmod 1777 "$T/nobody"
	cp "$T/ref.iso" "$T/nobody/ro.iso" && chmod 444 "$T/nobody/ro.iso" && chown 65534 "$T/nobody/ro.iso"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$MKLIVE" iso -quiet -R -J -o "$T/nobody/ro.iso" "$T/src" \
		2>"$T/ro.err"; rc=$?
	check read-only-refused bash -c "[ $rc = 1 ] && grep -q 'ro.iso: cannot write: Permission denied' '$T/ro.err' &&
		cmp '$T/ref.iso' '$T/nobody/ro.iso' && ! ls -a '$T/nobody' | grep -q mklive-"
else
	t_skip read-only-refused "needs root and setpriv (to run as nobody)"
fi

# --- 4. a killed run leaves nothing (unnamed O_TMPFILE temporary file) ---
# (base64: xz has work to do, about a minute of it on one thread)
mkdir -p "$T/big" && head -c 36M /dev/urandom | base64 >"$T/big/text"
"$MKLIVE" squashfs "$T/big" "$T/killed.sqfs" -comp xz -processors 1 -quiet &
pid=$!
sleep 1
named=$(ls -a "$T" | grep -c 'mklive-')
kill -KILL $pid; wait $pid 2>/dev/null
check sigkill-leaves-nothing bash -c "[ $named = 0 ] && [ ! -e '$T/killed.sqfs' ] && ! ls -a '$T' | grep -q mklive-"
# where /proc cannot name an unnamed file, the named temporary file is the
# fallback, still removed by SIGTERM and renamed into place on success
if [ $is_root = 1 ] && command -v unshare >/dev/null; then
	unshare -m sh -c "mount -t tmpfs none /proc && '$MKLIVE' iso -quiet -R -o '$T/fallback.iso' '$T/src'"
	check fallback-named-temp cmp "$T/ref.iso" "$T/fallback.iso"
	unshare -m sh -c "mount -t tmpfs none /proc && exec '$MKLIVE' squashfs '$T/big' '$T/term.sqfs' -comp xz -processors 1 -quiet" &
	pid=$!
	sleep 1.5
	named=$(ls -a "$T" | grep -c 'mklive-')
	kill -TERM $pid; wait $pid 2>/dev/null
	check fallback-sigterm-cleans bash -c "[ $named = 1 ] && [ ! -e '$T/term.sqfs' ] && ! ls -a '$T' | grep -q mklive-"
else
	t_skip fallback-named-temp "needs root and unshare"
fi
rm -rf "$T/big"

# --- 5. an output inside a source is left out of the next image ---
mkdir -p "$T/self" && echo a >"$T/self/a"
"$MKLIVE" squashfs "$T/self" "$T/self/out.sqfs" -quiet && "$MKLIVE" squashfs "$T/self" "$T/self/out.sqfs" -quiet
check self-squashfs bash -c "unsquashfs -l '$T/self/out.sqfs' | grep -q '/a\$' && ! unsquashfs -l '$T/self/out.sqfs' | grep -q out.sqfs"
"$MKLIVE" iso -quiet -R -o "$T/self/out.iso" "$T/self" && "$MKLIVE" iso -quiet -R -o "$T/self/out.iso" "$T/self"
check self-iso bash -c "isoinfo -R -f -i '$T/self/out.iso' | grep -qx /a && ! isoinfo -R -f -i '$T/self/out.iso' | grep -q out.iso"
ln -s self/out.fat "$T/fat-link"
"$MKLIVE" fat -q -o "$T/fat-link" "$T/self" && "$MKLIVE" fat -q -o "$T/fat-link" "$T/self"
check self-fat-through-link bash -c "mdir -i '$T/self/out.fat' -b ::/ | grep -qi '::/a\$' && ! mdir -i '$T/self/out.fat' -b ::/ | grep -qi out.fat"
"$MKLIVE" initrd -q --no-modules -o "$T/self/out.img" --add /x="$T/self" &&
	"$MKLIVE" initrd -q --no-modules -o "$T/self/out.img" --add /x="$T/self"
check self-initrd bash -c "zcat '$T/self/out.img' | cpio -t 2>/dev/null | grep -qx x/a && ! zcat '$T/self/out.img' | cpio -t 2>/dev/null | grep -q out.img"
cp "$T/self/a" "$T/victim"
expect_fail source-is-output "is the output itself" "" "$MKLIVE" squashfs "$T/victim" "$T/victim" -quiet
check source-is-output-kept bash -c "[ \"\$(cat '$T/victim')\" = a ]"

# --- 6. an input is never its own output (device and inode, not names) ---
head -c 300000 /dev/urandom >"$T/in.raw" && cp "$T/in.raw" "$T/in.orig" && ln -s in.raw "$T/in-link"
expect_fail cloop-same-file "is the input" "" "$MKLIVE" cloop create "$T/in.raw" "$T/in.raw"
expect_fail cloop-same-through-link "is the input" "" "$MKLIVE" cloop create "$T/in.raw" "$T/in-link"
expect_fail cloop-same-stdin "is the input standard input" "" sh -c "'$MKLIVE' cloop create - '$T/in.raw' <'$T/in.raw'"
check cloop-input-intact cmp "$T/in.raw" "$T/in.orig"
"$MKLIVE" cloop create -q "$T/in.raw" "$T/in.cloop"
cp "$T/in.cloop" "$T/in.cloop.orig"
expect_fail cloop-extract-same "is the input" "" "$MKLIVE" cloop extract "$T/in.cloop" "$T/in.cloop"
check cloop-extract-input-intact cmp "$T/in.cloop" "$T/in.cloop.orig"

# --- 12. -follow-links with links to an ancestor: stored as links (xorriso) ---
mkdir -p "$T/cyc/x/d" && echo f >"$T/cyc/f"
ln -s .. "$T/cyc/x/d/up1" && ln -s .. "$T/cyc/x/d/up2" && ln -s ../.. "$T/cyc/x/d/top"
timeout 60 "$MKLIVE" iso -R -f -o "$T/cyc.iso" "$T/cyc" 2>"$T/cyc.err"; rc=$?
xorriso -indev "$T/cyc.iso" -find / -exec lsdl >"$T/cyc.lsdl" 2>/dev/null
check follow-links-cycle-ends bash -c "[ $rc = 0 ] && grep -q \"^l.* '/x/d/up1' -> '..'\" '$T/cyc.lsdl' &&
	grep -q \"^l.* '/x/d/up2' -> '..'\" '$T/cyc.lsdl' && grep -q \"^l.* '/x/d/top' -> '../..'\" '$T/cyc.lsdl' &&
	[ \$(grep -c . '$T/cyc.lsdl') = 7 ]"
check follow-links-cycle-warned bash -c "[ \$(grep -c 'a symbolic link to its ancestor' '$T/cyc.err') = 3 ]"

# --- 13. fat --size auto: 500 long names fill a FAT12/16 root; FAT32 at the
# smallest size that works (about 33M), not 512M ---
mkdir -p "$T/many"
for i in $(seq 1 500); do echo "$i" >"$T/many/a long file name number $i.txt"; done
"$MKLIVE" fat -q -o "$T/many.img" "$T/many"
check fat-auto-fat32-small bash -c "[ \$(stat -c %s '$T/many.img') -le \$((40 * 1024 * 1024)) ] &&
	fsck.fat -n '$T/many.img' >/dev/null && [ \$(mdir -i '$T/many.img' -b ::/ | wc -l) = 500 ] &&
	file -b '$T/many.img' | grep -q 'FAT (32 bit)'"

# --- 14. squashfs --info: a block_log no shift can take is refused first ---
"$MKLIVE" squashfs "$T/self/a" "$T/good.sqfs" -quiet
cp "$T/good.sqfs" "$T/bad.sqfs" && printf '\107' | dd of="$T/bad.sqfs" bs=1 seek=22 conv=notrunc 2>/dev/null
expect_fail squashfs-info-bad-block-log "log 71" "" "$MKLIVE" squashfs --info "$T/bad.sqfs"
asan=${ASAN_BUILD:-$BUILD/asan}/mklive
if [ -x "$asan" ]; then
	"$asan" squashfs --info "$T/bad.sqfs" >/dev/null 2>"$T/asan-info.err"; rc=$?
	check squashfs-info-ubsan-silent bash -c "[ $rc = 1 ] && ! grep -q 'runtime error' '$T/asan-info.err'"
else
	t_skip squashfs-info-ubsan-silent "no ASan build (make asan)"
fi
t_done
