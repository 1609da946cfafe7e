/* SOURCE_DATE_EPOCH handling; see time.h. */
#include "core/time.h"
#include "core/error.h"

#include <ctype.h>
#include <stdlib.h>
#include <time.h>

int time_source_date_epoch(int64_t *out)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;
	if (!s || !*s)
		return 0;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return err_set(ERR_USAGE, "SOURCE_DATE_EPOCH='%s' is not a number of seconds", s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return err_set(ERR_USAGE, "SOURCE_DATE_EPOCH='%s' is out of range", s);
	*out = v;
	return 1;
}

bool time_reproducible(void)
{
	int64_t t;
	return time_source_date_epoch(&t) == 1;
}

int64_t time_build(void)
{
	int64_t t;
	if (time_source_date_epoch(&t) == 1)
		return t;
	return (int64_t)time(NULL);
}

int64_t time_clamp(int64_t t)
{
	int64_t e;
	if (time_source_date_epoch(&e) == 1 && t > e)
		return e;
	return t;
}
