/* The one command-line option layer every command uses: a table of options
 * per command, GNU spelling (-x VALUE, -xVALUE, -qv, --name VALUE,
 * --name=VALUE) or the single-dash spelling of mkisofs and mksquashfs
 * (-name VALUE, with --name accepted alike), the same -h/--help, -q/--quiet
 * and -v/--verbose everywhere, and one exit status for every error: 1. */
#ifndef MKLIVE_CMD_OPT_H
#define MKLIVE_CMD_OPT_H

#include <stdbool.h>
#include <stddef.h>

enum opt_style {
	OPT_GNU,	/* getopt_long conventions; operands and options may mix */
	OPT_SINGLE_DASH /* mkisofs / mksquashfs: every name after one or two dashes */
};

enum opt_arg {
	OPT_NOARG,
	OPT_ARG, /* a value is required */
	/* Three values follow (mkisofs's -append_partition N TYPE FILE); the
	 * handler gets them joined by single spaces, the last one kept whole. */
	OPT_ARG3,
};

/* Ids every command may use; the layer handles them itself when the table
 * lists them (with names of the command's choosing). */
enum {
	OPT_HELP = -1,
	OPT_QUIET = -2,
	OPT_VERBOSE = -3,
};

struct opt {
	/* Spellings separated by '|': "o|output". In OPT_GNU style a
	 * one-character name is a short option (-o), longer ones are long
	 * options (--output); in OPT_SINGLE_DASH style every name is written
	 * with one dash or two (-iso-level, --iso-level). */
	const char *names;
	int id;		  /* > 0 for the command's own options, or OPT_HELP... */
	enum opt_arg arg; /* whether a value follows */
	/* The key of the format module's option setter this option maps to
	 * (X_opts_set(opts, key, value, label), label being the spelling);
	 * NULL when the command handles the option itself. */
	const char *key;
	/* For a flag with a key: the value handed to the setter (NULL: on),
	 * so "-no-pad" can be the key "pad" with the value "0". */
	const char *value;
};

/* The last rows of every command's table: -q, -v, -h and the end mark. */
#define OPT_COMMON_ROWS                                                                                      \
	{"q|quiet", OPT_QUIET, OPT_NOARG, NULL, NULL}, {"v|verbose", OPT_VERBOSE, OPT_NOARG, NULL, NULL},    \
	    {"h|help", OPT_HELP, OPT_NOARG, NULL, NULL},                                                     \
	{                                                                                                    \
		NULL, 0, 0, NULL, NULL                                                                       \
	}

struct opt_cmd {
	const char *prog; /* "mklive iso", for messages */
	enum opt_style style;
	const struct opt *opts; /* terminated by an entry with names == NULL */
	const char *usage;	/* printed by --help */
	/* Called for each option in order; spelled is how the user wrote the
	 * name ("-b", "--output"), arg its value or NULL. Returns 0 or a
	 * negative code with the error set. */
	int (*on_opt)(void *ctx, const struct opt *o, const char *spelled, const char *arg);
	/* (NULL for a command with only the common options) */
	/* Stop at the first operand (the rest, options too, are operands):
	 * for commands whose first operand picks a subcommand. */
	bool stop_at_operand;
};

/* -q, -v and -h alone: the table of a command with no options of its own. */
extern const struct opt opt_common[];

/* Parse argv[1..argc-1]. Operands (in order) are returned in *operands
 * (a NULL-terminated array to free; the strings are argv's), their count
 * in *noperands. Returns 0 to go on, 1 when --help was printed (the
 * command then exits 0), or a negative code with the usage error set
 * ("unknown option -x (see 'mklive iso --help')"). */
int opt_parse(const struct opt_cmd *c, int argc, char **argv, void *ctx, char ***operands, size_t *noperands);

/* The operands a command takes: min to max of them (max SIZE_MAX: no
 * limit), what names them in the message. One wording for every command:
 * "missing operand: expected WHAT (see 'PROG --help')" and "unexpected
 * operand 'X' (see 'PROG --help')". 0 or ERR_USAGE. */
int opt_operands(const struct opt_cmd *c, char **ops, size_t n, size_t min, size_t max, const char *what);

/* What a command returns from its main function for rc (0: success):
 * prints the current error once and gives exit status 1 for any error. */
int opt_exit(int rc);

/* Value parsers with messages naming the option as the user spelled it. */
int opt_uint(const char *spelled, const char *arg, unsigned long long min, unsigned long long max,
	     unsigned long long *out);
int opt_size(const char *spelled, const char *arg, unsigned long long *out);

#endif
