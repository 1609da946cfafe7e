#!/usr/bin/env bash
# The XFCE live desktop of docs/examples/desktop.conf, built and booted:
# its package list made into a root tarball once by mmdebstrap and cached
# (tests/lib/debian_root.sh, named by the list's hash), the image built
# from it with the example's settings (a fast zstd level, to keep the test
# short), then booted under TCG with BIOS and with UEFI (OVMF) at the same
# time. Each must log the live user in graphically without a keypress: a
# session of `live` on seat0 of type x11 (loginctl, as a oneshot service
# reports it on ttyS0), xfce4-session running, and a screenshot that is a
# real picture (many colours, much of it not the background colour). The
# BIOS picture is the README's docs/img/desktop.png (make readme-images).
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need python3 python3
O=$TEST_OUT
rm -rf "${O:?}"/*
conf=$TOP/docs/examples/desktop.conf
incl=$(sed -n 's/^Packages *= *//p' "$conf" | tr -s ' \n' ',,' | sed 's/,$//')
name=bookworm-desktop-$(printf %s "$incl" | sha256sum | cut -c1-8)
tar=$("$TESTS_DIR/lib/debian_root.sh" "$name" "$incl" 2>"$O/tarball.err"); rc=$?
[ $rc = 77 ] && { echo "SKIP: $T_SCRIPT ($(cat "$O/tarball.err"))"; exit 0; }
[ $rc = 0 ] || { t_fail tarball "$(tail -n 5 "$O/tarball.err")"; t_done; }
echo "# root: $tar ($(du -m "$tar" | cut -f1) MB)"

# ---- the report (Overlay): what the running system sees, on ttyS0 ----------
ov=$O/ov
mkdir -p "$ov/etc/systemd/system/graphical.target.wants" "$ov/usr/local/sbin"
cat >"$ov/usr/local/sbin/desktop-report" <<'SH'
#!/bin/sh
# once XFCE's desktop and panel run, give them time to paint, then report
for i in $(seq 1200); do
	pgrep -u live -x xfdesktop >/dev/null && pgrep -u live -x xfce4-panel >/dev/null && break
	sleep 1
done
sleep 10
{
	echo "DESKTOP-REPORT-BEGIN (desktop up after ${i} s)"
	loginctl list-sessions --no-legend
	for s in $(loginctl list-sessions --no-legend | awk '{ print $1 }'); do
		echo "session $s: $(loginctl show-session "$s" -p Name -p Seat -p Type -p Class -p Active | tr '\n' ' ')"
	done
	echo "xfce4-session: $(pgrep -u live -x xfce4-session)"
	grep -E '\(EE\)|modeset\(0\): (using|Output)|FBDEV' /var/log/Xorg.0.log
	ps -eo user,etime,args | grep -E 'Xorg|xf|lightdm' | grep -v grep
	echo "DESKTOP-REPORT-END"
} >/dev/ttyS0 2>&1
SH
chmod 755 "$ov/usr/local/sbin/desktop-report"
cat >"$ov/etc/systemd/system/desktop-report.service" <<'UNIT'
[Unit]
Description=mklive test: report the graphical session on ttyS0
After=display-manager.service
[Service]
Type=simple
ExecStart=/usr/local/sbin/desktop-report
[Install]
WantedBy=graphical.target
UNIT
ln -s ../desktop-report.service "$ov/etc/systemd/system/graphical.target.wants/desktop-report.service"
# A build without the [Live] User key (no live user, no display-manager
# autologin written by mklive) gets both from the test: a oneshot that adds
# the user before lightdm starts, and lightdm's autologin settings.
if ! "$MKLIVE" build --print-config 2>/dev/null | grep -q '^User *='; then
	echo "# this mklive makes no live user: the test's overlay adds 'live' and lightdm's autologin"
	mkdir -p "$ov/etc/lightdm/lightdm.conf.d" "$ov/etc/systemd/system/multi-user.target.wants"
	printf '[Seat:*]\nautologin-user=live\nautologin-user-timeout=0\nautologin-session=xfce\n' \
		>"$ov/etc/lightdm/lightdm.conf.d/50-test-autologin.conf"
	cat >"$ov/etc/systemd/system/test-live-user.service" <<'UNIT'
[Unit]
Description=mklive test: the live user
Before=display-manager.service systemd-user-sessions.service
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'id live || useradd -m -s /bin/bash -G audio,video,sudo live; passwd -d live'
[Install]
WantedBy=multi-user.target
UNIT
	ln -s ../test-live-user.service "$ov/etc/systemd/system/multi-user.target.wants/test-live-user.service"
fi
chmod -R a+rX "$ov"

# ---- the image -----------------------------------------------------------------
start=$SECONDS
if ! "$MKLIVE" build -q -c "$conf" --root "$tar" --overlay "$TOP/docs/examples/desktop-overlay" --overlay "$ov" \
	--set Live.Level=3 --append no_timer_check --cache-dir "$O/cache" -o "$O/desktop.iso" 2>"$O/build.err"; then
	t_fail build "$(tail -n 5 "$O/build.err")"
	t_done
fi
t_pass build
echo "# build (zstd level 3): $((SECONDS - start)) s, image $(du -m "$O/desktop.iso" | cut -f1) MB"

# ---- BIOS and UEFI at the same time ------------------------------------------
# Under TCG on a loaded machine XFCE may take minutes to paint after its
# processes run, so each guest is pictured every 20 s once the report is
# out, and stopped (SIGTERM: mklive run powers it off) as soon as a picture
# is a desktop, or after the time limit.
is_desktop() { # STATS-LINE: a wallpaper, a panel, icons; a console has 2 colours
	awk '{ split($1, d, "x"); split($2, c, "="); split($3, o, "=");
		exit !(d[1] >= 800 && d[2] >= 600 && c[2] + 0 >= 200 && o[2] + 0 >= 0.2) }' <<<"$1"
}
boot() { # NAME [RUN OPTIONS]
	local n=$1 pid i f s seen=""
	shift
	mkdir -p "$O/$n-shots"
	"$MKLIVE" run "$O/desktop.iso" --accel tcg -m 2048 "$@" --screenshot "$O/$n-shots/%03d.png" \
		--screenshot-every 20 --screenshot-after 'DESKTOP-REPORT-END' --timeout 1800 \
		--log "$O/$n.serial" </dev/null >/dev/null 2>"$O/$n.err" &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		sleep 5
		for f in "$O/$n-shots"/*.png; do
			[ -e "$f" ] && [[ " $seen " != *" $f "* ]] || continue
			seen="$seen $f"
			s=$(python3 "$TESTS_DIR/lib/png_stats.py" "$f" 2>&1) || continue
			if is_desktop "$s"; then
				cp "$f" "$O/$n.png"
				kill -TERM $pid
				break 2
			fi
		done
	done
	wait $pid
	[ -e "$O/$n.png" ] || cp "$(ls "$O/$n-shots"/*.png 2>/dev/null | tail -n 1)" "$O/$n.png" 2>/dev/null
	grep -aq DESKTOP-REPORT-END "$O/$n.serial"
}
start=$SECONDS
uefi=0
if [ -e /usr/share/OVMF/OVMF_CODE_4M.fd ]; then
	boot uefi --uefi &
	uefi=$!
fi
boot bios
bios_rc=$?
echo "# BIOS boot to a painted desktop: $((SECONDS - start)) s"
uefi_rc=0
[ $uefi != 0 ] && { wait $uefi; uefi_rc=$?; }

# check NAME RC: the session and the picture of one boot
check_boot() {
	local n=$1 rc=$2 s report
	report=$(tr -d '\r' <"$O/$n.serial" | sed -n '/DESKTOP-REPORT-BEGIN/,/^DESKTOP-REPORT-END/p' | sed 's/.*DESKTOP-REPORT-BEGIN/DESKTOP-REPORT-BEGIN/')
	if [ "$rc" != 0 ]; then
		t_fail "$n-boot" "no report: $rc: $(cat "$O/$n.err"); $(tail -c 400 "$O/$n.serial" | tr -d '\033\r')"
		t_skip "$n-session" "no report"
		t_skip "$n-xfce4-session" "no report"
		t_skip "$n-picture" "no report"
		return
	fi
	t_pass "$n-boot"
	echo "$report" | sed 's/^/# /'
	echo "$report" | grep -Eq '^[0-9]+ +1000 +live +seat0' &&
		echo "$report" | grep -q 'Name=live Seat=seat0 Type=x11 Class=user Active=yes' &&
		t_pass "$n-session" || t_fail "$n-session" "no active x11 session of live on seat0"
	echo "$report" | grep -Eq '^xfce4-session: [0-9]+' && t_pass "$n-xfce4-session" ||
		t_fail "$n-xfce4-session" "pgrep found no xfce4-session of live"
	if ! s=$(python3 "$TESTS_DIR/lib/png_stats.py" "$O/$n.png" 2>&1); then
		t_fail "$n-picture" "$s"
		return
	fi
	echo "# $n picture: $s"
	is_desktop "$s" && t_pass "$n-picture" || t_fail "$n-picture" "not a desktop within the time limit: $s"
}
check_boot bios $bios_rc
if [ $uefi != 0 ]; then check_boot uefi $uefi_rc; else t_skip uefi "needs OVMF (package ovmf)"; fi
t_done
