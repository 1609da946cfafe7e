#!/usr/bin/env bash
# mklive initrd: the archive is read by GNU cpio and bsdtar, decompressed by
# gzip/zstd/xz, identical from run to run with SOURCE_DATE_EPOCH; bad input
# gives one clear message and leaves no output behind.
source "$TESTS_DIR/lib/common.sh"
need cpio cpio
need bsdtar libarchive-tools
cd "$TEST_OUT" || exit 1
export SOURCE_DATE_EPOCH=1700000000

moddir=$(ls -d /lib/modules/*/ 2>/dev/null | sort -V | tail -n 1)
if [ -z "$moddir" ] || [ ! -f "$moddir/modules.dep" ]; then
	echo "SKIP: $T_SCRIPT (needs /lib/modules/VER from linux-image-amd64)"; exit 0
fi
kver=$(basename "$moddir")

# A module tree of our own (--modules-dir), so the listing is exact.
fake=$TEST_OUT/fakemods
mkdir -p "$fake/kernel/fs/isofs" "$fake/kernel/drivers/cdrom" "$fake/kernel/fs/squashfs" "$fake/kernel/net"
for m in fs/isofs/isofs drivers/cdrom/cdrom fs/squashfs/squashfs net/unrelated; do
	echo "module $m" >"$fake/kernel/$m.ko"
done
printf '%s\n' 'kernel/fs/isofs/isofs.ko: kernel/drivers/cdrom/cdrom.ko' 'kernel/drivers/cdrom/cdrom.ko:' \
	'kernel/fs/squashfs/squashfs.ko:' 'kernel/net/unrelated.ko:' >"$fake/modules.dep"
printf '%s\n' 'alias fs-iso9660 isofs' 'alias net-pf-1 unrelated' >"$fake/modules.alias"
: >"$fake/modules.softdep"
mkdir -p extra/etc && echo hello >extra/etc/motd

"$MKLIVE" initrd -o fake.img -k 9.9.9 -m "$fake" -p minimal -c none --id abc123 \
	--add /etc/=extra/etc >fake.out 2>&1
check fake-build test -s fake.img
cpio -t <fake.img >fake.list 2>/dev/null
cat >fake.expect <<'LIST'
dev
dev/console
dev/null
etc
etc/motd
init
lib
lib/modules
lib/modules/9.9.9
lib/modules/9.9.9/kernel
lib/modules/9.9.9/kernel/drivers
lib/modules/9.9.9/kernel/drivers/cdrom
lib/modules/9.9.9/kernel/drivers/cdrom/cdrom.ko
lib/modules/9.9.9/kernel/fs
lib/modules/9.9.9/kernel/fs/isofs
lib/modules/9.9.9/kernel/fs/isofs/isofs.ko
lib/modules/9.9.9/kernel/fs/squashfs
lib/modules/9.9.9/kernel/fs/squashfs/squashfs.ko
lib/modules/9.9.9/modules.alias
lib/modules/9.9.9/modules.dep
lib/modules/9.9.9/modules.softdep
mklive.id
newroot
proc
run
sys
LIST
if diff -u fake.expect fake.list >fake.diff; then t_pass cpio-list-exact; else t_fail cpio-list-exact "$(head -c 400 fake.diff)"; fi
bsdtar -tf fake.img | sed 's|/$||' >fake.bsd
if diff -q fake.expect fake.bsd >/dev/null; then t_pass bsdtar-list; else t_fail bsdtar-list "$(diff fake.expect fake.bsd | head -5)"; fi

# GNU cpio extracts what we put in: /init is the embedded mklive-init, the
# module indexes are trimmed, the device nodes are there.
rm -rf x && mkdir x && (cd x && cpio -idm --no-absolute-filenames <../fake.img 2>/dev/null)
if [ -n "${BUILD:-}" ] && [ -f "$BUILD/mklive-init" ]; then
	check init-is-mklive-init cmp x/init "$BUILD/mklive-init"
fi
check init-executable test -x x/init
check id-file grep -qx abc123 x/mklive.id
check extra-file grep -qx hello x/etc/motd
check dep-trimmed bash -c "! grep -q unrelated x/lib/modules/9.9.9/modules.dep && grep -q '^kernel/fs/isofs/isofs.ko: kernel/drivers/cdrom/cdrom.ko' x/lib/modules/9.9.9/modules.dep"
check alias-trimmed bash -c "grep -qx 'alias fs-iso9660 isofs' x/lib/modules/9.9.9/modules.alias && ! grep -q unrelated x/lib/modules/9.9.9/modules.alias"
cpio -tv <fake.img 2>/dev/null | grep ' dev/console$' >console.line
check console-node grep -q '^crw-------.*5,[ ]*1 ' console.line
check owners-root bash -c "cpio -tv <fake.img 2>/dev/null | awk '{print \$3\$4}' | sort -u | grep -qx rootroot"
check mtime-epoch bash -c "cpio -tv <fake.img 2>/dev/null | grep -q 'Nov 14  2023 init$'"

# The real modules of the installed kernel, gzip (default) and the others.
"$MKLIVE" initrd -o gen.img -k "$kver" >gen.out 2>&1
check generic-gzip bash -c "gzip -t gen.img && zcat gen.img | cpio -t 2>/dev/null | grep -q 'kernel/drivers/ata/ata_piix.ko$'"
check generic-bsdtar bash -c "bsdtar -tf gen.img | grep -q 'kernel/fs/squashfs/squashfs.ko'"
"$MKLIVE" initrd -o gen2.img -k "$kver" >/dev/null 2>&1
check reproducible cmp gen.img gen2.img
SOURCE_DATE_EPOCH=1700000001 "$MKLIVE" initrd -o gen3.img -k "$kver" >/dev/null 2>&1
check epoch-changes-output bash -c "! cmp -s gen.img gen3.img"
# the kernel's xz decoder verifies CRC32 only
"$MKLIVE" initrd -o min.xz -k "$kver" -p minimal -c xz >/dev/null 2>&1
check xz-crc32 bash -c "xz -lvv min.xz | grep -q 'CRC32' && xz -dc min.xz | cpio -t 2>/dev/null | grep -q '^init$'"
"$MKLIVE" initrd -o min.zst -k "$kver" -p minimal -c zstd >/dev/null 2>&1
check zstd bash -c "zstd -dc min.zst | cpio -t 2>/dev/null | grep -q 'modules.alias$'"
check minimal-smaller bash -c "[ \$(zcat gen.img | wc -c) -gt \$(xz -dc min.xz | wc -c) ]"
# the net set, from the real modules.dep: drivers with their dependencies,
# by --net and by the +net profiles alike; not in the plain profiles
"$MKLIVE" initrd -o net.img -k "$kver" -p minimal --net -c none >/dev/null 2>&1
"$MKLIVE" initrd -o net2.img -k "$kver" -p minimal+net -c none >/dev/null 2>&1
cpio -t <net.img 2>/dev/null | grep '\.ko$' | sed 's|.*/||' | sort >net.mods
check net-drivers bash -c "for m in virtio_net.ko net_failover.ko failover.ko e1000.ko e1000e.ko r8169.ko usbnet.ko r8152.ko; do grep -qx \$m net.mods || exit 1; done"
check net-profile-same cmp net.img net2.img
check net-not-in-minimal bash -c "! xz -dc min.xz | cpio -t 2>/dev/null | grep -q virtio_net.ko"
check findiso-fs-in-minimal bash -c "xz -dc min.xz | cpio -t 2>/dev/null | grep -q 'kernel/fs/exfat/exfat.ko\$'"
expect_fail bad-net-profile "expected generic, minimal, generic+net or minimal+net" bad.img \
	"$MKLIVE" initrd -o bad.img -k "$kver" -p generic+wifi
if [ -x /bin/busybox ] && ! file -L /bin/busybox 2>/dev/null | grep -q dynamic; then
	"$MKLIVE" initrd -o sh.img -k "$kver" -p minimal --shell >/dev/null 2>&1
	check shell-busybox bash -c "zcat sh.img | cpio -tv 2>/dev/null | grep -q 'bin/sh -> busybox' && zcat sh.img | cpio -t 2>/dev/null | grep -qx bin/busybox"
else
	t_skip shell-busybox "needs a static /bin/busybox (busybox-static)"
fi

# Hard links: one inode, the data on the first name; cpio and bsdtar
# restore both names with the data.
mkdir -p hl/src && echo linked-data >hl/src/a && ln hl/src/a hl/src/b
"$MKLIVE" initrd -o hl.img --no-modules -c none --add /h=hl/src >/dev/null 2>&1
rm -rf hl/cpio hl/bsd && mkdir -p hl/cpio hl/bsd
(cd hl/cpio && cpio -id --quiet <../../hl.img 2>/dev/null)
(cd hl/bsd && bsdtar -xf ../../hl.img 2>/dev/null)
check hardlink-cpio bash -c "[ \"\$(cat hl/cpio/h/b)\" = linked-data ] && [ hl/cpio/h/a -ef hl/cpio/h/b ]"
check hardlink-bsdtar bash -c "[ \"\$(cat hl/bsd/h/b)\" = linked-data ] && [ hl/bsd/h/a -ef hl/bsd/h/b ]"

# Bad input: one message, exit 1, nothing left behind.
expect_fail no-kernel-version "kernel-version" "$TEST_OUT/bad1.img" "$MKLIVE" initrd -o "$TEST_OUT/bad1.img"
expect_fail missing-modules "modules.dep" "$TEST_OUT/bad2.img" "$MKLIVE" initrd -o "$TEST_OUT/bad2.img" -k 0.0-nope
expect_fail unknown-module "no-such-module" "$TEST_OUT/bad3.img" "$MKLIVE" initrd -o "$TEST_OUT/bad3.img" -k 9.9.9 -m "$fake" --add-module no-such-module
expect_fail bad-profile "--profile" "$TEST_OUT/bad4.img" "$MKLIVE" initrd -o "$TEST_OUT/bad4.img" -k 9.9.9 -m "$fake" --profile huge
expect_fail bad-compress "-c lz4: expected gzip, zstd, xz or none" "$TEST_OUT/bad5.img" "$MKLIVE" initrd -o "$TEST_OUT/bad5.img" --no-modules -c lz4
expect_fail missing-add "nowhere" "$TEST_OUT/bad6.img" "$MKLIVE" initrd -o "$TEST_OUT/bad6.img" --no-modules --add /x=/nowhere
echo 'int main(void){return 0;}' >dyn.c
if cc -o dyn dyn.c 2>/dev/null; then
	expect_fail dynamic-busybox "dynamically linked" "$TEST_OUT/bad7.img" "$MKLIVE" initrd -o "$TEST_OUT/bad7.img" --no-modules --shell --busybox "$TEST_OUT/dyn"
fi
# --add-module FILE: carried under the module's own name (.modinfo name=,
# as modinfo -F name says), not its file's: a renamed ufs.ko is ufs
ufs=$(find "$moddir" -name ufs.ko -print -quit)
if [ -n "$ufs" ] && command -v modinfo >/dev/null; then
	cp "$ufs" ufs-6.1-custom.ko
	"$MKLIVE" initrd -q -o named.img -k "$kver" -p minimal -c none -a ./ufs-6.1-custom.ko
	cpio -it <named.img 2>/dev/null >named.ls
	dep=$(cpio -i --to-stdout "lib/modules/$kver/modules.dep" <named.img 2>/dev/null)
	[ "$(modinfo -F name ufs-6.1-custom.ko)" = ufs ] && grep -q "/ufs.ko" named.ls && ! grep -q "custom" named.ls &&
		grep -q "ufs.ko:" <<<"$dep" && t_pass add-module-real-name || t_fail add-module-real-name "$(grep -i ufs named.ls)"
else
	t_skip add-module-real-name "needs ufs.ko and modinfo (kmod)"
fi
check help "$MKLIVE" initrd --help
t_done
