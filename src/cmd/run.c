/* mklive run: boot an image in QEMU with its serial console on the
 * terminal. Options and messages only; the session is in src/run. */
#include "run/run.h"
#include "cmd/opt.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int cmd_run(int argc, char **argv);
extern const char cmd_run_summary[];
const char cmd_run_summary[] = "boot an image in QEMU with its serial console here (--expect, --send)";

static const char usage_text[] =
    "usage: mklive run IMAGE [options] [-- QEMU ARGS...]\n"
    "       mklive run --netboot DIR [--uefi|--secure-boot] [options]\n"
    "\n"
    "Boots IMAGE in qemu-system-x86_64 with its serial console on this terminal:\n"
    "as a CD (default) or a USB stick, with BIOS (SeaBIOS) or UEFI (OVMF) firmware.\n"
    "Interactive on a terminal (Ctrl-A X powers off and leaves); otherwise the\n"
    "console is copied to standard output, for scripts and tests.\n"
    "\n"
    "  --usb                 attach IMAGE as a USB stick (xHCI, usb-storage)\n"
    "  --uefi                boot with OVMF on a q35 machine (package ovmf)\n"
    "  --secure-boot         OVMF's Secure Boot build, Microsoft's keys enrolled\n"
    "  --writable            write to IMAGE (USB only); by default the guest\n"
    "                        writes to a snapshot and IMAGE stays as it is\n"
    "      --netboot DIR     boot by PXE from a netboot tree (mklive build --netboot):\n"
    "                        QEMU's own DHCP and TFTP serve DIR, and HTTP at\n"
    "                        " RUN_NETBOOT_HTTP ":80 is mklive serve --stdio DIR, started by\n"
    "                        QEMU per connection (no socket on this machine); the\n"
    "                        guest reaches nothing else. BIOS: iPXE ROM on e1000;\n"
    "                        UEFI: OVMF's PXE on virtio-net\n"
    "      --bootfile NAME   the file DHCP names (default lpxelinux.0, or bootx64.efi\n"
    "                        with --uefi/--secure-boot; boot.ipxe for the iPXE script)\n"
    "      --append ARGS     boot the image's own kernel and initramfs directly, with\n"
    "                        its default entry's command line and ARGS (try boot\n"
    "                        parameters without editing the menu)\n"
    "  -m, --memory MB       guest memory (default 1024)\n"
    "      --cpus N          virtual CPUs (default 1)\n"
    "      --accel A         kvm, tcg or auto (default: KVM if it really runs a\n"
    "                        test guest here, else TCG)\n"
    "      --expect REGEX    exit 0 as soon as REGEX (POSIX extended; \\n is a\n"
    "                        newline) appears on the console, 1 on timeout; the\n"
    "                        guest is powered off either way\n"
    "      --send TEXT       type TEXT and press Enter (a newline is added unless\n"
    "                        TEXT ends with \\n or \\r) once the guest waits at a\n"
    "                        prompt, and again every 5 s until --expect matches;\n"
    "                        escapes: \\n \\r \\t \\e \\\\ \\xHH\n"
    "      --send-raw TEXT   the same, typing TEXT exactly: no Enter added\n"
    "      --send-after REGEX   type only once REGEX has appeared\n"
    "      --timeout S       give up after S seconds (default 300 with --expect,\n"
    "                        none without)\n"
    "      --log FILE        keep the whole serial output in FILE\n"
    "      --record-boot-order FILE   boot once with QEMU's block trace until a\n"
    "                        shell or login: prompt (or --expect) appears, and write\n"
    "                        the files of the squashfs root the boot read to FILE,\n"
    "                        in first-read order (for mklive build --boot-order)\n"
    "      --screenshot FILE save the guest's screen as a PNG (or PPM, for *.ppm);\n"
    "                        repeatable, the pictures are taken in turn; by default\n"
    "                        at the end of the run, before the guest is powered off\n"
    "      --screenshot-after REGEX|SECONDS\n"
    "                        take the matching --screenshot (the first given is the\n"
    "                        first's) once REGEX appears on the console after the\n"
    "                        picture before, or SECONDS after QEMU's start; without\n"
    "                        --expect, a run that is not interactive ends once the\n"
    "                        last is taken\n"
    "      --screenshot-every S  a picture every S seconds (from --screenshot-after's\n"
    "                        moment): the one --screenshot FILE numbers them with %d\n"
    "      --qemu BINARY     the QEMU to run (default qemu-system-x86_64)\n"
    "  -q, --quiet           errors only;  -v, --verbose: show the QEMU command\n"
    "  -h, --help            this help\n"
    "\n"
    "Arguments after -- go to QEMU as they are.\n"
    "Examples: mklive run live.iso --expect 'login:' --timeout 120\n"
    "          mklive run live.iso --send 'uname -r' --expect '[0-9]+\\.[0-9]+\\.' --timeout 300\n"
    "          mklive run live.iso --screenshot menu.png --screenshot-after 'boot:'\n";

enum { O_QEMU = 1, O_RECORD };

static const struct opt opts[] = {
    {"usb", 0, OPT_NOARG, "usb", NULL},
    {"uefi", 0, OPT_NOARG, "uefi", NULL},
    {"secure-boot", 0, OPT_NOARG, "secure-boot", NULL},
    {"writable", 0, OPT_NOARG, "writable", NULL},
    {"m|memory", 0, OPT_ARG, "memory", NULL},
    {"cpus", 0, OPT_ARG, "cpus", NULL},
    {"accel", 0, OPT_ARG, "accel", NULL},
    {"expect", 0, OPT_ARG, "expect", NULL},
    {"send", 0, OPT_ARG, "send", NULL},
    {"send-raw", 0, OPT_ARG, "send-raw", NULL},
    {"send-after", 0, OPT_ARG, "send-after", NULL},
    {"append", 0, OPT_ARG, "append", NULL},
    {"netboot", 0, OPT_ARG, "netboot", NULL},
    {"bootfile", 0, OPT_ARG, "bootfile", NULL},
    {"timeout", 0, OPT_ARG, "timeout", NULL},
    {"log", 0, OPT_ARG, "log", NULL},
    {"screenshot", 0, OPT_ARG, "screenshot", NULL},
    {"screenshot-after", 0, OPT_ARG, "screenshot-after", NULL},
    {"screenshot-every", 0, OPT_ARG, "screenshot-every", NULL},
    {"qemu", O_QEMU, OPT_ARG, NULL, NULL},
    {"record-boot-order", O_RECORD, OPT_ARG, NULL, NULL},
    OPT_COMMON_ROWS,
};

static const char *record_path; /* --record-boot-order */

static int on_opt(void *ctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct run_opts *r = ctx;
	if (o->key)
		return run_opts_set(r, o->key, arg ? arg : o->value, spelled);
	if (o->id == O_RECORD)
		record_path = arg;
	else
		r->qemu = arg;
	return 0;
}

/* Does the table option named name (len bytes; one letter for -x) take a value? */
static bool takes_value(const char *name, size_t len)
{
	for (const struct opt *o = opts; o->names; o++) {
		for (const char *p = o->names; *p;) {
			const char *e = strchr(p, '|');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			if (l == len && !memcmp(p, name, len))
				return o->arg == OPT_ARG;
			if (!e)
				break;
			p = e + 1;
		}
	}
	return false;
}

/* Where "--" starts QEMU's arguments: the first one that is not the
 * value of an option ("--send --" types two dashes). argc if none. */
static int find_dashdash(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			return i;
		if (a[0] != '-' || !a[1])
			continue;
		if (a[1] == '-') {
			if (!strchr(a, '=') && takes_value(a + 2, strlen(a + 2)))
				i++;
		} else if (!a[2] && takes_value(a + 1, 1)) {
			i++; /* "-m 512"; "-m512" carries its value */
		}
	}
	return argc;
}

static const char *signame(int sig)
{
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	case SIGQUIT:
		return "SIGQUIT";
	}
	return "a signal";
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	if (log_level() < 1)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", log_prog());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int cmd_run(int argc, char **argv)
{
	static const struct opt_cmd cmd = {"mklive run", OPT_GNU, opts, usage_text, on_opt, false};
	struct run_opts o;
	struct run_result res;
	char **ops = NULL;
	size_t nops = 0;
	int dd = find_dashdash(argc, argv), rc, status = 1;
	const char *qemu_name;

	run_opts_init(&o);
	memset(&res, 0, sizeof res);
	if ((rc = opt_parse(&cmd, dd, argv, &o, &ops, &nops)))
		goto out;
	if (nops > 1 || (nops == 0 && !o.netboot)) {
		rc = err_set(ERR_USAGE, nops ? "one IMAGE only (QEMU's own arguments go after --)"
					     : "no IMAGE given (see 'mklive run --help')");
		goto out;
	}
	o.image = nops ? ops[0] : NULL;
	if (dd < argc) {
		o.qemu_args = argv + dd + 1;
		o.nqemu_args = (size_t)(argc - dd - 1);
	}
	o.in_fd = 0;
	if (record_path) {
		/* a boot on its own: nothing typed, ended by the prompt */
		o.in_fd = -1;
		if (!o.expect && (rc = run_opts_set(&o, "expect", RUN_PROMPT_REGEX, "--record-boot-order")))
			goto out;
	}
	o.interactive = !o.expect && isatty(0);
	if ((rc = run_opts_check(&o)))
		goto out;

	{
		char why[256];
		if (!run_accel_choose(&o, why, sizeof why))
			say("accelerator: %s (--accel)", o.accel == RUN_ACCEL_KVM ? "KVM" : "TCG");
		else if (o.accel == RUN_ACCEL_KVM)
			say("accelerator: KVM");
		else
			say("accelerator: TCG, since KVM does not work here (%s)", why);
	}
	if (o.interactive)
		say("%s on the serial console; Ctrl-A X powers off and leaves",
		    o.image ? o.image : o.netboot);

	if (record_path) {
		if ((rc = run_record_boot_order(&o, record_path, &res)))
			goto out;
		say("the boot order is in %s", record_path);
	} else if ((rc = run_session(&o, &res))) {
		goto out;
	}
	qemu_name = o.qemu ? o.qemu : RUN_QEMU;
	switch (res.end) {
	case RUN_END_MATCHED:
		say("'%s' appeared after %.1f s; the guest was powered off", o.expect, res.seconds);
		status = 0;
		break;
	case RUN_END_TIMEOUT:
		if (o.expect)
			log_error("timeout: '%s' did not appear within %g s; the guest was powered off",
				  o.expect, o.timeout);
		else
			log_error("timeout: the guest was still running after %g s and was powered off",
				  o.timeout);
		break;
	case RUN_END_ESCAPE:
		say("Ctrl-A X: the guest was powered off");
		status = 0;
		break;
	case RUN_END_SIGNAL:
		log_error("%s: the guest was powered off", signame(res.signal));
		status = 128 + res.signal;
		break;
	case RUN_END_SHOTS:
		say("every screenshot is taken; the guest was powered off");
		status = 0;
		break;
	case RUN_END_EXITED:
		if (WIFSIGNALED(res.qemu_status))
			log_error("%s was killed by signal %d", qemu_name, WTERMSIG(res.qemu_status));
		else if (WEXITSTATUS(res.qemu_status))
			log_error("%s exited with status %d (its messages are above)", qemu_name,
				  WEXITSTATUS(res.qemu_status));
		else if (o.expect)
			log_error("the guest powered off before '%s' appeared", o.expect);
		else {
			say("the guest powered off");
			status = 0;
		}
		break;
	}
	if (res.shots_failed && status == 0) {
		log_error("%u screenshot%s not taken (see above)", res.shots_failed,
			  res.shots_failed == 1 ? "" : "s");
		status = 1;
	}
out:
	run_result_free(&res);
	run_opts_free(&o);
	free(ops);
	if (rc)
		return rc == 1 ? 0 : opt_exit(rc);
	return status;
}
