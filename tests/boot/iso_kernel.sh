#!/usr/bin/env bash
# Linux itself reads mklive iso's Rock Ridge: Debian's kernel (isofs, sr_mod)
# boots with a busybox initramfs that mounts the CD and lists every file with
# type, mode, owner, mtime, size, link count, device number and link target.
# The list must equal the source tree's, with nothing extra (directories 13
# and 17 levels deep recorded where they are, and the same relocated on
# request into a relocation directory that Rock Ridge hides; long names and
# symlink targets in continuation areas, hard links, devices, and 400 random
# names and 200 random symlink targets).
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need qemu-system-x86_64 qemu-system-x86
need_file /bin/busybox busybox-static
kernel=$(debian_kernel)
[ -n "$kernel" ] || { echo "SKIP: $T_SCRIPT (needs a kernel from linux-image-amd64)"; exit 0; }
kver=${kernel#/boot/vmlinuz-}
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C
O=$TEST_OUT
rm -rf "$O/src"; make_tree_all "$O/src" >/dev/null 2>&1
if command -v perl >/dev/null; then
	mkdir -p "$O/src/random" "$O/src/symlinks"
	make_random_names "$O/src/random"
	make_random_symlinks "$O/src/symlinks"
	find "$O/src/random" "$O/src/symlinks" -exec touch -h -d @1600000000 {} +
fi
# relocations inside relocations
for top in a b; do
	p=$O/src/nest/$top
	for i in $(seq 1 15); do p=$p/same; done
	mkdir -p "$p" && echo "$top" >"$p/f"
done
find "$O/src/nest" -exec touch -h -d @1600000000 {} +

fmt='%F|%a|%u|%g|%Y|%s|%h|%t:%T'
cat >"$O/init.sh" <<INIT
#!/bin/sh
B=/bin/busybox
\$B mkdir -p /proc /sys /dev /cd
\$B mount -t proc proc /proc
\$B mount -t sysfs sys /sys
\$B mount -t devtmpfs dev /dev
for m in cdrom sr_mod ata_piix ata_generic isofs; do \$B modprobe \$m 2>/dev/null; done
i=0; while [ ! -b /dev/sr0 ] && [ \$i -lt 100 ]; do \$B sleep 0.1; i=\$((i+1)); done
\$B mount -t iso9660 -o ro /dev/sr0 /cd || echo MOUNT-FAILED
echo; echo MKLIVE-ISO-BEGIN
cd /cd && \$B find . -mindepth 1 | \$B sort | while IFS= read -r p; do
	echo "M|\$p|\$(\$B stat -c '$fmt' "\$p")|\$(\$B readlink "\$p")"
done
echo MKLIVE-ISO-LISTED
\$B poweroff -f
INIT
chmod +x "$O/init.sh"
if ! "$MKLIVE" initrd -q -o "$O/initrd.img" -k "$kver" -p minimal --shell --add init="$O/init.sh" 2>"$O/initrd.err"; then
	t_fail initramfs "mklive initrd: $(cat "$O/initrd.err")"; t_done
fi

# directories: sizes are each filesystem's own; everything else must be equal.
# PN holds the 64-bit dev_t's words as libisofs writes them (bsdtar reads
# them exactly); Linux decodes a zero high word as an old 8:8 number, so a
# device beyond major 4095 / minor 255 (special/bigdev) is left out here.
# Linux lists a one-byte name above 0x7F but cannot look it up (the same
# with xorriso's images): such names are left out too.
normalize() {
	sed 's/^\(M|[^|]*|directory|[^|]*|[^|]*|[^|]*|[^|]*\)|[0-9]*|/\1|-|/' |
		grep -av -e '^M|\./special/bigdev|' | grep -avE '^M\|\./([^|]*/)?[^ -~]\|'
}
(cd "$O/src" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r p; do
	echo "M|$p|$(stat -c "$fmt" "$p")|$(readlink "$p")"
done) | normalize >"$O/host.list"

# (no_timer_check: under TCG on a loaded machine the kernel may otherwise
# panic with "IO-APIC + timer doesn't work")
listed() { # NAME ISO: the kernel's listing equals the tree's
	local name=$1 iso=$2 log=$O/$1.serial
	if ! qemu_boot "$log" MKLIVE-ISO-LISTED 300 -kernel "$kernel" -initrd "$O/initrd.img" \
		-append "console=ttyS0 quiet panic=-1 no_timer_check" -cdrom "$iso"; then
		t_fail "$name" "no listing: $(tr -d '\033' <"$log" | tr '\r\n' '  ' | tail -c 300)"; return
	fi
	sed -n '/MKLIVE-ISO-BEGIN/,$p' "$log" | tr -d '\r' | grep -a '^M|' | normalize >"$O/$name.list"
	if [ -s "$O/$name.list" ] && diff "$O/host.list" "$O/$name.list" >"$O/$name.diff"; then
		t_pass "$name"
	else
		t_fail "$name" "$(head -c 400 "$O/$name.diff")"
	fi
}

"$MKLIVE" iso -quiet -R -J -o "$O/rr.iso" "$O/src" && listed linux-reads-rock-ridge "$O/rr.iso"
"$MKLIVE" iso -quiet -R -J -rr_reloc_dir rr_moved -o "$O/reloc.iso" "$O/src" &&
	listed linux-hides-relocation-dir "$O/reloc.iso"
t_done
