#!/usr/bin/env bash
# `mklive build` with a directory root, as users run it: Run= scripts never
# write the source (an overlay; the image shows their edits, deletions,
# additions and mode changes, read back with mklive cat/ls), find no way
# out of the root (double chroot, inherited descriptors, /proc, a disk's
# block device, capabilities), stop on Root.RunTimeout, and an interrupted
# build (SIGINT, SIGTERM, SIGKILL) leaves the source as it was, with the
# root's own resolv.conf in the next image. Also: an output path that is a
# file of the root source is refused, and an Overlay entry of another kind
# than the root's (file over directory, directory over file or link) too,
# unless a Remove= names it.
source "$TESTS_DIR/lib/common.sh"
cleanups=()
trap 'for c in "${cleanups[@]}"; do $c; done' EXIT
build_test_setup
rm -rf ./.[!.]* 2>/dev/null # its hidden files too
B=("$MKLIVE" build -q --kernel "$kernel" --set Kernel.ModuleProfile=minimal --set Boot.UEFI=no)

# a busybox root with something to edit, delete, chmod and replace
R=$TEST_OUT/root
mkdir -p "$R/bin" "$R/sbin" "$R/etc" "$R/data/sub"
cp /bin/busybox "$R/bin/"
for a in $(/bin/busybox --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
ln -s ../bin/busybox "$R/sbin/init"
echo "nameserver 192.0.2.7 # the root's own" >"$R/etc/resolv.conf"
echo original >"$R/etc/motd"
echo doomed >"$R/etc/doomed"
echo old-name >"$R/etc/renamed-from"
echo private >"$R/etc/secret" && chmod 644 "$R/etc/secret"
echo kept >"$R/data/sub/kept"
ln -s data "$R/lnk"
touch -d @1600000000 "$R/etc/motd" "$R/etc" "$R/data"
# the escape artist (item 2), compiled static and placed in the root
if command -v gcc >/dev/null && printf 'int main(void){return 0;}\n' | gcc -static -x c -o /dev/null - 2>/dev/null; then
	cat >escape.c <<'EOF'
/* Tries every classic way out of a chroot and writes argv[1] (a host path)
 * wherever it gets. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
static int try_write(const char *how, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		return 0;
	(void)!write(fd, how, strlen(how));
	close(fd);
	printf("ESCAPED via %s: %s\n", how, path);
	return 1;
}
static void climb(void)
{
	for (int i = 0; i < 256; i++)
		(void)!chdir("..");
	(void)!chroot(".");
}
int main(int argc, char **argv)
{
	const char *target = argv[1];
	char p[4096];
	int n = 0, keep;
	DIR *d;
	struct dirent *e;
	/* the classic: chroot into a subdirectory, keep a handle above it, climb */
	mkdir("/tmp/esc", 0755);
	keep = open("/", O_RDONLY | O_DIRECTORY);
	if (chroot("/tmp/esc") == 0) {
		(void)!fchdir(keep);
		climb();
	}
	n += try_write("double chroot", target);
	/* descriptors inherited from the builder */
	for (int fd = 0; fd < 1024; fd++)
		if (fd != keep && fchdir(fd) == 0) {
			climb();
			snprintf(p, sizeof p, "fd %d", fd);
			n += try_write(p, target);
		}
	/* another process's root or cwd */
	if ((d = opendir("/proc"))) {
		while ((e = readdir(d)))
			if (e->d_name[0] >= '0' && e->d_name[0] <= '9') {
				snprintf(p, sizeof p, "/proc/%s/root%s", e->d_name, target);
				n += try_write("/proc/PID/root", p);
				snprintf(p, sizeof p, "/proc/%s/cwd/../../../../../../..%s", e->d_name, target);
				n += try_write("/proc/PID/cwd", p);
			}
		closedir(d);
	}
	if (!n)
		printf("no way out\n");
	return 0;
}
EOF
	gcc -static -O1 -o escape escape.c && mkdir -p "$R/usr/local/bin" && cp escape "$R/usr/local/bin/" || rm -f escape
	# and setfattr's job, for the scripts (busybox has none)
	printf '#include <string.h>\n#include <sys/xattr.h>\nint main(int c, char **v) { return c != 4 || lsetxattr(v[1], v[2], v[3], strlen(v[3]), 0); }\n' >xa.c
	gcc -static -O1 -o "$R/usr/local/bin/xa" xa.c || rm -f "$R/usr/local/bin/xa"
fi
setfattr -n user.origin -v lower "$R/etc/motd" 2>/dev/null
manifest() { (cd "$R" && find . -printf '%p %y %m %U %G %T@ %s %l\n' | sort && find . -type f -exec sha256sum {} + | sort); }
touch -d @1600000000 "$R"
manifest >source.before
same_source() { # NAME
	if manifest | cmp -s - source.before; then t_pass "$1"; else t_fail "$1" "$(manifest | diff source.before - | head -n 8 | tr '\n' ' ')"; fi
}
img() { "$MKLIVE" cat "$1:/live/root.squashfs:$2" 2>/dev/null; }

# ---- item 10: an output path that is a file of the root source -------------
expect_fail output-is-root-file "is the file /etc/motd of the root directory" "" "${B[@]}" --root "$R" -o "$R/etc/motd"
ln -s "$R/etc/motd" link.iso
expect_fail output-link-to-root-file "is the file /etc/motd of the root directory" "" "${B[@]}" --root "$R" -o link.iso
same_source output-root-file-untouched
tar -C "$R" -cf root.tar .
tar_sum=$(sha256sum <root.tar)
expect_fail output-is-tarball-root "is the root source" "" "${B[@]}" --root root.tar -o root.tar
[ "$(sha256sum <root.tar)" = "$tar_sum" ] && t_pass output-tarball-untouched || t_fail output-tarball-untouched
# an image root named with the path inside it
if "${B[@]}" --root "$R" -o img.iso 2>img.err; then
	img_sum=$(sha256sum <img.iso)
	expect_fail output-is-image-root "is the root source" "" "${B[@]}" --root img.iso:/live/root.squashfs -o img.iso
	[ "$(sha256sum <img.iso)" = "$img_sum" ] && t_pass output-image-untouched || t_fail output-image-untouched
else
	t_fail output-is-image-root "$(head -c 300 img.err)"
fi
# a new file inside the root is fine, and left out of the image
if "${B[@]}" --root "$R" -o "$R/inside.iso" 2>inside.err && [ -s "$R/inside.iso" ]; then
	img "$R/inside.iso" /inside.iso >/dev/null && t_fail output-new-inside-root "the image holds itself" || t_pass output-new-inside-root
else
	t_fail output-new-inside-root "$(head -c 300 inside.err)"
fi
# and a medium an earlier build wrote there may be written again
"${B[@]}" --root "$R" -o "$R/inside.iso" 2>inside2.err && t_pass output-rebuild-inside-root || t_fail output-rebuild-inside-root "$(head -c 300 inside2.err)"
rm -f "$R/inside.iso"
touch -d @1600000000 "$R"

# ---- item 12: Overlay entries of another kind than the root's ---------------
mkdir -p ov-file ov-dir/etc/motd ov-link/lnk
echo a-file >ov-file/data
echo x >ov-dir/etc/motd/x
echo y >ov-link/lnk/y
expect_fail overlay-file-over-dir "/data is a file there but a directory in the root" out.iso "${B[@]}" --root "$R" --overlay ov-file -o out.iso
expect_fail overlay-dir-over-file "/etc/motd is a directory there but a file in the root" out.iso "${B[@]}" --root "$R" --overlay ov-dir -o out.iso
expect_fail overlay-dir-over-link "/lnk is a directory there but a symbolic link to data in the root" out.iso "${B[@]}" --root "$R" --overlay ov-link -o out.iso
if "${B[@]}" --root "$R" --overlay ov-file --remove /data -o ov.iso 2>ov.err && [ "$(img ov.iso /data)" = a-file ]; then
	t_pass overlay-after-remove
else
	t_fail overlay-after-remove "$(head -c 300 ov.err)"
fi
same_source overlay-source-untouched

# ---- item 9: Root.RunTimeout -------------------------------------------------
"$MKLIVE" build --print-config >cfg.txt 2>&1
grep -q '^RunTimeout = 1h    # default$' cfg.txt && t_pass run-timeout-default || t_fail run-timeout-default "$(grep RunTimeout cfg.txt)"
expect_fail run-timeout-bad-value "Root.RunTimeout: 'soon' is not a duration" out.iso "${B[@]}" --root "$R" --set Root.RunTimeout=soon -o out.iso

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: $T_SCRIPT/run-* (Run= on a directory root needs root)"
	t_done
fi

printf '#!/bin/sh\necho going-to-sleep\nsleep 98762 &\nsleep 98763\n' >hang.sh
expect_fail run-timeout "Run= script hang.sh timed out after 2s (--set Root.RunTimeout)" out.iso \
	"${B[@]}" --root "$R" --run hang.sh --set Root.RunTimeout=2s -o out.iso
grep -q "going-to-sleep" run-timeout.stderr && t_pass run-timeout-output || t_fail run-timeout-output "$(head -c 300 run-timeout.stderr)"
sleep_left() { pgrep -f "^sleep $1\$" >/dev/null; }
gone=0
for _ in $(seq 50); do sleep_left 9876[23] || { gone=1; break; }; sleep 0.1; done
[ $gone = 1 ] && t_pass run-timeout-killed-all || t_fail run-timeout-killed-all "$(pgrep -af 'sleep 9876')"
same_source run-timeout-source-untouched

# ---- item 1: the scripts' changes reach the image, never the source ---------
cat >change.sh <<'EOF'
#!/bin/sh
set -e
echo edited >>/etc/motd
rm /etc/doomed
echo added >/etc/added
chmod 600 /etc/secret
chown 12:34 /etc/secret
mv /etc/renamed-from /etc/renamed-to
rm -rf /data && mkdir /data && echo fresh >/data/new
ln -s motd /etc/motd-link
mknod /etc/nulldev c 1 3
mkfifo /etc/fifo
touch -d "2020-01-02 03:04:05" /etc/added
if [ -x /usr/local/bin/xa ]; then
	xa /etc/added user.mark added-by-script
	xa /etc/renamed-to user.mark changed
fi
mkdir -p /var/lib/made && echo deep >/var/lib/made/file
echo "script resolv: $(cat /etc/resolv.conf)"
echo "script hostname: $(hostname)"
EOF
if "${B[@]}" -v --root "$R" --run change.sh -o changed.iso >change.out 2>&1; then t_pass run-builds; else t_fail run-builds "$(tail -n 5 change.out)"; fi
same_source run-source-untouched
[ "$(img changed.iso /etc/motd)" = "$(printf 'original\nedited')" ] && t_pass run-edit-in-image || t_fail run-edit-in-image "$(img changed.iso /etc/motd)"
img changed.iso /etc/doomed >/dev/null && t_fail run-delete-in-image || t_pass run-delete-in-image
[ "$(img changed.iso /etc/added)" = added ] && t_pass run-add-in-image || t_fail run-add-in-image
"$MKLIVE" ls -l "changed.iso:/live/root.squashfs:/etc" >etc.ls 2>&1
grep -qE '^-rw------- +1 +12 +34 .* secret$' etc.ls && t_pass run-chmod-chown-in-image || t_fail run-chmod-chown-in-image "$(grep secret etc.ls)"
[ "$(img changed.iso /etc/renamed-to)" = old-name ] && ! img changed.iso /etc/renamed-from >/dev/null &&
	t_pass run-rename-in-image || t_fail run-rename-in-image
[ "$(img changed.iso /data/new)" = fresh ] && ! img changed.iso /data/sub/kept >/dev/null &&
	t_pass run-opaque-dir-in-image || t_fail run-opaque-dir-in-image
grep -qE '^l.* motd-link -> motd$' etc.ls && t_pass run-symlink-in-image || t_fail run-symlink-in-image "$(grep motd-link etc.ls)"
[ "$(img changed.iso /var/lib/made/file)" = deep ] && t_pass run-new-tree-in-image || t_fail run-new-tree-in-image
# read back with the reference tool: attributes, times, devices, and none
# of the overlay's own bookkeeping
rm -rf x && "$MKLIVE" cat changed.iso:/live/root.squashfs >root.sqfs && unsquashfs -q -n -d x root.sqfs >/dev/null 2>&1
[ "$(stat -c '%F %t %T' x/etc/nulldev 2>&1)" = "character special file 1 3" ] && [ -p x/etc/fifo ] &&
	t_pass run-devices-in-image || t_fail run-devices-in-image "$(stat -c '%F %t %T' x/etc/nulldev x/etc/fifo 2>&1)"
[ "$(stat -c %Y x/etc/added)" = "$(date -u -d '2020-01-02 03:04:05' +%s)" ] && t_pass run-mtime-in-image || t_fail run-mtime-in-image "$(stat -c %Y x/etc/added)"
if [ -x "$R/usr/local/bin/xa" ]; then
	[ "$(getfattr --only-values -n user.mark x/etc/added 2>&1)" = added-by-script ] &&
		[ "$(getfattr --only-values -n user.mark x/etc/renamed-to 2>&1)" = changed ] &&
		t_pass run-xattrs-in-image || t_fail run-xattrs-in-image "$(getfattr -d x/etc/added x/etc/renamed-to 2>&1)"
else
	t_skip run-xattrs-in-image "needs gcc with a static libc (libc6-dev)"
fi
if getfattr -n user.origin "$R/etc/motd" >/dev/null 2>&1; then
	[ "$(getfattr --only-values -n user.origin x/etc/motd 2>&1)" = lower ] && t_pass run-copied-up-xattr-kept || t_fail run-copied-up-xattr-kept "$(getfattr -d x/etc/motd 2>&1)"
fi
getfattr -R -d -m - x 2>/dev/null | grep -q 'overlay\.' && t_fail run-no-overlay-xattrs "$(getfattr -R -d -m - x 2>/dev/null | grep -B2 'overlay\.' | head -n 6)" ||
	t_pass run-no-overlay-xattrs
grep -q "script hostname: localhost" change.out && t_pass run-hostname-not-the-hosts || t_fail run-hostname-not-the-hosts "$(grep 'script hostname' change.out)"
grep -q "script resolv: $(head -n 1 /etc/resolv.conf)" change.out && t_pass run-host-resolv-inside || t_fail run-host-resolv-inside "$(grep 'script resolv' change.out)"
[ "$(img changed.iso /etc/resolv.conf)" = "$(cat "$R/etc/resolv.conf")" ] && t_pass run-own-resolv-in-image || t_fail run-own-resolv-in-image "$(img changed.iso /etc/resolv.conf)"
"$MKLIVE" ls "changed.iso:/live/root.squashfs:/" >top.ls 2>&1
grep -qxE 'proc|sys|dev|run|tmp' top.ls && t_fail run-no-mount-points-in-image "$(tr '\n' ' ' <top.ls)" || t_pass run-no-mount-points-in-image
ls -A | grep -q 'mklive-build' && t_fail run-no-session-left "$(ls -A | grep mklive-build)" || t_pass run-no-session-left
grep -q "$R/\|merged" /proc/self/mountinfo && t_fail run-no-mounts-left "$(grep merged /proc/self/mountinfo)" || t_pass run-no-mounts-left

# an output directory whose file system cannot hold an overlay's upper
# layer (here an overlay itself): the changes go to $TMPDIR instead
mkdir -p ol/l ol/u ol/w ol/m tmpdir
if mount -t overlay overlay -o "lowerdir=$TEST_OUT/ol/l,upperdir=$TEST_OUT/ol/u,workdir=$TEST_OUT/ol/w" ol/m 2>/dev/null; then
	cleanups+=("umount $TEST_OUT/ol/m")
	if TMPDIR=$TEST_OUT/tmpdir "${B[@]}" -v --root "$R" --run change.sh -o ol/m/out.iso >ol.out 2>&1 &&
		[ "$(img ol/m/out.iso /etc/added)" = added ] && grep -q "using \$TMPDIR or /var/tmp" ol.out; then
		t_pass run-upper-fallback
	else
		t_fail run-upper-fallback "$(grep -E 'error|overlay' ol.out | head -n 3)"
	fi
	[ -z "$(ls -A tmpdir ol/m | grep mklive-build)" ] && t_pass run-upper-fallback-cleaned || t_fail run-upper-fallback-cleaned "$(ls -A tmpdir ol/m)"
	same_source run-upper-fallback-source-untouched
else
	t_skip run-upper-fallback "cannot mount an overlay here"
fi

# a script that fails after changing things: the source is still as it was
printf '#!/bin/sh\necho broken >/etc/motd\nrm -rf /data /etc/doomed\nexit 3\n' >fail.sh
expect_fail run-fails "fail.sh failed (exit 3)" out.iso "${B[@]}" --root "$R" --run fail.sh -o out.iso
same_source run-failed-source-untouched

# ---- item 2: no way out ------------------------------------------------------
if [ -e escape ]; then
	# a disk this machine can read (a loop device over a file, else a real
	# disk), by number: the script makes its node and tries to read it
	disk=""
	if truncate -s 1M disk.img && loopdev=$(losetup -f --show disk.img 2>/dev/null); then
		cleanups+=("losetup -d $loopdev")
		dd if="$loopdev" of=/dev/null bs=512 count=1 2>/dev/null && disk=$(stat -c '%t %T' "$loopdev")
	fi
	if [ -z "$disk" ]; then
		for d in $(awk '$4 ~ /^(vd|sd|nvme|xvd|hd)[a-z]+$/ { print $4 }' /proc/partitions); do
			dd if="/dev/$d" of=/dev/null bs=512 count=1 2>/dev/null && disk=$(stat -c '%t %T' "/dev/$d") && break
		done
	fi
	[ -n "$disk" ] && disk=$((16#${disk% *})):$((16#${disk#* }))
	host_target=$TEST_OUT/escaped
	cat >escape.sh <<EOF
#!/bin/sh
/usr/local/bin/escape $host_target
rm -f /usr/local/bin/escape
disk="$disk"
if [ -n "\$disk" ]; then
	for n in /tmp/disk /dev/disk /dev/shm/disk /disk; do
		if mknod \$n b \${disk%:*} \${disk#*:} 2>/dev/null && dd if=\$n of=/dev/null bs=512 count=1 2>/dev/null; then
			echo "DISK OPENED at \$n"
		else
			echo "disk refused at \$n"
		fi
		rm -f \$n
	done
fi
grep -E '^Cap(Eff|Bnd):' /proc/self/status
mount -t tmpfs none /tmp 2>/dev/null && echo "MOUNTED" || echo "mount refused"
v=\$(cat /proc/sys/kernel/core_pattern); (echo "\$v" >/proc/sys/kernel/core_pattern) 2>/dev/null && echo "SYSCTL WRITTEN" || echo "sysctl refused"
(: </dev/tty) 2>/dev/null && echo "TTY OPENED" || echo "no terminal"
ls /proc/1/root/ | tr '\n' ' '; echo
EOF
	if "${B[@]}" -v --root "$R" --run escape.sh -o escape.iso >escape.out 2>&1; then
		t_pass escape-build
	else
		t_fail escape-build "$(tail -n 5 escape.out)"
	fi
	[ ! -e "$host_target" ] && grep -q "no way out" escape.out && t_pass escape-double-chroot ||
		t_fail escape-double-chroot "$(grep -E 'ESCAPED|no way' escape.out | head -n 3) $(ls "$host_target" 2>&1)"
	if [ -n "$disk" ]; then
		grep -q "DISK OPENED" escape.out && t_fail escape-block-device "$(grep 'DISK OPENED' escape.out)" ||
			{ [ "$(grep -c 'escape.sh: disk refused' escape.out)" = 4 ] && t_pass escape-block-device || t_fail escape-block-device "$(grep disk escape.out)"; }
	else
		t_skip escape-block-device "no block device this machine can read (no loop device, disks refused)"
	fi
	bnd=$(sed -n 's/.*CapBnd:[[:space:]]*\([0-9a-f]*\)$/\1/p' escape.out | head -n 1)
	eff=$(sed -n 's/.*CapEff:[[:space:]]*\([0-9a-f]*\)$/\1/p' escape.out | head -n 1)
	bad=""
	# CAP_DAC_READ_SEARCH 2, SYS_MODULE 16, SYS_RAWIO 17, SYS_ADMIN 21, SYS_BOOT 22, SYS_TIME 25
	for c in 2 16 17 21 22 25; do
		[ -n "$bnd" ] && (((0x$bnd >> c) & 1)) && bad="$bad bnd:$c"
		[ -n "$eff" ] && (((0x$eff >> c) & 1)) && bad="$bad eff:$c"
	done
	[ -n "$bnd" ] && [ -n "$eff" ] && [ -z "$bad" ] && t_pass escape-capabilities-dropped || t_fail escape-capabilities-dropped "CapBnd=$bnd CapEff=$eff:$bad"
	# what a package install needs stays: chown, setuid, dac override
	[ -n "$eff" ] && (((0x$eff >> 0) & 1)) && (((0x$eff >> 7) & 1)) && (((0x$eff >> 1) & 1)) &&
		t_pass escape-install-caps-kept || t_fail escape-install-caps-kept "CapEff=$eff"
	grep -q "mount refused" escape.out && t_pass escape-no-mount || t_fail escape-no-mount
	grep -q "sysctl refused" escape.out && t_pass escape-sysctl-read-only || t_fail escape-sysctl-read-only
	grep -q "no terminal" escape.out && t_pass escape-no-terminal || t_fail escape-no-terminal
	img escape.iso /usr/local/bin/escape >/dev/null && t_fail escape-removal-carried || t_pass escape-removal-carried
	same_source escape-source-untouched
else
	t_skip escape-double-chroot "needs gcc with a static libc (libc6-dev)"
fi

# ---- item 3: interrupted builds ----------------------------------------------
cat >slow.sh <<'EOF'
#!/bin/sh
echo "nameserver 198.51.100.1 # written by the script" >/etc/resolv.conf.script
echo interrupted-edit >>/etc/motd
rm -f /etc/doomed
echo started
exec sleep 98761
EOF
for sig in INT TERM KILL; do
	set -m # a job of its own: a background job would ignore SIGINT
	"${B[@]}" -v --root "$R" --run slow.sh -o "int-$sig.iso" >"int-$sig.log" 2>&1 &
	pid=$!
	set +m
	for _ in $(seq 300); do grep -q "slow.sh: started" "int-$sig.log" && break; sleep 0.1; done
	grep -q "slow.sh: started" "int-$sig.log" || t_fail "interrupt-$sig-started" "$(tail -n 3 "int-$sig.log")"
	kill -s "$sig" "$pid"
	wait "$pid" 2>/dev/null
	rc=$?
	[ $rc -gt 128 ] && t_pass "interrupt-$sig-exit" || t_fail "interrupt-$sig-exit" "exit $rc"
	gone=0
	for _ in $(seq 50); do sleep_left 98761 || { gone=1; break; }; sleep 0.1; done
	[ $gone = 1 ] && t_pass "interrupt-$sig-script-killed" || t_fail "interrupt-$sig-script-killed" "$(pgrep -af 'sleep 98761')"
	same_source "interrupt-$sig-source-untouched"
	[ ! -e "int-$sig.iso" ] && t_pass "interrupt-$sig-no-output" || t_fail "interrupt-$sig-no-output"
	if [ "$sig" != KILL ]; then
		ls -A | grep -q '^\.run\.mklive-build-' && t_fail "interrupt-$sig-no-session-left" "$(ls -A | grep mklive-build)" ||
			t_pass "interrupt-$sig-no-session-left"
	fi
done
grep -q "$R/\|merged" /proc/self/mountinfo && t_fail interrupt-no-mounts-left "$(grep merged /proc/self/mountinfo)" || t_pass interrupt-no-mounts-left
# then a plain build ships the root's own resolv.conf and nothing of the runs
if "${B[@]}" --root "$R" -o plain.iso 2>plain.err; then
	[ "$(img plain.iso /etc/resolv.conf)" = "$(cat "$R/etc/resolv.conf")" ] && t_pass plain-own-resolv || t_fail plain-own-resolv "$(img plain.iso /etc/resolv.conf)"
	"$MKLIVE" ls "plain.iso:/live/root.squashfs:/etc" >plain.ls 2>&1
	grep -qE 'resolv\.conf\.|mklive' plain.ls && t_fail plain-nothing-left "$(tr '\n' ' ' <plain.ls)" || t_pass plain-nothing-left
	[ "$(img plain.iso /etc/motd)" = original ] && t_pass plain-motd-original || t_fail plain-motd-original
else
	t_fail plain-own-resolv "$(head -c 300 plain.err)"
fi
# the session a SIGKILL left behind went with the next build that ran a script
"${B[@]}" --root "$R" --run change.sh -o again.iso 2>again.err || t_fail again-build "$(head -c 300 again.err)"
ls -A | grep -q '^\.run\.mklive-build-' && t_fail stale-session-removed "$(ls -A | grep mklive-build)" || t_pass stale-session-removed
same_source final-source-untouched
t_done
