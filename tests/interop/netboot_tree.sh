#!/usr/bin/env bash
# mklive build --netboot: the tree's files (Debian's loaders byte for byte,
# the medium's kernel, initramfs and root image), its SHA256SUMS checked by
# sha256sum, the network GRUB's built-in prefix read from Debian's binary
# (where grub.cfg must be), the three menus (pxelinux.cfg/default,
# grub/grub.cfg checked by grub-script-check, boot.ipxe) each with every
# entry of isolinux.cfg and live.fetch= from the loader's own variable or
# from --netboot-url; the medium's /boot/grub/loopback.cfg; a rebuild
# replacing the tree, and the refusals (a directory that is not a tree, an
# https URL, a URL without a tree, Writable tgz). Then mklive run --netboot
# against a stand-in for QEMU: its network arguments, and the TFTP root it
# serves with live.fetch= pointed at mklive serve's address.
source "$TESTS_DIR/lib/common.sh"
need python3 python3
need_file /usr/lib/PXELINUX/lpxelinux.0 pxelinux
need_file /usr/lib/syslinux/modules/bios/ldlinux.c32 syslinux-common
need_file /usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed grub-efi-amd64-signed
need_file /usr/lib/shim/shimx64.efi.signed shim-signed
need_file /bin/busybox busybox-static
need grub-script-check grub-common
K=$(debian_kernel)
[ -n "$K" ] || { echo "SKIP: $T_SCRIPT (needs a kernel from linux-image-amd64)"; exit 0; }
O=$TEST_OUT
rm -rf "$O/w"; mkdir -p "$O/w"
cd "$O/w" || exit 1
export SOURCE_DATE_EPOCH=1700000000
T=tree

if ! "$MKLIVE" build -q --no-cache -k "$K" -o live.iso --netboot $T >build.log 2>&1; then
	t_fail build "$(tail -n 3 build.log)"
	t_done
fi
t_pass build

for f in lpxelinux.0 ldlinux.c32 pxelinux.cfg/default bootx64.efi grubx64.efi mmx64.efi grub/grub.cfg \
	boot.ipxe boot/vmlinuz boot/initrd.img live/root.squashfs live/mklive.id live/SHA256SUMS boot.txt; do
	[ -f "$T/$f" ] || t_fail "file-$f" "missing"
done
t_pass files-present
check lpxelinux-is-debians cmp -s $T/lpxelinux.0 /usr/lib/PXELINUX/lpxelinux.0
check ldlinux-is-debians cmp -s $T/ldlinux.c32 /usr/lib/syslinux/modules/bios/ldlinux.c32
check shim-is-debians cmp -s $T/bootx64.efi /usr/lib/shim/shimx64.efi.signed
check grubnet-is-debians cmp -s $T/grubx64.efi /usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed

# the medium's own files, byte for byte
"$MKLIVE" extract -q live.iso iso >/dev/null 2>&1
for f in boot/vmlinuz boot/initrd.img live/root.squashfs live/mklive.id; do
	check "same-as-medium-$(basename $f)" cmp -s "$T/$f" "iso/$f"
done

# the network drivers in the initramfs (QEMU's e1000 and virtio-net among them)
"$MKLIVE" ls -R $T/boot/initrd.img >initrd.list 2>&1
check initrd-e1000 grep -q '/e1000\.ko' initrd.list
check initrd-virtio-net grep -q '/virtio_net\.ko' initrd.list

# SHA256SUMS: sha256sum agrees, and it lists every other file
check sums-verify bash -c "cd $T && sha256sum --strict --quiet -c live/SHA256SUMS"
listed=$(awk '{print $2}' $T/live/SHA256SUMS | sort)
present=$( (cd $T && find . -type f ! -path ./live/SHA256SUMS | sed 's|^\./||' | sort))
check sums-list-every-file [ "$listed" = "$present" ]

# Debian's network GRUB: the prefix built into its "mods" section
prefix=$(python3 - /usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
pe = struct.unpack_from('<I', d, 0x3c)[0]
nsec, optsz = struct.unpack_from('<H', d, pe + 6)[0], struct.unpack_from('<H', d, pe + 20)[0]
for k in range(nsec):
    name, vsz, va, rsz, ptr = struct.unpack_from('<8sIIII', d, pe + 24 + optsz + 40 * k)
    if name.rstrip(b'\0') == b'mods':
        magic, pad, off, size = struct.unpack_from('<IIQQ', d, ptr)
        p = ptr + off
        while p < ptr + size:
            typ, ln = struct.unpack_from('<II', d, p)
            if typ == 3:  # OBJ_TYPE_PREFIX
                print(d[p + 8:p + ln].rstrip(b'\0').decode())
            if ln == 0: break
            p += ln
PY
)
if [ -n "$prefix" ] && [ -f "$T$prefix/grub.cfg" ]; then t_pass grub-cfg-at-built-in-prefix; else
	t_fail grub-cfg-at-built-in-prefix "prefix '$prefix'"; fi

# every entry of the medium's menus; the live ones (the live kernel) fetch
entries=$(grep -c '^LABEL ' iso/boot/isolinux/isolinux.cfg)
labels=$(grep -c '^  LINUX /boot/vmlinuz$' iso/boot/isolinux/isolinux.cfg)
check pxe-every-entry [ "$(grep -c '^LABEL ' $T/pxelinux.cfg/default)" = "$entries" ]
check pxe-fetch [ "$(grep -c 'APPEND .* live.fetch=/live/root.squashfs$' $T/pxelinux.cfg/default)" = "$labels" ]
check pxe-sysappend grep -qx 'SYSAPPEND 3' $T/pxelinux.cfg/default
check grub-every-entry [ "$(grep -c 'menuentry ' $T/grub/grub.cfg)" = "$(grep -c 'menuentry ' iso/boot/grub/grub.cfg)" ]
check grub-fetch [ "$(grep -c '"live.fetch=http://${net_default_server}/live/root.squashfs"$' $T/grub/grub.cfg)" = "$labels" ]
check grub-script-check grub-script-check $T/grub/grub.cfg
check ipxe-magic bash -c "head -n 1 $T/boot.ipxe | grep -qx '#!ipxe'"
check ipxe-every-live-entry [ "$(grep -c '^item entry-' $T/boot.ipxe)" -ge "$labels" ]
check ipxe-fetch [ "$(grep -c '^kernel /boot/vmlinuz initrd=initrd.img .* live.fetch=http://${next-server}/live/root.squashfs$' $T/boot.ipxe)" = "$labels" ]
check ipxe-initrd [ "$(grep -c '^initrd --name initrd.img /boot/initrd.img$' $T/boot.ipxe)" = "$labels" ]

# the medium: loopback.cfg, every entry with live.findiso=${iso_path}
check loopback-on-medium test -f iso/boot/grub/loopback.cfg
check loopback-findiso [ "$(grep -c '"live.findiso=${iso_path}"$' iso/boot/grub/loopback.cfg)" = "$labels" ]
check loopback-script-check grub-script-check iso/boot/grub/loopback.cfg
check loopback-in-sums grep -q ' boot/grub/loopback.cfg$' iso/live/SHA256SUMS

# --netboot-url, and a rebuild over the earlier tree
touch $T/stale
if "$MKLIVE" build -q --no-cache -k "$K" -o live.iso --netboot $T --netboot-url http://192.0.2.1:8080/mk/ \
	>build2.log 2>&1; then
	u=http://192.0.2.1:8080/mk/live/root.squashfs
	check url-pxe [ "$(grep -c " live.fetch=$u\$" $T/pxelinux.cfg/default)" = "$labels" ]
	check url-pxe-sysappend grep -qx 'SYSAPPEND 2' $T/pxelinux.cfg/default
	check url-grub [ "$(grep -c " live.fetch=$u\$" $T/grub/grub.cfg)" = "$labels" ]
	check url-ipxe [ "$(grep -c " live.fetch=$u\$" $T/boot.ipxe)" = "$labels" ]
	check rebuild-replaces-tree test ! -e $T/stale
	check rebuild-leaves-nothing bash -c "! ls -a | grep -q mklive-build"
else
	t_fail url-build "$(tail -n 3 build2.log)"
fi

mkdir -p foreign && echo mine >foreign/notes
expect_fail refuses-foreign-dir "not a netboot tree" "" "$MKLIVE" build -q --no-cache -k "$K" -o l2.iso --netboot foreign
check foreign-untouched bash -c "[ \"\$(ls foreign)\" = notes ] && [ ! -e l2.iso ]"
expect_fail refuses-https "plain HTTP" "" "$MKLIVE" build -q -k "$K" -o l3.iso --netboot t3 --netboot-url https://x/
expect_fail refuses-url-alone "without a netboot tree" "" "$MKLIVE" build -q -k "$K" -o l3.iso --netboot-url http://x/
expect_fail refuses-tgz "root_fs.tgz" "" "$MKLIVE" build -q -k "$K" -o l3.iso --netboot t3 --writable tgz
check print-config bash -c "\"$MKLIVE\" build --netboot t4 --netboot-url http://h/ --print-config | grep -q '^NetbootURL = http://h/'"

# ---- mklive run --netboot against a stand-in for QEMU ----
"$MKLIVE" build -q --no-cache -k "$K" -o live.iso --netboot $T >/dev/null 2>&1
mkdir -p tmp
export TMPDIR=$O/w/tmp
cat >fake-qemu <<'FAKE'
#!/usr/bin/env bash
printf '%s\n' "$@" >"$FAKE_ARGS"
tftp=$(printf '%s\n' "$@" | sed -n 's/.*,tftp=\([^,]*\),.*/\1/p')
rm -rf "$FAKE_COPY"; mkdir -p "$FAKE_COPY"
cp -rL "$tftp/." "$FAKE_COPY/"
ls -l "$tftp/" >"$FAKE_COPY.ls"
exit 0
FAKE
chmod +x fake-qemu
export FAKE_ARGS=$O/w/fake.args FAKE_COPY=$O/w/served
if "$MKLIVE" run --qemu ./fake-qemu --accel tcg --netboot $T >run.out 2>&1; then
	check run-restrict grep -q '^user,id=mklive-net,restrict=on,tftp=' fake.args
	check run-bootfile-bios grep -q ',bootfile=lpxelinux.0,' fake.args
	check run-guestfwd grep -q ",guestfwd=tcp:10.0.2.100:80-cmd:'.*mklive' serve -q --stdio '$O/w/$T'\$" fake.args
	check run-e1000 grep -qx 'e1000,netdev=mklive-net,bootindex=1' fake.args
	check run-no-cd bash -c "! grep -q cdrom fake.args"
	u=http://10.0.2.100/live/root.squashfs
	check served-pxe [ "$(grep -c " live.fetch=$u\$" served/pxelinux.cfg/default)" = "$labels" ]
	check served-grub [ "$(grep -c "\"live.fetch=$u\"\$" served/grub/grub.cfg)" = "$labels" ]
	check served-ipxe [ "$(grep -c " live.fetch=$u\$" served/boot.ipxe)" = "$labels" ]
	check served-same-kernel cmp -s served/boot/vmlinuz $T/boot/vmlinuz
	check served-links grep -q 'lpxelinux.0 -> ' served.ls
	check run-tree-untouched grep -q 'live.fetch=/live/root.squashfs' $T/pxelinux.cfg/default
	check run-nothing-left bash -c "[ -z \"\$(ls -A tmp)\" ]"
else
	t_fail run-netboot "$(tail -n 3 run.out)"
fi
if "$MKLIVE" run --qemu ./fake-qemu --accel tcg --secure-boot --netboot $T >run.out 2>&1; then
	check run-bootfile-uefi grep -q ',bootfile=bootx64.efi,' fake.args
	check run-virtio-no-rom grep -qx 'virtio-net-pci,netdev=mklive-net,romfile=,bootindex=1' fake.args
	check run-sb-firmware grep -q 'OVMF_CODE_4M.secboot.fd' fake.args
else
	t_fail run-netboot-uefi "$(tail -n 3 run.out)"
fi
expect_fail run-netboot-and-image "no IMAGE" "" "$MKLIVE" run --qemu ./fake-qemu --netboot $T live.iso
expect_fail run-netboot-usb "--usb" "" "$MKLIVE" run --qemu ./fake-qemu --netboot $T --usb
expect_fail run-netboot-missing "$O/w/nope" "" "$MKLIVE" run --qemu ./fake-qemu --netboot "$O/w/nope"
expect_fail run-netboot-bootfile "no nothing.efi in it" "" "$MKLIVE" run --qemu ./fake-qemu --netboot $T --bootfile nothing.efi
expect_fail run-bootfile-alone "--bootfile goes with --netboot" "" "$MKLIVE" run --qemu ./fake-qemu live.iso --bootfile x
mkdir -p odd/pxelinux.cfg && cp $T/lpxelinux.0 odd/ && echo 'APPEND live.fetch=http://h/not/there' >odd/pxelinux.cfg/default
expect_fail run-netboot-bad-fetch "names no file of the netboot tree" "" "$MKLIVE" run --qemu ./fake-qemu --netboot odd
check run-bad-nothing-left bash -c "[ -z \"\$(ls -A tmp)\" ]"
t_done
