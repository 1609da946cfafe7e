/* The shared option parser of every command; see opt.h. */
#include "cmd/opt.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does the '|'-separated list names contain name (length len)? */
static bool names_have(const char *names, const char *name, size_t len)
{
	const char *p = names;
	while (*p) {
		const char *e = strchr(p, '|');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == len && memcmp(p, name, len) == 0)
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

static const struct opt *find(const struct opt_cmd *c, const char *name, size_t len, bool want_short)
{
	for (const struct opt *o = c->opts; o->names; o++) {
		if (!names_have(o->names, name, len))
			continue;
		/* GNU: -x names only one-letter spellings, --xy only longer ones */
		if (c->style == OPT_GNU && want_short != (len == 1))
			continue;
		return o;
	}
	return NULL;
}

static int dispatch(const struct opt_cmd *c, void *ctx, const struct opt *o, const char *spelled,
		    const char *arg)
{
	switch (o->id) {
	case OPT_HELP:
		fputs(c->usage, stdout);
		return 1;
	case OPT_QUIET:
		log_set_level(0);
		return 0;
	case OPT_VERBOSE:
		log_set_level(2);
		return 0;
	default:
		return c->on_opt(ctx, o, spelled, arg);
	}
}

static int unknown(const struct opt_cmd *c, const char *a)
{
	return err_set(ERR_USAGE, "unknown option %s (see '%s --help')", a, c->prog);
}

int opt_operands(const struct opt_cmd *c, char **ops, size_t n, size_t min, size_t max, const char *what)
{
	if (n < min)
		return err_set(ERR_USAGE, "missing operand: expected %s (see '%s --help')", what, c->prog);
	if (n > max)
		return err_set(ERR_USAGE, "unexpected operand '%s' (see '%s --help')", ops[max], c->prog);
	return 0;
}

static int needs_value(const struct opt_cmd *c, const char *spelled)
{
	return err_set(ERR_USAGE, "option %s needs an argument (see '%s --help')", spelled, c->prog);
}

int opt_parse(const struct opt_cmd *c, int argc, char **argv, void *ctx, char ***operands, size_t *noperands)
{
	char **ops = xcalloc((size_t)argc + 1, sizeof *ops);
	size_t nops = 0;
	bool done = false;
	int rc = 0;
	char spelled[256];

	for (int i = 1; i < argc && rc == 0; i++) {
		const char *a = argv[i];
		const struct opt *o;
		if (done || a[0] != '-' || a[1] == 0) {
			ops[nops++] = argv[i];
			if (c->stop_at_operand)
				done = true;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			done = true;
			continue;
		}
		if (c->style == OPT_SINGLE_DASH || a[1] == '-') {
			/* -name / --name, value in the next argument or after '=' */
			const char *name = a + 1 + (a[1] == '-');
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			o = find(c, name, len, false);
			if (!o) {
				rc = unknown(c, a);
				break;
			}
			snprintf(spelled, sizeof spelled, "%.*s", (int)(name - a + len), a);
			if (o->arg == OPT_ARG3) {
				char *v;
				if (eq || i + 3 >= argc) {
					rc = err_set(ERR_USAGE,
						     "option %s needs three arguments (see '%s --help')",
						     spelled, c->prog);
					break;
				}
				v = xasprintf("%s %s %s", argv[i + 1], argv[i + 2], argv[i + 3]);
				i += 3;
				rc = dispatch(c, ctx, o, spelled, v);
				free(v);
				continue;
			}
			if (o->arg == OPT_ARG) {
				const char *v = eq ? eq + 1 : NULL;
				if (!v) {
					if (i + 1 >= argc) {
						rc = needs_value(c, spelled);
						break;
					}
					v = argv[++i];
				}
				rc = dispatch(c, ctx, o, spelled, v);
			} else if (eq) {
				rc = err_set(ERR_USAGE, "option %s takes no value (see '%s --help')", spelled,
					     c->prog);
			} else {
				rc = dispatch(c, ctx, o, spelled, NULL);
			}
			continue;
		}
		/* GNU short options: -q, -qv, -oFILE, -o FILE */
		for (const char *p = a + 1; *p && rc == 0; p++) {
			o = find(c, p, 1, true);
			snprintf(spelled, sizeof spelled, "-%c", *p);
			if (!o) {
				rc = unknown(c, spelled);
				break;
			}
			if (o->arg == OPT_ARG) {
				const char *v = p[1] ? p + 1 : NULL;
				if (!v) {
					if (i + 1 >= argc) {
						rc = needs_value(c, spelled);
						break;
					}
					v = argv[++i];
				}
				rc = dispatch(c, ctx, o, spelled, v);
				break;
			}
			rc = dispatch(c, ctx, o, spelled, NULL);
		}
	}
	if (rc != 0) {
		free(ops);
		*operands = NULL;
		*noperands = 0;
		return rc;
	}
	*operands = ops;
	*noperands = nops;
	return 0;
}

int opt_exit(int rc)
{
	if (rc < 0) {
		log_error_current();
		return 1;
	}
	return 0;
}

int opt_uint(const char *spelled, const char *arg, unsigned long long min, unsigned long long max,
	     unsigned long long *out)
{
	uint64_t v;
	int rc = util_parse_uint(arg, min, max, &v, spelled);
	if (rc == 0)
		*out = v;
	return rc;
}

int opt_size(const char *spelled, const char *arg, unsigned long long *out)
{
	uint64_t v;
	int rc = util_parse_size(arg, &v, spelled);
	if (rc == 0)
		*out = v;
	return rc;
}
