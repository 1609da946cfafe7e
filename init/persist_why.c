/* mklive-init: why no persistence store was used, in words: each
 * partition that could have been one (unreadable, or labelled mklive-rw
 * but not ext4) with its reason, for the message that falls back to RAM. */
#include "live.h"

#include <stdio.h>
#include <string.h>

static void append(char *notes, size_t cap, const char *fmt, const char *a, const char *b, const char *c)
{
	size_t n = strlen(notes);
	if (n + 1 >= cap)
		return;
	snprintf(notes + n, cap - n, fmt, n ? "; " : "", a, b, c);
}

void live_persist_note(char *notes, size_t cap, const char *part, const char *partname, int err,
		       const struct probe_info *pi)
{
	char who[96];
	snprintf(who, sizeof who, "/dev/%s%s%s%s", part, *partname ? " (partition name " : "", partname,
		 *partname ? ")" : "");
	if (err) {
		append(notes, cap, "%s%s cannot be read (%s%s)", who, strerror(err),
		       !strcmp(partname, LIVE_PERSIST_LABEL) ? "; it may be the store" : "");
		return;
	}
	if (!strcmp(pi->label, LIVE_PERSIST_LABEL) && pi->type != PROBE_EXT4)
		append(notes, cap, "%s%s is labelled " LIVE_PERSIST_LABEL " but holds %s, not ext4%s", who,
		       probe_type_name(pi->type), "");
	else if (pi->type == PROBE_NONE && !strcmp(partname, LIVE_PERSIST_LABEL))
		append(notes, cap, "%s%s has no file system that mklive-init knows%s%s", who, "", "");
}

void live_persist_missing(const char *notes, char *out, size_t cap)
{
	if (!*notes)
		snprintf(out, cap, "no partition labelled %s and no /%s on a FAT or ext4 partition",
			 LIVE_PERSIST_LABEL, LIVE_PERSIST_FILE);
	else
		snprintf(out, cap,
			 "no usable partition labelled %s: %s; and no /%s on a FAT or ext4 partition",
			 LIVE_PERSIST_LABEL, notes, LIVE_PERSIST_FILE);
}
