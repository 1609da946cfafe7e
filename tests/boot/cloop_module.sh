#!/usr/bin/env bash
# The cloop kernel module (Debian's cloop-src, built for Debian's kernel with
# tests/data/cloop-6.1.patch) reads images made by mklive: one QEMU boot of
# Debian's kernel with a busybox initramfs mounts an outer ISO holding four
# cloop files (v2 zlib, v4 zlib, v4 xz, v4 lz4) of one inner ISO 9660 image,
# attaches each with `insmod cloop.ko file=...`, mounts /dev/cloop0 as
# iso9660 and prints checksums of files read through it.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need genisoimage genisoimage
need cpio cpio
need_file /bin/busybox busybox-static
kernel=$(debian_kernel)
[ -n "$kernel" ] || { echo "SKIP: $T_SCRIPT (needs /boot/vmlinuz-*-amd64 from linux-image-amd64)"; exit 0; }
kver=${kernel#/boot/vmlinuz-}
[ -d "/lib/modules/$kver/kernel" ] || { echo "SKIP: $T_SCRIPT (needs /lib/modules/$kver from linux-image-$kver)"; exit 0; }
ko=$(BUILD=${BUILD:-$TOP/build} bash "$TESTS_DIR/lib/build_cloop_ko.sh" "$kver" 2>"$TEST_OUT/cloop-ko.err"); rc=$?
if [ $rc = 77 ]; then echo "SKIP: $T_SCRIPT ($(cat "$TEST_OUT/cloop-ko.err"))"; exit 0; fi
if [ $rc != 0 ]; then t_fail build-cloop-ko "$(tail -n 5 "$TEST_OUT/cloop-ko.err")"; t_done; fi
t_pass build-cloop-ko

W=$TEST_OUT
rm -rf "$W/inner" "$W/outer" "$W/initrd"
mkdir -p "$W/inner/sub" "$W/outer" "$W/initrd"/{bin,dev,proc,sys,mods,outer,inner}

# Inner ISO: text plus noise (incompressible blocks), a fresh token.
token="cloop-token-$$-$RANDOM$RANDOM"
{ for i in $(seq 1 4000); do echo "line $i of the cloop boot test"; done; echo "$token"; } >"$W/inner/token.txt"
head -c 300000 /dev/urandom >"$W/inner/sub/random.bin"
genisoimage -quiet -r -o "$W/inner.iso" "$W/inner" || { t_fail inner-iso; t_done; }
sum_token=$(md5sum <"$W/inner/token.txt" | cut -c1-32)
sum_random=$(md5sum <"$W/inner/sub/random.bin" | cut -c1-32)

formats="v2 v4zlib v4xz v4lz4"
"$MKLIVE" cloop create -q -B 65536 "$W/inner.iso" "$W/outer/v2.clo" &&
"$MKLIVE" cloop create -q -B 65536 --format v4 -c zlib "$W/inner.iso" "$W/outer/v4zlib.clo" &&
"$MKLIVE" cloop create -q -B 65536 --format v4 -c xz "$W/inner.iso" "$W/outer/v4xz.clo" &&
"$MKLIVE" cloop create -q -B 65536 --format v4 -c lz4 "$W/inner.iso" "$W/outer/v4lz4.clo" ||
	{ t_fail create-images; t_done; }
# No stored blocks: this module fails on them (see --raw-blocks in mklive-cloop(1)).
"$MKLIVE" cloop info "$W/outer/v4xz.clo" | grep -q "blocks by compressor: xz [0-9]*$" || t_fail v4-xz-only
genisoimage -quiet -r -o "$W/outer.iso" "$W/outer" || { t_fail outer-iso; t_done; }

# Initramfs: busybox, the modules for virtio disks and isofs with their
# dependencies (in load order), cloop.ko, and a script as /init.
cp /bin/busybox "$W/initrd/bin/busybox"
: >"$W/initrd/mods/order"
modprobe -S "$kver" --show-depends -a virtio_pci virtio_blk isofs 2>/dev/null |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r m; do
		cp "$m" "$W/initrd/mods/"; basename "$m" >>"$W/initrd/mods/order"
	done
cp "$ko" "$W/initrd/mods/cloop.ko"
cat >"$W/initrd/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in \$(cat /mods/order); do insmod /mods/\$m || echo "CLOOPTEST insmod \$m failed"; done
i=0; while [ ! -b /dev/vda ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
mount -t iso9660 -o ro /dev/vda /outer || echo "CLOOPTEST outer mount failed"
for f in $formats; do
	if insmod /mods/cloop.ko file=/outer/\$f.clo; then
		if mount -t iso9660 -o ro /dev/cloop0 /inner; then
			echo "CLOOPTEST \$f \$(md5sum </inner/token.txt | cut -c1-32) \$(md5sum </inner/sub/random.bin | cut -c1-32) \$(tail -n 1 /inner/token.txt)"
			umount /inner
		else
			echo "CLOOPTEST \$f mount failed"
		fi
		rmmod cloop
	else
		echo "CLOOPTEST \$f insmod failed"
	fi
done
echo "CLOOPTEST-DONE"
poweroff -f
INIT
chmod +x "$W/initrd/init"
(cd "$W/initrd" && find . | cpio -o -H newc --quiet) >"$W/initrd.cpio"

log=$W/serial.log
if qemu_boot "$log" "CLOOPTEST-DONE" 120 -kernel "$kernel" -initrd "$W/initrd.cpio" \
	-append "console=ttyS0 panic=-1 loglevel=4" \
	-drive "file=$W/outer.iso,if=virtio,format=raw,readonly=on"; then
	t_pass boot
else
	t_fail boot "no CLOOPTEST-DONE in $log: $(grep -a CLOOPTEST "$log" | head -3)"
fi
for f in $formats; do
	if grep -aq "CLOOPTEST $f $sum_token $sum_random $token" "$log"; then
		t_pass "module-reads-$f"
	else
		t_fail "module-reads-$f" "$(grep -a "CLOOPTEST $f" "$log" | head -1) / $(grep -a 'cloop' "$log" | grep -v CLOOPTEST | tail -3)"
	fi
done
rm -rf "$W/inner" "$W/outer" "$W/initrd"
t_done
