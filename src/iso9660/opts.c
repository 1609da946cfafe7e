/* The options of the ISO 9660 writer, set by key from the command line and
 * the build configuration alike, and the rules between them. */
#include "core/error.h"
#include "core/util.h"
#include "iso9660/iso.h"
#include "version.h"

#include <string.h>

void iso_opts_init(struct iso_opts *o)
{
	memset(o, 0, sizeof *o);
	o->level = 1;
	o->volume_id = "CDROM";
	o->system_id = "LINUX";
	o->build_time = -1;
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
};

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
		if ((rc = util_parse_uint(value, 1, 3, &v, label)))
			return rc;
		o->level = (int)v;
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
		break;
	case K_APPID:
		o->application_id = value;
		break;
	case K_PREPARER:
		o->preparer_id = value;
		break;
	case K_PUBLISHER:
		o->publisher_id = value;
		break;
	case K_SYSID:
		o->system_id = value;
		break;
	case K_VOLSET:
		o->volset_id = value;
		break;
	case K_CATALOG:
		o->catalog = skip_slashes(value);
		break;
	case K_HYBRID:
		o->isohybrid_mbr = value;
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
		e->image = skip_slashes(value);
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
	}
	return 0;
}

int iso_opts_check(struct iso_opts *o)
{
	for (size_t i = 0; i <= o->cur; i++) {
		if (o->given[i].noemul && o->given[i].hd)
			return err_set(ERR_USAGE, "boot entry %s: -no-emul-boot and -hard-disk-boot conflict",
				       o->boot[i].image ? o->boot[i].image : "(none)");
		if (o->given[i].any && !o->boot[i].image)
			return err_set(ERR_USAGE,
				       "boot options given without a boot image (-b FILE or -e FILE)");
	}
	o->nboot = o->boot[0].image ? o->cur + 1 : 0;
	if (o->catalog && !o->nboot)
		return err_set(ERR_USAGE, "-c %s given without a boot image (-b or -e)", o->catalog);
	if (o->nboot && !o->catalog)
		o->catalog = "boot.catalog";
	if (!o->application_id)
		o->application_id = "MKLIVE " MKLIVE_VERSION;
	return 0;
}
