/* Unit tests for src/run: the QEMU command line, console text matching,
 * --send escapes, isolinux.cfg's default entry, options and lookups. */
#define TEST_SUITE "run"
#include "test.h"

#include "core/error.h"
#include "core/tree.h"
#include "core/util.h"
#include "iso9660/iso.h"
#include "run/run.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp;

/* Index of the first argument equal to s at or after from, or -1. */
static int arg_at(const struct run_argv *a, const char *s, size_t from)
{
	for (size_t i = from; i < a->n; i++)
		if (!strcmp(a->v[i], s))
			return (int)i;
	return -1;
}

/* The value after option opt (its first occurrence), or NULL. */
static const char *arg_after(const struct run_argv *a, const char *opt)
{
	int i = arg_at(a, opt, 0);
	return i >= 0 && (size_t)i + 1 < a->n ? a->v[i + 1] : NULL;
}

static bool has_arg_containing(const struct run_argv *a, const char *sub)
{
	for (size_t i = 0; i < a->n; i++)
		if (strstr(a->v[i], sub))
			return true;
	return false;
}

static void base_opts(struct run_opts *o, struct run_paths *p)
{
	run_opts_init(o);
	o->image = "/img/live.iso";
	o->accel = RUN_ACCEL_TCG;
	memset(p, 0, sizeof *p);
	p->qemu = "/usr/bin/qemu-system-x86_64";
	p->qmp_socket = "/tmp/mklive-run-abc/qmp.sock";
}

TEST(test_cmdline_bios_cd)
{
	struct run_opts o;
	struct run_paths p;
	struct run_argv a = {0};
	char *extra[] = {"-nic", "none", "-d", "guest_errors"};
	base_opts(&o, &p);
	o.qemu_args = extra;
	o.nqemu_args = 4;
	CHECK_EQ(run_cmdline(&o, &p, &a), 0);
	CHECK_STR(a.v[0], "/usr/bin/qemu-system-x86_64");
	CHECK(a.v[a.n] == NULL);
	CHECK_STR(arg_after(&a, "-machine"), "pc,graphics=off");
	CHECK_STR(arg_after(&a, "-accel"), "tcg");
	CHECK_STR(arg_after(&a, "-m"), "1024");
	CHECK_STR(arg_after(&a, "-smp"), "1");
	CHECK_STR(arg_after(&a, "-qmp"), "unix:/tmp/mklive-run-abc/qmp.sock,server=on,wait=off");
	CHECK_STR(arg_after(&a, "-chardev"), "stdio,id=mklive-serial,signal=off");
	CHECK_STR(arg_after(&a, "-serial"), "chardev:mklive-serial");
	CHECK_STR(arg_after(&a, "-monitor"), "none");
	CHECK(arg_at(&a, "-no-reboot", 0) > 0);
	CHECK_STR(arg_after(&a, "-drive"),
		  "if=none,id=mklive-medium,format=raw,media=cdrom,readonly=on,file=/img/live.iso");
	CHECK_STR(arg_after(&a, "-device"), "ide-cd,drive=mklive-medium,bootindex=1");
	CHECK(!has_arg_containing(&a, "pflash"));
	CHECK(!has_arg_containing(&a, "snapshot"));
	CHECK(!has_arg_containing(&a, "xhci"));
	CHECK(arg_at(&a, "-kernel", 0) < 0);
	/* the user's arguments come last, in order, as given */
	CHECK_EQ(a.n >= 4, 1);
	CHECK_STR(a.v[a.n - 4], "-nic");
	CHECK_STR(a.v[a.n - 3], "none");
	CHECK_STR(a.v[a.n - 2], "-d");
	CHECK_STR(a.v[a.n - 1], "guest_errors");
	run_argv_free(&a);
}

TEST(test_cmdline_usb)
{
	struct run_opts o;
	struct run_paths p;
	struct run_argv a = {0};
	base_opts(&o, &p);
	o.medium = RUN_USB;
	o.memory_mb = 2048;
	o.cpus = 2;
	o.accel = RUN_ACCEL_KVM;
	CHECK_EQ(run_cmdline(&o, &p, &a), 0);
	CHECK_STR(arg_after(&a, "-accel"), "kvm");
	CHECK_STR(arg_after(&a, "-m"), "2048");
	CHECK_STR(arg_after(&a, "-smp"), "2");
	CHECK_STR(arg_after(&a, "-device"), "qemu-xhci,id=mklive-xhci");
	CHECK(arg_at(&a, "usb-storage,bus=mklive-xhci.0,drive=mklive-medium,removable=on,bootindex=1", 0) >
	      0);
	/* read-only by default: the guest writes to a snapshot */
	CHECK_STR(arg_after(&a, "-drive"),
		  "if=none,id=mklive-medium,format=raw,file=/img/live.iso,snapshot=on");
	CHECK(!has_arg_containing(&a, "media=cdrom"));
	run_argv_free(&a);

	o.writable = true;
	CHECK_EQ(run_cmdline(&o, &p, &a), 0);
	CHECK_STR(arg_after(&a, "-drive"), "if=none,id=mklive-medium,format=raw,file=/img/live.iso");
	CHECK(!has_arg_containing(&a, "snapshot"));
	CHECK(!has_arg_containing(&a, "readonly"));
	run_argv_free(&a);
}

TEST(test_cmdline_uefi)
{
	struct run_opts o;
	struct run_paths p;
	struct run_argv a = {0};
	int d;
	base_opts(&o, &p);
	o.firmware = RUN_UEFI;
	p.ovmf_code = "/usr/share/OVMF/OVMF_CODE_4M.fd";
	p.ovmf_vars = "/tmp/mklive-run-abc/OVMF_VARS_4M.fd";
	CHECK_EQ(run_cmdline(&o, &p, &a), 0);
	CHECK_STR(arg_after(&a, "-machine"), "q35,graphics=off");
	CHECK(!has_arg_containing(&a, "secure"));
	d = arg_at(&a, "-drive", 0);
	CHECK(d > 0);
	CHECK_STR(a.v[d + 1], "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd");
	d = arg_at(&a, "-drive", (size_t)d + 1);
	CHECK(d > 0);
	CHECK_STR(a.v[d + 1], "if=pflash,format=raw,unit=1,file=/tmp/mklive-run-abc/OVMF_VARS_4M.fd");
	/* the CD on q35's AHCI controller: ide-cd finds its bus */
	CHECK(arg_at(&a, "ide-cd,drive=mklive-medium,bootindex=1", 0) > 0);
	run_argv_free(&a);

	o.firmware = RUN_UEFI_SECURE;
	p.ovmf_code = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd";
	p.ovmf_vars = "/tmp/x/OVMF_VARS_4M.ms.fd";
	CHECK_EQ(run_cmdline(&o, &p, &a), 0);
	CHECK_STR(arg_after(&a, "-machine"), "q35,smm=on,graphics=off");
	CHECK_STR(arg_after(&a, "-global"), "driver=cfi.pflash01,property=secure,value=on");
	CHECK(arg_at(&a,
		     "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
		     0) > 0);
	CHECK(arg_at(&a, "if=pflash,format=raw,unit=1,file=/tmp/x/OVMF_VARS_4M.ms.fd", 0) > 0);
	run_argv_free(&a);
}

TEST(test_cmdline_commas_and_kernel)
{
	struct run_opts o;
	struct run_paths p;
	struct run_argv a = {0};
	char *s;
	base_opts(&o, &p);
	o.image = "/my,odd dir/live,1.iso";
	p.qmp_socket = "/tmp/a,b/qmp.sock";
	p.kernel = "/tmp/a,b/vmlinuz";
	p.initrd = "/tmp/a,b/initrd.img";
	p.kernel_args = "live.id=1 console=ttyS0,115200 live.debug";
	CHECK_EQ(run_cmdline(&o, &p, &a), 0);
	/* QEMU's option syntax: a comma inside a value is doubled */
	CHECK_STR(
	    arg_after(&a, "-drive"),
	    "if=none,id=mklive-medium,format=raw,media=cdrom,readonly=on,file=/my,,odd dir/live,,1.iso");
	CHECK_STR(arg_after(&a, "-qmp"), "unix:/tmp/a,,b/qmp.sock,server=on,wait=off");
	/* plain arguments are not option lists: kept as they are */
	CHECK_STR(arg_after(&a, "-kernel"), "/tmp/a,b/vmlinuz");
	CHECK_STR(arg_after(&a, "-initrd"), "/tmp/a,b/initrd.img");
	CHECK_STR(arg_after(&a, "-append"), "live.id=1 console=ttyS0,115200 live.debug");
	s = run_argv_string(&a);
	CHECK(strstr(s, "/usr/bin/qemu-system-x86_64 -machine pc,graphics=off ") == s);
	CHECK(strstr(s, "'if=none,id=mklive-medium,format=raw,media=cdrom,readonly=on,file=/my,,odd "
			"dir/live,,1.iso'") != NULL);
	CHECK(strstr(s, "-append 'live.id=1 console=ttyS0,115200 live.debug'") != NULL);
	free(s);
	run_argv_free(&a);
	run_argv_add(&a, "it's");
	run_argv_add(&a, "");
	s = run_argv_string(&a);
	CHECK_STR(s, "'it'\\''s' ''");
	free(s);
	run_argv_free(&a);
}

TEST(test_unescape)
{
	char *s = NULL;
	CHECK_EQ(run_unescape("echo $((6*7))\\n", &s), 0);
	CHECK_STR(s, "echo $((6*7))\n");
	free(s);
	CHECK_EQ(run_unescape("a\\r\\tb\\\\n\\e[A\\x03", &s), 0);
	CHECK_STR(s, "a\r\tb\\n\033[A\003");
	free(s);
	CHECK(run_unescape("bad\\q", &s) < 0);
	CHECK(strstr(err_msg(), "\\q") != NULL);
	CHECK(run_unescape("\\x4", &s) < 0);
	CHECK(run_unescape("\\x00", &s) < 0);
	CHECK(run_unescape("trailing\\", &s) < 0);
}

TEST(test_regex)
{
	regex_t re;
	CHECK_EQ(run_regex_compile(&re, "login:", "--expect"), 0);
	CHECK_EQ(regexec(&re, "debian login: ", 0, NULL, 0), 0);
	regfree(&re);
	/* \n is a newline; \\n stays a backslash and n */
	CHECK_EQ(run_regex_compile(&re, "^x\\n42$", "--expect"), 0);
	CHECK_EQ(regexec(&re, "x\n42", 0, NULL, 0), 0);
	CHECK(regexec(&re, "x 42", 0, NULL, 0) != 0);
	regfree(&re);
	CHECK_EQ(run_regex_compile(&re, "a\\\\n", "--expect"), 0);
	CHECK_EQ(regexec(&re, "a\\n", 0, NULL, 0), 0);
	regfree(&re);
	CHECK(run_regex_compile(&re, "(unclosed", "--expect") < 0);
	CHECK(strstr(err_msg(), "--expect (unclosed") != NULL);
}

static void feed(struct run_text *t, const char *s)
{
	run_text_feed(t, s, strlen(s));
}

TEST(test_text_strip)
{
	struct run_text t;
	run_text_init(&t);
	/* what SeaBIOS and busybox's shell really send: ESC c, CSI with
	 * parameters, CR LF, the cursor query after the prompt */
	feed(&t, "\033c\033[?7l\033[2J\033[0mSeaBIOS (version 1.16)\r\n");
	feed(&t, "ISOLINUX 6.04 Copyright (C\033[16;40H\033[16;41H) 1994\r\n");
	feed(&t, "mklive:/# \033[6n");
	CHECK_STR(t.buf, "SeaBIOS (version 1.16)\nISOLINUX 6.04 Copyright (C) 1994\nmklive:/# ");
	CHECK_STR(run_text_last_line(&t), "mklive:/# ");
	run_text_free(&t);

	/* sequences split across chunks; OSC to BEL and to ST; charset */
	run_text_init(&t);
	feed(&t, "ab\033");
	feed(&t, "[1");
	feed(&t, ";3");
	feed(&t, "1mcd\033]0;title\007ef\033]2;x\033");
	feed(&t, "\\gh\033(Bij\b\001\177kl\tm");
	CHECK_STR(t.buf, "abcdefghijkl\tm");
	run_text_free(&t);
}

TEST(test_text_match)
{
	struct run_text t;
	regex_t re;
	size_t end = 0;
	run_text_init(&t);
	CHECK_EQ(run_regex_compile(&re, "answer\\n42", "--expect"), 0);
	feed(&t, "the ans");
	CHECK(!run_text_match(&t, &re, 0, NULL));
	feed(&t, "wer\r\n4");
	CHECK(!run_text_match(&t, &re, 0, NULL));
	feed(&t, "2\r\n");
	CHECK(run_text_match(&t, &re, 0, &end));
	CHECK_EQ(end, strlen("the answer\n42"));
	/* from: only text at or after an offset counts */
	CHECK(!run_text_match(&t, &re, 5, NULL));
	regfree(&re);

	/* a long output keeps its tail; offsets count what was dropped */
	CHECK_EQ(run_regex_compile(&re, "MARK[0-9]+", "--expect"), 0);
	for (int i = 0; i < 3000; i++)
		feed(&t, "0123456789012345678901234567890123456789\r\n");
	CHECK(t.len <= RUN_TEXT_KEEP);
	CHECK(t.trimmed > 0);
	feed(&t, "MARK7");
	CHECK(run_text_match(&t, &re, 0, &end));
	CHECK_EQ(end, t.trimmed + t.len);
	regfree(&re);
	run_text_free(&t);
}

TEST(test_text_prompt)
{
	struct run_text t;
	run_text_init(&t);
	CHECK(!run_text_at_prompt(&t));
	feed(&t, "Booting from DVD/CD...\r\n");
	CHECK(!run_text_at_prompt(&t));
	feed(&t, "boot: ");
	CHECK(!run_text_at_prompt(&t)); /* SYSLINUX: keys there pick an entry */
	feed(&t, "\r\nPress Ctrl-B to configure iPXE (PCI 00:03.0)...");
	CHECK(!run_text_at_prompt(&t)); /* not a prompt: typing there could reach the boot loader */
	feed(&t, "\r\nmklive:/# \033[6n");
	CHECK(run_text_at_prompt(&t));
	feed(&t, "\r\ndebian login: ");
	CHECK(run_text_at_prompt(&t));
	feed(&t, "\r\n$");
	CHECK(run_text_at_prompt(&t));
	feed(&t, "\r\ngrub> ");
	CHECK(run_text_at_prompt(&t));
	run_text_free(&t);
}

static const char mklive_cfg[] = "# generated by mklive from the medium's boot menu\n"
				 "SERIAL 0 115200\n"
				 "DEFAULT live\n"
				 "PROMPT 1\n"
				 "TIMEOUT 50\n"
				 "DISPLAY boot.txt\n"
				 "\n"
				 "LABEL live\n"
				 "  MENU LABEL Live system\n"
				 "  LINUX /boot/vmlinuz\n"
				 "  INITRD /boot/initrd.img\n"
				 "  APPEND live.id=b97741283340f24e console=ttyS0,115200 console=tty0 quiet\n"
				 "\n"
				 "LABEL toram\n"
				 "  LINUX /boot/vmlinuz\n"
				 "  INITRD /boot/initrd.img\n"
				 "  APPEND live.id=b97741283340f24e console=ttyS0,115200 live.toram\n";

TEST(test_isolinux_mklive)
{
	struct run_boot_entry e;
	CHECK_EQ(run_isolinux_default(mklive_cfg, "/boot/isolinux/isolinux.cfg", NULL, NULL, &e), 0);
	CHECK_STR(e.label, "live");
	CHECK_STR(e.kernel, "/boot/vmlinuz");
	CHECK_EQ(e.ninitrds, 1);
	CHECK_STR(e.initrds[0], "/boot/initrd.img");
	CHECK(e.initrds[1] == NULL);
	CHECK_STR(e.append, "live.id=b97741283340f24e console=ttyS0,115200 console=tty0 quiet");
	run_boot_entry_free(&e);
}

TEST(test_isolinux_forms)
{
	struct run_boot_entry e;
	/* KERNEL with a relative path (from the config's directory), initrd=
	 * in APPEND (a list; it replaces INITRD and leaves the command line),
	 * DEFAULT with extra words, keywords in any case */
	static const char cfg[] = "default  linux  nomodeset\n"
				  "label other\n kernel other.krn\n"
				  "Label linux\n"
				  "\tKernel ../vmlinuz-6.1\n"
				  "\tinitrd ignored.img\n"
				  "\tAppend quiet initrd=/a.img,b.img splash\n";
	CHECK_EQ(run_isolinux_default(cfg, "/isolinux/isolinux.cfg", NULL, NULL, &e), 0);
	CHECK_STR(e.label, "linux");
	CHECK_STR(e.kernel, "/vmlinuz-6.1");
	CHECK_EQ(e.ninitrds, 2);
	CHECK_STR(e.initrds[0], "/a.img");
	CHECK_STR(e.initrds[1], "/isolinux/b.img");
	CHECK_STR(e.append, "quiet splash nomodeset");
	run_boot_entry_free(&e);

	/* ONTIMEOUT wins over DEFAULT; APPEND - means none; no INITRD */
	static const char cfg2[] = "DEFAULT a\nONTIMEOUT b\nLABEL a\nLINUX /a\nLABEL b\nLINUX /b\nAPPEND -\n";
	CHECK_EQ(run_isolinux_default(cfg2, "/syslinux.cfg", NULL, NULL, &e), 0);
	CHECK_STR(e.kernel, "/b");
	CHECK_EQ(e.ninitrds, 0);
	CHECK_STR(e.append, "");
	run_boot_entry_free(&e);

	/* a menu UI boots its MENU DEFAULT; TEXT HELP blocks are free text */
	static const char cfg3[] = "UI menu.c32\nLABEL one\nLINUX /one\nTEXT HELP\nLABEL fake\nLINUX /fake\n"
				   "ENDTEXT\nLABEL two\nMENU DEFAULT\nLINUX /two\nAPPEND x=1\n";
	CHECK_EQ(run_isolinux_default(cfg3, "/boot/isolinux/isolinux.cfg", NULL, NULL, &e), 0);
	CHECK_STR(e.label, "two");
	CHECK_STR(e.kernel, "/two");
	CHECK_STR(e.append, "x=1");
	run_boot_entry_free(&e);

	/* no DEFAULT at all: the first LABEL */
	CHECK_EQ(run_isolinux_default("LABEL first\nLINUX vmlinuz\n", "/boot/isolinux/isolinux.cfg", NULL,
				      NULL, &e),
		 0);
	CHECK_STR(e.kernel, "/boot/isolinux/vmlinuz");
	run_boot_entry_free(&e);
}

static int read_include(void *ctx, const char *path, char **text)
{
	(void)ctx;
	if (!strcmp(path, "/isolinux/txt.cfg")) {
		*text = xstrdup("label install\n\tkernel /install.amd/vmlinuz\n"
				"\tappend vga=788 initrd=/install.amd/initrd.gz --- quiet\n");
		return 0;
	}
	return err_set(ENOENT, "%s: not on the medium", path);
}

static int read_self(void *ctx, const char *path, char **text)
{
	(*(int *)ctx)++;
	(void)path;
	*text = xstrdup("INCLUDE a.cfg\nINCLUDE b.cfg\nINCLUDE c.cfg\nLABEL x\nLINUX /x\n");
	return 0;
}

/* The files of a live-build ISO's isolinux/ (Debian's live images): the
 * entries are in INCLUDEd files, DEFAULT starts vesamenu.c32 and the
 * entry to boot carries MENU DEFAULT. */
static int read_live_build(void *ctx, const char *path, char **text)
{
	(void)ctx;
	if (!strcmp(path, "/isolinux/menu.cfg"))
		*text = xstrdup("menu hshift 0\nmenu width 82\n\nmenu title Boot menu\ninclude stdmenu.cfg\n"
				"include live.cfg\ninclude install.cfg\nmenu clear\n");
	else if (!strcmp(path, "/isolinux/stdmenu.cfg"))
		*text = xstrdup("menu background splash.png\nmenu color title\t* #FFFFFFFF *\n"
				"menu vshift 12\nmenu rows 10\nmenu tabmsgrow 16\n");
	else if (!strcmp(path, "/isolinux/live.cfg"))
		*text =
		    xstrdup("label live-amd64\n\tmenu label ^Live system (amd64)\n\tmenu default\n"
			    "\tlinux /live/vmlinuz\n\tinitrd /live/initrd.img\n"
			    "\tappend boot=live components quiet splash\n\n"
			    "label live-amd64-failsafe\n\tmenu label ^Live system (amd64 fail-safe mode)\n"
			    "\tlinux /live/vmlinuz\n\tinitrd /live/initrd.img\n"
			    "\tappend boot=live components memtest noapic noapm nodma nomce nosmp nosplash "
			    "vga=788\n");
	else if (!strcmp(path, "/isolinux/install.cfg"))
		*text = xstrdup("label installstart\n\tmenu label Start ^installer\n"
				"\tlinux /install/gtk/vmlinuz\n\tinitrd /install/gtk/initrd.gz\n"
				"\tappend vga=788  --- quiet\n");
	else
		return err_set(ENOENT, "%s: not on the medium", path);
	return 0;
}

TEST(test_isolinux_live_build)
{
	struct run_boot_entry e;
	static const char cfg[] = "include menu.cfg\ndefault vesamenu.c32\nprompt 0\ntimeout 0\n";
	CHECK_EQ(run_isolinux_default(cfg, "/isolinux/isolinux.cfg", read_live_build, NULL, &e), 0);
	CHECK_STR(e.label, "live-amd64");
	CHECK_STR(e.kernel, "/live/vmlinuz");
	CHECK_EQ(e.ninitrds, 1);
	CHECK_STR(e.initrds[0], "/live/initrd.img");
	CHECK_STR(e.append, "boot=live components quiet splash");
	run_boot_entry_free(&e);
}

TEST(test_isolinux_include_and_errors)
{
	struct run_boot_entry e;
	/* Debian's installer CD: the entries live in included files */
	static const char cfg[] = "path\ninclude menu.cfg\ndefault vesamenu.c32\nprompt 0\ntimeout 0\n";
	static const char menu[] = "menu hshift 4\ninclude txt.cfg\ndefault install\n";
	(void)cfg;
	CHECK_EQ(run_isolinux_default(menu, "/isolinux/menu.cfg", read_include, NULL, &e), 0);
	CHECK_STR(e.label, "install");
	CHECK_STR(e.kernel, "/install.amd/vmlinuz");
	CHECK_EQ(e.ninitrds, 1);
	CHECK_STR(e.initrds[0], "/install.amd/initrd.gz");
	CHECK_STR(e.append, "vga=788 --- quiet");
	run_boot_entry_free(&e);

	/* the default is a COM32 module: not a kernel to boot with -kernel */
	CHECK(run_isolinux_default(cfg, "/isolinux/isolinux.cfg", read_include, NULL, &e) < 0);
	CHECK(strstr(err_msg(), "INCLUDE") != NULL);
	/* DEFAULT naming a menu module starts the menu: its first entry
	 * without a MENU DEFAULT */
	CHECK_EQ(run_isolinux_default("DEFAULT vesamenu.c32\nLABEL x\nLINUX /x\n", "/isolinux/isolinux.cfg",
				      NULL, NULL, &e),
		 0);
	CHECK_STR(e.kernel, "/x");
	run_boot_entry_free(&e);
	CHECK(run_isolinux_default("DEFAULT nosuch\nLABEL x\nLINUX /x\n", "/isolinux/isolinux.cfg", NULL,
				   NULL, &e) < 0);
	CHECK(strstr(err_msg(), "names no LABEL") != NULL);
	CHECK(run_isolinux_default("DEFAULT m\n\nLABEL m\n  KERNEL menu.c32\n", "/isolinux/isolinux.cfg",
				   NULL, NULL, &e) < 0);
	CHECK(strstr(err_msg(), "/isolinux/isolinux.cfg:3: LABEL m") != NULL);
	CHECK(strstr(err_msg(), "not a Linux kernel") != NULL);
	CHECK(run_isolinux_default("DEFAULT h\nLABEL h\n  COM32 hdt.c32\n", "/isolinux.cfg", NULL, NULL, &e) <
	      0);
	CHECK(strstr(err_msg(), "COM32") != NULL);
	CHECK(run_isolinux_default("LABEL nokernel\nAPPEND x\n", "/isolinux.cfg", NULL, NULL, &e) < 0);
	CHECK(strstr(err_msg(), "names no kernel") != NULL);
	CHECK(run_isolinux_default("# nothing\nSERIAL 0\n", "/isolinux.cfg", NULL, NULL, &e) < 0);
	CHECK(strstr(err_msg(), "no LABEL") != NULL);
	/* a config that includes itself: bounded work, then an error */
	{
		int reads = 0;
		CHECK(run_isolinux_default("INCLUDE self.cfg\n", "/isolinux.cfg", read_self, &reads, &e) < 0);
		CHECK(strstr(err_msg(), "more than") != NULL);
		CHECK(reads <= 64);
	}
	/* an INCLUDE that cannot be read names the file and line */
	CHECK(run_isolinux_default("INCLUDE gone.cfg\n", "/isolinux/isolinux.cfg", read_include, NULL, &e) <
	      0);
	CHECK(strstr(err_msg(), "/isolinux/isolinux.cfg:1: INCLUDE") != NULL);
	CHECK(strstr(err_msg(), "/isolinux/gone.cfg") != NULL);
}

TEST(test_opts)
{
	struct run_opts o;
	char *img = util_path_join(tmp, "img.iso"), *empty = util_path_join(tmp, "empty.iso");
	int fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, "x", 1) == 1);
	close(fd);
	close(open(empty, O_WRONLY | O_CREAT | O_TRUNC, 0644));

	run_opts_init(&o);
	CHECK_EQ(o.memory_mb, 1024);
	CHECK_EQ(o.cpus, 1);
	CHECK(run_opts_check(&o) < 0); /* no image */
	o.image = img;
	CHECK_EQ(run_opts_set(&o, "expect", "login:", "--expect"), 0);
	CHECK_EQ(run_opts_check(&o), 0);
	CHECK(o.timeout == RUN_EXPECT_TIMEOUT);
	CHECK_EQ(run_opts_set(&o, "writable", NULL, "--writable"), 0);
	CHECK(run_opts_check(&o) < 0);
	CHECK(strstr(err_msg(), "--usb") != NULL);
	CHECK_EQ(run_opts_set(&o, "usb", NULL, "--usb"), 0);
	CHECK_EQ(run_opts_check(&o), 0);
	CHECK_EQ(run_opts_set(&o, "secure-boot", NULL, NULL), 0);
	CHECK_EQ(run_opts_set(&o, "uefi", NULL, NULL), 0); /* does not undo Secure Boot */
	CHECK_EQ(o.firmware, RUN_UEFI_SECURE);
	CHECK(run_opts_set(&o, "memory", "12", "--memory") < 0);
	CHECK(strstr(err_msg(), "--memory") != NULL);
	CHECK(run_opts_set(&o, "accel", "hvf", "--accel") < 0);
	CHECK(run_opts_set(&o, "timeout", "soon", "--timeout") < 0);
	CHECK_EQ(run_opts_set(&o, "timeout", "2.5", "--timeout"), 0);
	CHECK(o.timeout == 2.5);
	CHECK_EQ(run_opts_set(&o, "send", "ls\\n", "--send"), 0);
	CHECK_STR(o.send, "ls\n");
	/* --send presses Enter: once, also when the text ends with one */
	CHECK_EQ(run_opts_set(&o, "send", "ls", "--send"), 0);
	CHECK_STR(o.send, "ls\n");
	CHECK_EQ(run_opts_set(&o, "send", "ls -l /\\r", "--send"), 0);
	CHECK_STR(o.send, "ls -l /\r");
	CHECK_EQ(run_opts_set(&o, "send", "echo a\\tb", "--send"), 0);
	CHECK_STR(o.send, "echo a\tb\n");
	/* --send-raw types exactly what it is given */
	CHECK_EQ(run_opts_set(&o, "send-raw", "y", "--send-raw"), 0);
	CHECK_STR(o.send, "y");
	CHECK_EQ(run_opts_set(&o, "send-raw", "\\e[A", "--send-raw"), 0);
	CHECK_STR(o.send, "\x1b[A");
	CHECK(run_opts_set(&o, "send-raw", "", "--send-raw") < 0);
	CHECK(run_opts_set(&o, "send", "", "--send") < 0);
	CHECK(run_opts_set(&o, "bogus", "1", "--bogus") < 0);
	CHECK_EQ(run_opts_set(&o, "expect", "(", "--expect"), 0);
	CHECK(run_opts_check(&o) < 0);
	CHECK(strstr(err_msg(), "regular expression") != NULL);
	run_opts_free(&o);

	run_opts_init(&o);
	o.image = "/nonexistent/live.iso";
	CHECK(run_opts_check(&o) < 0);
	CHECK(strstr(err_msg(), "/nonexistent/live.iso: No such file or directory") != NULL);
	o.image = empty;
	CHECK(run_opts_check(&o) < 0);
	CHECK(strstr(err_msg(), "empty") != NULL);
	o.image = tmp;
	CHECK(run_opts_check(&o) < 0);
	CHECK(run_opts_set(&o, "send-after", "x", "--send-after") == 0);
	o.image = img;
	CHECK(run_opts_check(&o) < 0); /* --send-after without --send */
	CHECK(strstr(err_msg(), "--send") != NULL);
	run_opts_free(&o);
	free(img);
	free(empty);
}

TEST(test_lookups)
{
	char *a = NULL, *b = NULL, *dir = util_path_join(tmp, "ovmf"), *f;
	CHECK(run_find_qemu("qemu-system-does-not-exist", &a) < 0);
	CHECK(run_find_qemu(NULL, &a) == 0 || strstr(err_msg(), "qemu-system-x86") != NULL);
	free(a);
	a = NULL;
	CHECK(run_find_qemu("/bin/sh", &a) == 0);
	CHECK_STR(a, "/bin/sh");
	free(a);
	a = NULL;

	CHECK_EQ(mkdir(dir, 0755), 0);
	CHECK(run_find_ovmf(dir, RUN_UEFI, &a, &b) < 0);
	CHECK(strstr(err_msg(), "OVMF_CODE_4M.fd") != NULL);
	CHECK(strstr(err_msg(), "package ovmf") != NULL);
	f = util_path_join(dir, "OVMF_CODE_4M.secboot.fd");
	close(open(f, O_WRONLY | O_CREAT, 0644));
	free(f);
	CHECK(run_find_ovmf(dir, RUN_UEFI_SECURE, &a, &b) < 0);
	CHECK(strstr(err_msg(), "OVMF_VARS_4M.ms.fd") != NULL);
	f = util_path_join(dir, "OVMF_VARS_4M.ms.fd");
	close(open(f, O_WRONLY | O_CREAT, 0644));
	CHECK_EQ(write(open(f, O_WRONLY), "vars", 4), 4);
	free(f);
	CHECK_EQ(run_find_ovmf(dir, RUN_UEFI_SECURE, &a, &b), 0);
	CHECK(strstr(a, "/OVMF_CODE_4M.secboot.fd") != NULL);
	CHECK(strstr(b, "/OVMF_VARS_4M.ms.fd") != NULL);
	/* the private copy: same bytes, only for us, never over a file */
	f = util_path_join(tmp, "vars.copy");
	CHECK_EQ(run_copy_file(b, f), 0);
	{
		struct stat st;
		uint8_t *data = NULL;
		size_t len = 0;
		CHECK_EQ(stat(f, &st), 0);
		CHECK_EQ(st.st_mode & 0777, 0600);
		CHECK_EQ(util_read_file(f, &data, &len), 0);
		CHECK_EQ(len, 4);
		CHECK_MEM(data, "vars", 4);
		free(data);
	}
	CHECK(run_copy_file(b, f) < 0);
	free(f);
	free(a);
	free(b);
	free(dir);
}

TEST(test_kvm_probe)
{
	/* Whatever this machine has, the answer comes within the time limit
	 * and a "no" always says why. */
	char why[256] = "";
	bool ok = run_kvm_works(2000, why, sizeof why);
	printf("  KVM %s%s%s\n", ok ? "works" : "does not work: ", ok ? "" : why, "");
	CHECK(ok || why[0]);
}

/* --append: the default entry's kernel and initramfs (two, concatenated)
 * read out of an ISO image, and its command line with the extra words. */
TEST(test_direct)
{
	static const char cfg[] = "SERIAL 0 115200\nDEFAULT live\nLABEL other\n  LINUX /boot/other\n"
				  "LABEL live\n  LINUX /boot/vmlinuz\n  INITRD /boot/a.img,/boot/b.img\n"
				  "  APPEND live.id=x quiet\n";
	struct tree *t = tree_create();
	struct iso_opts io;
	struct run_opts o;
	struct run_direct d;
	char *iso = util_path_join(tmp, "direct.iso"), *dir = util_path_join(tmp, "direct");
	uint8_t *data = NULL;
	size_t len = 0;
	mkdir(dir, 0700);
	CHECK_EQ(tree_add_mem_file(t, "/boot/isolinux/isolinux.cfg", cfg, strlen(cfg), 0644, NULL), 0);
	CHECK_EQ(tree_add_mem_file(t, "/boot/vmlinuz", "KERNEL", 6, 0644, NULL), 0);
	CHECK_EQ(tree_add_mem_file(t, "/boot/other", "OTHER", 5, 0644, NULL), 0);
	CHECK_EQ(tree_add_mem_file(t, "/boot/a.img", "AAA", 3, 0644, NULL), 0);
	CHECK_EQ(tree_add_mem_file(t, "/boot/b.img", "BB", 2, 0644, NULL), 0);
	CHECK_EQ(tree_finalize(t), 0);
	iso_opts_init(&io);
	io.rock = true;
	CHECK_EQ(iso_write(t, &io, iso, NULL), 0);
	run_opts_init(&o);
	o.image = iso;
	o.append = "live.debug live.shell";
	CHECK_EQ(run_direct_prepare(&o, dir, &d), 0);
	CHECK_STR(d.cmdline, "live.id=x quiet live.debug live.shell");
	CHECK_STR(d.entry, "live");
	CHECK_EQ(util_read_file(d.kernel, &data, &len), 0);
	CHECK(len == 6 && !memcmp(data, "KERNEL", 6));
	free(data);
	CHECK_EQ(util_read_file(d.initrd, &data, &len), 0);
	CHECK(len == 5 && !memcmp(data, "AAABB", 5));
	free(data);
	{
		char *k = xstrdup(d.kernel);
		run_direct_free(&d);
		CHECK(access(k, F_OK) != 0); /* the copies go with it */
		free(k);
	}
	/* an image without a boot loader configuration */
	tree_destroy(t);
	t = tree_create();
	CHECK_EQ(tree_add_mem_file(t, "/x", "x", 1, 0644, NULL), 0);
	CHECK_EQ(tree_finalize(t), 0);
	CHECK_EQ(iso_write(t, &io, iso, NULL), 0);
	CHECK(run_direct_prepare(&o, dir, &d) < 0);
	CHECK(strstr(err_msg(), "no isolinux.cfg or syslinux.cfg") != NULL);
	run_opts_free(&o);
	tree_destroy(t);
	free(iso);
	free(dir);
}

int main(void)
{
	tmp = test_tmpdir();
	RUN_ALL();
	TEST_EXIT();
}
