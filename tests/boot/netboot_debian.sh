#!/usr/bin/env bash
# The Debian image (tests/lib/debian_root.sh: minbase, Debian's kernel,
# systemd) built with --netboot and booted by BIOS PXE (QEMU's iPXE ROM ->
# lpxelinux -> mklive-init's DHCP -> live.fetch of the whole root image
# from mklive serve behind guestfwd) to its getty login prompt on ttyS0,
# no disk or CD attached. One path: the firmware paths are the default
# system's (netboot.sh). Also the fetch throughput mklive-init reports.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need_file /usr/lib/PXELINUX/lpxelinux.0 pxelinux
need_file /usr/lib/ipxe/qemu/efi-e1000.rom ipxe-qemu
O=$TEST_OUT
rm -rf "$O/tmp" "$O/tree" "$O/deb.iso"; mkdir -p "$O/tmp"
export TMPDIR=$O/tmp SOURCE_DATE_EPOCH=1700000000
tar=$("$TESTS_DIR/lib/debian_root.sh" 2>"$O/tarball.err"); rc=$?
if [ $rc = 77 ]; then
	echo "SKIP: $T_SCRIPT ($(cat "$O/tarball.err"))"
	exit 0
elif [ $rc != 0 ]; then
	t_fail debian-tarball "$(tail -n 3 "$O/tarball.err")"
	t_done
fi
if ! "$MKLIVE" build -q --root "$tar" --no-cache --set Live.Level=3 --timeout 1 --append no_timer_check \
	-o "$O/deb.iso" --netboot "$O/tree" >"$O/build.log" 2>&1; then
	t_fail build "$(tail -n 3 "$O/build.log")"
	t_done
fi
t_pass build
start=$SECONDS
"$MKLIVE" run --netboot "$O/tree" --memory 2048 --expect 'login: ' --timeout "${NETBOOT_DEBIAN_TIMEOUT:-600}" \
	--log "$O/boot.log" </dev/null >/dev/null 2>"$O/boot.err"
rc=$?
log() { tr -d '\r\033' <"$O/boot.log"; }
# no disk or CD: a login prompt after PXELINUX means the root came by HTTP
if [ $rc = 0 ] && grep -qa 'PXELINUX' <(log); then
	echo "# debian netboot: $((SECONDS - start)) s to the login prompt"
	t_pass bios-pxe-to-login
else
	t_fail bios-pxe-to-login "exit $rc: $(tail -n 2 "$O/boot.err"); $(log | tail -c 500)"
fi
rate=$(log | grep -aoE 'fetched [^ ]+ [0-9.]+ MB in [0-9.]+ s \([0-9.]+ MB/s\)' | tail -n 1)
echo "INFO: $T_SCRIPT: ${rate:-no fetch line} (mklive-init's figure; TCG)"
echo "INFO: $T_SCRIPT: tree $(du -sb --apparent-size "$O/tree" | cut -f1) bytes, ISO $(stat -c %s "$O/deb.iso") bytes"
check nothing-left bash -c "[ -z \"\$(ls -A '$O/tmp')\" ]"
t_done
