/* The options of the ISO 9660 writer, set by key from the command line and
 * the build configuration alike, and the rules between them. */
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "iso9660/iso.h"
#include "part/part.h"
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void iso_opts_init(struct iso_opts *o)
{
	memset(o, 0, sizeof *o);
	o->level = 1;
	o->volume_id = "CDROM";
	o->system_id = "LINUX";
	o->build_time = -1;
}

void iso_opts_free(struct iso_opts *o)
{
	for (size_t i = 0; i < ISO_MAX_APPEND; i++) {
		free(o->append[i].path);
		o->append[i].path = NULL;
	}
}

bool iso_opts_gpt(const struct iso_opts *o)
{
	bool any_append = false;
	for (size_t i = 0; i < ISO_MAX_APPEND; i++)
		any_append |= o->append[i].path != NULL;
	if (o->efi_boot_part || (o->appended_as_gpt && any_append))
		return true;
	for (size_t i = 0; i < o->nboot; i++)
		if (o->boot[i].gpt)
			return true;
	return false;
}

enum key {
	K_LEVEL,
	K_LONG,
	K_ROCK,
	K_RROCK,
	K_JOLIET,
	K_PAD,
	K_HIDERR,
	K_RELOCDIR,
	K_NORELOC,
	K_VOLID,
	K_APPID,
	K_PREPARER,
	K_PUBLISHER,
	K_SYSID,
	K_VOLSET,
	K_CATALOG,
	K_BOOT,
	K_EFIBOOT,
	K_NOEMUL,
	K_HD,
	K_LOADSIZE,
	K_LOADSEG,
	K_INFOTABLE,
	K_NOBOOT,
	K_ALT,
	K_HYBRID,
	K_GPT_BASDAT,
	K_APM_HFSPLUS,
	K_APPEND_PART,
	K_APPEND_GPT,
	K_EFI_BOOT_PART,
	K_MBR_BOOTABLE,
	K_PART_OFFSET,
};

static const struct {
	const char *key;
	enum key k;
	bool flag;
} keys[] = {
    {"level", K_LEVEL, false},
    {"long-names", K_LONG, true},
    {"rock", K_ROCK, true},
    {"rational-rock", K_RROCK, true},
    {"joliet", K_JOLIET, true},
    {"pad", K_PAD, true},
    {"hide-rr-moved", K_HIDERR, true},
    {"rr-reloc-dir", K_RELOCDIR, false},
    {"disable-deep-relocation", K_NORELOC, true},
    {"volume-id", K_VOLID, false},
    {"application-id", K_APPID, false},
    {"preparer-id", K_PREPARER, false},
    {"publisher-id", K_PUBLISHER, false},
    {"system-id", K_SYSID, false},
    {"volset-id", K_VOLSET, false},
    {"catalog", K_CATALOG, false},
    {"boot-image", K_BOOT, false},
    {"efi-boot-image", K_EFIBOOT, false},
    {"no-emul-boot", K_NOEMUL, true},
    {"hard-disk-boot", K_HD, true},
    {"boot-load-size", K_LOADSIZE, false},
    {"boot-load-seg", K_LOADSEG, false},
    {"boot-info-table", K_INFOTABLE, true},
    {"no-boot", K_NOBOOT, true},
    {"alt-boot", K_ALT, true},
    {"isohybrid-mbr", K_HYBRID, false},
    {"isohybrid-gpt-basdat", K_GPT_BASDAT, true},
    {"isohybrid-apm-hfsplus", K_APM_HFSPLUS, true},
    {"append-partition", K_APPEND_PART, false},
    {"appended-part-as-gpt", K_APPEND_GPT, true},
    {"efi-boot-part", K_EFI_BOOT_PART, false},
    {"mbr-force-bootable", K_MBR_BOOTABLE, true},
    {"partition-offset", K_PART_OFFSET, false},
};

/* "N TYPE FILE" of -append_partition: N 1..4, TYPE an MBR type byte
 * (0xef, ef) or a GPT type GUID (then the MBR gets the type byte that
 * stands for it, 0xEF for the ESP, 0x83 Linux, 0xDA "non-FS data" for the
 * rest), FILE the rest (it may hold spaces). */
static int set_append(struct iso_opts *o, const char *value, const char *label)
{
	char num[8], type[64];
	int used = 0;
	unsigned long n;
	struct iso_append_part *a;
	if (sscanf(value, "%7s %63s %n", num, type, &used) != 2 || !value[used])
		return err_set(ERR_USAGE, "%s %s: expected N TYPE FILE (e.g. 2 0xef efi.img)", label, value);
	n = strtoul(num, NULL, 10);
	if (n < 1 || n > ISO_MAX_APPEND || strspn(num, "0123456789") != strlen(num))
		return err_set(ERR_USAGE, "%s %s: partition number %s, expected 1 to %d", label, value, num,
			       ISO_MAX_APPEND);
	a = &o->append[n - 1];
	if (a->path)
		return err_set(ERR_USAGE, "%s: partition %lu is given twice", label, n);
	if (strlen(type) >= 32) {
		int rc = part_guid_parse(type, a->gpt_type, label);
		if (rc)
			return rc;
		a->mbr_type = 0xDA; /* "non-FS data" for any other type */
		for (unsigned t = 1; t < 0x100; t++)
			if (t != 0xDA && !memcmp(part_type_from_mbr((uint8_t)t), a->gpt_type, 16) &&
			    memcmp(a->gpt_type, PART_TYPE_BASIC_DATA, 16)) {
				a->mbr_type = (uint8_t)t;
				break;
			}
	} else {
		char *end;
		unsigned long t = strtoul(type, &end, 16);
		if (*end || end == type || t == 0 || t > 0xFF || t == 0xEE)
			return err_set(ERR_USAGE,
				       "%s %s: type %s is neither an MBR type byte 0x01..0xff (but 0xee) "
				       "nor a GPT type GUID",
				       label, value, type);
		a->mbr_type = (uint8_t)t;
		memcpy(a->gpt_type, part_type_from_mbr(a->mbr_type), 16);
	}
	a->path = xstrdup(value + used);
	return 0;
}

static const char *skip_slashes(const char *p)
{
	while (*p == '/')
		p++;
	return p;
}

int iso_opts_set(struct iso_opts *o, const char *key, const char *value, const char *label)
{
	struct iso_boot_entry *e = &o->boot[o->cur];
	size_t k;
	bool on = true;
	uint64_t v;
	int rc;
	if (!label)
		label = key;
	for (k = 0; k < ARRAY_SIZE(keys); k++)
		if (!strcmp(keys[k].key, key))
			break;
	if (k == ARRAY_SIZE(keys))
		return err_set(ERR_USAGE, "%s: not an ISO 9660 option", label);
	if (keys[k].flag) {
		if (value && (rc = util_parse_bool(value, &on, label)))
			return rc;
	} else if (!value) {
		return err_set(ERR_USAGE, "%s needs a value", label);
	}
	switch (keys[k].k) {
	case K_LEVEL:
		if ((rc = util_parse_uint(value, 0, 99, &v, label)))
			return rc;
		o->level = (int)v;
		snprintf(o->label.level, sizeof o->label.level, "%s", label);
		break;
	case K_LONG:
		o->long_names = on;
		break;
	case K_ROCK:
		o->rock = on;
		if (!on)
			o->rationalize = false;
		break;
	case K_RROCK:
		o->rock = o->rationalize = on;
		break;
	case K_JOLIET:
		o->joliet = on;
		break;
	case K_PAD:
		o->pad = on;
		break;
	case K_HIDERR: /* xorriso: -rr_reloc_dir /.rr_moved */
		o->reloc_dir = on ? ".rr_moved" : NULL;
		break;
	case K_RELOCDIR:
		value = skip_slashes(value);
		if (!*value || strchr(value, '/') || strlen(value) > 255 || !strcmp(value, ".") ||
		    !strcmp(value, ".."))
			return err_set(ERR_USAGE,
				       "%s %s: the relocation directory is one name in the root "
				       "(1 to 255 bytes, no '/'), as rr_moved",
				       label, value);
		o->reloc_dir = value;
		break;
	case K_NORELOC:
		o->no_reloc = on;
		break;
	case K_VOLID:
		o->volume_id = value;
		snprintf(o->label.volume_id, sizeof o->label.volume_id, "%s", label);
		break;
	case K_APPID:
		o->application_id = value;
		snprintf(o->label.application_id, sizeof o->label.application_id, "%s", label);
		break;
	case K_PREPARER:
		o->preparer_id = value;
		snprintf(o->label.preparer_id, sizeof o->label.preparer_id, "%s", label);
		break;
	case K_PUBLISHER:
		o->publisher_id = value;
		snprintf(o->label.publisher_id, sizeof o->label.publisher_id, "%s", label);
		break;
	case K_SYSID:
		o->system_id = value;
		snprintf(o->label.system_id, sizeof o->label.system_id, "%s", label);
		break;
	case K_VOLSET:
		o->volset_id = value;
		snprintf(o->label.volset_id, sizeof o->label.volset_id, "%s", label);
		break;
	case K_CATALOG:
		o->catalog = skip_slashes(value);
		break;
	case K_HYBRID:
		o->isohybrid_mbr = value;
		snprintf(o->label.isohybrid_mbr, sizeof o->label.isohybrid_mbr, "%s", label);
		break;
	case K_ALT:
		if (!on)
			break;
		if (!e->image)
			return err_set(ERR_USAGE, "%s: the boot entry before it has no -b or -e", label);
		if (o->cur + 1 >= ISO_MAX_BOOT)
			return err_set(ERR_USAGE, "%s: too many boot entries (at most %d)", label,
				       ISO_MAX_BOOT);
		o->cur++;
		break;
	case K_BOOT:
	case K_EFIBOOT:
		if (e->image)
			return err_set(ERR_USAGE,
				       "%s %s: this boot entry already has %s (use -eltorito-alt-boot first)",
				       label, value, e->image);
		if (util_has_prefix(value, "--interval:appended_partition_")) {
			/* xorriso: the boot image is an appended partition */
			const char *p = value + strlen("--interval:appended_partition_");
			if (keys[k].k != K_EFIBOOT || *p < '1' || *p > '0' + ISO_MAX_APPEND ||
			    (p[1] && strcmp(p + 1, ":all::")))
				return err_set(ERR_USAGE,
					       "%s %s: only an EFI image (-e) may be an appended partition, "
					       "as --interval:appended_partition_N:all:: with N 1..%d",
					       label, value, ISO_MAX_APPEND);
			e->appended = *p - '0';
		}
		e->image = e->appended ? value : skip_slashes(value);
		if (keys[k].k == K_EFIBOOT) {
			e->platform = 0xEF;
			e->emul = ISO_EMUL_NONE;
			o->given[o->cur].noemul = true;
		}
		o->given[o->cur].any = true;
		break;
	case K_NOEMUL:
		if (on) {
			e->emul = ISO_EMUL_NONE;
			o->given[o->cur].noemul = o->given[o->cur].any = true;
		}
		break;
	case K_HD:
		if (on) {
			e->emul = ISO_EMUL_HARDDISK;
			o->given[o->cur].hd = o->given[o->cur].any = true;
		}
		break;
	case K_LOADSIZE:
		if ((rc = util_parse_uint(value, 1, 0xFFFF, &v, label)))
			return rc;
		e->load_size = (uint32_t)v;
		o->given[o->cur].any = true;
		break;
	case K_LOADSEG:
		if ((rc = util_parse_uint(value, 0, 0xFFFF, &v, label)))
			return rc;
		e->load_seg = (uint16_t)v;
		o->given[o->cur].any = true;
		break;
	case K_INFOTABLE:
		e->info_table = on;
		o->given[o->cur].any = true;
		break;
	case K_NOBOOT:
		e->no_boot = on;
		o->given[o->cur].any = true;
		break;
	case K_GPT_BASDAT:
		e->gpt = on;
		o->given[o->cur].any = true;
		break;
	case K_APM_HFSPLUS:
		if (on)
			log_warn("%s: no Apple Partition Map is written (Macs start the image through "
				 "its EFI boot image); ignored",
				 label);
		break;
	case K_APPEND_PART:
		return set_append(o, value, label);
	case K_APPEND_GPT:
		o->appended_as_gpt = on;
		break;
	case K_EFI_BOOT_PART:
		if (strcmp(value, "--efi-boot-image"))
			return err_set(ERR_USAGE,
				       "%s %s: only --efi-boot-image (the EFI boot image becomes the GPT's "
				       "EFI system partition); append a file with -append_partition 2 0xef "
				       "FILE",
				       label, value);
		o->efi_boot_part = true;
		break;
	case K_MBR_BOOTABLE:
		o->mbr_force_bootable = on;
		break;
	case K_PART_OFFSET:
		if ((rc = util_parse_uint(value, 0, 0xFFFF, &v, label)))
			return rc;
		if (v && v < 16)
			return err_set(ERR_USAGE,
				       "%s %s: the partition must start at block 16 or later (or 0: none)",
				       label, value);
		o->partition_offset = (uint32_t)v;
		break;
	}
	return 0;
}

/* An identifier of the volume descriptor: at most max bytes, and no
 * control characters (a boot menu or a file manager shows it as a line). */
static int check_id(const char *label, const char *what, const char *s, size_t max)
{
	char shown[72];
	if (!s)
		return 0;
	snprintf(shown, sizeof shown, "%.64s%s", s, strlen(s) > 64 ? "..." : "");
	if (strlen(s) > max)
		return err_set(ERR_USAGE, "%s: %s \"%s\" is %zu characters; at most %zu fit", label, what,
			       shown, strlen(s), max);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(ERR_USAGE, "%s: %s: a control character (0x%02x at byte %zu)", label,
				       what, *p, (size_t)(p - (const unsigned char *)s));
	return 0;
}

#define LABEL(o, f, key) ((o)->label.f[0] ? (o)->label.f : (key))

int iso_opts_check(struct iso_opts *o)
{
	int rc;
	if (o->level < 1 || o->level > 3)
		return err_set(ERR_USAGE, "%s %d: must be 1, 2 or 3", LABEL(o, level, "level"), o->level);
	if ((rc = check_id(LABEL(o, volume_id, "volume-id"), "volume id", o->volume_id, 32)) ||
	    (rc = check_id(LABEL(o, system_id, "system-id"), "system id", o->system_id, 32)) ||
	    (rc = check_id(LABEL(o, volset_id, "volset-id"), "volume set id", o->volset_id, 128)) ||
	    (rc = check_id(LABEL(o, publisher_id, "publisher-id"), "publisher id", o->publisher_id, 128)) ||
	    (rc = check_id(LABEL(o, preparer_id, "preparer-id"), "preparer id", o->preparer_id, 128)) ||
	    (rc = check_id(LABEL(o, application_id, "application-id"), "application id", o->application_id,
			   128)))
		return rc;
	for (size_t i = 0; i <= o->cur; i++) {
		if (o->given[i].noemul && o->given[i].hd)
			return err_set(ERR_USAGE, "boot entry %s: -no-emul-boot and -hard-disk-boot conflict",
				       o->boot[i].image ? o->boot[i].image : "(none)");
		if (o->given[i].any && !o->boot[i].image)
			return err_set(ERR_USAGE,
				       "boot options given without a boot image (-b FILE or -e FILE)");
	}
	o->nboot = o->boot[0].image ? o->cur + 1 : 0;
	for (size_t i = 0; i < o->nboot; i++)
		if (o->boot[i].appended && !o->append[o->boot[i].appended - 1].path)
			return err_set(ERR_USAGE, "boot image %s: there is no -append_partition %d",
				       o->boot[i].image, o->boot[i].appended);
	if (o->efi_boot_part) {
		size_t i;
		for (i = 0; i < o->nboot; i++)
			if (o->boot[i].platform == 0xEF)
				break;
		if (i == o->nboot)
			return err_set(ERR_USAGE,
				       "-efi-boot-part --efi-boot-image needs an EFI boot image (-e)");
	}
	if (o->catalog && !o->nboot)
		return err_set(ERR_USAGE, "-c %s given without a boot image (-b or -e)", o->catalog);
	if (o->nboot && !o->catalog)
		o->catalog = "boot.catalog";
	if (o->isohybrid_mbr && !o->nboot)
		return err_set(ERR_USAGE, "%s needs an El Torito boot image (-b isolinux.bin -no-emul-boot)",
			       LABEL(o, isohybrid_mbr, "isohybrid-mbr"));
	if (!o->application_id)
		o->application_id = "MKLIVE " MKLIVE_VERSION;
	return 0;
}
