/* mklive-init: how the machine started the live system, BIOS or UEFI, and
 * for UEFI whether Secure Boot is on (the SecureBoot variable of the EFI
 * global variable GUID, read through efivarfs, mounted here if the root
 * has not done it). Said once on the console and written to
 * /run/mklive/boot, which the root sees after the switch (/run moves with
 * it): "bios", "uefi secureboot=1", "uefi secureboot=0" or
 * "uefi secureboot=unknown". */
#include "pid1.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define EFI_DIR "/sys/firmware/efi"
#define EFIVARS EFI_DIR "/efivars"
/* UEFI 2.10 3.3, table 3.1: EFI_GLOBAL_VARIABLE 8BE4DF61-93CA-11D2-AA0D-00E098032B8C */
#define SECUREBOOT_VAR EFIVARS "/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define BOOT_FILE "/run/mklive/boot"

int live_secureboot_parse(const uint8_t *data, size_t len)
{
	/* efivarfs puts the variable's 4 attribute bytes before its data;
	 * SecureBoot's data is one byte, 1 when images are verified */
	if (len < 5)
		return -1;
	return data[4] == 1 ? 1 : data[4] == 0 ? 0 : -1;
}

void live_boot_describe(bool efi, int secureboot, char *line, size_t cap, char *words, size_t wcap)
{
	if (!efi) {
		snprintf(line, cap, "bios");
		snprintf(words, wcap, "BIOS");
		return;
	}
	snprintf(line, cap, "uefi secureboot=%s", secureboot == 1 ? "1" : secureboot == 0 ? "0" : "unknown");
	snprintf(words, wcap, "UEFI, Secure Boot %s",
		 secureboot == 1   ? "on"
		 : secureboot == 0 ? "off"
				   : "state unknown");
}

static int read_secureboot(void)
{
	uint8_t *d;
	size_t n;
	int v;
	if (live_read_file(SECUREBOOT_VAR, &d, &n) < 0)
		return -2; /* not there: efivarfs not mounted, or no such variable */
	v = live_secureboot_parse(d, n);
	free(d);
	return v;
}

static int mount_efivarfs(void)
{
	return mount("efivarfs", EFIVARS, "efivarfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

void live_firmware(void)
{
	char line[64], words[64];
	bool efi = access(EFI_DIR, F_OK) == 0;
	int sb = -1;
	if (efi) {
		sb = read_secureboot();
		if (sb == -2 && access(EFIVARS, F_OK) == 0) {
			/* efivarfs is a module in Debian's kernel */
			if (mount_efivarfs() < 0 && errno == ENODEV &&
			    live_load_module("efivarfs", NULL) == 0)
				mount_efivarfs();
			sb = read_secureboot();
		}
		if (sb == -2) {
			live_step("%s: cannot be read (%s)", SECUREBOOT_VAR, strerror(errno));
			sb = -1;
		}
	}
	live_boot_describe(efi, sb, line, sizeof line, words, sizeof words);
	live_say("booted by %s", words);
	live_mkdirs("/run/mklive");
	int fd = open(BOOT_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		size_t l = strlen(line);
		line[l++] = '\n';
		(void)!write(fd, line, l);
		close(fd);
	}
}
