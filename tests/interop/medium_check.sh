#!/usr/bin/env bash
# mklive check: a medium as an image and as a directory (extracted with
# mklive extract), a damaged file, a file SHA256SUMS does not list, and a
# line listed twice; sha256sum -c agrees on the good medium.
source "$TESTS_DIR/lib/common.sh"
build_test_setup

mkdir -p root/sbin root/bin
cp /bin/busybox root/bin/busybox && ln -sf /bin/busybox root/sbin/init
"$MKLIVE" build -q --no-cache --kernel "$kernel" --root root -o live.iso || { t_fail build; t_done; }

check check-image "$MKLIVE" check -q live.iso
"$MKLIVE" extract live.iso med >/dev/null 2>&1 || t_fail extract
"$MKLIVE" check med >dir.out 2>&1 && t_pass check-dir || t_fail check-dir "$(head -c 300 dir.out)"
(cd med && sha256sum -c --quiet live/SHA256SUMS) && t_pass sha256sum-agrees || t_fail sha256sum-agrees

# a damaged file: exit 1, the file named
cp -a med bad
printf '\x55' | dd of=bad/boot/vmlinuz bs=1 seek=4096 conv=notrunc status=none
"$MKLIVE" check bad >bad.out 2>&1; rc=$?
[ $rc = 1 ] && grep -q '/boot/vmlinuz' bad.out && grep -q 'damaged' bad.out && t_pass check-dir-damaged ||
	t_fail check-dir-damaged "exit $rc: $(head -c 300 bad.out)"

# a file the list does not name
cp -a med extra
echo surprise >extra/live/extra.sh
"$MKLIVE" check extra >extra.out 2>&1; rc=$?
[ $rc = 1 ] && grep -q '/live/extra.sh: not listed in live/SHA256SUMS' extra.out && t_pass check-unlisted ||
	t_fail check-unlisted "exit $rc: $(head -c 300 extra.out)"

# a line twice
cp -a med dup
line=$(grep boot/vmlinuz dup/live/SHA256SUMS) && echo "$line" >>dup/live/SHA256SUMS
"$MKLIVE" check dup >dup.out 2>&1; rc=$?
[ $rc = 1 ] && grep -q '/boot/vmlinuz: listed twice' dup.out && t_pass check-duplicate ||
	t_fail check-duplicate "exit $rc: $(head -c 300 dup.out)"

# the documented exceptions: a list written by --write-sums for the tree
# checks, and one without isolinux.bin and boot.cat too (as the build writes it)
grep -q 'boot/isolinux/boot.cat' med/live/SHA256SUMS && t_fail exceptions-unlisted "boot.cat listed" || t_pass exceptions-unlisted
"$MKLIVE" check --write-sums -q extra && "$MKLIVE" check -q extra && t_pass write-sums-covers || t_fail write-sums-covers
t_done
