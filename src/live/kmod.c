/* Kernel-module selection and trimmed module indexes (see kmod.h). */
#include "live/kmod.h"

#include "core/error.h"
#include "core/util.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct kmod_ent {
	char *path;   /* "kernel/fs/isofs/isofs.ko" */
	char *name;   /* "isofs" ('-' folded to '_') */
	char *line;   /* the modules.dep line as read */
	size_t *deps; /* indices */
	size_t ndeps;
	bool sel;
	char *src; /* a module from outside the modules directory, or NULL */
};

struct kmod_line {
	char *text;
	size_t mod; /* index of the module it is about */
};

struct kmod_set {
	struct kmod_ent *mods;
	size_t nmods, cap;
	struct kmod_line *aliases, *softdeps;
	size_t naliases, alias_cap, nsoftdeps, softdep_cap;
	/* name -> index, open addressing */
	size_t *hash;
	size_t hcap;
};

static void mod_name(const char *path, size_t n, char *out, size_t cap)
{
	const char *b = path;
	for (size_t i = 0; i < n; i++)
		if (path[i] == '/')
			b = path + i + 1;
	size_t l = (size_t)(path + n - b);
	const char *dot = memchr(b, '.', l);
	if (dot)
		l = (size_t)(dot - b);
	if (l >= cap)
		l = cap - 1;
	for (size_t i = 0; i < l; i++)
		out[i] = b[i] == '-' ? '_' : b[i];
	out[l] = 0;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void hash_rebuild(struct kmod_set *s)
{
	free(s->hash);
	s->hcap = 64;
	while (s->hcap < s->nmods * 2)
		s->hcap *= 2;
	s->hash = xmalloc(s->hcap * sizeof *s->hash);
	for (size_t i = 0; i < s->hcap; i++)
		s->hash[i] = SIZE_MAX;
	for (size_t i = 0; i < s->nmods; i++) {
		size_t h = (size_t)hash_str(s->mods[i].name) & (s->hcap - 1);
		while (s->hash[h] != SIZE_MAX)
			h = (h + 1) & (s->hcap - 1);
		s->hash[h] = i;
	}
}

static size_t find(const struct kmod_set *s, const char *name)
{
	char n[256];
	mod_name(name, strlen(name), n, sizeof n);
	if (!s->hcap)
		return SIZE_MAX;
	size_t h = (size_t)hash_str(n) & (s->hcap - 1);
	while (s->hash[h] != SIZE_MAX) {
		if (!strcmp(s->mods[s->hash[h]].name, n))
			return s->hash[h];
		h = (h + 1) & (s->hcap - 1);
	}
	return SIZE_MAX;
}

bool kmod_set_has(const struct kmod_set *s, const char *name)
{
	size_t i = find(s, name);
	return i != SIZE_MAX && s->mods[i].sel;
}

/* Split text into lines (the copy is modified). */
static char *next_line(char **p)
{
	char *l = *p, *e;
	if (!l || !*l)
		return NULL;
	e = strchr(l, '\n');
	if (e) {
		*e = 0;
		*p = e + 1;
	} else {
		*p = l + strlen(l);
	}
	return l;
}

static void add_line(struct kmod_line **arr, size_t *n, size_t *cap, const char *text, size_t mod)
{
	util_grow(arr, cap, *n + 1, sizeof **arr);
	(*arr)[*n].text = xstrdup(text);
	(*arr)[(*n)++].mod = mod;
}

int kmod_set_parse(struct kmod_set **out, const char *dep, const char *alias, const char *softdep)
{
	struct kmod_set *s = xcalloc(1, sizeof *s);
	char *copy = xstrdup(dep), *p = copy, *l;
	while ((l = next_line(&p))) {
		char *colon = strchr(l, ':');
		char name[256];
		if (!colon || *l == '#')
			continue;
		util_grow(&s->mods, &s->cap, s->nmods + 1, sizeof *s->mods);
		struct kmod_ent *m = &s->mods[s->nmods++];
		memset(m, 0, sizeof *m);
		m->line = xstrdup(l);
		m->path = xstrndup(l, (size_t)(colon - l));
		mod_name(l, (size_t)(colon - l), name, sizeof name);
		m->name = xstrdup(name);
	}
	hash_rebuild(s);
	for (size_t i = 0; i < s->nmods; i++) {
		char *q = strchr(s->mods[i].line, ':') + 1, *save = NULL, *w;
		char *tmp = xstrdup(q);
		size_t cap = 0;
		for (w = strtok_r(tmp, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
			size_t d = find(s, w);
			if (d == SIZE_MAX || d == i)
				continue;
			util_grow(&s->mods[i].deps, &cap, s->mods[i].ndeps + 1, sizeof(size_t));
			s->mods[i].deps[s->mods[i].ndeps++] = d;
		}
		free(tmp);
	}
	free(copy);
	if (alias) {
		copy = p = xstrdup(alias);
		while ((l = next_line(&p))) {
			char *save = NULL, *tmp = xstrdup(l);
			char *kw = strtok_r(tmp, " \t", &save), *pat = strtok_r(NULL, " \t", &save),
			     *mod = strtok_r(NULL, " \t\r", &save);
			size_t i = mod && kw && pat && !strcmp(kw, "alias") ? find(s, mod) : SIZE_MAX;
			if (i != SIZE_MAX)
				add_line(&s->aliases, &s->naliases, &s->alias_cap, l, i);
			free(tmp);
		}
		free(copy);
	}
	if (softdep) {
		copy = p = xstrdup(softdep);
		while ((l = next_line(&p))) {
			char *save = NULL, *tmp = xstrdup(l);
			char *kw = strtok_r(tmp, " \t", &save), *mod = strtok_r(NULL, " \t\r", &save);
			size_t i = mod && kw && !strcmp(kw, "softdep") ? find(s, mod) : SIZE_MAX;
			if (i != SIZE_MAX)
				add_line(&s->softdeps, &s->nsoftdeps, &s->softdep_cap, l, i);
			free(tmp);
		}
		free(copy);
	}
	*out = s;
	return 0;
}

int kmod_set_open(struct kmod_set **out, const char *moddir)
{
	uint8_t *dep = NULL, *alias = NULL, *soft = NULL;
	size_t n;
	char *p = util_path_join(moddir, "modules.dep");
	int rc = util_read_file(p, &dep, &n);
	free(p);
	if (rc < 0)
		return err_wrap(rc, "kernel modules");
	p = util_path_join(moddir, "modules.alias");
	if (util_read_file(p, &alias, &n) < 0)
		err_clear();
	free(p);
	p = util_path_join(moddir, "modules.softdep");
	if (util_read_file(p, &soft, &n) < 0)
		err_clear();
	free(p);
	rc = kmod_set_parse(out, (char *)dep, (char *)alias, (char *)soft);
	free(dep);
	free(alias);
	free(soft);
	return rc;
}

void kmod_set_destroy(struct kmod_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nmods; i++) {
		free(s->mods[i].path);
		free(s->mods[i].name);
		free(s->mods[i].line);
		free(s->mods[i].deps);
		free(s->mods[i].src);
	}
	for (size_t i = 0; i < s->naliases; i++)
		free(s->aliases[i].text);
	for (size_t i = 0; i < s->nsoftdeps; i++)
		free(s->softdeps[i].text);
	free(s->mods);
	free(s->aliases);
	free(s->softdeps);
	free(s->hash);
	free(s);
}

int kmod_set_add(struct kmod_set *s, const char *spec)
{
	int n = 0;
	if (!strchr(spec, '/')) {
		size_t i = find(s, spec);
		if (i == SIZE_MAX)
			return 0;
		s->mods[i].sel = true;
		return 1;
	}
	for (size_t i = 0; i < s->nmods; i++)
		if (fnmatch(spec, s->mods[i].path, FNM_PATHNAME) == 0) {
			s->mods[i].sel = true;
			n++;
		}
	return n;
}

/* What booting a live medium needs (efivarfs: how the init learns that
 * Secure Boot is on). "minimal": QEMU's default machines
 * (IDE/AHCI CD-ROM, virtio, USB sticks). "generic": CD, USB, SATA/AHCI/IDE,
 * NVMe, virtio, SCSI HBAs and SD cards on real hardware. Both carry the
 * filesystems of the medium and the root, and those a live.findiso= file may
 * be kept on (exfat, as multiboot sticks use; ntfs3 where the kernel has it). */
static const char *const profile_fs[] = {
    "isofs",	      "squashfs",      "overlay",   "loop",  "vfat",  "msdos",	"nls_cp437",
    "nls_utf8",	      "nls_iso8859_1", "nls_ascii", "ext4",  "cdrom", "sr_mod", "sd_mod",
    "crc32c_generic", "crc32c_intel",  "efivarfs",  "exfat", "ntfs3", NULL,
};
static const char *const profile_minimal[] = {
    "ata_piix", "ata_generic", "ahci",	   "virtio_blk", "virtio_pci", "virtio_scsi", "usb_storage",
    "uas",	"ehci_pci",    "ehci_hcd", "xhci_pci",	 "uhci_hcd",   "ohci_pci",    NULL,
};
static const char *const profile_generic[] = {
    "kernel/drivers/ata/*.ko",
    "kernel/drivers/scsi/*.ko",
    "kernel/drivers/scsi/megaraid/*.ko",
    "kernel/drivers/scsi/mpt3sas/*.ko",
    "kernel/drivers/scsi/aacraid/*.ko",
    "kernel/drivers/scsi/smartpqi/*.ko",
    "kernel/drivers/scsi/device_handler/*.ko",
    "kernel/drivers/message/fusion/*.ko",
    "kernel/drivers/usb/host/*.ko",
    "kernel/drivers/usb/storage/*.ko",
    "kernel/drivers/usb/core/*.ko",
    "kernel/drivers/usb/common/*.ko",
    "kernel/drivers/nvme/host/*.ko",
    "kernel/drivers/virtio/*.ko",
    "kernel/drivers/block/virtio_blk.ko",
    "kernel/drivers/block/xen-blkfront.ko",
    "kernel/drivers/mmc/core/*.ko",
    "kernel/drivers/mmc/host/sdhci*.ko",
    "kernel/drivers/mmc/host/rtsx*.ko",
    "kernel/drivers/memstick/host/rtsx*.ko",
    "kernel/drivers/hid/hid.ko",
    "kernel/drivers/hid/hid-generic.ko",
    "kernel/drivers/hid/usbhid/*.ko",
    "kernel/drivers/input/keyboard/atkbd.ko",
    NULL,
};

/* The "net" set (live.fetch=: booting over the network): the common
 * PCI Ethernet and virtual NICs and the usual USB Ethernet adapters.
 * af_packet is built into Debian's kernel; named for kernels where it is a
 * module. Names not in modules.dep are skipped. */
static const char *const profile_net[] = {
    "e1000",	  "e1000e",	"igb",	     "igc",	  "ixgbe",	  "r8169",     "tg3",
    "bnx2",	  "virtio_net", "vmxnet3",   "af_packet", "usbnet",	  "cdc_ether", "cdc_ncm",
    "rndis_host", "r8152",	"r8153_ecm", "asix",	  "ax88179_178a", "smsc95xx",  "smsc75xx",
    "aqc111",	  "dm9601",	"mcs7830",   NULL,
};

void kmod_set_add_net(struct kmod_set *s)
{
	for (const char *const *list = profile_net; *list; list++)
		kmod_set_add(s, *list);
}

int kmod_set_add_profile(struct kmod_set *s, const char *profile)
{
	const char *const *list;
	size_t n = strcspn(profile, "+");
	if (profile[n] && strcmp(profile + n, "+net"))
		return err_set(ERR_USAGE,
			       "unknown module profile '%s' (generic, minimal, generic+net or minimal+net)",
			       profile);
	if (n == 7 && !strncmp(profile, "generic", n))
		list = profile_generic;
	else if (n == 7 && !strncmp(profile, "minimal", n))
		list = profile_minimal;
	else
		return err_set(ERR_USAGE,
			       "unknown module profile '%s' (generic, minimal, generic+net or minimal+net)",
			       profile);
	for (; *list; list++)
		kmod_set_add(s, *list);
	if (profile[n])
		kmod_set_add_net(s);
	for (list = profile_fs; *list; list++)
		kmod_set_add(s, *list);
	return 0;
}

/* A softdep names a module or an alias ("crypto-crc32c"): select the
 * module, or every module with a matching alias. True if that changed. */
static bool select_name_or_alias(struct kmod_set *s, const char *w)
{
	bool changed = false;
	size_t d = find(s, w);
	if (d != SIZE_MAX) {
		changed = !s->mods[d].sel;
		s->mods[d].sel = true;
		return changed;
	}
	for (size_t k = 0; k < s->naliases; k++) {
		char pat[256];
		const char *t = s->aliases[k].text + 5; /* after "alias" */
		t += strspn(t, " \t");
		size_t n = strcspn(t, " \t");
		if (n >= sizeof pat)
			continue;
		memcpy(pat, t, n);
		pat[n] = 0;
		if (fnmatch(pat, w, 0) == 0 && !s->mods[s->aliases[k].mod].sel)
			changed = s->mods[s->aliases[k].mod].sel = true;
	}
	return changed;
}

void kmod_set_add_deps(struct kmod_set *s)
{
	bool changed = true;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < s->nmods; i++) {
			if (!s->mods[i].sel)
				continue;
			for (size_t j = 0; j < s->mods[i].ndeps; j++)
				if (!s->mods[s->mods[i].deps[j]].sel)
					changed = s->mods[s->mods[i].deps[j]].sel = true;
		}
		/* softdep "pre:" modules load before theirs (modprobe.d(5)); the
		 * "post:" ones are optional and not carried. */
		for (size_t k = 0; k < s->nsoftdeps; k++) {
			if (!s->mods[s->softdeps[k].mod].sel)
				continue;
			char *tmp = xstrdup(s->softdeps[k].text), *save = NULL, *w;
			bool pre = false;
			strtok_r(tmp, " \t", &save);
			strtok_r(NULL, " \t", &save);
			for (w = strtok_r(NULL, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
				if (!strcmp(w, "pre:") || !strcmp(w, "post:")) {
					pre = w[1] == 'r';
					continue;
				}
				if (pre)
					changed |= select_name_or_alias(s, w);
			}
			free(tmp);
		}
	}
}

size_t kmod_set_count(const struct kmod_set *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nmods; i++)
		n += s->mods[i].sel;
	return n;
}

const char *kmod_set_source(const struct kmod_set *s, size_t i)
{
	for (size_t k = 0; k < s->nmods; k++)
		if (s->mods[k].sel && i-- == 0)
			return s->mods[k].src;
	return NULL;
}

/* A field of a module's .modinfo section ("depends", "name"): found by
 * its NUL-separated "key=value" form anywhere in the file; NULL when the
 * module has none. */
static char *modinfo_field(const uint8_t *d, size_t n, const char *field)
{
	size_t kl = strlen(field);
	for (size_t i = 1; i + kl + 1 < n; i++) {
		if (d[i - 1] != 0 || memcmp(d + i, field, kl) || d[i + kl] != '=')
			continue;
		size_t start = i + kl + 1, e = start;
		while (e < n && d[e])
			e++;
		return xstrndup((const char *)d + start, e - start);
	}
	return NULL;
}

int kmod_set_add_file(struct kmod_set *s, const char *file)
{
	uint8_t *data;
	size_t n;
	char name[256], *deps, *save = NULL, *w;
	int rc = util_read_file(file, &data, &n);
	if (rc < 0)
		return rc;
	if (n < 4 || memcmp(data, "\177ELF", 4)) {
		free(data);
		return err_set(ERR_FORMAT, "%s: not a kernel module (no ELF header)", file);
	}
	/* the kernel knows a module by the name modpost recorded (modinfo -F
	 * name), not by its file's: cloop-6.1.ko is "cloop" */
	char *real = modinfo_field(data, n, "name");
	deps = modinfo_field(data, n, "depends");
	if (!deps)
		deps = xstrdup("");
	free(data);
	if (real && *real && !strchr(real, '/'))
		mod_name(real, strlen(real), name, sizeof name);
	else
		mod_name(file, strlen(file), name, sizeof name);
	free(real);
	size_t i = find(s, name);
	if (i == SIZE_MAX) {
		util_grow(&s->mods, &s->cap, s->nmods + 1, sizeof *s->mods);
		i = s->nmods++;
		memset(&s->mods[i], 0, sizeof s->mods[i]);
		s->mods[i].name = xstrdup(name);
		s->mods[i].path = xasprintf("extra/%s.ko", name);
		hash_rebuild(s);
	} else {
		free(s->mods[i].deps);
		s->mods[i].deps = NULL;
		s->mods[i].ndeps = 0;
	}
	/* modules.dep line: the module's path, then its dependencies' paths. */
	char *line = xasprintf("%s:", s->mods[i].path);
	size_t dcap = 0;
	for (w = strtok_r(deps, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t d = find(s, w);
		if (d == SIZE_MAX) {
			rc = err_set(ENOENT, "%s needs module %s, which is not in modules.dep", file, w);
			free(line);
			free(deps);
			return rc;
		}
		char *l2 = xasprintf("%s %s", line, s->mods[d].path);
		free(line);
		line = l2;
		util_grow(&s->mods[i].deps, &dcap, s->mods[i].ndeps + 1, sizeof(size_t));
		s->mods[i].deps[s->mods[i].ndeps++] = d;
	}
	free(deps);
	free(s->mods[i].line);
	s->mods[i].line = line;
	free(s->mods[i].src);
	s->mods[i].src = xstrdup(file);
	s->mods[i].sel = true;
	return 0;
}

const char *kmod_set_path(const struct kmod_set *s, size_t i)
{
	for (size_t k = 0; k < s->nmods; k++)
		if (s->mods[k].sel && i-- == 0)
			return s->mods[k].path;
	return NULL;
}

static char *join_lines(size_t n, const char *(*get)(const struct kmod_set *, size_t, bool *),
			const struct kmod_set *s)
{
	size_t len = 0, cap = 4096;
	char *out = xmalloc(cap);
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		bool keep;
		const char *l = get(s, i, &keep);
		if (!keep)
			continue;
		size_t ll = strlen(l);
		util_grow(&out, &cap, len + ll + 2, 1);
		memcpy(out + len, l, ll);
		out[len + ll] = '\n';
		len += ll + 1;
		out[len] = 0;
	}
	return out;
}

static const char *get_dep(const struct kmod_set *s, size_t i, bool *keep)
{
	*keep = s->mods[i].sel;
	return s->mods[i].line;
}
static const char *get_alias(const struct kmod_set *s, size_t i, bool *keep)
{
	*keep = s->mods[s->aliases[i].mod].sel;
	return s->aliases[i].text;
}
static const char *get_softdep(const struct kmod_set *s, size_t i, bool *keep)
{
	*keep = s->mods[s->softdeps[i].mod].sel;
	return s->softdeps[i].text;
}

char *kmod_set_dep_text(const struct kmod_set *s)
{
	return join_lines(s->nmods, get_dep, s);
}
char *kmod_set_alias_text(const struct kmod_set *s)
{
	return join_lines(s->naliases, get_alias, s);
}
char *kmod_set_softdep_text(const struct kmod_set *s)
{
	return join_lines(s->nsoftdeps, get_softdep, s);
}
