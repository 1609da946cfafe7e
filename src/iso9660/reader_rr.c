/* ISO 9660 reader: the System Use Sharing Protocol (SUSP 1.12) and Rock
 * Ridge (RRIP 1.12) entries of a directory record, continuation areas
 * followed with a bound on hops and bytes and a loop check. */
#include "iso9660/reader_impl.h"

#include "core/error.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

static uint32_t get733(const uint8_t *p)
{
	return get_le32(p); /* 7.3.3: the little-endian half */
}

void rr_attrs_free(struct rr_attrs *a)
{
	free(a->link);
	a->link = NULL;
}

static int append(char **buf, size_t *len, const void *s, size_t n, size_t max, const char *what,
		  const struct rr_ctx *c, uint64_t off)
{
	if (n > max || *len > max - n)
		return err_set(ERR_FORMAT, "%s: offset %llu: Rock Ridge %s longer than %zu bytes",
			       c->src->name, (unsigned long long)off, what, max);
	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = 0;
	return 0;
}

/* RRIP 4.1.3: SL component records; cont is whether the last component
 * continues in the next record (flag 1), carried across SL entries. */
static int parse_sl(const struct rr_ctx *c, const uint8_t *d, size_t n, uint64_t off, struct rr_attrs *a,
		    bool *cont)
{
	size_t i = 0;
	while (i + 2 <= n) {
		uint8_t fl = d[i], clen = d[i + 1];
		const uint8_t *content = d + i + 2;
		int rc;
		if (i + 2 + clen > n)
			return err_set(ERR_FORMAT,
				       "%s: offset %llu: Rock Ridge SL component runs past its entry",
				       c->src->name, (unsigned long long)off);
		if (!*cont && a->link_len && a->link[a->link_len - 1] != '/')
			if ((rc = append(&a->link, &a->link_len, "/", 1, ISO_RD_LINK_MAX, "symlink target", c,
					 off)) < 0)
				return rc;
		if (fl & 0x08)
			rc =
			    append(&a->link, &a->link_len, "/", 1, ISO_RD_LINK_MAX, "symlink target", c, off);
		else if (fl & 0x02)
			rc =
			    append(&a->link, &a->link_len, ".", 1, ISO_RD_LINK_MAX, "symlink target", c, off);
		else if (fl & 0x04)
			rc = append(&a->link, &a->link_len, "..", 2, ISO_RD_LINK_MAX, "symlink target", c,
				    off);
		else
			rc = append(&a->link, &a->link_len, content, clen, ISO_RD_LINK_MAX, "symlink target",
				    c, off);
		if (rc < 0)
			return rc;
		if (a->link_len && memchr(a->link, 0, a->link_len))
			return err_set(ERR_FORMAT,
				       "%s: offset %llu: Rock Ridge symlink target holds a NUL byte",
				       c->src->name, (unsigned long long)off);
		*cont = fl & 0x01;
		i += 2 + (size_t)clen;
	}
	a->has_sl = true;
	return 0;
}

/* RRIP 4.1.6: TF time stamps in the order of their flag bits. */
static void parse_tf(const uint8_t *d, size_t n, struct rr_attrs *a)
{
	uint8_t fl;
	size_t w, i = 1;
	if (n < 1)
		return;
	fl = d[0];
	w = fl & 0x80 ? 17 : 7;
	for (int bit = 0; bit < 7; bit++) {
		int64_t t;
		if (!(fl & (1u << bit)))
			continue;
		if (i + w > n)
			return;
		t = w == 17 ? iso_date17(d + i) : iso_date7(d + i);
		i += w;
		if (bit == 1) {
			a->mtime = t;
			a->has_mtime = true;
		} else if (bit == 2) {
			a->atime = t;
			a->has_atime = true;
		} else if (bit == 3) {
			a->ctime = t;
			a->has_ctime = true;
		}
	}
	a->has_tf = true;
}

int rr_parse(struct rr_ctx *c, const uint8_t *su, size_t su_len, uint64_t rec_off, struct rr_attrs *a)
{
	uint8_t *area = NULL;
	const uint8_t *p = su;
	size_t n = su_len;
	uint64_t seen[ISO_RD_CE_HOPS], off = rec_off;
	unsigned hops = 0;
	bool nm_cont = true, sl_cont = false;
	int rc = 0;

	for (;;) {
		uint64_t ce_pos = 0, ce_len = 0;
		bool have_ce = false;
		size_t i = 0;
		while (i + 4 <= n) {
			const uint8_t *e = p + i;
			size_t len = e[2];
			const uint8_t *d = e + 4;
			size_t dn;
			if (len < 4 || i + len > n)
				break; /* padding or a torn entry: the area ends here (SUSP 5.1) */
			dn = len - 4;
			i += len;
			if (e[0] == 'S' && e[1] == 'T')
				break;
			if (e[0] == 'C' && e[1] == 'E' && dn >= 24) {
				ce_pos = (uint64_t)get733(d) * ISO_BLOCK + get733(d + 8);
				ce_len = get733(d + 16);
				have_ce = true;
			} else if (e[0] == 'S' && e[1] == 'P' && dn >= 3 && d[0] == 0xBE && d[1] == 0xEF) {
				a->sp = true;
				a->sp_skip = d[2];
			} else if (e[0] == 'E' && e[1] == 'R' && dn >= 4 && !a->er_id[0]) {
				size_t idl = d[0];
				if (4 + idl <= dn && idl < sizeof a->er_id) {
					memcpy(a->er_id, d + 4, idl);
					a->er_id[idl] = 0;
				}
			} else if (e[0] == 'P' && e[1] == 'X' && dn >= 32) {
				a->mode = get733(d);
				a->nlink = get733(d + 8);
				a->uid = get733(d + 16);
				a->gid = get733(d + 24);
				if (dn >= 40) {
					a->ino = get733(d + 32);
					a->has_ino = true;
				}
				a->has_px = a->any = true;
			} else if (e[0] == 'P' && e[1] == 'N' && dn >= 16) {
				uint32_t hi = get733(d), lo = get733(d + 8);
				/* High word 0: a whole dev_t in the low word (libisofs,
				 * mklive, small numbers of genisoimage); else major, minor. */
				a->rdev = hi ? makedev(hi, lo) : lo;
				a->has_pn = a->any = true;
			} else if (e[0] == 'S' && e[1] == 'L' && dn >= 1) {
				if ((rc = parse_sl(c, d + 1, dn - 1, off, a, &sl_cont)) < 0)
					goto out;
				a->any = true;
			} else if (e[0] == 'N' && e[1] == 'M' && dn >= 1) {
				char *tmp = NULL;
				size_t tl = 0;
				a->any = true;
				if (d[0] & 0x02)
					a->nm_current = true;
				if (d[0] & 0x04)
					a->nm_parent = true;
				if (!nm_cont && a->has_nm)
					continue; /* a second, unrelated NM: the first one names it */
				if ((rc = append(&tmp, &tl, d + 1, dn - 1, ISO_RD_NAME_MAX - a->name_len,
						 "name", c, off)) < 0)
					goto out;
				memcpy(a->name + a->name_len, tmp ? tmp : "", tl);
				a->name_len += tl;
				a->name[a->name_len] = 0;
				free(tmp);
				nm_cont = d[0] & 0x01;
				a->has_nm = true;
			} else if (e[0] == 'T' && e[1] == 'F') {
				parse_tf(d, dn, a);
				a->any = true;
			} else if (e[0] == 'C' && e[1] == 'L' && dn >= 8) {
				a->cl = a->any = true;
				a->cl_extent = get733(d);
			} else if (e[0] == 'P' && e[1] == 'L') {
				a->pl = a->any = true;
			} else if (e[0] == 'R' && e[1] == 'E') {
				a->re = a->any = true;
			} else if (e[0] == 'S' && e[1] == 'F') {
				a->sf = a->any = true;
			} else if (e[0] == 'Z' && e[1] == 'F') {
				a->zf = true;
			} else if (e[0] == 'R' && e[1] == 'R') {
				a->any = true;
			}
		}
		if (!have_ce)
			break;
		/* SUSP 5.1: the continuation area; hostile images point it at
		 * itself, at an earlier area, or past the end. */
		for (unsigned k = 0; k < hops; k++)
			if (seen[k] == ce_pos) {
				rc = err_set(
				    ERR_FORMAT,
				    "%s: offset %llu: continuation area at offset %llu loops back to "
				    "itself",
				    c->src->name, (unsigned long long)rec_off, (unsigned long long)ce_pos);
				goto out;
			}
		if (hops == ISO_RD_CE_HOPS) {
			rc = err_set(ERR_FORMAT, "%s: offset %llu: more than %u chained continuation areas",
				     c->src->name, (unsigned long long)rec_off, ISO_RD_CE_HOPS);
			goto out;
		}
		if (ce_pos == rec_off) {
			rc =
			    err_set(ERR_FORMAT, "%s: offset %llu: continuation area points at its own record",
				    c->src->name, (unsigned long long)rec_off);
			goto out;
		}
		seen[hops++] = ce_pos;
		if (ce_len == 0)
			break;
		if (ce_pos > c->src->size || ce_len > c->src->size - ce_pos) {
			rc = err_set(
			    ERR_FORMAT,
			    "%s: offset %llu: continuation area of %llu bytes at offset %llu lies past "
			    "the end of the image (%llu bytes)",
			    c->src->name, (unsigned long long)rec_off, (unsigned long long)ce_len,
			    (unsigned long long)ce_pos, (unsigned long long)c->src->size);
			goto out;
		}
		if (ce_len > c->ce_budget) {
			rc = err_set(
			    ERR_FORMAT,
			    "%s: offset %llu: continuation areas add up to more bytes than the image has",
			    c->src->name, (unsigned long long)rec_off);
			goto out;
		}
		c->ce_budget -= ce_len;
		free(area);
		area = xmalloc((size_t)ce_len);
		if ((rc = imgsrc_pread(c->src, area, (size_t)ce_len, ce_pos)) < 0)
			goto out;
		p = area;
		n = (size_t)ce_len;
		off = ce_pos;
	}
out:
	free(area);
	return rc;
}
