/* ECMA-119 record encoders: volume descriptors (8.4, 8.5), directory
 * records (9.1), path table records (9.4), dates (8.4.26.1, 9.1.5). */
#include "iso9660/ecma119.h"

#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

_Static_assert(ISO_DR_BASE == 33, "directory record fixed part is 33 bytes (9.1)");

void iso_put_723(uint8_t *p, uint16_t v)
{
	put_le16(p, v);
	put_be16(p + 2, v);
}

void iso_put_733(uint8_t *p, uint32_t v)
{
	put_le32(p, v);
	put_be32(p + 4, v);
}

static void utc(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;
	memset(tm, 0, sizeof *tm);
	if (!gmtime_r(&tt, tm))
		memset(tm, 0, sizeof *tm);
}

void iso_put_dr_date(uint8_t *p, int64_t t)
{
	struct tm tm;
	/* 9.1.5: years since 1900 in one byte: 1900-01-01T00:00:00 ..
	 * 2155-12-31T23:59:59 */
	if (t < -2208988800LL)
		t = -2208988800LL;
	if (t > 5869583999LL)
		t = 5869583999LL;
	utc(t, &tm);
	p[0] = (uint8_t)tm.tm_year;
	p[1] = (uint8_t)(tm.tm_mon + 1);
	p[2] = (uint8_t)tm.tm_mday;
	p[3] = (uint8_t)tm.tm_hour;
	p[4] = (uint8_t)tm.tm_min;
	p[5] = (uint8_t)tm.tm_sec;
	p[6] = 0; /* offset from GMT in 15-minute units */
}

void iso_put_vd_date(uint8_t *p, int64_t t)
{
	struct tm tm;
	char buf[32];
	if (t < 0) {
		memset(p, '0', 16);
		p[16] = 0;
		return;
	}
	if (t > 253402300799LL) /* 9999-12-31T23:59:59 */
		t = 253402300799LL;
	utc(t, &tm);
	snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec);
	memcpy(p, buf, 16);
	p[16] = 0;
}

void iso_put_strpad(uint8_t *p, size_t n, const char *s)
{
	size_t l = s ? strlen(s) : 0;
	if (l > n)
		l = n;
	memset(p, ' ', n);
	if (l)
		memcpy(p, s, l);
}

size_t iso_dr_len(size_t name_len, size_t su_len)
{
	size_t l = ISO_DR_BASE + name_len + !(name_len & 1) + su_len;
	return l + (l & 1);
}

size_t iso_dr_encode(uint8_t *p, const struct iso_dr *r)
{
	size_t len = iso_dr_len(r->name_len, r->su_len);
	size_t su_off = ISO_DR_BASE + r->name_len + !(r->name_len & 1);
	memset(p, 0, len);
	p[0] = (uint8_t)len;		      /* 9.1.1 length of directory record */
	p[1] = 0;			      /* 9.1.2 extended attribute record length */
	iso_put_733(p + 2, r->extent);	      /* 9.1.3 location of extent */
	iso_put_733(p + 10, r->size);	      /* 9.1.4 data length */
	iso_put_dr_date(p + 18, r->mtime);    /* 9.1.5 recording date and time */
	p[25] = r->flags;		      /* 9.1.6 file flags */
	p[26] = 0;			      /* 9.1.7 file unit size */
	p[27] = 0;			      /* 9.1.8 interleave gap size */
	iso_put_723(p + 28, 1);		      /* 9.1.9 volume sequence number */
	p[32] = (uint8_t)r->name_len;	      /* 9.1.10 length of file identifier */
	memcpy(p + 33, r->name, r->name_len); /* 9.1.11; 9.1.12 padding stays 0 */
	if (r->su_len)
		memcpy(p + su_off, r->su, r->su_len); /* 9.1.13 system use */
	return len;
}

size_t iso_pt_len(size_t name_len)
{
	return ISO_PT_BASE + name_len + (name_len & 1);
}

size_t iso_pt_encode(uint8_t *p, const uint8_t *name, size_t name_len, uint32_t extent, uint16_t parent,
		     bool big_endian)
{
	size_t len = iso_pt_len(name_len);
	memset(p, 0, len);
	p[0] = (uint8_t)name_len; /* 9.4.1 length of directory identifier */
	p[1] = 0;		  /* 9.4.2 extended attribute record length */
	if (big_endian) {	  /* 9.4.3 location, 9.4.4 parent directory number */
		put_be32(p + 2, extent);
		put_be16(p + 6, parent);
	} else {
		put_le32(p + 2, extent);
		put_le16(p + 6, parent);
	}
	memcpy(p + 8, name, name_len); /* 9.4.5; 9.4.6 padding stays 0 */
	return len;
}

/* Fill an identifier field: the given bytes, then spaces (UCS-2 spaces for
 * Joliet, 0x00 0x20 pairs). */
static void put_id(uint8_t *p, size_t n, const uint8_t *s, size_t len, bool ucs2)
{
	if (len > n)
		len = n;
	if (ucs2) {
		len &= ~(size_t)1;
		for (size_t i = 0; i + 1 < n; i += 2) {
			p[i] = 0;
			p[i + 1] = ' ';
		}
		if (n & 1)
			p[n - 1] = 0;
	} else
		memset(p, ' ', n);
	if (len)
		memcpy(p, s, len);
}

void iso_vd_encode(uint8_t *p, const struct iso_vd *v)
{
	struct iso_dr root = {
	    .extent = v->root_extent,
	    .size = v->root_size,
	    .mtime = v->root_mtime,
	    .flags = ISO_DR_DIR,
	    .name = (const uint8_t *)"",
	    .name_len = 1,
	};
	memset(p, 0, ISO_BLOCK);
	p[0] = v->type;						       /* 8.4.1 volume descriptor type */
	memcpy(p + 1, "CD001", 5);				       /* 8.4.2 standard identifier */
	p[6] = 1;						       /* 8.4.3 volume descriptor version */
	p[7] = 0;						       /* 8.5.3 volume flags */
	put_id(p + 8, 32, v->system_id, v->system_id_len, v->joliet);  /* 8.4.5 */
	put_id(p + 40, 32, v->volume_id, v->volume_id_len, v->joliet); /* 8.4.6 */
	iso_put_733(p + 80, v->volume_space);			       /* 8.4.8 volume space size */
	if (v->joliet) /* 8.5.6 escape sequences: UCS-2 level 3 */
		memcpy(p + 88, "%/E", 3);
	iso_put_723(p + 120, 1);					 /* 8.4.10 volume set size */
	iso_put_723(p + 124, 1);					 /* 8.4.11 volume sequence number */
	iso_put_723(p + 128, ISO_BLOCK);				 /* 8.4.12 logical block size */
	iso_put_733(p + 132, v->pt_size);				 /* 8.4.13 path table size */
	put_le32(p + 140, v->pt_l);					 /* 8.4.14 type L path table */
	put_le32(p + 144, 0);						 /* 8.4.15 optional type L */
	put_be32(p + 148, v->pt_m);					 /* 8.4.16 type M path table */
	put_be32(p + 152, 0);						 /* 8.4.17 optional type M */
	iso_dr_encode(p + 156, &root);					 /* 8.4.18 root directory record */
	put_id(p + 190, 128, v->volset_id, v->volset_id_len, v->joliet); /* 8.4.19 */
	put_id(p + 318, 128, v->publisher_id, v->publisher_id_len, v->joliet);	   /* 8.4.20 */
	put_id(p + 446, 128, v->preparer_id, v->preparer_id_len, v->joliet);	   /* 8.4.21 */
	put_id(p + 574, 128, v->application_id, v->application_id_len, v->joliet); /* 8.4.22 */
	put_id(p + 702, 37, NULL, 0, v->joliet); /* 8.4.23 copyright file identifier */
	put_id(p + 739, 37, NULL, 0, v->joliet); /* 8.4.24 abstract file identifier */
	put_id(p + 776, 37, NULL, 0, v->joliet); /* 8.4.25 bibliographic file identifier */
	iso_put_vd_date(p + 813, v->created);	 /* 8.4.26 creation */
	iso_put_vd_date(p + 830, v->created);	 /* 8.4.27 modification */
	iso_put_vd_date(p + 847, -1);		 /* 8.4.28 expiration: not specified */
	iso_put_vd_date(p + 864, v->created);	 /* 8.4.29 effective */
	p[881] = 1;				 /* 8.4.31 file structure version */
}

void iso_vd_terminator(uint8_t *p)
{
	memset(p, 0, ISO_BLOCK);
	p[0] = ISO_VD_TERMINATOR; /* 8.3.1 */
	memcpy(p + 1, "CD001", 5);
	p[6] = 1;
}

/* Split "NAME.EXT;V" into its parts (9.3 ordering). */
static void split_id(const char *s, size_t *name_len, const char **ext, size_t *ext_len, unsigned *version)
{
	const char *semi = strchr(s, ';');
	const char *end = semi ? semi : s + strlen(s);
	const char *dot = memchr(s, '.', (size_t)(end - s));
	*version = semi ? (unsigned)strtoul(semi + 1, NULL, 10) : 0;
	if (dot) {
		*name_len = (size_t)(dot - s);
		*ext = dot + 1;
		*ext_len = (size_t)(end - dot - 1);
	} else {
		*name_len = (size_t)(end - s);
		*ext = end;
		*ext_len = 0;
	}
}

static int padcmp(const char *a, size_t al, const char *b, size_t bl)
{
	size_t n = MAX(al, bl);
	for (size_t i = 0; i < n; i++) {
		unsigned char ca = i < al ? (unsigned char)a[i] : ' ';
		unsigned char cb = i < bl ? (unsigned char)b[i] : ' ';
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return 0;
}

int iso_name_cmp(const char *a, const char *b)
{
	size_t an, bn, ae, be;
	const char *aext, *bext;
	unsigned av, bv;
	int c;
	split_id(a, &an, &aext, &ae, &av);
	split_id(b, &bn, &bext, &be, &bv);
	c = padcmp(a, an, b, bn);
	if (c)
		return c;
	c = padcmp(aext, ae, bext, be);
	if (c)
		return c;
	return av == bv ? 0 : av > bv ? -1 : 1;
}
