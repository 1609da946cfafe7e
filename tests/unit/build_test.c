/* Unit tests for src/pipeline (mklive.conf: keys, lists, profiles, errors with
 * file:line) and src/boot/menu.c (the isolinux rendering). */
#define TEST_SUITE "build"
#include "test.h"

#include "boot/menu.h"
#include "core/error.h"
#include "core/util.h"
#include "pipeline/config.h"
#include "pipeline/plan.h"

#include <fcntl.h>
#include <unistd.h>

static char *tmp;

static char *write_conf(const char *name, const char *text)
{
	char *p = util_path_join(tmp, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return p;
}

TEST(test_load_and_lists)
{
	struct build_cfg c;
	const struct cfg_val *v;
	const char *label;
	size_t n;
	char *p = write_conf("a.conf", "[Root]\n"
				       "Packages = systemd-sysv \"a b\" udev\n"
				       "Packages = kmod\n"
				       "Overlay = files extra/dir\n"
				       "Attr = /usr/bin/su 4755 0 0\n"
				       "[live]\n"
				       "compression = XZ\n"
				       "[Entry rescue]\n"
				       "Title = Rescue\n"
				       "Append = single\n");
	build_cfg_init(&c);
	CHECK_EQ(build_cfg_load(&c, p), 0);
	v = build_cfg_list(&c, CFG_PACKAGES, &n);
	CHECK_EQ(n, 4);
	if (n == 4) {
		CHECK_STR(v[1].value, "a b");
		CHECK_STR(v[3].value, "kmod");
	}
	v = build_cfg_list(&c, CFG_OVERLAY, &n);
	CHECK_EQ(n, 2);
	if (n == 2) {
		char *want = util_path_join(tmp, "extra/dir");
		CHECK_STR(v[1].value, want); /* relative to the file's directory */
		free(want);
	}
	v = build_cfg_list(&c, CFG_ATTR, &n);
	CHECK_EQ(n, 1);
	CHECK_STR(build_cfg_get(&c, CFG_COMPRESSION, &label), "XZ");
	CHECK(strstr(label, "a.conf:7") != NULL);
	CHECK_EQ(c.nentries, 1);
	CHECK_STR(c.entries[0].name, "rescue");
	/* the command line replaces a list, then appends */
	CHECK_EQ(build_cfg_set(&c, "Root.Packages", "vim", "--set", true), 0);
	CHECK_EQ(build_cfg_set(&c, "Root.Packages", "less", "--set", false), 0);
	v = build_cfg_list(&c, CFG_PACKAGES, &n);
	CHECK_EQ(n, 2);
	/* a default list */
	v = build_cfg_list(&c, CFG_WRITABLE_PATHS, &n);
	CHECK_EQ(n, 5);
	CHECK_STR(v[0].value, "/etc");
	CHECK_STR(build_cfg_get(&c, CFG_TIMEOUT, &label), "5");
	CHECK_STR(label, "default");
	CHECK(build_cfg_bool(&c, CFG_SERIAL));
	build_cfg_free(&c);
	free(p);
}

TEST(test_profile_defaults)
{
	struct build_cfg c;
	const char *label;
	build_cfg_init(&c);
	CHECK_EQ(build_cfg_set(&c, "Output.Profile", "article", "--profile", true), 0);
	CHECK_STR(build_cfg_get(&c, CFG_ROOT_FORMAT, &label), "cloop");
	CHECK_STR(label, "profile article");
	/* an explicit value wins over the profile, whatever the order */
	CHECK_EQ(build_cfg_set(&c, "Live.Writable", "overlay", "--writable", true), 0);
	CHECK_STR(build_cfg_get(&c, CFG_WRITABLE, NULL), "overlay");
	build_cfg_free(&c);
}

TEST(test_errors)
{
	struct build_cfg c;
	char *p;
	build_cfg_init(&c);
	p = write_conf("b.conf", "[Boot]\n\n# comment\nSerial = perhaps\n");
	CHECK(build_cfg_load(&c, p) < 0);
	CHECK(strstr(err_msg(), "b.conf:4: Serial: 'perhaps' is not a yes/no value") != NULL);
	free(p);
	p = write_conf("c.conf", "Source = /x\n");
	CHECK(build_cfg_load(&c, p) < 0);
	CHECK(strstr(err_msg(), "c.conf:1: 'Source' comes before any [Section]") != NULL);
	free(p);
	p = write_conf("d.conf", "[Root]\nPackages = \"unclosed\n");
	CHECK(build_cfg_load(&c, p) < 0);
	CHECK(strstr(err_msg(), "a quote is not closed") != NULL);
	free(p);
	p = write_conf("e.conf", "[Entry two words]\nTitle = x\n");
	CHECK(build_cfg_load(&c, p) < 0);
	CHECK(strstr(err_msg(), "e.conf:2") != NULL);
	free(p);
	CHECK(build_cfg_set(&c, "Root", "x", "--set", true) < 0);
	CHECK(build_cfg_set(&c, "Root.Source", "debian:", "--root", true) < 0);
	CHECK(build_cfg_set(&c, "Boot.Timeout", "99999", "--timeout", true) < 0);
	build_cfg_free(&c);
}

TEST(test_dump)
{
	struct build_cfg c;
	char *d;
	build_cfg_init(&c);
	CHECK_EQ(build_cfg_set(&c, "Root.Packages", "a \"b c\"", "--set", true), 0);
	d = build_cfg_dump(&c);
	CHECK(strstr(d, "\n[Root]\n") != NULL);
	CHECK(strstr(d, "Packages = a \"b c\"    # --set\n") != NULL);
	CHECK(strstr(d, "Variant = minbase    # default\n") != NULL);
	CHECK(strstr(d, "Source =\n") != NULL);
	free(d);
	build_cfg_free(&c);
}

/* The command line, applied after every file whatever the order: its
 * first assignment of a list replaces the file's list, later ones add. */
TEST(test_args)
{
	struct build_cfg c;
	const struct cfg_val *v;
	const struct build_cfg_option *o;
	size_t n;
	bool output = false, nocache = false;
	char *p = write_conf("args.conf", "[Root]\nPackages = a b\n[Boot]\nTimeout = 3\n");
	build_cfg_init(&c);
	build_cfg_arg(&c, "Root.Packages", "c", "--set Root.Packages");
	build_cfg_arg(&c, "root.packages", "d", "--set root.packages");
	build_cfg_arg(&c, "Boot.Timeout", "9", "--timeout");
	CHECK_EQ(build_cfg_load(&c, p), 0);
	CHECK_EQ(build_cfg_apply_args(&c), 0);
	v = build_cfg_list(&c, CFG_PACKAGES, &n);
	CHECK_EQ(n, 2);
	CHECK_STR(v[0].value, "c");
	CHECK_STR(v[1].value, "d");
	CHECK_STR(build_cfg_get(&c, CFG_TIMEOUT, NULL), "9");
	/* an explicitly empty list is empty, not the default */
	CHECK_EQ(build_cfg_set(&c, "Boot.Entries", "", "--set", true), 0);
	build_cfg_list(&c, CFG_ENTRIES, &n);
	CHECK_EQ(n, 0);
	build_cfg_free(&c);
	free(p);
	/* the option table comes from the keys */
	for (size_t i = 0; (o = build_cfg_option(i)); i++) {
		if (!strcmp(o->names, "o|output"))
			output = !strcmp(o->key, "Output.Output") && o->arg && o->help;
		if (!strcmp(o->names, "no-cache"))
			nocache = !strcmp(o->key, "Output.Cache") && !o->arg && !strcmp(o->value, "no");
	}
	CHECK(output);
	CHECK(nocache);
}

/* The plan: typed fields, menu entries by name, errors before any work. */
TEST(test_plan)
{
	struct build_cfg c;
	struct build_plan pl;
	build_cfg_init(&c);
	CHECK_EQ(build_cfg_set(&c, "Boot.Entries", "check live shell", "--set", true), 0);
	CHECK_EQ(build_cfg_set(&c, "Kernel.RescueShell", "no", "--set", true), 0);
	CHECK_EQ(build_cfg_set(&c, "Root.Attr", "/etc/motd 0600 - 7", "--set", true), 0);
	CHECK_EQ(build_cfg_set(&c, "Root.Hostname", "kiosk-1.lan", "--set", true), 0);
	CHECK_EQ(build_plan(&c, &pl), 0);
	CHECK_EQ(pl.nbuiltin, 2);
	CHECK_EQ(pl.builtin[0], BUILD_ENTRY_CHECK);
	CHECK_EQ(pl.builtin[1], BUILD_ENTRY_LIVE);
	CHECK(!(pl.builtin_set & (1u << BUILD_ENTRY_SHELL)));
	CHECK_EQ(pl.nattr, 1);
	CHECK_STR(pl.attr[0].path, "/etc/motd");
	CHECK_EQ(pl.attr[0].mode, 0600);
	CHECK_EQ(pl.attr[0].uid, -1);
	CHECK_EQ(pl.attr[0].gid, 7);
	CHECK_STR(pl.hostname.value, "kiosk-1.lan");
	CHECK_EQ(pl.timeout, 5);
	build_plan_free(&pl);
	CHECK_EQ(build_cfg_set(&c, "Root.Hostname", "kiosk-.lan", "--hostname", true), 0);
	CHECK(build_plan(&c, &pl) < 0);
	CHECK(strstr(err_msg(), "--hostname: Hostname 'kiosk-.lan': not a host name") != NULL);
	build_plan_free(&pl);
	build_cfg_free(&c);
}

TEST(test_menu_render)
{
	struct menu m;
	struct menu_entry live =
			      {"live", "Live", "/boot/vmlinuz", "/boot/initrd.img", "live.id=x quiet", false,
			       NULL,   false},
			  mt = {"memtest", NULL, "/boot/mt", NULL, NULL, true, NULL, false}, dup = live;
	char *s, *d;
	menu_init(&m);
	CHECK_EQ(menu_add(&m, &live), 0);
	CHECK_EQ(menu_add(&m, &mt), 0);
	CHECK_EQ(menu_add(&m, &dup), -ERR_USAGE);
	dup.label = "two words";
	CHECK_EQ(menu_add(&m, &dup), -ERR_USAGE);
	m.timeout_ds = 30;
	m.display = "boot.txt";
	m.help[m.nhelp++] = (struct menu_help){1, "f1.txt", "help"};
	s = menu_render_syslinux(&m);
	CHECK(
	    strstr(s,
		   "\nSERIAL 0 115200\nDEFAULT live\nPROMPT 1\nTIMEOUT 30\nDISPLAY boot.txt\nF1 f1.txt\n") ==
	    strchr(s, '\n'));
	CHECK(strstr(s, "\nLABEL live\n  MENU LABEL Live\n  LINUX /boot/vmlinuz\n  INITRD /boot/initrd.img\n"
			"  APPEND live.id=x quiet\n") != NULL);
	CHECK(strstr(s, "\nLABEL memtest\n  LINUX /boot/mt\n") != NULL);
	CHECK(strstr(s, "LABEL memtest\n  LINUX /boot/mt\n  INITRD") == NULL);
	m.serial = false;
	free(s);
	s = menu_render_syslinux(&m);
	CHECK(strstr(s, "SERIAL") == NULL);
	d = menu_render_display(&m, "KIOSK");
	CHECK(strstr(d, "KIOSK") && strstr(d, "live         Live (default)") && strstr(d, "F1 help"));
	free(d);
	free(s);
}

int main(void)
{
	tmp = test_tmpdir();
	RUN_ALL();
	TEST_EXIT();
}
