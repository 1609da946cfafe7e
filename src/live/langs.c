/* The language table of live.lang=CODE (Knoppix's "lang=" cheat code):
 * one word for the locale, the keyboard and the time zone. The build
 * generates the table's locales when Locales holds "all-lang". See
 * livesys.h and mklive-init(7). */
#include "livesys.h"

#include <string.h>

/* code, locale, X11 layout, console keymap (kbd), time zone */
const struct live_lang live_langs[] = {
    {"be", "nl_BE.UTF-8", "be", "be-latin1", "Europe/Brussels"},
    {"br", "pt_BR.UTF-8", "br", "br-abnt2", "America/Sao_Paulo"},
    {"ch", "de_CH.UTF-8", "ch", "sg-latin1", "Europe/Zurich"},
    {"cs", "cs_CZ.UTF-8", "cz", "cz-lat2", "Europe/Prague"},
    {"da", "da_DK.UTF-8", "dk", "dk-latin1", "Europe/Copenhagen"},
    {"de", "de_DE.UTF-8", "de", "de", "Europe/Berlin"},
    {"es", "es_ES.UTF-8", "es", "es", "Europe/Madrid"},
    {"fi", "fi_FI.UTF-8", "fi", "fi", "Europe/Helsinki"},
    {"fr", "fr_FR.UTF-8", "fr", "fr-latin9", "Europe/Paris"},
    {"it", "it_IT.UTF-8", "it", "it", "Europe/Rome"},
    {"ja", "ja_JP.UTF-8", "jp", "jp106", "Asia/Tokyo"},
    {"nl", "nl_NL.UTF-8", "us", "us", "Europe/Amsterdam"},
    {"pl", "pl_PL.UTF-8", "pl", "pl2", "Europe/Warsaw"},
    {"pt", "pt_PT.UTF-8", "pt", "pt-latin1", "Europe/Lisbon"},
    {"ru", "ru_RU.UTF-8", "ru", "ru", "Europe/Moscow"},
    {"sv", "sv_SE.UTF-8", "se", "sv-latin1", "Europe/Stockholm"},
    {"tr", "tr_TR.UTF-8", "tr", "trq", "Europe/Istanbul"},
    {"uk", "en_GB.UTF-8", "gb", "uk", "Europe/London"},
    {"us", "en_US.UTF-8", "us", "us", "America/New_York"},
    {"zh", "zh_CN.UTF-8", "cn", "us", "Asia/Shanghai"},
};
const size_t live_nlangs = sizeof live_langs / sizeof live_langs[0];

const struct live_lang *live_lang_find(const char *code)
{
	for (size_t i = 0; i < live_nlangs; i++)
		if (!strcmp(live_langs[i].code, code))
			return &live_langs[i];
	return NULL;
}

const char *live_lang_kmap(const char *xkb)
{
	for (size_t i = 0; i < live_nlangs; i++)
		if (!strcmp(live_langs[i].xkb, xkb))
			return live_langs[i].kmap;
	return xkb;
}

const char *live_lang_charset(const char *locale)
{
	const char *dot = strchr(locale, '.');
	return dot ? dot + 1 : "";
}
