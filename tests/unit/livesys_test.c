/* Unit tests for the live system's settings shared by the build and
 * mklive-init: editing passwd/shadow/group/gshadow text, the live.lang=
 * table, the files that carry a setting, and mklive-init's parsing of the
 * live.* parameters (init/livecfg.c without its PID 1 part). */
#define TEST_SUITE "livesys"
#include "test.h"

#include "live/livesys.h"

#define LIVECFG_PURE
#include "../../init/livecfg.c"

#include <stdlib.h>
#include <string.h>

static const char passwd[] = "root:x:0:0:root:/root:/bin/bash\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			     "alice:x:1000:1000:,,,:/home/alice:/bin/bash\n"
			     "bob:x:1001:1001:,,,:/home/bob:/bin/bash";

TEST(test_find_and_fields)
{
	size_t len;
	char f[64];
	const char *l = live_acct_find(passwd, "alice", &len);
	CHECK(l != NULL);
	CHECK_EQ(len, strlen("alice:x:1000:1000:,,,:/home/alice:/bin/bash"));
	CHECK(live_acct_field(l, len, 2, f, sizeof f));
	CHECK_STR(f, "1000");
	CHECK(live_acct_field(l, len, 6, f, sizeof f));
	CHECK_STR(f, "/bin/bash");
	CHECK(!live_acct_field(l, len, 7, f, sizeof f));
	/* a name is a whole field: "ali" and "alice:" are not alice */
	CHECK(live_acct_find(passwd, "ali", &len) == NULL);
	CHECK(live_acct_find(passwd, "bob", &len) != NULL); /* last line, no newline */
	CHECK(live_acct_find("", "root", &len) == NULL);
}

TEST(test_put)
{
	char *r = live_acct_put(passwd, "carol", "carol:x:1002:1002::/home/carol:/bin/sh");
	/* appended after the last line, which had no newline */
	CHECK(strstr(r, "/bin/bash\ncarol:x:1002:1002::/home/carol:/bin/sh\n") != NULL);
	char *r2 = live_acct_put(r, "alice", "alice:x:1000:1000:A:/home/alice:/bin/sh");
	CHECK(strstr(r2, "\nalice:x:1000:1000:A:/home/alice:/bin/sh\nbob:") != NULL);
	CHECK(strncmp(r2, "root:x:0:0:", 11) == 0); /* order kept */
	free(r);
	free(r2);
	bool found;
	r = live_acct_set_field("alice:!:19000:0:99999:7:::\n", "alice", 1, "$y$abc", &found);
	CHECK(found);
	CHECK_STR(r, "alice:$y$abc:19000:0:99999:7:::\n");
	free(r);
	CHECK(live_acct_set_field("x:1\n", "alice", 1, "v", &found) == NULL && !found);
}

TEST(test_free_id)
{
	CHECK_EQ(live_acct_free_id(passwd, NULL, 1000), 1002);
	CHECK_EQ(live_acct_free_id(passwd, NULL, 0), 2);
	/* a gid used in the second database is not free either */
	CHECK_EQ(live_acct_free_id(passwd, "grp:x:1002:\n", 1000), 1003);
}

TEST(test_members)
{
	const char *group = "root:x:0:\nsudo:x:27:\nvideo:x:44:carol\naudio:x:29:live";
	bool found;
	char *r = live_acct_add_member(group, "sudo", "live", &found);
	CHECK(found);
	CHECK(strstr(r, "\nsudo:x:27:live\n") != NULL);
	char *r2 = live_acct_add_member(r, "video", "live", &found);
	CHECK(strstr(r2, "\nvideo:x:44:carol,live\n") != NULL);
	char *r3 = live_acct_add_member(r2, "audio", "live", &found); /* already in: unchanged */
	CHECK_STR(r3, r2);
	char *r4 = live_acct_add_member(r3, "netdev", "live", &found);
	CHECK(!found);
	CHECK_STR(r4, r3);
	/* a member whose name starts like the user is someone else */
	char *r5 = live_acct_add_member("g:x:5:lively\n", "g", "live", &found);
	CHECK_STR(r5, "g:x:5:lively,live\n");
	/* gshadow: members are the fourth field as well */
	char *r6 = live_acct_add_member("sudo:*::\n", "sudo", "live", &found);
	CHECK_STR(r6, "sudo:*::live\n");
	free(r), free(r2), free(r3), free(r4), free(r5), free(r6);
}

TEST(test_names_and_hashes)
{
	CHECK(live_acct_name_ok("live"));
	CHECK(live_acct_name_ok("_x-1"));
	CHECK(!live_acct_name_ok("Live"));
	CHECK(!live_acct_name_ok("1live"));
	CHECK(!live_acct_name_ok("a:b"));
	CHECK(!live_acct_name_ok(""));
	CHECK(!live_acct_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 33 */
	CHECK(live_acct_hash_ok(""));
	CHECK(live_acct_hash_ok("$y$j9T$abcdefghijklmnopqrstu.$0123456789abcdefghijklmnopqrstuvwxyzABCDE"));
	CHECK(live_acct_hash_ok("$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq."
				"O5eypVj0qXbQfBYO4tRTZeQ/"));
	CHECK(live_acct_hash_ok("$1$salt$qJH7.N4xYta3aEG/dfqo/0"));
	CHECK(!live_acct_hash_ok("secret"));
	CHECK(!live_acct_hash_ok("$6$short"));
	CHECK(!live_acct_hash_ok("$6$salt$with space in it......"));
	CHECK(!live_acct_hash_ok("$6$salt$colon:inside........"));
}

TEST(test_lang_table)
{
	static const char *const must[] = {"de", "fr", "es", "it", "pt", "nl",
					   "pl", "ru", "ja", "zh", "us", "uk"};
	for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
		CHECK(live_lang_find(must[i]) != NULL);
	const struct live_lang *de = live_lang_find("de");
	CHECK_STR(de->locale, "de_DE.UTF-8");
	CHECK_STR(de->xkb, "de");
	CHECK_STR(de->tz, "Europe/Berlin");
	CHECK_STR(live_lang_find("uk")->xkb, "gb");
	CHECK_STR(live_lang_kmap("gb"), "uk");
	CHECK_STR(live_lang_kmap("fr"), "fr-latin9");
	CHECK_STR(live_lang_kmap("xx"), "xx");
	CHECK(live_lang_find("xx") == NULL);
	CHECK_STR(live_lang_charset("de_DE.UTF-8"), "UTF-8");
	CHECK_STR(live_lang_charset("de_DE"), "");
	/* codes are unique and every locale is a UTF-8 one */
	for (size_t i = 0; i < live_nlangs; i++) {
		CHECK(strstr(live_langs[i].locale, ".UTF-8") != NULL);
		for (size_t j = i + 1; j < live_nlangs; j++)
			CHECK(strcmp(live_langs[i].code, live_langs[j].code) != 0);
	}
}

TEST(test_files)
{
	const char *path;
	char *t = live_files_getty("serial-getty@ttyS0", "live", &path);
	CHECK_STR(path, "/etc/systemd/system/serial-getty@ttyS0.service.d/mklive-autologin.conf");
	CHECK(strstr(t, "\nExecStart=\nExecStart=-/sbin/agetty --autologin live ") != NULL);
	free(t);
	t = live_files_hosts("127.0.0.1 localhost\n127.0.1.1 old\n::1 ip6-localhost\n", "new");
	CHECK_STR(t, "127.0.0.1 localhost\n::1 ip6-localhost\n127.0.1.1\tnew\n");
	free(t);
	t = live_files_hosts(NULL, "h");
	CHECK(strstr(t, "127.0.0.1\tlocalhost\n") && strstr(t, "127.0.1.1\th\n"));
	free(t);
	t = live_files_inittab(
	    "# x\n1:2345:respawn:/sbin/getty 38400 tty1\n2:23:respawn:/sbin/getty 38400 tty2\n"
	    "T0:23:respawn:/sbin/getty -L ttyS0 9600 vt100\n",
	    "live");
	CHECK_STR(t, "# x\n1:2345:respawn:/sbin/getty --autologin live 38400 tty1\n"
		     "2:23:respawn:/sbin/getty 38400 tty2\n"
		     "T0:23:respawn:/sbin/getty --autologin live -L ttyS0 9600 vt100\n");
	char *t2 = live_files_inittab(t, NULL); /* and back */
	CHECK_STR(t2, "# x\n1:2345:respawn:/sbin/getty 38400 tty1\n2:23:respawn:/sbin/getty 38400 tty2\n"
		      "T0:23:respawn:/sbin/getty -L ttyS0 9600 vt100\n");
	char *t3 = live_files_inittab(t, "bob"); /* another user replaces the first */
	CHECK(strstr(t3, "getty --autologin bob 38400 tty1\n") && !strstr(t3, "live"));
	free(t), free(t2), free(t3);
	t = live_files_gdm("# GDM\n[daemon]\n#AutomaticLoginEnable = true\n[security]\n", "live");
	/* the keys go right under [daemon]; Debian's commented examples stay */
	CHECK_STR(t, "# GDM\n[daemon]\nAutomaticLoginEnable=true\nAutomaticLogin=live\n"
		     "#AutomaticLoginEnable = true\n[security]\n");
	t2 = live_files_gdm(t, NULL);
	CHECK_STR(t2, "# GDM\n[daemon]\n#AutomaticLoginEnable = true\n[security]\n");
	free(t), free(t2);
	t = live_files_vconsole("gb");
	CHECK_STR(t, "KEYMAP=uk\nXKBLAYOUT=gb\n");
	free(t);
}

TEST(test_livecfg)
{
	struct livecfg c;
	char warn[512];
	livecfg_parse("BOOT_IMAGE=/boot/vmlinuz quiet live.id=x", &c);
	CHECK(!c.given);
	livecfg_parse("quiet live.lang=de live.user=alice \"live.hostname=box\"", &c);
	CHECK(c.given);
	CHECK_EQ(livecfg_resolve(&c, warn, sizeof warn), 0);
	CHECK_STR(c.user, "alice");
	CHECK_STR(c.locale, "de_DE.UTF-8");
	CHECK_STR(c.keymap, "de");
	CHECK_STR(c.tz, "Europe/Berlin");
	CHECK_STR(c.hostname, "box");
	/* an explicit setting wins over the language's */
	livecfg_parse("live.lang=fr live.tz=Europe/Berlin live.noautologin", &c);
	livecfg_resolve(&c, warn, sizeof warn);
	CHECK_STR(c.locale, "fr_FR.UTF-8");
	CHECK_STR(c.tz, "Europe/Berlin");
	CHECK_STR(c.autologin, "off");
	/* bad values: a message each, the setting dropped */
	livecfg_parse(
	    "live.lang=xx live.user=Root! live.tz=../../etc/shadow live.network=wifi live.keymap=de", &c);
	CHECK_EQ(livecfg_resolve(&c, warn, sizeof warn), 4);
	CHECK(strstr(warn, "live.lang=xx") && strstr(warn, "live.user=Root!") && strstr(warn, "live.tz=") &&
	      strstr(warn, "live.network=wifi"));
	CHECK_STR(c.user, "");
	CHECK_STR(c.tz, "");
	CHECK_STR(c.locale, "");
	CHECK_STR(c.keymap, "de");
	char v[64];
	livecfg_conf_get("# x\nuser=live\ngroups=sudo,audio\n", "groups", v, sizeof v);
	CHECK_STR(v, "sudo,audio");
	livecfg_conf_get("user=live\n", "locale", v, sizeof v);
	CHECK_STR(v, "");
	CHECK(in_list("en_US.UTF-8 de_DE.UTF-8", "de_DE.UTF-8"));
	CHECK(!in_list("en_US.UTF-8 de_DE.UTF-8", "de_DE"));
}

int main(void)
{
	RUN_ALL();
	TEST_EXIT();
}
