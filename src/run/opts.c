/* The options of mklive run, set by key (as every module's options are)
 * and checked together before anything starts. */
#include "core/error.h"
#include "core/util.h"
#include "run/run.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void run_opts_init(struct run_opts *o)
{
	memset(o, 0, sizeof *o);
	o->memory_mb = 1024; /* 512 MB is too little for Debian's kernel plus a root in RAM */
	o->cpus = 1;
	o->timeout = -1; /* not given: run_opts_check chooses */
	o->in_fd = -1;
	o->out_fd = 1;
	o->err_fd = 2;
}

void run_opts_free(struct run_opts *o)
{
	free(o->send_buf);
	o->send_buf = NULL;
	o->send = NULL;
	free(o->shots);
	o->shots = NULL;
	o->nshots = o->nafters = 0;
}

/* A --screenshot-after value that is a plain number is seconds. */
static bool is_seconds(const char *v, double *out)
{
	char *end;
	if (!*v || strspn(v, "0123456789.") != strlen(v))
		return false;
	*out = strtod(v, &end);
	return !*end && *out >= 0 && *out <= 1e7;
}

/* The i-th shot, made when its --screenshot or --screenshot-after comes. */
static struct run_shot *shot_at(struct run_opts *o, size_t i)
{
	size_t cap = o->nshots > o->nafters ? o->nshots : o->nafters;
	if (i >= cap) {
		o->shots = xrealloc(o->shots, (i + 1) * sizeof *o->shots);
		for (size_t j = cap; j <= i; j++)
			o->shots[j] = (struct run_shot){NULL, NULL, -1};
	}
	return &o->shots[i];
}

static int parse_seconds(const char *v, double *out, const char *label)
{
	char *end;
	double d = strtod(v, &end);
	if (!*v || *end || !(d >= 0) || d > 1e7)
		return err_set(ERR_USAGE, "%s %s: expected a number of seconds", label, v);
	*out = d;
	return 0;
}

int run_opts_set(struct run_opts *o, const char *key, const char *value, const char *label)
{
	uint64_t v;
	int rc;
	if (!label)
		label = key;
	if (!strcmp(key, "usb")) {
		o->medium = RUN_USB;
		return 0;
	}
	if (!strcmp(key, "writable")) {
		o->writable = true;
		return 0;
	}
	if (!strcmp(key, "uefi")) {
		if (o->firmware == RUN_BIOS)
			o->firmware = RUN_UEFI;
		return 0;
	}
	if (!strcmp(key, "secure-boot")) {
		o->firmware = RUN_UEFI_SECURE;
		return 0;
	}
	if (!value)
		return err_set(ERR_USAGE, "%s needs a value", label);
	if (!strcmp(key, "memory")) {
		if ((rc = util_parse_uint(value, 64, 1024 * 1024, &v, label)))
			return rc;
		o->memory_mb = (unsigned)v;
	} else if (!strcmp(key, "cpus")) {
		if ((rc = util_parse_uint(value, 1, 256, &v, label)))
			return rc;
		o->cpus = (unsigned)v;
	} else if (!strcmp(key, "accel")) {
		if (!strcmp(value, "kvm"))
			o->accel = RUN_ACCEL_KVM;
		else if (!strcmp(value, "tcg"))
			o->accel = RUN_ACCEL_TCG;
		else if (!strcmp(value, "auto"))
			o->accel = RUN_ACCEL_AUTO;
		else
			return err_set(ERR_USAGE, "%s %s: expected kvm, tcg or auto", label, value);
	} else if (!strcmp(key, "expect")) {
		o->expect = value;
	} else if (!strcmp(key, "send") || !strcmp(key, "send-raw")) {
		char *s;
		size_t n;
		if ((rc = run_unescape(value, &s)))
			return rc;
		if (!*s) {
			free(s);
			return err_set(ERR_USAGE, "%s: the text to type is empty", label);
		}
		/* --send presses Enter after the text (a command is what is
		 * typed at a prompt), unless the text ends with one already;
		 * --send-raw types the text exactly */
		n = strlen(s);
		if (!strcmp(key, "send") && s[n - 1] != '\n' && s[n - 1] != '\r') {
			char *t = xasprintf("%s\n", s);
			free(s);
			s = t;
		}
		free(o->send_buf);
		o->send = o->send_buf = s;
	} else if (!strcmp(key, "append")) {
		o->append = value;
	} else if (!strcmp(key, "netboot")) {
		o->netboot = value;
	} else if (!strcmp(key, "bootfile")) {
		if (!*value || value[0] == '/' || strstr(value, "..") || strpbrk(value, ", \t\n"))
			return err_set(ERR_USAGE, "%s %s: a file's path inside the netboot tree", label,
				       value);
		o->bootfile = value;
	} else if (!strcmp(key, "send-after")) {
		o->send_after = value;
	} else if (!strcmp(key, "timeout")) {
		if ((rc = parse_seconds(value, &o->timeout, label)))
			return rc;
	} else if (!strcmp(key, "log")) {
		o->log_path = value;
	} else if (!strcmp(key, "screenshot")) {
		if (!*value)
			return err_set(ERR_USAGE, "%s: the file name is empty", label);
		shot_at(o, o->nshots)->file = value;
		o->nshots++;
	} else if (!strcmp(key, "screenshot-after")) {
		struct run_shot *sh;
		if (!*value)
			return err_set(ERR_USAGE, "%s: expected a regular expression or a number of seconds",
				       label);
		sh = shot_at(o, o->nafters);
		sh->after = value;
		if (!is_seconds(value, &sh->after_s))
			sh->after_s = -1;
		o->nafters++;
	} else if (!strcmp(key, "screenshot-every")) {
		if ((rc = parse_seconds(value, &o->shot_every, label)))
			return rc;
		if (o->shot_every < 0.1)
			return err_set(ERR_USAGE, "%s %s: at least 0.1 seconds", label, value);
	} else {
		return err_set(ERR_USAGE, "%s: not an option of mklive run", label);
	}
	return 0;
}

/* --netboot DIR: a directory holding the file the DHCP answer names. */
static int check_netboot(struct run_opts *o)
{
	struct stat st;
	char *boot;
	int rc = 0;
	if (o->image)
		return err_set(ERR_USAGE, "--netboot %s boots from the network: no IMAGE (%s) with it",
			       o->netboot, o->image);
	if (o->medium == RUN_USB || o->writable || o->append)
		return err_set(ERR_USAGE, "--netboot boots from the network: %s has no medium to act on",
			       o->medium == RUN_USB ? "--usb"
			       : o->writable	    ? "--writable"
						    : "--append");
	if (stat(o->netboot, &st) < 0)
		return err_sys(errno, "--netboot %s", o->netboot);
	if (!S_ISDIR(st.st_mode))
		return err_set(ERR_USAGE,
			       "--netboot %s: not a directory (a tree from mklive build --netboot)",
			       o->netboot);
	if (strpbrk(o->netboot, ",\n"))
		return err_set(ERR_USAGE, "--netboot %s: QEMU's TFTP option cannot carry a ',' or a newline",
			       o->netboot);
	if (!o->bootfile)
		o->bootfile = o->firmware == RUN_BIOS ? "lpxelinux.0" : "bootx64.efi";
	boot = util_path_join(o->netboot, o->bootfile);
	if (stat(boot, &st) < 0 || !S_ISREG(st.st_mode))
		rc = err_set(ENOENT,
			     "--netboot %s: no %s in it (%s; build the tree with mklive build --netboot)",
			     o->netboot, o->bootfile,
			     o->firmware == RUN_BIOS ? "the BIOS loader" : "the UEFI loader, shim");
	free(boot);
	return rc;
}

int run_opts_check(struct run_opts *o)
{
	regex_t re;
	struct stat st;
	int fd, rc;

	if (!o->image && !o->netboot)
		return err_set(ERR_USAGE, "no IMAGE given (see 'mklive run --help')");
	if (o->timeout < 0)
		o->timeout = o->expect ? RUN_EXPECT_TIMEOUT : 0;
	if (o->netboot)
		return check_netboot(o);
	if (o->bootfile)
		return err_set(ERR_USAGE, "--bootfile goes with --netboot DIR");
	if (o->writable && o->medium == RUN_CD)
		return err_set(ERR_USAGE,
			       "--writable: a CD is read-only; attach the image as a USB stick (--usb)");
	if (o->send_after && !o->send)
		return err_set(ERR_USAGE, "--send-after needs --send TEXT (or --send-raw TEXT)");
	if (o->expect) {
		if ((rc = run_regex_compile(&re, o->expect, "--expect")))
			return rc;
		regfree(&re);
	}
	if (o->send_after) {
		if ((rc = run_regex_compile(&re, o->send_after, "--send-after")))
			return rc;
		regfree(&re);
	}
	if (o->nafters > o->nshots)
		return err_set(ERR_USAGE, "--screenshot-after %s: no --screenshot FILE for it",
			       o->shots[o->nshots].after);
	if (o->shot_every) {
		if (o->nshots != 1)
			return err_set(ERR_USAGE,
				       "--screenshot-every needs %s --screenshot FILE (a name with %%d)",
				       o->nshots ? "only one" : "a");
		if ((rc = run_shot_pattern_check(o->shots[0].file)))
			return rc;
	}
	for (size_t i = 0; i < o->nshots; i++) {
		char *name = o->shot_every ? run_shot_name(o->shots[i].file, 1) : NULL;
		if (o->shots[i].after && o->shots[i].after_s < 0) {
			if ((rc = run_regex_compile(&re, o->shots[i].after, "--screenshot-after"))) {
				free(name);
				return rc;
			}
			regfree(&re);
		}
		rc = run_shot_writable(name ? name : o->shots[i].file);
		free(name);
		if (rc)
			return rc;
	}
	/* The image: QEMU's own message for a missing file is long; say it
	 * plainly, and before anything is started. */
	fd = open(o->image, (o->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return err_sys(errno, "%s", o->image);
	if (fstat(fd, &st) < 0) {
		rc = err_sys(errno, "%s", o->image);
		close(fd);
		return rc;
	}
	close(fd);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return err_set(ERR_USAGE, "%s: not a file or a block device", o->image);
	if (S_ISREG(st.st_mode) && st.st_size == 0)
		return err_set(ERR_FORMAT, "%s: the image is empty", o->image);
	return 0;
}
