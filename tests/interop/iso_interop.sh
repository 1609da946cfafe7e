#!/usr/bin/env bash
# mklive iso images read back by isoinfo, xorriso, bsdtar and 7z: plain
# ECMA-119, Rock Ridge (-R full ownership, -r rationalized like genisoimage),
# Joliet, name mangling, deep directories, links, devices.
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need isoinfo genisoimage
need xorriso xorriso
need bsdtar libarchive-tools
need 7z p7zip-full

T=$TEST_OUT
rm -rf "$T/src" "$T"/x-* "$T"/*.iso
make_tree_all "$T/src" >/dev/null 2>&1
export SOURCE_DATE_EPOCH=1700000000

# --- plain ECMA-119 (level 1, 8.3 names); the 12-level directories can
# only be relocated (ECMA-119 6.8.2.1), which must be asked for ---
expect_fail plain-deep-refused "directory 9 levels deep, ISO 9660 allows 8" "$T/plain.iso" \
	"$MKLIVE" iso -quiet -o "$T/plain.iso" "$T/src"
if "$MKLIVE" iso -rr_reloc_dir rr_moved -o "$T/plain.iso" "$T/src" 2>"$T/plain.err"; then
	check plain-relocation-warned grep -q 'moved into /rr_moved' "$T/plain.err"
	isoinfo -d -i "$T/plain.iso" >"$T/plain.d" 2>&1
	check plain-pvd grep -q 'Volume id: CDROM' "$T/plain.d"
	check plain-no-rr grep -q 'NO Rock Ridge present' "$T/plain.d"
	isoinfo -l -i "$T/plain.iso" >"$T/plain.l" 2>&1
	check plain-83-names grep -q 'LOWERCAS.TXT;1' "$T/plain.l"
	check plain-collisions bash -c "grep -c 'COLLIS.*;1' '$T/plain.l' | grep -qx 3"
	check plain-rr-moved grep -q 'Directory listing of /RR_MOVED/' "$T/plain.l"
	check plain-check-media bash -c "xorriso -indev '$T/plain.iso' -check_media -- 2>&1 | grep -q '+ good'"
	mkdir -p "$T/x-plain" && bsdtar -xf "$T/plain.iso" -C "$T/x-plain" 2>"$T/plain.bsdtar"
	check plain-bsdtar-data cmp "$T/src/sizes/three-blocks+7" "$T/x-plain/SIZES/THREE_BL"
else
	t_fail plain-write "mklive iso failed"
fi

# --- -l -iso-level 2: 31-character names ---
"$MKLIVE" iso -quiet -l -iso-level 2 -rr_reloc_dir rr_moved -o "$T/long.iso" "$T/src"
isoinfo -l -i "$T/long.iso" >"$T/long.l" 2>&1
check level2-long-names grep -q 'A_VERY_LONG_FILE_NAME_THAT_.DAT;1' "$T/long.l"

# --- -R -J: full ownership, every reader agrees with the tree ---
if "$MKLIVE" iso -quiet -R -J -V "Test Volume" -A "mklive test" -p prep -publisher pub \
	-sysid SYS -volset vset -o "$T/rr.iso" "$T/src"; then
	isoinfo -d -i "$T/rr.iso" >"$T/rr.d" 2>&1
	check rr-detected grep -q 'Rock Ridge signatures version 1 found' "$T/rr.d"
	check joliet-detected grep -q 'Joliet with UCS level 3 found' "$T/rr.d"
	check ids bash -c "grep -q 'Volume id: Test Volume' '$T/rr.d' && grep -q 'Publisher id: pub' '$T/rr.d' &&
		grep -q 'Data preparer id: prep' '$T/rr.d' && grep -q 'Application id: mklive test' '$T/rr.d' &&
		grep -q 'System id: SYS' '$T/rr.d' && grep -q 'Volume set id: vset' '$T/rr.d'"
	mkdir -p "$T/x-rr" && bsdtar -xf "$T/rr.iso" -C "$T/x-rr" 2>"$T/rr.bsdtar"
	check rr-bsdtar-tree tree_compare "$T/src" "$T/x-rr"
	isoinfo -R -l -i "$T/rr.iso" >"$T/rr.l" 2>&1
	check rr-isoinfo-symlink grep -q 'dotdot -> ../links/sub/../target.txt' "$T/rr.l"
	check rr-isoinfo-longtarget bash -c "grep -q -- '-> $(readlink "$T/src/links/longtarget")\$' '$T/rr.l'"
	check rr-isoinfo-longname grep -q "$(printf 'n%.0s' $(seq 1 200))" "$T/rr.l"
	check rr-isoinfo-hardlinks bash -c "grep -E ' (hard1|hard2) *\$' '$T/rr.l' | awk '{print \$1, \$2, \$8}' | sort -u | wc -l | grep -qx 1"
	isoinfo -J -l -i "$T/rr.iso" >"$T/rr.j" 2>&1
	check joliet-names grep -q 'lowercase.txt;1' "$T/rr.j"
	check joliet-deep grep -q 'Directory listing of /deep/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/level12/' "$T/rr.j"
	xorriso -indev "$T/rr.iso" -find / -exec lsdl >"$T/rr.xorriso" 2>&1
	check xorriso-lsdl bash -c "grep -q \"'/deep/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/level12/bottom.txt'\" '$T/rr.xorriso' &&
		grep -q \"'/special/null'\" '$T/rr.xorriso' && grep -q \"^lrwx.*'/links/relative' -> 'target.txt'\" '$T/rr.xorriso'"
	check xorriso-check-media bash -c "xorriso -indev '$T/rr.iso' -check_media -- 2>&1 | grep -q '+ good'"
	7z l "$T/rr.iso" >"$T/rr.7z" 2>&1
	check 7z-list bash -c "grep -q 'names/a-very-long-file-name-that-does-not-fit-in-eight-dot-three.txt' '$T/rr.7z' &&
		grep -q 'deep/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/level12/bottom.txt' '$T/rr.7z'"
else
	t_fail rr-write "mklive iso -R -J failed"
fi

# --- -r: the same rationalized result as genisoimage -r ---
# (genisoimage loops forever on the 300-byte symlink target: leave it out)
"$MKLIVE" iso -quiet -r -m longtarget -o "$T/r.iso" "$T/src"
timeout 60 genisoimage -quiet -r -m longtarget -o "$T/g.iso" "$T/src" 2>/dev/null
mkdir -p "$T/x-r" "$T/x-g"
bsdtar -xf "$T/r.iso" -C "$T/x-r" 2>/dev/null
bsdtar -xf "$T/g.iso" -C "$T/x-g" 2>/dev/null
# genisoimage keeps no hard-link identity and leaves rr_moved visible to bsdtar
rm -rf "$T/x-g/rr_moved" "$T/x-r/rr_moved"
# nor device numbers bsdtar can use (mklive's are checked with -R above)
rm -f "$T"/x-[gr]/special/{null,loop7,bigdev}; touch -d @1600000000 "$T"/x-[gr]/special
check r-like-genisoimage tree_compare "$T/x-g" "$T/x-r" 1-7
check r-rationalized bash -c "stat -c '%a %u %g' '$T/x-r/special/setuid' | grep -qx '555 0 0' &&
	stat -c '%a' '$T/x-r/special/readonly' | grep -qx 444 && stat -c '%a' '$T/x-r/special/sticky' | grep -qx 555"

# --- 400 random names (any length up to 255, UTF-8, invalid bytes): every
# record fits its length byte, every name comes back ---
if command -v perl >/dev/null; then
	rm -rf "$T/rnd" "$T/x-rnd"; mkdir -p "$T/rnd"
	make_random_names "$T/rnd"
	"$MKLIVE" iso -quiet -R -J -o "$T/rnd.iso" "$T/rnd"
	mkdir -p "$T/x-rnd" && bsdtar -xf "$T/rnd.iso" -C "$T/x-rnd"
	check random-names-bsdtar tree_compare "$T/rnd" "$T/x-rnd" 1-5,7-
	n=$(find "$T/rnd" -mindepth 1 | wc -l)
	check random-names-iso9660-count bash -c "[ \$(isoinfo -f -i '$T/rnd.iso' | wc -l) = $n ]"
	check random-names-joliet-count bash -c "[ \$(isoinfo -J -f -i '$T/rnd.iso' | wc -l) = $n ]"
	# 200 random symlink targets up to 1000 bytes (libisofs reads at most
	# 1024): bsdtar exactly; xorriso and isoinfo drop empty components
	# ("a//b", a trailing '/'), so they are compared with those collapsed
	rm -rf "$T/sl" "$T/x-sl"; mkdir -p "$T/sl"
	make_random_symlinks "$T/sl"
	"$MKLIVE" iso -quiet -R -o "$T/sl.iso" "$T/sl"
	mkdir -p "$T/x-sl" && bsdtar -xf "$T/sl.iso" -C "$T/x-sl"
	check random-symlinks-bsdtar tree_compare "$T/sl" "$T/x-sl" 1-5,7-
	norm() { sed -E 's|/+|/|g; s|(.)/$|\1|'; }
	(cd "$T/sl" && for f in l*; do echo "$f $(readlink "$f")"; done) | norm | sort >"$T/sl.host"
	xorriso -indev "$T/sl.iso" -find / -type l -exec lsdl 2>/dev/null |
		sed -n "s|^l.* '/\(l[0-9]*\)' -> '\(.*\)'\$|\1 \2|p" | norm | sort >"$T/sl.xorriso"
	check random-symlinks-xorriso cmp "$T/sl.host" "$T/sl.xorriso"
	isoinfo -R -l -i "$T/sl.iso" | sed -n 's/.* \(l[0-9]*\) -> \(.*\)$/\1 \2/p' | norm | sort >"$T/sl.isoinfo"
	check random-symlinks-isoinfo cmp "$T/sl.host" "$T/sl.isoinfo"
else
	t_skip random-names "needs perl"
fi

# --- relocations inside relocations (asked for): three 15-level chains of one name ---
rm -rf "$T/nest" "$T/x-nest"
for top in a b c; do
	p=$T/nest/$top
	for i in $(seq 1 15); do p=$p/same; done
	mkdir -p "$p" && echo "$top" >"$p/f"
	mkdir -p "$T/nest/$top/same/same/same/same/same/same/same/other" && echo o >"$T/nest/$top/same/same/same/same/same/same/same/other/g"
done
"$MKLIVE" iso -quiet -R -J -rr_reloc_dir rr_moved -o "$T/nest.iso" "$T/nest"
mkdir -p "$T/x-nest" && bsdtar -xf "$T/nest.iso" -C "$T/x-nest"
check nested-relocation-bsdtar tree_compare "$T/nest" "$T/x-nest" 1-5,7-
check nested-relocation-xorriso bash -c "diff <(cd '$T/nest' && find . -mindepth 1 | sed 's/^\.//' | sort) \
	<(xorriso -indev '$T/nest.iso' -find / 2>/dev/null | sed \"s/^'//; s/'\\\$//\" | grep -v -e '^/\$' -e '^/rr_moved\$' | sort)"
check nested-relocation-moved bash -c "[ \$(isoinfo -l -i '$T/nest.iso' | grep -A30 'RR_MOVED/\$' | grep -c ' SAME[0-9]* *\$') -ge 6 ]"

# --- the sanitizer build writes the same bytes, without a report ---
asan=${ASAN_BUILD:-$BUILD/asan}/mklive
if [ -x "$asan" ]; then
	ASAN_OPTIONS=detect_leaks=1 "$asan" iso -quiet -R -J -iso-level 2 -o "$T/asan.iso" "$T/src" 2>"$T/asan.err"
	"$MKLIVE" iso -quiet -R -J -iso-level 2 -o "$T/plain-build.iso" "$T/src"
	check asan-clean bash -c "[ ! -s '$T/asan.err' ] && cmp '$T/asan.iso' '$T/plain-build.iso'"
else
	t_skip asan-clean "no ASan build (make asan)"
fi

# --- graft points, excludes, -hide-rr-moved ---
mkdir -p "$T/g1" && echo one >"$T/g1/one.txt" && echo skip >"$T/g1/skip.log"
"$MKLIVE" iso -quiet -R -graft-points -m '*.log' -hide-rr-moved -o "$T/graft.iso" \
	/a/b="$T/g1" /top.txt="$T/g1/one.txt" deep="$T/src/deep"
isoinfo -R -f -i "$T/graft.iso" >"$T/graft.f" 2>&1
check graft-target grep -qx '/a/b/one.txt' "$T/graft.f"
check graft-file grep -qx '/top.txt' "$T/graft.f"
check exclude bash -c "! grep -q skip.log '$T/graft.f'"
check hide-rr-moved grep -qx '/.rr_moved' "$T/graft.f"

t_done
