#!/usr/bin/env bash
# The live system's settings ([Live] User, Password, Locale, ...) without
# booting: --print-config shows them; a bad value of any of them exits 1
# naming the key and file:line and leaves nothing at the destination (the
# form before any work, what the root must have as soon as it is read);
# and on a small directory root the build's passwd/shadow/group/gshadow,
# home, sudoers, getty drop-ins, locale, time zone, network, hosts and
# /etc/mklive/live.conf are read back from the medium with unsquashfs.
source "$TESTS_DIR/lib/common.sh"
need unsquashfs squashfs-tools
kernel=$(debian_kernel)
[ -n "$kernel" ] || { echo "SKIP: $T_SCRIPT (needs linux-image-amd64)"; exit 0; }
cd "$TEST_OUT" || exit 1
rm -rf ./* 2>/dev/null
export SOURCE_DATE_EPOCH=1700000000
q=(-q --timeout 1 --no-uefi --kernel "$kernel")

# ---- --print-config -----------------------------------------------------------
printf '[Live]\nUser = kiosk\nLocales = all-lang\n' >p.conf
"$MKLIVE" build -c p.conf --print-config >cfg.txt 2>cfg.err
check print-config-user grep -q '^User = kiosk    # p.conf:2: User$' cfg.txt
check print-config-locales grep -q '^Locales = all-lang    # p.conf:3: Locales$' cfg.txt
check print-config-network grep -q '^Network = dhcp    # default$' cfg.txt
check print-config-autologin grep -q '^Autologin = yes    # default$' cfg.txt
check print-config-hostname grep -q '^Hostname = mklive    # default$' cfg.txt
for k in Password Locale Keymap Timezone AuthorizedKeys; do
	check "print-config-$k" grep -q "^$k =" cfg.txt
done

# ---- the form of the values, before any work ---------------------------------------
bad() { # NAME KEY=VALUE TEXT
	printf '[Live]\n%s\n' "$2" >"$1.conf"
	expect_fail "$1" "$1.conf:2: $3" out.iso "$MKLIVE" build "${q[@]}" -c "$1.conf" -o out.iso
}
bad bad-user 'User = Root!' "User: 'Root!' is not a user name"
bad bad-user-long "User = $(printf 'a%.0s' {1..40})" "User: 'a*' is not a user name"
bad plain-password 'Password = secret123' 'Password: not a crypt(3) hash; plain text is refused'
bad short-hash 'Password = $6$x' 'Password: not a crypt(3) hash'
bad bad-locale 'Locale = de_DE/UTF-8' "Locale: 'de_DE/UTF-8' is not a locale name"
bad bad-locales 'Locales = en_US.UTF-8 "de DE"' "Locales: 'de DE' is not a locale name"
bad bad-keymap 'Keymap = de;us' "Keymap: 'de;us' is not a keyboard layout name"
bad bad-timezone 'Timezone = /etc/passwd' "Timezone: '/etc/passwd' is not a time zone name"
bad bad-network 'Network = wifi' "Network: 'wifi' is not one of dhcp|off"
bad bad-autologin 'Autologin = maybe' 'Autologin'
bad missing-keys 'AuthorizedKeys = nothere.pub' 'AuthorizedKeys: .*nothere.pub: No such file'
expect_fail password-cli "--set Live.Password: not a crypt(3) hash" out.iso \
	"$MKLIVE" build "${q[@]}" --set Live.Password=hunter2 -o out.iso

# ---- a small root: what it must have, as soon as it is read -----------------------------
mkroot() {
	rm -rf root && mkdir -p root/etc/skel root/sbin root/usr/share/i18n root/usr/sbin root/usr/bin \
		root/usr/share/zoneinfo/Europe root/etc/sudoers.d root/lib/systemd/system root/bin
	cat >root/etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
EOF
	printf 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n' >root/etc/shadow
	printf 'root:x:0:\nsudo:x:27:\naudio:x:29:\nvideo:x:44:someone\nusers:x:100:\nshadow:x:42:\n' >root/etc/group
	printf 'root:*::\nsudo:*::\naudio:*::\nvideo:*::someone\nusers:*::\nshadow:*::\n' >root/etc/gshadow
	echo 'export X=1' >root/etc/skel/.profile
	printf 'en_US.UTF-8 UTF-8\nde_DE.UTF-8 UTF-8\n' >root/usr/share/i18n/SUPPORTED
	echo TZif2 >root/usr/share/zoneinfo/Europe/Berlin
	printf '#!/bin/sh\n' >root/sbin/init
	printf '#!/bin/sh\n' >root/bin/bash
	printf '#!/bin/sh\n' >root/usr/bin/sudo
	printf '#!/bin/sh\n' >root/lib/systemd/systemd
	printf '[Service]\n' >root/lib/systemd/system/systemd-networkd.service
	echo 'ssh-ed25519 AAAAC3Nza test@example' >key.pub
	chmod 755 root/sbin/init root/bin/bash root/usr/bin/sudo root/lib/systemd/systemd
}
mkroot
rootbad() { # NAME TEXT KEY=VALUE...
	local name=$1 text=$2
	shift 2
	printf '[Root]\nSource = root\n[Live]\n' >"$name.conf"
	printf '%s\n' "$@" >>"$name.conf"
	expect_fail "$name" "$text" out.iso "$MKLIVE" build "${q[@]}" -c "$name.conf" -o out.iso
}
rootbad no-locales-package 'no-locales-package.conf:4: Locale: locale de_DE.UTF-8: the root has no locale-gen; install the package locales' \
	'Locale = de_DE.UTF-8'
printf '#!/bin/sh\n' >root/usr/sbin/locale-gen
rootbad unsupported-locale 'unsupported-locale.conf:5: Locales: locale xx_YY.UTF-8 is not in the root.s /usr/share/i18n/SUPPORTED' \
	'Locale = en_US.UTF-8' 'Locales = xx_YY.UTF-8'
rm root/usr/sbin/locale-gen
rootbad missing-timezone 'missing-timezone.conf:4: Timezone: the root has no /usr/share/zoneinfo/Mars/Olympus' \
	'Timezone = Mars/Olympus'
rootbad no-keymaps 'no-keymaps.conf:4: Keymap: the root has no keyboard layouts for de; install keyboard-configuration' \
	'Keymap = de'
mkdir -p root/usr/share/X11/xkb/symbols && echo x >root/usr/share/X11/xkb/symbols/de
rootbad missing-keymap 'missing-keymap.conf:4: Keymap: the root has no layout zz in /usr/share/X11/xkb/symbols' 'Keymap = zz'
[ -z "$(ls -A "$TEST_OUT/root" | grep -v -E '^(etc|sbin|usr|lib|bin)$')" ] && t_pass source-untouched ||
	t_fail source-untouched "$(ls -A root)"

# ---- what the build writes into that root --------------------------------------------
printf '[Root]\nSource = root\n[Live]\nKeymap = de\nTimezone = Europe/Berlin\nAuthorizedKeys = key.pub\nPassword = $y$j9T$abcdefghijklmnopqrstu.$0123456789abcdefghijklmnopqrstuvwxyzABCDE\n' >good.conf
if "$MKLIVE" build "${q[@]}" -c good.conf -o good.iso 2>good.err; then
	t_pass build
	rm -rf sq && "$MKLIVE" extract good.iso:/live/root.squashfs: sq >/dev/null 2>&1
	check passwd grep -qx 'live:x:1000:1000:Live user,,,:/home/live:/bin/bash' sq/etc/passwd
	check shadow-hash grep -q '^live:\$y\$j9T\$abc' sq/etc/shadow
	check group-own grep -qx 'live:x:1000:' sq/etc/group
	check group-sudo grep -qx 'sudo:x:27:live' sq/etc/group
	check group-member-appended grep -qx 'video:x:44:someone,live' sq/etc/group
	check gshadow grep -qx 'audio:\*::live' sq/etc/gshadow
	check no-plugdev-invented sh -c '! grep -q ^plugdev sq/etc/group'
	check home-skel sh -c "test \"\$(stat -c %u:%g:%a sq/home/live sq/home/live/.profile | tr '\n' ' ')\" = '1000:1000:750 1000:1000:644 '"
	check authorized-keys sh -c "test \"\$(stat -c %u:%a sq/home/live/.ssh sq/home/live/.ssh/authorized_keys | tr '\n' ' ')\" = '1000:700 1000:600 '"
	check sudoers grep -qx 'live ALL=(ALL:ALL) NOPASSWD: ALL' sq/etc/sudoers.d/mklive-live
	check sudoers-mode test "$(stat -c %a sq/etc/sudoers.d/mklive-live)" = 440
	check serial-autologin grep -q -- '--autologin live .*%I' 'sq/etc/systemd/system/serial-getty@ttyS0.service.d/mklive-autologin.conf'
	check tty1-autologin grep -q -- '--autologin live' 'sq/etc/systemd/system/getty@tty1.service.d/mklive-autologin.conf'
	check keyboard grep -qx 'XKBLAYOUT="de"' sq/etc/default/keyboard
	check vconsole grep -qx 'KEYMAP=de' sq/etc/vconsole.conf
	check localtime test "$(readlink sq/etc/localtime)" = /usr/share/zoneinfo/Europe/Berlin
	check timezone grep -qx Europe/Berlin sq/etc/timezone
	check networkd grep -qx 'Name=en\* eth\*' sq/etc/systemd/network/80-mklive-wired.network
	check networkd-enabled test -L sq/etc/systemd/system/multi-user.target.wants/systemd-networkd.service
	check hostname grep -qx mklive sq/etc/hostname
	check hosts grep -qx '127.0.1.1	mklive' sq/etc/hosts
	check live-conf grep -qx 'groups=sudo,audio,video,users' sq/etc/mklive/live.conf
	check no-manifest-without-dpkg sh -c "! '$MKLIVE' cat good.iso:/live/filesystem.packages 2>/dev/null"
else
	t_fail build "$(tail -n 3 good.err)"
fi

# User = none, Network = off: no account, no network file
printf '[Root]\nSource = root\n[Live]\nUser = none\nNetwork = off\n' >none.conf
if "$MKLIVE" build "${q[@]}" -c none.conf -o none.iso 2>none.err; then
	rm -rf sq2 && "$MKLIVE" extract none.iso:/live/root.squashfs: sq2 >/dev/null 2>&1
	check user-none sh -c '! grep -q ^live: sq2/etc/passwd && test ! -e sq2/etc/sudoers.d/mklive-live'
	check network-off test ! -e sq2/etc/systemd/network/80-mklive-wired.network
else
	t_fail user-none "$(tail -n 3 none.err)"
fi

# the embedded default keeps its root shell: no user, no live.conf
if "$MKLIVE" build "${q[@]}" -o def.iso 2>def.err; then
	rm -rf sq3 && "$MKLIVE" extract def.iso:/live/root.squashfs: sq3 >/dev/null 2>&1
	check default-root-unchanged sh -c '! grep -q ^live: sq3/etc/passwd && test ! -e sq3/etc/mklive/live.conf'
else
	t_fail default-root-unchanged "$(tail -n 3 def.err)"
fi
t_done
