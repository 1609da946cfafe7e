#!/usr/bin/env bash
# Boot time under QEMU (TCG) from QEMU's start to the root's own init
# printing a marker: mklive initrd (mklive-init) side by side with a
# hand-written busybox shell initramfs doing the same job (a fixed module
# list, mount the CD, loop-mount root.squashfs, overlayfs over a tmpfs,
# switch_root). Same kernel, same medium (made by mklive iso/squashfs), same
# QEMU. Then the size of `mklive initrd --profile generic` against Debian's
# own initramfs-tools image for the same kernel.
source "$(dirname "$0")/lib/bench.sh"
BENCH_REPS=${BENCH_REPS_BOOT:-5}
kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "bench boot: needs linux-image-amd64" >&2; exit 1; }
kver=${kernel#/boot/vmlinuz-}
bb=/bin/busybox
w=$BENCH_WORK/boot
rm -rf "$w" && mkdir -p "$w" && cd "$w" || exit 1
export SOURCE_DATE_EPOCH=1700000000

# The root: busybox and an init that prints the marker and powers off.
mkdir -p root/bin root/sbin root/etc root/dev root/proc root/sys root/run root/tmp medium/live
cp $bb root/bin/busybox && ln -s busybox root/bin/sh
printf '#!/bin/sh\nread up idle </proc/uptime\necho "BENCH-ROOT-UP $up" >/dev/ttyS0\n/bin/busybox poweroff -f\n' >root/sbin/init
chmod 755 root/sbin/init
"$MKLIVE" squashfs root medium/live/root.squashfs -all-root -quiet || exit 1
echo bench-id >medium/live/mklive.id
"$MKLIVE" iso -quiet -R -J -o live.iso medium || exit 1

# mklive's initramfs (minimal profile: what QEMU's machine needs).
"$MKLIVE" initrd -q -o mklive.img -k "$kver" -p minimal || exit 1

# The hand-written one: the modules modprobe would load, in order.
mkdir -p bbi/bin bbi/dev bbi/proc bbi/sys bbi/mods
cp $bb bbi/bin/busybox
modprobe -S "$kver" --show-depends -a ata_piix sr_mod isofs loop squashfs overlay 2>/dev/null |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r m; do
		cp "$m" bbi/mods/ && basename "$m" >>bbi/mods/order
	done
cat >bbi/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod /mods/$m; done
i=0; while [ ! -b /dev/sr0 ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
mkdir -p /run/medium /run/ro /run/rw /new
mount -t iso9660 -o ro /dev/sr0 /run/medium
mount -t squashfs -o loop,ro /run/medium/live/root.squashfs /run/ro
mount -t tmpfs tmpfs /run/rw
mkdir /run/rw/upper /run/rw/work
mount -t overlay overlay -o lowerdir=/run/ro,upperdir=/run/rw/upper,workdir=/run/rw/work /new
mount --move /dev /new/dev
mount --move /proc /new/proc
mount --move /sys /new/sys
exec switch_root /new /sbin/init
INIT
chmod 755 bbi/init
(cd bbi && find . | sort | cpio -o -H newc --quiet --reproducible | gzip -6 -n) >busybox.img

# boot.sh INITRD: one QEMU run until the marker (exit 1 on timeout).
cat >boot1.sh <<EOF2
#!/usr/bin/env bash
log=\$(mktemp)
qemu-system-x86_64 -machine accel=tcg -m 512 -nographic -no-reboot -monitor none \\
	-serial file:\$log -display none -kernel $kernel -initrd "\$1" \\
	-append "console=ttyS0 quiet live.id=bench-id" -cdrom $w/live.iso >/dev/null 2>&1 </dev/null &
pid=\$!
for i in \$(seq 1 1200); do
	grep -qa BENCH-ROOT-UP \$log && break
	kill -0 \$pid 2>/dev/null || break
	sleep 0.05
done
kill \$pid 2>/dev/null; wait \$pid 2>/dev/null
grep -qa BENCH-ROOT-UP \$log; rc=\$?
# the guest's own clock at the marker (kernel start to root init)
grep -ao 'BENCH-ROOT-UP [0-9.]*' \$log | head -n 1 | awk '{print \$2}' >>"\$1.uptime"
rm -f \$log; exit \$rc
EOF2
BENCH_OUTPUT=$w/busybox.img bench_run "busybox sh initramfs (gzip)" bash boot1.sh busybox.img
BENCH_OUTPUT=$w/mklive.img bench_run "mklive initrd -p minimal (gzip)" bash boot1.sh mklive.img
bench_table "boot to the root's init under QEMU TCG, CD + squashfs + overlay" "busybox sh initramfs (gzip)"
# The same boots by the guest's clock (kernel start to the marker): less
# sensitive to QEMU's own start-up on a loaded machine.
med() { tail -n "$BENCH_REPS" "$1" | sort -g | sed -n "$(((BENCH_REPS + 1) / 2))p"; }
b=$(med busybox.img.uptime) m=$(med mklive.img.uptime)
echo
echo "## the same, guest uptime at the marker (median of $BENCH_REPS)"
printf '%-44s %10s %8s\n' initramfs seconds ratio
printf '%-44s %10s %8.2f\n' "busybox sh initramfs (gzip)" "$b" 1
printf '%-44s %10s %8.2f\n' "mklive initrd -p minimal (gzip)" "$m" "$(echo "$m / $b" | bc -l)"

# Sizes: the generic profile against Debian's initramfs-tools image.
"$MKLIVE" initrd -q -o generic.img -k "$kver" || exit 1
deb=/boot/initrd.img-$kver
g=$(stat -c %s generic.img)
echo
echo "## initramfs size for $kver"
printf '%-44s %14s %8s\n' image bytes ratio
if [ -r "$deb" ]; then
	d=$(stat -c %s "$deb")
	printf '%-44s %14s %8.2f\n' "Debian initramfs-tools ($deb)" "$d" 1
	printf '%-44s %14s %8.2f\n' "mklive initrd --profile generic (gzip)" "$g" "$(echo "$g / $d" | bc -l)"
	printf '%-44s %14s %8.2f\n' "mklive initrd --profile minimal (gzip)" "$(stat -c %s mklive.img)" \
		"$(echo "$(stat -c %s mklive.img) / $d" | bc -l)"
else
	printf '%-44s %14s\n' "mklive initrd --profile generic (gzip)" "$g"
	echo "($deb not readable: no Debian image to compare with)"
fi
cd / && rm -rf "$w"
