/* Writing a live image to a USB stick: the target and its safety checks
 * (device.c), the copy with read-back verification (writer.c), and the
 * persistence partition (table.c edits the MBR and the GPT, persist.c
 * plans it and runs mke2fs). */
#ifndef MKLIVE_USB_USB_H
#define MKLIVE_USB_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define USB_PERSIST_LABEL "mklive-rw"

enum usb_kind {
	USB_FILE, /* a regular file (tests, images for virtual machines) */
	USB_DISK, /* a whole disk (sdX, mmcblkN, nvmeNnM, vdX...) */
	USB_LOOP, /* a loop device: backed by a file, so treated like a file's disk */
};

struct usb_target {
	char *named; /* as the user wrote it */
	char *path;  /* what is opened: the resolved device node, or the file */
	enum usb_kind kind;
	int fd;		/* O_RDWR (O_EXCL for devices) */
	uint64_t size;	/* capacity: a device's size, a file's size before writing */
	unsigned lbs;	/* logical block size (512 for files) */
	char sys[64];	/* sysfs name: "sdb", "loop3"; "" for a file */
	char model[96]; /* "vendor model" from sysfs, "" when unknown */
	bool removable; /* removable medium, or on a USB or MMC bus */
	char *parts;	/* its partitions: "sdb1 (1.0 GB), sdb2 (15.0 GB)"; "" */
	bool created;	/* a file that did not exist: removed on failure */
	dev_t rdev;
};

struct usb_target_opts {
	bool force; /* also non-removable disks */
	/* The image, so that writing it onto itself is refused. */
	dev_t img_dev;
	ino_t img_ino;
};

/* Open the target with every check done: a block device (whole disk, not
 * a partition; nothing of it mounted, used as swap or held by another
 * device; removable unless o->force; opened O_EXCL) or a regular file
 * (created when missing). A symbolic link is followed only to a block
 * device node, and the node opened must be the device the name showed
 * before and after opening. need: the bytes the write needs (a device
 * smaller than that is refused). Nothing is written. Errors name the path
 * and the reason. */
int usb_target_open(struct usb_target *t, const char *named, const struct usb_target_opts *o, uint64_t need);
/* Close; failed: a file made by usb_target_open is removed. Accepts a
 * zeroed target. */
void usb_target_close(struct usb_target *t, bool failed);
/* For the confirmation: "/dev/sdb: SanDisk Cruzer, 16.0 GB, removable;
 * partitions: sdb1 (16.0 GB)" (malloc'ed). */
char *usb_target_describe(const struct usb_target *t);
/* Close the descriptor for a tool that opens the device exclusively
 * itself (mke2fs), and open it again (checking it is the same node). */
int usb_target_release(struct usb_target *t);
int usb_target_reacquire(struct usb_target *t);
/* Let the kernel read the new partition table (BLKRRPART, waiting while
 * the disk is busy), and when partition partno (byte range start, len)
 * is still not there, add it (BLKPG). 0, or a negative code that need not
 * stop a caller: the next boot reads the table anyway. */
int usb_target_reread(struct usb_target *t, int partno, uint64_t start, uint64_t len);

/* Pure helper (unit-tested): does a /proc/self/mountinfo text mount any
 * of the n devices? Writes the first mount point found to where. */
bool usb_mountinfo_uses(const char *text, const dev_t *devs, size_t n, char *where, size_t cap);
/* "15.9 GB" */
void usb_human_size(uint64_t bytes, char *out, size_t cap);

/* ---- writing (writer.c) ---------------------------------------------- */
struct usb_write_stats {
	uint64_t bytes;	  /* image bytes */
	uint64_t skipped; /* of them, zero runs not written (holes, zeroed by the device) */
	double seconds_write, seconds_verify;
	char sha256[65]; /* of the image, as written and read back */
	bool verified;
};

/* The image to write, probed: a regular file or block device holding a
 * hybrid ISO (usb_check_image), and what a GPT on it needs at the disk's
 * end. */
struct usb_image {
	int fd;
	char *name;
	uint64_t size;
	dev_t dev;
	ino_t ino;
	uint64_t gpt_tail; /* usb_gpt_tail */
};
int usb_image_open(struct usb_image *im, const char *path);
void usb_image_close(struct usb_image *im); /* accepts a zeroed image with fd -1 */

/* The whole medium: usb_write_image of the probed image. */
int usb_write_medium(struct usb_target *t, const struct usb_image *im, bool verify,
		     struct usb_write_stats *st);

/* Write the image (img_size bytes from img_fd) to the target from byte 0,
 * flush it to the medium (fsync), then, with verify, read it back past the
 * page cache and compare SHA-256 digests. Runs of zeros are skipped only
 * where the target provably reads back zero: a file just truncated (a
 * hole), or a device that takes BLKZEROOUT (the kernel guarantees zeros or
 * fails). A mismatch is an error naming the first differing MiB. */
int usb_write_image(struct usb_target *t, int img_fd, uint64_t img_size, const char *img_name, bool verify,
		    struct usb_write_stats *st);

/* ---- the persistence partition (persist.c, table.c) ---------------------- */
/* Check that the image is a hybrid ISO that boots from a USB stick: an
 * ISO 9660 volume (ECMA-119 8.4) with an MBR boot signature. head: the
 * first 34816 bytes (or all of a smaller image). */
int usb_check_image(const uint8_t *head, size_t len, uint64_t size, const char *name);

/* Where the partition goes: from the first MiB boundary at or after the
 * image's end; want bytes, or (rest) to the end of the device less tail
 * bytes (usb_gpt_tail). */
int usb_persist_plan(uint64_t img_size, uint64_t dev_size, uint64_t want, bool rest, uint64_t tail,
		     uint64_t *start, uint64_t *len);
/* The bytes a target needs for the image and, with persist, a partition
 * of want bytes (or, rest, the 16 MiB least) after it. */
uint64_t usb_persist_need(const struct usb_image *im, bool persist, uint64_t want, bool rest);
/* The disk size the partition is planned for: a device's own; a file
 * grows to need, but with rest it must already have that size (its size
 * is the disk's). */
int usb_persist_disk_size(const struct usb_target *t, uint64_t need, bool rest, uint64_t *dsize);
struct usb_persist_result {
	int partno;	     /* MBR slot, else GPT slot */
	bool mbr, gpt;	     /* the tables that got the entry */
	uint64_t start, len; /* bytes */
};
/* After the image is written: plan the partition (usb_persist_plan),
 * add it to the tables (usb_table_add), make the ext4 filesystem
 * (usb_mkfs_ext4, with the target released meanwhile) and let the kernel
 * see it (usb_target_reread; a failure there is a warning). */
int usb_persist_add(struct usb_target *t, const struct usb_image *im, uint64_t dsize, uint64_t want,
		    bool rest, struct usb_persist_result *r);
/* Bytes a GPT needs at the end of the disk (its backup entries and
 * header), from the image's first sectors; 0 when it has no GPT. */
uint64_t usb_gpt_tail(const uint8_t *head, size_t len);

struct usb_table_result {
	int mbr_slot; /* 1..4, 0 when the MBR was protective and kept so */
	bool gpt;     /* a GPT was found and got the entry too */
	int gpt_slot; /* 1-based */
};
/* Add the partition [start, start+len) (bytes, multiples of 512) to the
 * tables on fd: an MBR entry of type 0x83 in the first free slot (unless
 * the MBR only protects a GPT), and, when there is a GPT (primary at LBA
 * 1), an entry of type "Linux filesystem" named label, with both GPT
 * copies rewritten for a disk of dev_size bytes (the backup header moves
 * to the disk's last sector). Refuses a table whose slots are full, an
 * overlap, or a GPT whose checksums are wrong. */
int usb_table_add(int fd, uint64_t dev_size, uint64_t start, uint64_t len, const char *label,
		  struct usb_table_result *r);

/* Run mke2fs -t ext4 -L label on path: at offset with -E offset= when
 * offset is not 0 (a file, or a disk whose partition node is not there),
 * len bytes. The tool's own message is kept in the error. */
int usb_mkfs_ext4(const char *path, uint64_t offset, uint64_t len, const char *label);

#endif
