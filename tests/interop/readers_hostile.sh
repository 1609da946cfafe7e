#!/usr/bin/env bash
# Hostile images (made by tests/lib/hostile_images.py): traversal in Rock
# Ridge NM, a symlink then a file of the same name, directory loops, a
# continuation area pointing at itself, lengths past the end, huge counts,
# nesting past the depth limit, a FAT cluster cycle. Each must give a clear
# error naming the image, exit status 1, no crash, and nothing outside the
# target directory; ls, info and du must fail the same way.
source "$TESTS_DIR/lib/common.sh"
need python3 python3
T=$TEST_OUT
rm -rf "$T/img" "$T/x" "$T/fat12.img" "$T/src" "$T/etc.iso"
mkdir -p "$T/img" "$T/x/outside" "$T/x/target"
fat_arg=()
if command -v mkfs.fat >/dev/null && command -v mcopy >/dev/null; then
	mkfs.fat -C "$T/fat12.img" 256 >/dev/null
	head -c 10000 /dev/urandom >"$T/FILE.BIN"
	mcopy -i "$T/fat12.img" "$T/FILE.BIN" ::/
	fat_arg=("$T/fat12.img")
else
	t_skip fat-cluster-cycle "needs mkfs.fat and mcopy (dosfstools, mtools)"
fi
python3 "$TESTS_DIR/lib/hostile_images.py" "$T/img" "${fat_arg[@]}" || t_fail generate

# image  expected words of the message
cases=(
	"iso-nm-dotdot.iso|unsafe file name '../outside/evil'"
	"iso-nm-slash.iso|unsafe file name 'sub/../../outside/evil'"
	"iso-symlink-then-file.iso|a second entry named 'x'"
	"iso-dir-loop-root.iso|directory loop"
	"iso-dir-loop-self.iso|directory loop"
	"iso-ce-self.iso|loops back to itself"
	"iso-extent-past-end.iso|lies past the end of the image"
	"iso-dir-huge.iso|lies past the end of the image"
	"iso-ce-huge.iso|lies past the end of the image"
	"iso-root-past-end.iso|lies past the end of the image"
	"iso-too-deep.iso|nested deeper than 1024 levels"
	"cloop-huge-count.cloop|blocks need a"
	"fat-cluster-cycle.img|is reached twice (a cluster chain loop"
)
for c in "${cases[@]}"; do
	img=${c%%|*} words=${c#*|} name=${img%.*}
	[ -e "$T/img/$img" ] || continue
	for cmd in extract ls info du; do
		if [ $cmd = extract ]; then args=("$T/img/$img" "$T/x/target"); else args=("$T/img/$img"); fi
		timeout 60 "$MKLIVE" $cmd "${args[@]}" >"$T/$name.$cmd.out" 2>"$T/$name.$cmd.err"
		rc=$?
		if [ $rc != 1 ]; then
			t_fail "$name-$cmd" "exit status $rc, expected 1: $(head -c 300 "$T/$name.$cmd.err")"
		elif ! grep -qF -- "$words" "$T/$name.$cmd.err" || ! grep -qF -- "$img" "$T/$name.$cmd.err"; then
			t_fail "$name-$cmd" "message does not say '$words' naming the image: $(head -c 300 "$T/$name.$cmd.err")"
		else
			t_pass "$name-$cmd"
		fi
	done
done
check nothing-outside-the-target bash -c "[ -z \"\$(ls -A '$T/x/outside')\" ] && [ ! -e '$T/x/evil' ] && [ \"\$(ls -A '$T/x')\" = \"\$(printf 'outside\ntarget')\" ]"

# A symbolic link left in the target is replaced, never followed: an image
# with etc/passwd extracted where etc -> ../outside does not write outside.
if command -v xorriso >/dev/null; then
	mkdir -p "$T/src/etc" "$T/x/t2"
	echo root >"$T/src/etc/passwd"
	xorriso -as mkisofs -quiet -R -o "$T/etc.iso" "$T/src" 2>/dev/null
	ln -sfn ../outside "$T/x/t2/etc"
	check existing-symlink-not-followed bash -c "'$MKLIVE' extract '$T/etc.iso' '$T/x/t2' && [ -d '$T/x/t2/etc' ] && [ ! -L '$T/x/t2/etc' ] && [ -z \"\$(ls -A '$T/x/outside')\" ]"
else
	t_skip existing-symlink-not-followed "needs xorriso"
fi
t_done
