#!/usr/bin/env bash
# mklive build on Debian systems, booted under QEMU (TCG, SeaBIOS, CD):
#   1. the acceptance tarball (mmdebstrap --variant=minbase with
#      linux-image-amd64, systemd-sysv, udev, kmod, sudo, locales, iproute2; tests/lib/debian_root.sh),
#      imaged by an unprivileged user: it reaches a getty login prompt on
#      ttyS0, and in the running system files are owned by root and
#      /usr/bin/su keeps its setuid bit; the same medium boots to its login
#      prompt under OVMF with Secure Boot on (Microsoft's keys; shim, GRUB,
#      Debian's kernel and modules all verified), at the same time;
#   2. a debian:bookworm root with a Run= script (it installs a package and
#      writes a file) built by mklive itself: the booted system shows both.
# A oneshot service from an Overlay reports what the running system sees.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
cd "$TEST_OUT" || exit 1
rm -rf ./*
export SOURCE_DATE_EPOCH=1700000000

# the report service (Overlay): what the running system sees, on ttyS0
mkdir -p ov/etc/systemd/system/multi-user.target.wants
cat >ov/etc/systemd/system/mklive-report.service <<'UNIT'
[Unit]
Description=mklive test report
After=local-fs.target
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "REPORT su=$(stat -c %%A:%%U /usr/bin/su) passwd=$(stat -c %%U:%%G /etc/passwd) run=$(cat /etc/run-marker 2>/dev/null || echo none) boot=$(tr " " _ </run/mklive/boot 2>/dev/null || echo none) hello=$(hello 2>/dev/null || echo none) root=$(findmnt -n -o FSTYPE /)" >/dev/ttyS0'
[Install]
WantedBy=multi-user.target
UNIT
ln -s ../mklive-report.service ov/etc/systemd/system/multi-user.target.wants/mklive-report.service
chmod -R a+rX ov
# boot ISO SERIAL [QEMU ARGS]: true once both the report and the login
# prompt are on ttyS0 (the report service and getty race); QEMU is stopped
# either way
boot() {
	local iso=$1 log=$2 i
	shift 2
	: >"$log"
	qemu-system-x86_64 -machine accel=tcg -m 1536 -nographic -no-reboot -monitor none \
		-serial "file:$log" -display none -cdrom "$iso" "$@" >"$log.qemu" 2>&1 </dev/null &
	local pid=$!
	for ((i = 0; i < 3000; i++)); do
		grep -aq "REPORT" "$log" && grep -aq "login:" "$log" && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.2
	done
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	grep -aq "REPORT" "$log" && grep -aq "login:" "$log"
}
opts=(--overlay "$TEST_OUT/ov" --append no_timer_check --timeout 1 --set Live.Level=3 --cache-dir "$TEST_OUT/cache")

# ---- 1. the tarball, imaged by an unprivileged user --------------------------
tar=$("$TESTS_DIR/lib/debian_root.sh" 2>tarball.err); rc=$?
if [ $rc = 77 ]; then
	t_skip unprivileged-build "$(cat tarball.err)"
elif [ $rc != 0 ]; then
	t_fail debian-tarball "$(tail -n 3 tarball.err)"
else
	user=nobody
	chmod 777 "$TEST_OUT"
	if runuser -u $user -- env HOME="$TEST_OUT" "$MKLIVE" build -q --root "$tar" "${opts[@]}" -o "$TEST_OUT/deb.iso" 2>build1.err; then
		t_pass unprivileged-build
		sb=()
		if [ -e /usr/share/OVMF/OVMF_CODE_4M.secboot.fd ]; then
			cp /usr/share/OVMF/OVMF_VARS_4M.ms.fd deb-sb.vars
			sb=(-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on
				-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
				-drive if=pflash,format=raw,unit=1,file=deb-sb.vars)
			(boot deb.iso deb-sb.serial "${sb[@]}") &
			sbpid=$!
		fi
		if boot deb.iso deb.serial; then
			t_pass boots-to-login
			grep -a "REPORT" deb.serial | tr -d '\r' | head -n 1
			grep -aq "REPORT su=-rwsr-xr-x:root passwd=root:root" deb.serial && t_pass root-owned-setuid-kept ||
				t_fail root-owned-setuid-kept "$(grep -a REPORT deb.serial | head -n 1)"
			grep -aq "REPORT .*root=overlay" deb.serial && t_pass overlay-root || t_fail overlay-root
		else
			t_fail boots-to-login "$(tail -c 600 deb.serial | tr -d '\r')"
		fi
		if [ ${#sb[@]} = 0 ]; then
			t_skip secure-boot-login "needs ovmf"
		elif wait $sbpid; then
			t_pass secure-boot-boots-to-login
			grep -a "REPORT" deb-sb.serial | tr -d '\r' | head -n 1
			grep -aq "REPORT .*boot=uefi_secureboot=1" deb-sb.serial && t_pass secure-boot-on ||
				t_fail secure-boot-on "$(grep -a REPORT deb-sb.serial | head -n 1)"
		else
			t_fail secure-boot-boots-to-login "$(tail -c 600 deb-sb.serial | tr -d '\r')"
		fi
	else
		t_fail unprivileged-build "$(tail -n 3 build1.err)"
	fi
fi

# ---- 2. debian:bookworm with a Run= script ----------------------------------
need mmdebstrap mmdebstrap
cat >setup.sh <<'SH'
#!/bin/sh
set -e
apt-get install -y --no-install-recommends hello
echo "written by Run= at $(date -u -d @$SOURCE_DATE_EPOCH +%F)" >/etc/run-marker
apt-get clean
SH
chmod 755 setup.sh
cat >deb.conf <<'CONF'
[Root]
Source = debian:bookworm
Packages = linux-image-amd64 systemd-sysv udev kmod sudo locales iproute2
Run = setup.sh
Remove = /usr/share/doc/* /usr/share/man/*
CONF
# the mmdebstrap tarball is cached with the tests' other downloads
dcache=$(dirname "${tar:-/var/cache/mklive-tests/x}")/build-cache
mkdir -p "$dcache" 2>/dev/null || dcache=$TEST_OUT/cache
if "$MKLIVE" build -c deb.conf "${opts[@]}" --cache-dir "$dcache" -o run.iso >build2.log 2>&1; then
	t_pass debian-run-build
	if boot run.iso run.serial; then
		grep -a "REPORT" run.serial | tr -d '\r' | head -n 1
		grep -aq "REPORT .*run=written by Run= at 2023-11-14 boot=bios hello=Hello, world!" run.serial && t_pass run-script-effect ||
			t_fail run-script-effect "$(grep -a REPORT run.serial | head -n 1)"
	else
		t_fail debian-run-boots "$(tail -c 600 run.serial | tr -d '\r')"
	fi
else
	t_fail debian-run-build "$(tail -n 5 build2.log)"
fi
t_done
