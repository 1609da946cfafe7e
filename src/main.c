/* mklive: subcommand dispatch only. Each src/cmd/NAME.c provides
 * cmd_NAME() and cmd_NAME_summary; the Makefile generates the table. */
#include "core/error.h"
#include "core/output.h"
#include "core/progress.h"
#include "version.h"

#include <stdio.h>
#include <string.h>

#define MKLIVE_COMMAND(name)                                                                                 \
	int cmd_##name(int argc, char **argv);                                                               \
	extern const char cmd_##name##_summary[];
#include "commands.h"
#undef MKLIVE_COMMAND

struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
};

static const struct command commands[] = {
#define MKLIVE_COMMAND(name) {#name, cmd_##name, cmd_##name##_summary},
#include "commands.h"
#undef MKLIVE_COMMAND
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mklive <command> [options...]\n"
		   "       mklive help <command>   (or: mklive <command> --help)\n"
		   "       mklive --version\n\n"
		   "Build bootable live CD/USB images from a root filesystem and a Linux kernel.\n\n"
		   "Commands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\nEnvironment: SOURCE_DATE_EPOCH sets every date in an image (reproducible builds).\n");
}

static const struct command *find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *c;
	static char prog[64];
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		char *hv[] = {argv[2], "--help", NULL};
		if (argc < 3) {
			usage(stdout);
			return 0;
		}
		c = find(argv[2]);
		if (!c) {
			fprintf(stderr, "mklive: unknown command '%s' (see 'mklive help')\n", argv[2]);
			return 1;
		}
		snprintf(prog, sizeof prog, "mklive %s", c->name);
		log_set_prog(prog);
		return c->fn(2, hv);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("mklive %s\n", MKLIVE_VERSION);
		return 0;
	}
	c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "mklive: unknown command '%s' (see 'mklive help')\n", argv[1]);
		return 1;
	}
	snprintf(prog, sizeof prog, "mklive %s", c->name);
	log_set_prog(prog);
	out_install_signal_handlers();
	return c->fn(argc - 1, argv + 1);
}
