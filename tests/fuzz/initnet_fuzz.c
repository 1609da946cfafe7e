/* libFuzzer target for mklive-init's parsers of what the network sends:
 * DHCP answers (dhcp_parse), HTTP response heads (http_head_parse), URLs
 * and redirect targets (http_url_parse, http_url_resolve, http_url_beside),
 * SHA256SUMS lookups and the live.ip= value. The first byte picks the
 * parser. Each result is checked for what the caller relies on. */
#include "../../init/cmdline.c"
#include "../../init/dhcp.c"
#include "../../init/http.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	if (size < 1 || size > 70000)
		return 0;
	uint8_t op = data[0];
	data++;
	size--;
	/* exact-size copies, so that ASan sees any read past the end */
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	switch (op % 5) {
	case 0: {
		struct dhcp_lease l;
		uint8_t *b = malloc(size ? size : 1);
		memcpy(b, data, size);
		uint32_t xid =
		    size >= 8 ? (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7] : 0;
		if (dhcp_parse(b, size, xid, size >= 34 ? b + 28 : mac, &l) == 0) {
			if (l.ndns > 3 || strlen(l.domain) >= sizeof l.domain)
				abort();
			if (l.type != DHCP_OFFER && l.type != DHCP_ACK && l.type != DHCP_NAK)
				abort();
		}
		free(b);
		break;
	}
	case 1: {
		struct http_resp r;
		int h = http_head_parse(s, size, &r);
		if (h > (int)size || (h > 0 && (r.status < 100 || r.status > 999)))
			abort();
		if (h > 0 && r.chunked && r.content_length != -1)
			abort();
		if (h > 0 && strlen(r.location) >= sizeof r.location)
			abort();
		break;
	}
	case 2: {
		/* "URLPATH\nSUMS TEXT" */
		char *nl = memchr(s, '\n', size);
		uint8_t d[32];
		if (nl) {
			*nl = 0;
			http_sums_lookup(nl + 1, size - (size_t)(nl + 1 - s), s, d);
		}
		break;
	}
	case 3: {
		/* "BASE\nLOCATION" */
		struct http_url u;
		char out[600];
		char *nl = memchr(s, '\n', size);
		if (nl)
			*nl = 0;
		if (http_url_parse(s, &u) == 0 &&
		    (u.port == 0 || u.port > 65535 || !*u.host || u.path[0] != '/'))
			abort();
		if (nl && http_url_resolve(s, nl + 1, out, sizeof out) == 0 && http_url_parse(out, &u) < 0)
			abort(); /* a redirect target we follow must be a URL we can fetch */
		if (http_url_beside(s, "SHA256SUMS", out, sizeof out) == 0 && http_url_parse(out, &u) < 0)
			abort();
		break;
	}
	default: {
		struct live_opts o;
		live_opts_default(&o);
		if (live_ip_parse(s, &o) == 0 && (o.ip_prefix > 32 || o.ip_addr == 0))
			abort();
		live_opts_default(&o);
		live_cmdline_parse(s, &o);
		break;
	}
	}
	free(s);
	return 0;
}
