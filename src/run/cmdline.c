/* The QEMU command line of mklive run: machine, accelerator, firmware,
 * the image as a CD or a USB stick, the serial console on QEMU's stdio, a
 * private QMP socket to power the guest off, and the user's own arguments. */
#include "core/util.h"
#include "run/run.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void run_argv_add(struct run_argv *a, const char *s)
{
	util_grow(&a->v, &a->cap, a->n + 2, sizeof *a->v);
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

void run_argv_addf(struct run_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	util_grow(&a->v, &a->cap, a->n + 2, sizeof *a->v);
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void run_argv_free(struct run_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof *a);
}

/* A value inside QEMU's "key=value,key=value" option syntax: a comma is
 * written twice (QEMU's QemuOpts rule), so any path can be carried. */
static char *opt_value(const char *s)
{
	size_t n = strlen(s), commas = 0;
	char *out, *q;
	for (const char *p = s; *p; p++)
		commas += *p == ',';
	out = q = xmalloc(n + commas + 1);
	for (const char *p = s; *p; p++) {
		*q++ = *p;
		if (*p == ',')
			*q++ = ',';
	}
	*q = 0;
	return out;
}

/* A word for the shell-like split QEMU's guestfwd cmd: applies (glib's
 * g_shell_parse_argv): single quotes, a quote itself as '\''. */
static char *sh_quote(const char *s)
{
	struct strbuf b = {0};
	strbuf_addf(&b, "'");
	for (; *s; s++)
		strbuf_addf(&b, *s == '\'' ? "'\\''" : "%c", *s);
	strbuf_addf(&b, "'");
	return b.s;
}

/* --netboot: QEMU's user network, isolated (restrict=on: the guest
 * reaches its DHCP and TFTP and the guestfwd address, nothing else, and
 * nothing reaches it), its TFTP serving the tree and its DHCP naming the
 * boot file; HTTP at RUN_NETBOOT_HTTP is one `mklive serve --stdio DIR`
 * per connection, with no socket on the host. BIOS boots through the
 * iPXE ROM QEMU gives its e1000 (Debian's ipxe-qemu); OVMF through its
 * own PXE on virtio-net, with no option ROM, which Secure Boot would
 * refuse as unsigned. */
static void netboot_args(const struct run_opts *o, const struct run_paths *p, struct run_argv *a)
{
	char *self = sh_quote(p->self), *dir = sh_quote(p->tree ? p->tree : o->netboot), *cmd,
	     *tftp = opt_value(p->tftp);
	char *bootfile = opt_value(o->bootfile);
	cmd = xasprintf("%s serve -q --stdio %s", self, dir);
	char *cmdv = opt_value(cmd);
	run_argv_add(a, "-netdev");
	run_argv_addf(a, "user,id=mklive-net,restrict=on,tftp=%s,bootfile=%s,guestfwd=tcp:%s:80-cmd:%s", tftp,
		      bootfile, RUN_NETBOOT_HTTP, cmdv);
	run_argv_add(a, "-device");
	run_argv_add(a, o->firmware == RUN_BIOS ? "e1000,netdev=mklive-net,bootindex=1"
						: "virtio-net-pci,netdev=mklive-net,romfile=,bootindex=1");
	free(self);
	free(dir);
	free(cmd);
	free(cmdv);
	free(tftp);
	free(bootfile);
}

int run_cmdline(const struct run_opts *o, const struct run_paths *p, struct run_argv *a)
{
	bool uefi = o->firmware != RUN_BIOS;
	char *img = o->image ? opt_value(o->image) : NULL;
	char *qmp = opt_value(p->qmp_socket);

	run_argv_add(a, p->qemu);
	/* The default machine (i440fx, IDE CD) for BIOS; q35 for OVMF, whose
	 * Secure Boot build needs SMM to protect its variable store.
	 * graphics=off, as -nographic sets it: SeaBIOS then writes its
	 * messages and menus on the serial port too. */
	run_argv_add(a, "-machine");
	run_argv_add(a, o->firmware == RUN_UEFI_SECURE ? "q35,smm=on,graphics=off"
			: uefi			       ? "q35,graphics=off"
						       : "pc,graphics=off");
	run_argv_add(a, "-accel");
	run_argv_add(a, o->accel == RUN_ACCEL_KVM ? "kvm" : "tcg");
	run_argv_add(a, "-m");
	run_argv_addf(a, "%u", o->memory_mb);
	run_argv_add(a, "-smp");
	run_argv_addf(a, "%u", o->cpus);
	/* The serial console on QEMU's stdin/stdout, which are pipes to
	 * mklive; no monitor on them (signal=off: QEMU never takes Ctrl-C). */
	run_argv_add(a, "-display");
	run_argv_add(a, "none");
	run_argv_add(a, "-monitor");
	run_argv_add(a, "none");
	run_argv_add(a, "-chardev");
	run_argv_add(a, "stdio,id=mklive-serial,signal=off");
	run_argv_add(a, "-serial");
	run_argv_add(a, "chardev:mklive-serial");
	run_argv_add(a, "-qmp");
	run_argv_addf(a, "unix:%s,server=on,wait=off", qmp);
	/* A guest that reboots (or panics with panic=N) ends the run instead
	 * of booting again forever. */
	run_argv_add(a, "-no-reboot");

	if (uefi) {
		char *code = opt_value(p->ovmf_code), *vars = opt_value(p->ovmf_vars);
		if (o->firmware == RUN_UEFI_SECURE) {
			/* only SMM code may write the variable store */
			run_argv_add(a, "-global");
			run_argv_add(a, "driver=cfi.pflash01,property=secure,value=on");
		}
		run_argv_add(a, "-drive");
		run_argv_addf(a, "if=pflash,format=raw,unit=0,readonly=on,file=%s", code);
		run_argv_add(a, "-drive");
		run_argv_addf(a, "if=pflash,format=raw,unit=1,file=%s", vars);
		free(code);
		free(vars);
	}

	if (o->netboot) {
		netboot_args(o, p, a);
	} else if (o->medium == RUN_USB) {
		/* xHCI, as on current machines; by default a snapshot, so the
		 * guest can write but nothing reaches the file */
		run_argv_add(a, "-device");
		run_argv_add(a, "qemu-xhci,id=mklive-xhci");
		run_argv_add(a, "-drive");
		run_argv_addf(a, "if=none,id=mklive-medium,format=raw,file=%s%s", img,
			      o->writable ? "" : ",snapshot=on");
		run_argv_add(a, "-device");
		run_argv_add(a, "usb-storage,bus=mklive-xhci.0,drive=mklive-medium,removable=on,bootindex=1");
	} else {
		/* IDE CD on the default machine, and on q35's AHCI controller */
		run_argv_add(a, "-drive");
		run_argv_addf(a, "if=none,id=mklive-medium,format=raw,media=cdrom,readonly=on,file=%s", img);
		run_argv_add(a, "-device");
		run_argv_add(a, "ide-cd,drive=mklive-medium,bootindex=1");
	}

	if (p->kernel) {
		run_argv_add(a, "-kernel");
		run_argv_add(a, p->kernel);
		if (p->initrd) {
			run_argv_add(a, "-initrd");
			run_argv_add(a, p->initrd);
		}
		run_argv_add(a, "-append");
		run_argv_add(a, p->kernel_args ? p->kernel_args : "");
	}

	for (size_t i = 0; i < o->nqemu_args; i++)
		run_argv_add(a, o->qemu_args[i]);
	free(img);
	free(qmp);
	return 0;
}

/* Single quotes unless the word is made of safe characters only. */
static bool shell_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *s))
			return false;
	return true;
}

char *run_argv_string(const struct run_argv *a)
{
	char *s = NULL;
	size_t len = 0, cap = 0;
	for (size_t i = 0; i < a->n; i++) {
		const char *w = a->v[i];
		util_grow(&s, &cap, len + 4 * strlen(w) + 4, 1);
		if (i)
			s[len++] = ' ';
		if (shell_safe(w)) {
			memcpy(s + len, w, strlen(w));
			len += strlen(w);
			continue;
		}
		s[len++] = '\'';
		for (const char *p = w; *p; p++) {
			if (*p == '\'') {
				memcpy(s + len, "'\\''", 4);
				len += 4;
			} else {
				s[len++] = *p;
			}
		}
		s[len++] = '\'';
	}
	util_grow(&s, &cap, len + 1, 1);
	s[len] = 0;
	return s;
}
