/* Unit tests for mklive run's screenshots: option pairing, name patterns,
 * the temporary file and the check of what QEMU wrote, and the QMP replies
 * that say whether it wrote it. */
#define TEST_SUITE "run_shot"
#include "test.h"

#include "core/error.h"
#include "core/util.h"
#include "run/qmp.h"
#include "run/run.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp;

TEST(test_pattern)
{
	char *n;
	CHECK_EQ(run_shot_pattern_check("shot-%d.png"), 0);
	CHECK_EQ(run_shot_pattern_check("100%%-%03d.png"), 0);
	CHECK(run_shot_pattern_check("shot.png") < 0);
	CHECK(strstr(err_msg(), "needs a %d") != NULL);
	CHECK(run_shot_pattern_check("%d-%d.png") < 0);
	CHECK(strstr(err_msg(), "only one") != NULL);
	CHECK(run_shot_pattern_check("%s.png") < 0);
	CHECK(run_shot_pattern_check("%") < 0);
	n = run_shot_name("shot-%d.png", 7);
	CHECK_STR(n, "shot-7.png");
	free(n);
	n = run_shot_name("100%%/b-%03d.ppm", 42);
	CHECK_STR(n, "100%/b-042.ppm");
	free(n);
	n = run_shot_name("plain.png", 3); /* no pattern: the name itself */
	CHECK_STR(n, "plain.png");
	free(n);
	CHECK_STR(run_shot_format("a.png"), "png");
	CHECK_STR(run_shot_format("a.PPM"), "ppm");
	CHECK_STR(run_shot_format("ppm"), "png");
}

/* Is dir empty but for the files named keep (NULL: none)? */
static bool only(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool ok = true;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && (!keep || strcmp(e->d_name, keep)))
			ok = false;
	if (d)
		closedir(d);
	return d && ok;
}

static void put(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, data, n) == (ssize_t)n);
	close(fd);
}

/* The smallest PNG QEMU could write: 1x1, one IDAT, IEND. */
static const unsigned char png1[] = {
    0x89, 'P',	'N',  'G', '\r', '\n', 0x1a, '\n', 0,	 0,    0,    13,   'I',	 'H',  'D',  'R',  0,
    0,	  0x02, 0xd0, 0,   0,	 0x01, 0x90, 8,	   2,	 0,    0,    0,	   0,	 0,    0,    0,	   0,
    0,	  0,	12,   'I', 'D',	 'A',  'T',  0x78, 0x9c, 0x63, 0x60, 0x60, 0x00, 0x00, 0x00, 0x04, 0x00,
    0x01, 0,	0,    0,   0,	 0,    0,    0,	   0,	 'I',  'E',  'N',  'D',	 0xae, 0x42, 0x60, 0x82,
};

TEST(test_files)
{
	char *dir = util_path_join(tmp, "shots"), *file, *t = NULL, *bad;
	unsigned w = 0, h = 0;
	struct stat st;
	CHECK_EQ(mkdir(dir, 0755), 0);
	file = util_path_join(dir, "a.png");
	bad = util_path_join(tmp, "nodir/a.png");

	/* the check before the guest starts leaves nothing behind */
	CHECK_EQ(run_shot_writable(file), 0);
	CHECK(only(dir, NULL));
	CHECK(run_shot_writable(bad) < 0);
	CHECK(strstr(err_msg(), "--screenshot ") &&
	      strstr(err_msg(), "nodir/a.png: No such file or directory"));
	CHECK(run_shot_writable(dir) < 0);
	CHECK(strstr(err_msg(), "a directory") != NULL);

	/* a whole PNG takes the name; its size is read from IHDR */
	CHECK_EQ(run_shot_tmpfile(file, &t), 0);
	CHECK(strstr(t, "/shots/.a.png.mklive-") != NULL);
	CHECK_EQ(stat(t, &st), 0);
	put(t, png1, sizeof png1);
	CHECK_EQ(run_shot_finish(t, file, &w, &h), 0);
	CHECK_EQ(w, 720);
	CHECK_EQ(h, 400);
	CHECK(only(dir, "a.png"));
	free(t);

	/* half a PNG: no picture, no temporary file, the old one kept */
	CHECK_EQ(run_shot_tmpfile(file, &t), 0);
	put(t, png1, sizeof png1 - 12);
	CHECK(run_shot_finish(t, file, &w, &h) < 0);
	CHECK(strstr(err_msg(), "no whole png picture") != NULL);
	CHECK(only(dir, "a.png"));
	CHECK_EQ(stat(file, &st), 0);
	CHECK_EQ(st.st_size, (off_t)sizeof png1);
	free(t);

	/* a PPM: header and exactly W*H*3 bytes */
	free(file);
	file = util_path_join(dir, "b.ppm");
	CHECK_EQ(run_shot_tmpfile(file, &t), 0);
	put(t, "P6\n2 1\n255\n\1\2\3\4\5\6", 17);
	CHECK_EQ(run_shot_finish(t, file, &w, &h), 0);
	CHECK_EQ(w, 2);
	CHECK_EQ(h, 1);
	free(t);
	CHECK_EQ(run_shot_tmpfile(file, &t), 0);
	put(t, "P6\n2 1\n255\n\1\2\3", 14);
	CHECK(run_shot_finish(t, file, &w, &h) < 0);
	free(t);
	CHECK(unlink(file) == 0);
	free(file);
	file = util_path_join(dir, "a.png");
	CHECK(unlink(file) == 0);
	CHECK(only(dir, NULL));
	free(file);
	free(bad);
	free(dir);
}

TEST(test_opts)
{
	struct run_opts o;
	char *img = util_path_join(tmp, "img.iso"), *shot = util_path_join(tmp, "s.png");
	char *pat = util_path_join(tmp, "s-%02d.png");
	put(img, "x", 1);

	run_opts_init(&o);
	o.image = img;
	CHECK_EQ(run_opts_set(&o, "screenshot", shot, "--screenshot"), 0);
	CHECK_EQ(run_opts_set(&o, "screenshot-after", "boot:", "--screenshot-after"), 0);
	CHECK_EQ(run_opts_set(&o, "screenshot-after", "12.5", "--screenshot-after"), 0);
	CHECK(run_opts_check(&o) < 0); /* two moments, one picture */
	CHECK(strstr(err_msg(), "--screenshot-after 12.5: no --screenshot FILE") != NULL);
	CHECK_EQ(run_opts_set(&o, "screenshot", shot, "--screenshot"), 0);
	CHECK_EQ(run_opts_set(&o, "screenshot", shot, "--screenshot"), 0);
	CHECK_EQ(run_opts_check(&o), 0);
	CHECK_EQ(o.nshots, 3);
	CHECK_STR(o.shots[0].after, "boot:");
	CHECK(o.shots[0].after_s < 0);
	CHECK(o.shots[1].after_s == 12.5);
	CHECK(o.shots[2].after == NULL);
	CHECK(run_opts_set(&o, "screenshot", "", "--screenshot") < 0);
	CHECK_EQ(run_opts_set(&o, "screenshot-every", "5", "--screenshot-every"), 0);
	CHECK(run_opts_check(&o) < 0);
	CHECK(strstr(err_msg(), "--screenshot-every needs only one") != NULL);
	run_opts_free(&o);

	run_opts_init(&o);
	o.image = img;
	CHECK_EQ(run_opts_set(&o, "screenshot", shot, "--screenshot"), 0);
	CHECK_EQ(run_opts_set(&o, "screenshot-every", "5", "--screenshot-every"), 0);
	CHECK(run_opts_check(&o) < 0);
	CHECK(strstr(err_msg(), "%d") != NULL);
	o.shots[0].file = pat;
	CHECK_EQ(run_opts_check(&o), 0);
	CHECK(run_opts_set(&o, "screenshot-every", "0", "--screenshot-every") < 0);
	CHECK(run_opts_set(&o, "screenshot-every", "x", "--screenshot-every") < 0);
	CHECK_EQ(run_opts_set(&o, "screenshot-after", "(", "--screenshot-after"), 0);
	CHECK(run_opts_check(&o) < 0);
	CHECK(strstr(err_msg(), "regular expression") != NULL);
	run_opts_free(&o);

	run_opts_init(&o);
	o.image = img;
	CHECK_EQ(run_opts_set(&o, "screenshot", "/nonexistent/dir/s.png", "--screenshot"), 0);
	CHECK(run_opts_check(&o) < 0);
	CHECK(strstr(err_msg(), "--screenshot /nonexistent/dir/s.png: No such file or directory") != NULL);
	run_opts_free(&o);
	unlink(img);
	free(img);
	free(shot);
	free(pat);
}

struct replies {
	unsigned n, id[4];
	bool ok[4];
	char desc[4][128];
};

static void on_reply(void *ctx, unsigned id, bool ok, const char *desc)
{
	struct replies *r = ctx;
	if (r->n < 4) {
		r->id[r->n] = id;
		r->ok[r->n] = ok;
		snprintf(r->desc[r->n], sizeof r->desc[0], "%s", desc ? desc : "");
	}
	r->n++;
}

TEST(test_qmp_replies)
{
	struct run_qmp q;
	struct replies r;
	int sv[2];
	char *s;
	/* as QEMU 7.2 writes them: greeting, capabilities, an event, replies
	 * (one split across reads, one whose text holds quotes and braces) */
	static const char part1[] =
	    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, \"package\": "
	    "\"x\"}, "
	    "\"capabilities\": [\"oob\"]}}\r\n"
	    "{\"return\": {}}\r\n"
	    "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"NIC_RX_FILTER_CHANGED\", "
	    "\"data\": {\"path\": \"/x\"}}\r\n"
	    "{\"return\": {}, \"id\": 1";
	static const char part2[] =
	    "01}\r\n"
	    "{\"id\": 102, \"error\": {\"class\": \"GenericError\", \"desc\": \"failed to open file "
	    "'/x/\\\"a}\\\".png': No such file or directory\"}}\r\n"
	    "{\"return\": [{\"id\": 7}], \"id\": 103}\r\n";

	memset(&r, 0, sizeof r);
	run_qmp_init(&q);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	q.fd = sv[0];
	fcntl(q.fd, F_SETFL, O_NONBLOCK);
	q.on_reply = on_reply;
	q.ctx = &r;
	CHECK(write(sv[1], part1, sizeof part1 - 1) == (ssize_t)sizeof part1 - 1);
	CHECK_EQ(run_qmp_read(&q), 0);
	CHECK(q.ready);
	CHECK_EQ(r.n, 0);
	CHECK(write(sv[1], part2, sizeof part2 - 1) == (ssize_t)sizeof part2 - 1);
	CHECK_EQ(run_qmp_read(&q), 0);
	CHECK_EQ(r.n, 3);
	CHECK_EQ(r.id[0], 101);
	CHECK(r.ok[0]);
	CHECK_EQ(r.id[1], 102);
	CHECK(!r.ok[1]);
	CHECK_STR(r.desc[1], "failed to open file '/x/\"a}\".png': No such file or directory");
	CHECK_EQ(r.id[2], 103); /* the id inside the return value is not the reply's */
	CHECK(r.ok[2]);
	/* the command QEMU gets: the file name escaped as JSON */
	CHECK_EQ(run_qmp_screendump(&q, 5, "/t/a\"b\\c.png", "png"), 0);
	{
		char buf[512];
		ssize_t n = read(sv[1], buf, sizeof buf - 1);
		CHECK(n > 0);
		buf[n > 0 ? n : 0] = 0;
		CHECK(strstr(buf, "\"filename\": \"/t/a\\\"b\\\\c.png\"") != NULL);
		CHECK(strstr(buf, "\"format\": \"png\"") != NULL);
		CHECK(strstr(buf, "\"id\": 5}") != NULL);
		s = run_qmp_string(buf, "execute");
		CHECK_STR(s, "screendump");
		free(s);
	}
	CHECK(run_qmp_string("{\"a\": 1}", "b") == NULL);
	CHECK(run_qmp_string("{\"a\": \"x", "a") == NULL);
	close(sv[1]);
	CHECK(run_qmp_read(&q) < 0); /* closed */
	CHECK_EQ(q.fd, -1);
	run_qmp_close(&q);
}

int main(void)
{
	tmp = test_tmpdir();
	RUN_ALL();
	TEST_EXIT();
}
