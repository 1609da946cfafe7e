/* Per-thread error context; see error.h. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERR_MSG_MAX 2048

static _Thread_local char err_buf[ERR_MSG_MAX];
static _Thread_local int err_last;

static const char *code_text(int code)
{
	switch (code) {
	case ERR_FORMAT:
		return "invalid or corrupt data";
	case ERR_USAGE:
		return "invalid usage";
	case ERR_LIMIT:
		return "format limit exceeded";
	case ERR_CHANGED:
		return "file changed while being read";
	default:
		return strerror(code);
	}
}

int err_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof err_buf, fmt, ap);
	va_end(ap);
	if (code < 0)
		code = -code;
	if (code == 0)
		code = EIO;
	err_last = -code;
	return err_last;
}

int err_sys(int code, const char *fmt, ...)
{
	char tmp[ERR_MSG_MAX];
	va_list ap;
	if (code < 0)
		code = -code;
	if (code == 0)
		code = EIO;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	snprintf(err_buf, sizeof err_buf, "%s: %s", tmp, code_text(code));
	err_last = -code;
	return err_last;
}

int err_wrap(int rc, const char *fmt, ...)
{
	char pre[ERR_MSG_MAX], old[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, err_buf, sizeof old);
	if (old[0])
		snprintf(err_buf, sizeof err_buf, "%s: %s", pre, old);
	else
		snprintf(err_buf, sizeof err_buf, "%s: %s", pre, code_text(rc < 0 ? -rc : rc));
	if (rc >= 0)
		rc = -EIO;
	err_last = rc;
	return rc;
}

const char *err_msg(void)
{
	return err_buf;
}

int err_code(void)
{
	return err_last;
}

void err_clear(void)
{
	err_buf[0] = 0;
	err_last = 0;
}

void err_copy(int code, const char *msg)
{
	snprintf(err_buf, sizeof err_buf, "%s", msg ? msg : "");
	err_last = code;
}
