#!/usr/bin/env bash
# Remastering in place: the root of a live CD read from an image made by
# the reference tools, plus one overlay file, rebuilt into a new medium by
# `mklive build`, with no extraction and no root privileges; each medium
# boots under QEMU (SeaBIOS, CD) and the booted system prints the overlay
# file. Two sources: an xorriso ISO 9660 with Rock Ridge as the root
# (--root old.iso), and a Debian live style medium, its root an xz
# squashfs by mksquashfs at /live/filesystem.squashfs inside an xorriso
# ISO (--root live.iso:/live/filesystem.squashfs, and the whole medium,
# whose root image is found where Debian keeps it).
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need xorriso xorriso
need mksquashfs squashfs-tools
need_file /bin/busybox busybox-static
kernel=$(debian_kernel)
[ -n "$kernel" ] || { echo "SKIP: $T_SCRIPT (needs linux-image-amd64)"; exit 0; }
T=$TEST_OUT
rm -rf "$T/root" "$T/ov" "$T"/*.iso
mkdir -p "$T/root/bin" "$T/root/sbin" "$T/root/etc" "$T/ov/etc"
cp /bin/busybox "$T/root/bin/busybox"
ln -s busybox "$T/root/bin/sh"
ln -s /bin/busybox "$T/root/sbin/init"
cat >"$T/root/show" <<'SH'
#!/bin/sh
/bin/busybox echo "REMASTER: $(/bin/busybox cat /etc/remaster-marker) + $(/bin/busybox cat /etc/original)"
/bin/busybox poweroff -f
SH
chmod 755 "$T/root/show"
echo "from the original image" >"$T/root/etc/original"
xorriso -as mkisofs -quiet -R -o "$T/old.iso" "$T/root" 2>/dev/null
echo "overlay file of the remastered medium" >"$T/ov/etc/remaster-marker"

kver=$(basename "$kernel" | sed 's/^vmlinuz-//')
build() { # OUT SOURCE (one date for every build, so the roots compare byte for byte)
	SOURCE_DATE_EPOCH=1700000000 "$MKLIVE" build -q --no-uefi --root "$2" --overlay "$T/ov" --kernel "$kernel" --set "Kernel.Version=$kver" \
		--append "live.init=/show console=ttyS0,115200" -o "$1" 2>"$1.err"
}
# the Debian live layout: /live/filesystem.squashfs by mksquashfs
mkdir -p "$T/deb/live"
mksquashfs "$T/root" "$T/deb/live/filesystem.squashfs" -comp xz -noappend -quiet >/dev/null
xorriso -as mkisofs -quiet -R -J -V DEBIAN_LIVE -o "$T/debian-live.iso" "$T/deb" 2>/dev/null
built=()
for b in "new.iso|$T/old.iso" "sq.iso|$T/debian-live.iso:/live/filesystem.squashfs" "whole.iso|$T/debian-live.iso"; do
	out=$T/${b%%|*} src=${b#*|}
	if build "$out" "$src"; then
		t_pass "build-${b%%|*}"
		built+=("$out")
	else
		t_fail "build-${b%%|*}" "$(tail -n 3 "$out.err")"
	fi
done
check medium-parts bash -c "'$MKLIVE' info '$T/new.iso' | grep -q '^root image: /live/root' && '$MKLIVE' info '$T/new.iso' | grep -q '^kernel: /boot/vmlinuz'"
# the whole medium gives the same root as its squashfs named outright: the same files, and the same bytes
check whole-medium-same-files bash -c "diff <('$MKLIVE' ls -lR '$T/sq.iso:/live/root.squashfs:/') <('$MKLIVE' ls -lR '$T/whole.iso:/live/root.squashfs:/')"
check whole-medium-same-root bash -c "cmp <('$MKLIVE' cat '$T/sq.iso:/live/root.squashfs') <('$MKLIVE' cat '$T/whole.iso:/live/root.squashfs')"
check overlay-in-root bash -c "'$MKLIVE' cat '$T/sq.iso:/live/root.squashfs:/etc/remaster-marker' | grep -q 'overlay file'"
marker="REMASTER: overlay file of the remastered medium + from the original image"
pids=()
for iso in "$T/new.iso" "$T/sq.iso"; do
	[ -s "$iso" ] || continue
	qemu_boot "$iso.serial" "$marker" 300 -cdrom "$iso" -boot d >/dev/null 2>&1 &
	pids+=("$!:$iso")
done
for p in "${pids[@]}"; do
	iso=${p#*:}
	if wait "${p%%:*}"; then
		t_pass "boots-and-shows-the-overlay-$(basename "$iso" .iso)"
	else
		t_fail "boots-and-shows-the-overlay-$(basename "$iso" .iso)" "no marker in $iso.serial: $(tail -c 400 "$iso.serial" | tr -d '\r')"
	fi
done
t_done
