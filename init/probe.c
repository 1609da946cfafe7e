/* mklive-init: identify the filesystem on a block device (ISO 9660, FAT,
 * ext2/3/4, squashfs) and read a file from ISO 9660 without mounting. */
#include "live.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const char *probe_fstype(enum probe_type t)
{
	switch (t) {
	case PROBE_ISO9660:
		return "iso9660";
	case PROBE_VFAT:
		return "vfat";
	case PROBE_EXT4:
		return "ext4";
	case PROBE_SQUASHFS:
		return "squashfs";
	default:
		return NULL;
	}
}

/* For messages: the filesystem name, or what else the probe saw. */
const char *probe_type_name(enum probe_type t)
{
	const char *fs = probe_fstype(t);
	if (fs)
		return fs;
	return t == PROBE_MBR ? "partition table" : "unknown";
}

static ssize_t pread_all(int fd, void *buf, size_t n, off_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, off + (off_t)got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Copy a space-padded label, trimming the padding. */
static void set_label(struct probe_info *o, const uint8_t *p, size_t n)
{
	while (n && (p[n - 1] == ' ' || p[n - 1] == 0))
		n--;
	if (n >= sizeof o->label)
		n = sizeof o->label - 1;
	for (size_t i = 0; i < n; i++)
		o->label[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	o->label[n] = 0;
}

static bool is_pow2(unsigned v)
{
	return v && !(v & (v - 1));
}

int probe_fd(int fd, struct probe_info *o)
{
	uint8_t head[2048], pvd[2048];
	ssize_t n;
	memset(o, 0, sizeof *o);
	n = pread_all(fd, head, sizeof head, 0);
	if (n < 0)
		return (int)n;
	if (n < 512)
		return 0;
	memset(head + n, 0, sizeof head - (size_t)n);
	/* ECMA-119 8.4: the primary volume descriptor is at sector 16, type 1,
	 * "CD001", version 1; the volume identifier is at BP 41..72. Checked
	 * first: a hybrid ISO also carries an MBR with 0x55AA. */
	n = pread_all(fd, pvd, sizeof pvd, 16 * 2048);
	if (n == (ssize_t)sizeof pvd && pvd[0] == 1 && !memcmp(pvd + 1, "CD001", 5) && pvd[6] == 1) {
		o->type = PROBE_ISO9660;
		set_label(o, pvd + 40, 32);
		return 0;
	}
	/* squashfs superblock: magic "hsqs" (0x73717368 little-endian). */
	if (!memcmp(head, "hsqs", 4)) {
		o->type = PROBE_SQUASHFS;
		return 0;
	}
	/* ext2/3/4 superblock at byte 1024: s_magic 0xEF53 at +56, volume
	 * name at +120 (16 bytes). */
	if (le16(head + 1024 + 56) == 0xEF53) {
		o->type = PROBE_EXT4;
		set_label(o, head + 1024 + 120, 16);
		return 0;
	}
	if (head[510] == 0x55 && head[511] == 0xAA) {
		/* FAT boot sector (Microsoft FAT spec, BPB): bytes per sector at
		 * 11, sectors per cluster 13, reserved sectors 14, FATs 16; the
		 * extended BPB's file system type at 54 (FAT12/16) or 82 (FAT32),
		 * volume label at 43 or 71. */
		unsigned bps = le16(head + 11), spc = head[13], rsv = le16(head + 14), nfats = head[16];
		bool bpb = bps >= 512 && bps <= 4096 && is_pow2(bps) && is_pow2(spc) && rsv >= 1 &&
			   (nfats == 1 || nfats == 2);
		if (bpb && !memcmp(head + 82, "FAT32", 5)) {
			o->type = PROBE_VFAT;
			set_label(o, head + 71, 11);
			return 0;
		}
		if (bpb && !memcmp(head + 54, "FAT", 3)) {
			o->type = PROBE_VFAT;
			set_label(o, head + 43, 11);
			return 0;
		}
		if (bpb && le16(head + 17) != 0 && head[21] >= 0xF0) {
			o->type = PROBE_VFAT; /* BPB without an extended BPB */
			return 0;
		}
		o->type = PROBE_MBR;
	}
	return 0;
}

/* Does an ISO 9660 file identifier (d-characters, maybe "NAME.EXT;1")
 * name the path component want? Case is ignored (ISO names are upper case,
 * ours are lower case), so is the version and an empty extension's dot. */
static bool iso_name_eq(const uint8_t *id, size_t len, const char *want, size_t wlen)
{
	size_t n = len;
	for (size_t i = 0; i < len; i++)
		if (id[i] == ';') {
			n = i;
			break;
		}
	if (n && id[n - 1] == '.')
		n--;
	if (n != wlen)
		return false;
	for (size_t i = 0; i < n; i++) {
		int a = id[i], b = (unsigned char)want[i];
		if (a >= 'a' && a <= 'z')
			a -= 32;
		if (b >= 'a' && b <= 'z')
			b -= 32;
		if (a != b)
			return false;
	}
	return true;
}

ssize_t probe_iso_read(int fd, const char *path, char *buf, size_t cap)
{
	uint8_t pvd[2048], sec[2048];
	ssize_t n = pread_all(fd, pvd, sizeof pvd, 16 * 2048);
	if (n < 0)
		return n;
	if (n != 2048 || pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5))
		return -EINVAL;
	/* ECMA-119 8.4.12: logical block size (723, both-endian) at BP 129;
	 * 8.4.18: the root directory record at BP 157. 9.1: a directory
	 * record has its extent (733) at BP 3, data length (733) at BP 11,
	 * flags at BP 26 (bit 1: directory), identifier length at BP 33 and
	 * the identifier at BP 34. */
	uint32_t bs = le16(pvd + 128);
	if (bs != 2048)
		return -EINVAL;
	uint32_t ext = le32(pvd + 156 + 2), size = le32(pvd + 156 + 10);
	bool isdir = true;
	const char *p = path;
	while (*p) {
		size_t wl = strcspn(p, "/");
		bool found = false;
		if (!isdir)
			return -ENOENT;
		if (size > 16 * 1024 * 1024)
			return -EINVAL;
		for (uint32_t off = 0; off < size && !found; off += 2048) {
			if (pread_all(fd, sec, 2048, (off_t)(ext + off / 2048) * 2048) != 2048)
				return -EIO;
			for (size_t r = 0; r + 34 <= 2048;) {
				uint8_t len = sec[r];
				if (len == 0)
					break; /* rest of the sector is padding (6.8.1.1) */
				if (len < 34 || r + len > 2048 || 33u + sec[r + 32] > len)
					return -EINVAL;
				if (!(sec[r + 32] == 1 && sec[r + 33] <= 1) &&
				    iso_name_eq(sec + r + 33, sec[r + 32], p, wl)) {
					ext = le32(sec + r + 2);
					size = le32(sec + r + 10);
					isdir = sec[r + 25] & 2;
					found = true;
					break;
				}
				r += len;
			}
		}
		if (!found)
			return -ENOENT;
		p += wl;
		while (*p == '/')
			p++;
	}
	if (isdir)
		return -EISDIR;
	size_t want = size < cap ? size : cap;
	n = pread_all(fd, buf, want, (off_t)ext * 2048);
	if (n < 0)
		return n;
	return n;
}
