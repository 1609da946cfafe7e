#!/usr/bin/env bash
# The Linux kernel's vfat driver (Debian's kernel under QEMU, TCG) reads
# mklive fat images: a FAT12 floppy, a 64 MiB FAT16 and a 40 MiB FAT32 on
# three virtio disks. The guest lists every file with its md5sum (long,
# non-ASCII and surrogate-pair names, NT lower-case short names) and the
# list must equal the source tree's.
# no_timer_check: under TCG on a loaded machine the kernel may find the
# timer IRQ too slow and panic ("IO-APIC + timer doesn't work").
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need qemu-system-x86_64 qemu-system-x86
need cpio cpio
kernel=$(debian_kernel)
[ -n "$kernel" ] || { echo "SKIP: $T_SCRIPT (needs /boot/vmlinuz-*-amd64 from linux-image-amd64)"; exit 0; }
[ -r "$kernel" ] || need_root
kver=${kernel#/boot/vmlinuz-}
mods=/lib/modules/$kver/kernel
[ -f "$mods/fs/fat/vfat.ko" ] || { echo "SKIP: $T_SCRIPT (needs uncompressed modules in $mods)"; exit 0; }
bb=/bin/busybox
if [ ! -x $bb ] || file -L $bb 2>/dev/null | grep -q dynamic; then
	echo "SKIP: $T_SCRIPT (needs a static /bin/busybox from busybox-static)"; exit 0
fi
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C.UTF-8
O=$TEST_OUT
cd "$O" || exit 1

src=$O/src
rm -rf "$src" ir ./*.img
mkdir -p "$src/sub dir/deeper"
echo hello >"$src/readme.txt"
echo upper >"$src/UPPER.TXT"
echo mixed >"$src/Makefile"
echo long >"$src/A Long Name With Spaces.txt"
echo gruss >"$src/grüße-ünïcödé-日本語.txt"
echo emoji >"$src/sub dir/smile-😀.txt"
echo deep >"$src/sub dir/deeper/file.with.many.dots.tar.gz"
head -c 300000 /dev/urandom >"$src/sub dir/random.bin"
for i in $(seq 1 30); do echo "$i" >"$src/sub dir/same long prefix $i.txt"; done

"$MKLIVE" fat -o fat12.img --size 1440K "$src" &&
	"$MKLIVE" fat -o fat16.img --size 64M "$src" &&
	"$MKLIVE" fat -o fat32.img --size 40M --fat 32 "$src" ||
	{ t_fail make-images; t_done; }

# A tiny initramfs: busybox, the vfat and virtio modules, and a script.
mkdir -p ir/bin ir/dev ir/proc ir/sys ir/mnt ir/lib
cp $bb ir/bin/busybox
for m in virtio/virtio.ko virtio/virtio_ring.ko virtio/virtio_pci_legacy_dev.ko \
	virtio/virtio_pci_modern_dev.ko virtio/virtio_pci.ko block/virtio_blk.ko; do
	cp "$mods/drivers/$m" ir/lib/
done
for m in fat/fat.ko fat/vfat.ko nls/nls_cp437.ko nls/nls_utf8.ko nls/nls_ascii.ko; do cp "$mods/fs/$m" ir/lib/; done
cat >ir/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk fat vfat nls_cp437 nls_utf8 nls_ascii; do
	insmod /lib/$m.ko
done
sleep 1
for d in vda vdb vdc; do
	echo "FAT-DISK $d" >/dev/ttyS0
	if mount -t vfat -o ro,iocharset=utf8,shortname=mixed /dev/$d /mnt 2>/dev/ttyS0; then
		(cd /mnt && find . -type f | sort | while read -r f; do echo "F $(md5sum <"$f" | cut -c1-32) $f"; done) >/dev/ttyS0
		umount /mnt
	fi
	echo "FAT-END $d" >/dev/ttyS0
done
echo FAT-ALL-DONE >/dev/ttyS0
poweroff -f
INIT
chmod 755 ir/init
(cd ir && find . | cpio -o -H newc --quiet) >initrd.cpio

if qemu_boot "$O/kernel.serial" FAT-ALL-DONE 90 -m 256 -kernel "$kernel" -initrd initrd.cpio \
	-append "console=ttyS0 panic=-1 quiet no_timer_check" \
	-drive file=fat12.img,format=raw,if=virtio,readonly=on \
	-drive file=fat16.img,format=raw,if=virtio,readonly=on \
	-drive file=fat32.img,format=raw,if=virtio,readonly=on; then
	t_pass kernel-boot
else
	t_fail kernel-boot "$(tail -c 300 "$O/kernel.serial")"
fi
(cd "$src" && find . -type f | LC_ALL=C sort | while read -r f; do echo "F $(md5sum <"$f" | cut -c1-32) $f"; done) >expected.list
i=0
for d in vda:fat12 vdb:fat16 vdc:fat32; do
	dev=${d%%:*} name=${d#*:}
	tr -d '\r' <"$O/kernel.serial" | sed -n "/FAT-DISK $dev\$/,/FAT-END $dev\$/p" | grep '^F ' | LC_ALL=C sort >"$name.list"
	if diff <(LC_ALL=C sort expected.list) "$name.list" >"$name.diff" && [ -s "$name.list" ]; then
		t_pass "linux-vfat-reads-$name"
	else
		t_fail "linux-vfat-reads-$name" "$(head -n 4 "$name.diff")"
	fi
done
t_done
