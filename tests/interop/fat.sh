#!/usr/bin/env bash
# mklive fat images read back by dosfstools (fsck.fat) and mtools (minfo,
# mdir, mcopy): floppy sizes, a 64 MiB FAT16, a 600 MiB FAT32 (sparse), an
# MBR-partitioned image; long and non-ASCII names; reproducibility; bad input.
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need fsck.fat dosfstools
need mcopy mtools
export LC_ALL=C.UTF-8 # mtools converts long names to the locale's charset
export MTOOLS_SKIP_CHECK=1
export SOURCE_DATE_EPOCH=1700000000
O=$TEST_OUT

# fsck_clean NAME IMG: fsck.fat -n -v exits 0 and reports nothing to fix.
fsck_clean() {
	local log="$O/$1.fsck"
	if fsck.fat -n -v "$2" >"$log" 2>&1 && ! grep -qiE 'wrong|differ|invalid|bad|lost|unused.*marked|fix' "$log"; then
		t_pass "$1"
	else
		t_fail "$1" "$(grep -iE 'wrong|differ|invalid|bad|lost|fix' "$log" | head -n 3)"
	fi
}

# roundtrip NAME IMG SRC: mcopy every file back; names, sizes and bytes equal.
roundtrip() {
	local back="$O/$1.back"
	rm -rf "$back"; mkdir -p "$back"
	if mcopy -s -n -m -i "$2" '::/*' "$back/" 2>"$O/$1.mcopy.err" &&
		diff -r "$3" "$back" >"$O/$1.diff" 2>&1 &&
		diff <(tree_manifest "$3" 1,2,7) <(tree_manifest "$back" 1,2,7) >>"$O/$1.diff"; then
		t_pass "$1"
	else
		t_fail "$1" "$(head -c 300 "$O/$1.diff" "$O/$1.mcopy.err")"
	fi
}

# longnames NAME IMG SRC: `mdir -/ -a` shows every name that is not a plain
# 8.3 name as a long name.
longnames() {
	local list="$O/$1.mdir" missing=0 n
	mdir -/ -a -i "$2" :: >"$list" 2>&1 || { t_fail "$1" "mdir failed: $(head -n 3 "$list")"; return; }
	while IFS= read -r n; do
		if [[ ! "$n" =~ ^[A-Z0-9_~-]{1,8}(\.[A-Z0-9_~-]{1,3})?$ && ! "$n" =~ ^[a-z0-9_~-]{1,8}(\.[a-z0-9_~-]{1,3})?$ ]]; then
			grep -qF -- " $n" "$list" || { echo "not listed: $n" >>"$list.missing"; missing=$((missing + 1)); }
		fi
	done < <(cd "$3" && find . -mindepth 1 -printf '%f\n')
	if [ $missing = 0 ]; then t_pass "$1"; else t_fail "$1" "$missing names missing: $(head -n 3 "$list.missing")"; fi
}

# geometry NAME IMG SPT HEADS MEDIA: what minfo reports.
geometry() {
	local m="$O/$1.minfo"
	minfo -i "$2" :: >"$m" 2>&1
	if grep -q "^sectors per track: $3\$" "$m" && grep -q "^heads: $4\$" "$m" &&
		grep -q "^media descriptor byte: 0x$5\$" "$m"; then
		t_pass "$1"
	else
		t_fail "$1" "minfo: $(grep -E 'sectors per track|^heads|media desc' "$m" | tr '\n' ' ')"
	fi
}

# ---- source trees -----------------------------------------------------------
src=$O/src
rm -rf "$src" "$O"/*.img
mkdir -p "$src"
make_tree_names "$src"
rm -f "$src/names/upper.txt" # FAT cannot hold UPPER.TXT and upper.txt together (checked below)
make_tree_deep "$src" 12
make_tree_sizes "$src" 4096
mkdir -p "$src/many-aliases"
for i in $(seq 1 40); do echo "$i" >"$src/many-aliases/the same long prefix $i.txt"; done
find "$src" -exec touch -h -d "@1600000000" {} +

small=$O/small
rm -rf "$small"; mkdir -p "$small/sub dir"
echo hello >"$small/readme.txt"
echo Hello >"$small/A Long Name.TXT"
echo gruss >"$small/grüße-ünïcödé-日本語.txt"
head -c 300000 /dev/urandom >"$small/sub dir/random.bin"

# ---- floppies: geometry as mkfs.fat/mformat use it ---------------------------
for spec in "720K 9 2 f9" "1200K 15 2 f9" "1440K 18 2 f0" "2880K 36 2 f0"; do
	set -- $spec
	img=$O/floppy-$1.img
	if "$MKLIVE" fat -o "$img" --size "$1" -n FLOPPY "$small" 2>"$O/floppy-$1.err"; then
		[ "$(stat -c %s "$img")" = $(( ${1%K} * 1024 )) ] && t_pass "floppy-$1-size" || t_fail "floppy-$1-size"
		fsck_clean "floppy-$1-fsck" "$img"
		geometry "floppy-$1-minfo" "$img" "$2" "$3" "$4"
		roundtrip "floppy-$1-mcopy" "$img" "$small"
	else
		t_fail "floppy-$1" "$(cat "$O/floppy-$1.err")"
	fi
done
longnames floppy-1440K-mdir-longnames "$O/floppy-1440K.img" "$small"
if mdir -i "$O/floppy-1440K.img" :: 2>&1 | grep -q "Volume in drive : is FLOPPY"; then t_pass floppy-label; else t_fail floppy-label; fi
grep -qa "Not a boot disk" "$O/floppy-1440K.img" && t_pass floppy-not-a-boot-disk-message || t_fail floppy-not-a-boot-disk-message

# Characters beyond the BMP take a UTF-16 surrogate pair in a long name;
# mtools 4.0.32 shows each half as '_', 7-Zip decodes them.
if command -v 7z >/dev/null; then
	d=$O/emoji; rm -rf "$d"; mkdir -p "$d"; echo emoji >"$d/smile-😀.txt"
	"$MKLIVE" fat -o "$O/emoji.img" "$d" && 7z l "$O/emoji.img" >"$O/emoji.7z" 2>&1 &&
		grep -qF 'smile-😀.txt' "$O/emoji.7z" && t_pass surrogate-pair-7z || t_fail surrogate-pair-7z
else
	t_skip surrogate-pair-7z "needs 7z from p7zip-full"
fi

# ---- 64 MiB FAT16 with the name, deep and size trees ---------------------------
img=$O/fat16.img
if "$MKLIVE" fat -o "$img" --size 64M --label DATA16 "$src" 2>"$O/fat16.err"; then
	fsck_clean fat16-fsck "$img"
	grep -q "FAT (16 bit)" <(file -b "$img") && t_pass fat16-type || t_fail fat16-type "$(file -b "$img")"
	roundtrip fat16-mcopy "$img" "$src"
	longnames fat16-mdir-longnames "$img" "$src"
else
	t_fail fat16 "$(cat "$O/fat16.err")"
fi

# ---- 600 MiB FAT32: sparse, FSInfo and backup boot sector ---------------------
img=$O/fat32.img
if "$MKLIVE" fat -o "$img" --size 600M "$small" 2>"$O/fat32.err"; then
	fsck_clean fat32-fsck "$img"
	grep -q "FAT (32 bit)" <(file -b "$img") && t_pass fat32-type || t_fail fat32-type "$(file -b "$img")"
	[ "$(du -k "$img" | cut -f1)" -lt 20000 ] && t_pass fat32-sparse || t_fail fat32-sparse "$(du -k "$img")"
	cmp -s <(dd if="$img" bs=512 count=2 status=none) <(dd if="$img" bs=512 skip=6 count=2 status=none) &&
		t_pass fat32-backup-boot-sector || t_fail fat32-backup-boot-sector
	# FSInfo free count = what fsck counts as free
	free_fsinfo=$(od -An -tu4 -j $((512 + 488)) -N4 "$img" | tr -d ' ')
	used=$(grep -oE '[0-9]+/[0-9]+ clusters' "$O/fat32-fsck.fsck" | head -n1)
	total=${used#*/}; total=${total% clusters}; used=${used%%/*}
	[ "$free_fsinfo" = $((total - used)) ] && t_pass fat32-fsinfo-free || t_fail fat32-fsinfo-free "$free_fsinfo vs $total-$used"
	roundtrip fat32-mcopy "$img" "$small"
else
	t_fail fat32 "$(cat "$O/fat32.err")"
fi

# ---- forced types ----------------------------------------------------------
for f in 12 16 32; do
	img=$O/forced-$f.img
	size=16M; [ $f = 32 ] && size=40M
	if "$MKLIVE" fat -o "$img" --size $size --fat $f "$small" 2>"$O/forced-$f.err"; then
		fsck_clean "forced-fat$f-fsck" "$img"
		minfo -i "$img" :: | grep -q "fat_bits\|FAT$f\|fs type: FAT$f" || true
		grep -q "FAT$f\|FAT ($f bit)" <(file -b "$img") && t_pass "forced-fat$f-type" || t_fail "forced-fat$f-type" "$(file -b "$img")"
	else
		t_fail "forced-fat$f" "$(cat "$O/forced-$f.err")"
	fi
done

# ---- MBR partition (FAT16 under 32 MiB: type 4), read through mtools' partition support ------------
img=$O/part.img
if "$MKLIVE" fat -o "$img" --size 32M --fat 16 --partition "$small" 2>"$O/part.err"; then
	if command -v sfdisk >/dev/null && sfdisk -d "$img" >"$O/part.sfdisk" 2>&1 &&
		grep -q "start= *2048, size= *63488, type=4, bootable" "$O/part.sfdisk"; then
		t_pass partition-table
	else
		t_fail partition-table "$(cat "$O/part.sfdisk" 2>/dev/null | tail -n 2)"
	fi
	dd if="$img" of="$O/part.fs" bs=1M skip=1 status=none
	fsck_clean partition-fsck "$O/part.fs"
	roundtrip partition-mcopy "$img@@1M" "$small"
	[ "$(od -An -tu4 -j 28 -N4 "$O/part.fs" | tr -d ' ')" = 2048 ] && t_pass partition-hidden-sectors || t_fail partition-hidden-sectors
else
	t_fail partition "$(cat "$O/part.err")"
fi

# ---- auto size, grafts, serial, reproducibility --------------------------------
"$MKLIVE" fat -o "$O/auto1.img" "$small/readme.txt" && [ "$(stat -c %s "$O/auto1.img")" = 368640 ] &&
	t_pass auto-smallest-floppy || t_fail auto-smallest-floppy
head -c 1300000 /dev/urandom >"$O/onemeg.bin"
"$MKLIVE" fat -o "$O/auto2.img" "$O/onemeg.bin" && [ "$(stat -c %s "$O/auto2.img")" = 1474560 ] &&
	t_pass auto-1440K || t_fail auto-1440K "$(stat -c %s "$O/auto2.img" 2>&1)"
head -c 3500000 /dev/urandom >"$O/big.bin"
if "$MKLIVE" fat -o "$O/auto3.img" "$O/big.bin"; then
	fsck_clean auto-mib-fsck "$O/auto3.img"
	[ $(( $(stat -c %s "$O/auto3.img") % 1048576 )) = 0 ] && t_pass auto-mib-size || t_fail auto-mib-size
fi
"$MKLIVE" fat -o "$O/graft.img" "boot/kernel=$small/readme.txt" "extra/=$small/sub dir" --serial 1234-abcd &&
	mtype -i "$O/graft.img" ::/boot/kernel | grep -q hello &&
	mdir -i "$O/graft.img" "::/extra" | grep -q random &&
	t_pass grafts || t_fail grafts
minfo -i "$O/graft.img" :: | grep -q "serial number: 1234ABCD" && t_pass serial || t_fail serial "$(minfo -i "$O/graft.img" :: | grep serial)"
"$MKLIVE" fat -o "$O/r1.img" --size 1440K "$small" && sleep 1 && touch "$small/readme.txt" &&
	SOURCE_DATE_EPOCH=1700000000 "$MKLIVE" fat -o "$O/r2.img" --size 1440K "$small" &&
	cmp "$O/r1.img" "$O/r2.img" && t_pass reproducible || t_fail reproducible
SOURCE_DATE_EPOCH=1700000001 "$MKLIVE" fat -o "$O/r3.img" --size 1440K "$small" &&
	! cmp -s "$O/r1.img" "$O/r3.img" && t_pass serial-follows-epoch || t_fail serial-follows-epoch

# ---- bad input: exit 1, a clear message, nothing left behind ---------------------
bad=$O/bad; rm -rf "$bad"; mkdir -p "$bad"
expect_fail too-big-floppy "bytes missing" "$bad/x.img" "$MKLIVE" fat -o "$bad/x.img" --size 1440K "$O/big.bin"
expect_fail too-big-2880 "bytes missing on a 2880K" "$bad/x.img" "$MKLIVE" fat -o "$bad/x.img" --size 2880K "$O/big.bin"
for n in 'a:b' 'what?' 'star*' 'lt<' 'pipe|' 'back\slash' 'quote"' 'dot.' 'space ' $'tab\tname'; do
	d=$O/badname; rm -rf "$d"; mkdir -p "$d"; echo x >"$d/$n"
	expect_fail "bad-name-$(printf %s "$n" | od -An -tx1 | tr -d ' \n' | head -c 12)" "FAT cannot hold" "$bad/x.img" "$MKLIVE" fat -o "$bad/x.img" "$d"
done
d=$O/casedup; rm -rf "$d"; mkdir -p "$d"; echo a >"$d/UPPER.TXT"; echo b >"$d/upper.txt"
expect_fail case-duplicates "differ only in case" "$bad/x.img" "$MKLIVE" fat -o "$bad/x.img" "$d"
d=$O/rootfull; rm -rf "$d"; mkdir -p "$d"; for i in $(seq 1 225); do : >"$d/F$i"; done
expect_fail root-dir-full "root directory needs 225 records" "$bad/x.img" "$MKLIVE" fat -o "$bad/x.img" --size 1440K "$d"
expect_fail missing-source "does-not-exist" "$bad/x.img" "$MKLIVE" fat -o "$bad/x.img" "$O/does-not-exist"
# An unreadable file: its stat succeeds (the scan), its open fails (the write).
# Root reads anything, so as root the command runs as nobody.
d=$O/unreadable; rm -rf "$d"; mkdir -p "$d/out"; echo secret >"$d/secret"; echo ok >"$d/ok"
chmod 000 "$d/secret"; chmod 777 "$d/out"
as_user=()
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
if [ "$(id -u)" != 0 ] || [ ${#as_user[@]} -gt 0 ]; then
	expect_fail unreadable-source "secret: " "$d/out/x.img" "${as_user[@]}" "$MKLIVE" fat -o "$d/out/x.img" "$d"
else
	t_skip unreadable-source "root without setpriv (util-linux) reads any file"
fi
expect_fail fat32-too-small "too small for FAT32" "$bad/x.img" "$MKLIVE" fat -o "$bad/x.img" --size 1440K --fat 32 "$small"
expect_fail bad-label "label" "$bad/x.img" "$MKLIVE" fat -o "$bad/x.img" -n 'bad*label' "$small"
expect_fail no-syslinux-installer "Debian package syslinux" "$bad/x.img" env PATH=/nonexistent "$MKLIVE" fat -o "$bad/x.img" --syslinux "$small"
# an existing image is left alone when a run fails
cp "$O/r1.img" "$bad/keep.img"
"$MKLIVE" fat -o "$bad/keep.img" --size 1440K "$O/big.bin" 2>/dev/null
cmp -s "$O/r1.img" "$bad/keep.img" && t_pass failed-run-keeps-old-image || t_fail failed-run-keeps-old-image

# ---- --syslinux: the installer's files are there and fsck stays clean --------------
if command -v syslinux >/dev/null && [ -e /usr/lib/syslinux/modules/bios/ldlinux.c32 ]; then
	if "$MKLIVE" fat -o "$O/sl.img" --size 1440K --syslinux --syslinux-dir /boot/syslinux "$small" 2>"$O/sl.err"; then
		fsck_clean syslinux-fsck "$O/sl.img"
		mdir -i "$O/sl.img" -a ::/boot/syslinux >"$O/sl.mdir" 2>&1
		grep -q "ldlinux  *sys" "$O/sl.mdir" && grep -q "ldlinux  *c32" "$O/sl.mdir" &&
			t_pass syslinux-files || t_fail syslinux-files "$(cat "$O/sl.mdir")"
		[ "$(dd if="$O/sl.img" bs=1 skip=3 count=8 status=none)" = SYSLINUX ] &&
			t_pass syslinux-boot-sector || t_fail syslinux-boot-sector
		"$MKLIVE" fat -o "$O/sl2.img" --size 1440K --syslinux --syslinux-dir /boot/syslinux "$small" &&
			cmp "$O/sl.img" "$O/sl2.img" && t_pass syslinux-reproducible || t_fail syslinux-reproducible
	else
		t_fail syslinux "$(cat "$O/sl.err")"
	fi
else
	t_skip syslinux "needs syslinux and syslinux-common"
fi
t_done
