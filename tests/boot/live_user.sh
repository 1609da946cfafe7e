#!/usr/bin/env bash
# The live system a person can use (QEMU, TCG): one image of the tests'
# Debian root (tests/lib/debian_root.sh: linux-image-amd64 systemd-sysv udev
# kmod sudo locales iproute2) with the README's [Live] settings, booted
#   1. from the BIOS CD through isolinux: the shell of `live` on ttyS0 with
#      no password typed; `id` shows its groups, `sudo -n true` works, `ip`
#      shows QEMU's 10.0.2.15 (DHCP by systemd-networkd), `locale` the
#      configured en_US.UTF-8;
#   2. with live.lang=de live.user=alice: alice's shell, de_DE.UTF-8, keymap
#      de, Europe/Berlin (and live.debug reports mklive-init's time for it);
#   3. with live.autologin=off: a login prompt, where `live` logs in
#      without a password;
#   4. written to a USB stick with a persistence partition (mklive write
#      --persistence) and booted from it twice with live.persistence: a file
#      in the home and a changed password survive the reboot;
#   5. the embedded default system with live.lang=de: its root shell and
#      banner as ever.
# At most two guests at a time.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need mke2fs e2fsprogs
cd "$TEST_OUT" || exit 1
rm -rf ./*
export SOURCE_DATE_EPOCH=1700000000

tar=$("$TESTS_DIR/lib/debian_root.sh" 2>tarball.err)
rc=$?
if [ $rc = 77 ]; then
	t_skip live-user "$(cat tarball.err)"
	t_done
elif [ $rc != 0 ]; then
	t_fail debian-tarball "$(tail -n 3 tarball.err)"
	t_done
fi
if [ "$(id -u)" != 0 ]; then
	t_skip live-user "generating locales in a tarball root needs root"
	t_done
fi

cat >live.conf <<CONF
[Root]
Source = $tar
[Live]
Level = 3
Locale = en_US.UTF-8
Locales = de_DE.UTF-8
[Boot]
Timeout = 1
Append = no_timer_check
CONF
if "$MKLIVE" build -c live.conf --cache-dir "$TEST_OUT/cache" -o live.iso >build.log 2>&1; then
	t_pass build
else
	t_fail build "$(tail -n 5 build.log)"
	t_done
fi
# the package manifest against dpkg-query on the root's own database
mkdir -p dpkgdb && tar -xf "$tar" -C dpkgdb ./var/lib/dpkg/status
if command -v dpkg-query >/dev/null; then
	dpkg-query --admindir=dpkgdb/var/lib/dpkg -W -f='${db:Status-Status} ${Package}\t${Version}\n' |
		sed -n 's/^installed //p' | LC_ALL=C sort >ref.packages
	"$MKLIVE" cat live.iso:/live/filesystem.packages >got.packages
	check filesystem-packages-as-dpkg-query cmp ref.packages got.packages
else
	t_skip filesystem-packages-as-dpkg-query "needs dpkg-query"
fi
check filesystem-packages sh -c "grep -Eq '^sudo	[0-9]' got.packages"

# run NAME [mklive run options]: boot live.iso (or $IMG), keep the console in NAME.log
run() {
	local name=$1
	shift
	"$MKLIVE" run "${IMG:-live.iso}" -m 1024 --timeout 400 --log "$name.log" "$@" >"$name.out" 2>&1
}
prompt='@mklive:~\$ '

# ---- 1 and 2, side by side ----------------------------------------------------
run cd --send-after "live$prompt" \
	--send 'id; sudo -n true && echo SUDO-$((6*7)); ip -4 addr | grep inet; locale | head -n 1; echo END-$((1+1))\n' \
	--expect 'END-2[^)]' &
p1=$!
run lang --append 'live.lang=de live.user=alice live.debug' --send-after "alice$prompt" \
	--send 'id; locale | head -n 1; grep XKBLAYOUT /etc/default/keyboard; cat /etc/timezone; echo END-$((1+1))\n' \
	--expect 'END-2[^)]' &
p2=$!
if wait $p1; then
	t_pass autologin-shell
	check groups grep -aEq 'uid=1000\(live\).*27\(sudo\).*29\(audio\).*44\(video\).*46\(plugdev\)' cd.log
	check sudo-without-password grep -aq 'SUDO-42' cd.log
	check dhcp-address grep -aq 'inet 10\.0\.2\.15/' cd.log
	check locale grep -aq '^LANG=en_US.UTF-8' cd.log
	check hostname grep -aq 'mklive login: live (automatic login)' cd.log
else
	t_fail autologin-shell "$(tail -c 600 cd.log | tr -d '\r')"
fi
if wait $p2; then
	t_pass lang-user-shell
	check lang-user grep -aq 'uid=1001(alice)' lang.log
	check lang-locale grep -aq '^LANG=de_DE.UTF-8' lang.log
	check lang-keymap grep -aq '^XKBLAYOUT="de"' lang.log
	check lang-timezone grep -aq '^Europe/Berlin' lang.log
	ms=$(grep -ao 'live.\* settings written in [0-9.]* ms' lang.log | head -n 1)
	[ -n "$ms" ] && echo "mklive-init: $ms" && t_pass init-time-reported || t_fail init-time-reported
else
	t_fail lang-user-shell "$(tail -c 600 lang.log | tr -d '\r')"
fi

# the embedded default system: its root shell and banner, and live.lang=de
# changes nothing there (it has no live user and no live.conf)
default_lang() {
	if ! "$MKLIVE" build -q --timeout 1 -o default.iso >default-build.log 2>&1; then
		t_fail default-build "$(tail -n 3 default-build.log)"
		return
	fi
	if IMG=default.iso run default --append 'live.lang=de live.debug' --send-after "type 'poweroff' to leave" \
		--send 'id; echo ID-$((6*7))\n' --expect 'ID-42[^)]'; then
		t_pass default-root-shell
		check default-banner grep -aq 'mklive live system' default.log
		check default-root-id grep -aq '^uid=0(root)' default.log
		check default-lang-harmless grep -aq 'this root has no /etc/mklive/live.conf; nothing changed' default.log
	else
		t_fail default-root-shell "$(tail -c 600 default.log | tr -d '\r')"
	fi
}

# ---- 3 and 4 (first boot), side by side -----------------------------------------
# the image on a USB stick with a persistence partition (mklive write
# --persistence), booted from it twice
"$MKLIVE" write --persistence 128M live.iso stick.img >write.log 2>&1 || t_fail write-stick "$(tail -n 3 write.log)"
persist=(--usb --writable --append 'live.persistence')
run noauto --append 'live.autologin=off' --send-after 'mklive login:' --send 'live\n' \
	--expect "live$prompt" &
p3=$!
token=kept-$$-$RANDOM
IMG=stick.img run persist1 --send-after "live$prompt" \
	--send "echo $token >~/kept.txt; echo live:changed-pw | sudo chpasswd; sync; echo WROTE-\$((40+2))\\n" \
	--expect 'WROTE-42[^)]' "${persist[@]}" &
p4=$!
if wait $p3; then
	t_pass login-prompt-without-password
	if grep -aq 'automatic login' noauto.log; then t_fail no-autologin "logged in automatically"; else t_pass no-autologin; fi
	if grep -aq 'Password:' noauto.log; then t_fail no-password-asked "asked for a password"; else t_pass no-password-asked; fi
else
	t_fail login-prompt-without-password "$(tail -c 600 noauto.log | tr -d '\r')"
fi
if wait $p4; then
	t_pass persist-write
	check persist-on-stick grep -aq 'persistence: changes are kept on /dev/sd[a-z]2' persist1.log
	IMG=stick.img run persist2 --send-after "live$prompt" \
		--send 'cat ~/kept.txt; sudo grep ^live: /etc/shadow | cut -c1-8; echo READ-$((40+3))\n' \
		--expect 'READ-43[^)]' "${persist[@]}" &
	p5=$!
	default_lang
	wait $p5
	if grep -aq "^$token" persist2.log; then t_pass persist-home-file; else t_fail persist-home-file "$(tail -c 400 persist2.log | tr -d '\r')"; fi
	if grep -aq '^live:\$' persist2.log; then t_pass persist-password; else t_fail persist-password "$(tail -c 400 persist2.log | tr -d '\r')"; fi
else
	t_fail persist-write "$(tail -c 600 persist1.log | tr -d '\r')"
fi
t_done
