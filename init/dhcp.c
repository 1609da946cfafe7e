/* mklive-init: DHCP messages (RFC 2131, options of RFC 2132): the client's
 * DISCOVER and REQUEST, and the server's OFFER, ACK and NAK read back with
 * every length checked. Pure: the host's unit tests and fuzzer build it. */
#include "live.h"

#include <string.h>

#define DHCP_FIXED 236 /* op .. file, before the magic cookie */
static const uint8_t cookie[4] = {99, 130, 83, 99};

static void put32(uint8_t *p, uint32_t v_net)
{
	memcpy(p, &v_net, 4); /* already in network order */
}

size_t dhcp_build(uint8_t *buf, size_t cap, int type, uint32_t xid, const uint8_t mac[6], uint32_t req_ip,
		  uint32_t server_id, uint16_t secs)
{
	size_t n = DHCP_FIXED;
	if (cap < DHCP_MIN_PACKET)
		return 0;
	memset(buf, 0, cap < DHCP_MIN_PACKET ? cap : DHCP_MIN_PACKET);
	buf[0] = 1; /* BOOTREQUEST */
	buf[1] = 1; /* Ethernet */
	buf[2] = 6;
	buf[4] = (uint8_t)(xid >> 24);
	buf[5] = (uint8_t)(xid >> 16);
	buf[6] = (uint8_t)(xid >> 8);
	buf[7] = (uint8_t)xid;
	buf[8] = (uint8_t)(secs >> 8);
	buf[9] = (uint8_t)secs;
	/* Broadcast flag: the client has no address yet, so the answer must
	 * be broadcast for a plain UDP socket to receive it. */
	buf[10] = 0x80;
	memcpy(buf + 28, mac, 6);
	memcpy(buf + n, cookie, 4);
	n += 4;
	buf[n++] = DHCP_OPT_MSGTYPE;
	buf[n++] = 1;
	buf[n++] = (uint8_t)type;
	buf[n++] = DHCP_OPT_CLIENTID;
	buf[n++] = 7;
	buf[n++] = 1;
	memcpy(buf + n, mac, 6);
	n += 6;
	if (req_ip) {
		buf[n++] = DHCP_OPT_REQIP;
		buf[n++] = 4;
		put32(buf + n, req_ip);
		n += 4;
	}
	if (server_id) {
		buf[n++] = DHCP_OPT_SERVERID;
		buf[n++] = 4;
		put32(buf + n, server_id);
		n += 4;
	}
	/* Maximum message size: what our receive buffer holds. */
	buf[n++] = 57;
	buf[n++] = 2;
	buf[n++] = (uint8_t)(DHCP_MAX_PACKET >> 8);
	buf[n++] = (uint8_t)(DHCP_MAX_PACKET & 0xff);
	static const uint8_t want[] = {DHCP_OPT_MASK,	DHCP_OPT_ROUTER, DHCP_OPT_DNS,
				       DHCP_OPT_DOMAIN, DHCP_OPT_LEASE,	 DHCP_OPT_SERVERID};
	buf[n++] = DHCP_OPT_PARAMS;
	buf[n++] = sizeof want;
	memcpy(buf + n, want, sizeof want);
	n += sizeof want;
	buf[n++] = DHCP_OPT_END;
	/* BOOTP relays drop anything shorter than 300 bytes. */
	return n < DHCP_MIN_PACKET ? DHCP_MIN_PACKET : n;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v; /* network order, as it came */
}

int dhcp_parse(const uint8_t *buf, size_t len, uint32_t xid, const uint8_t mac[6], struct dhcp_lease *l)
{
	memset(l, 0, sizeof *l);
	if (len < DHCP_FIXED + 4 || buf[0] != 2 || buf[1] != 1 || buf[2] != 6)
		return -1;
	if (((uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 | (uint32_t)buf[6] << 8 | buf[7]) != xid)
		return -1;
	if (memcmp(buf + 28, mac, 6) || memcmp(buf + DHCP_FIXED, cookie, 4))
		return -1;
	l->yiaddr = get32(buf + 16);
	l->siaddr = get32(buf + 20);
	for (size_t i = DHCP_FIXED + 4; i < len;) {
		uint8_t code = buf[i++], ol;
		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			break;
		if (i >= len)
			return -1;
		ol = buf[i++];
		if (ol > len - i)
			return -1;
		const uint8_t *v = buf + i;
		switch (code) {
		case DHCP_OPT_MSGTYPE:
			if (ol == 1)
				l->type = v[0];
			break;
		case DHCP_OPT_MASK:
			if (ol == 4)
				l->mask = get32(v);
			break;
		case DHCP_OPT_ROUTER:
			if (ol >= 4 && ol % 4 == 0)
				l->router = get32(v);
			break;
		case DHCP_OPT_DNS:
			for (size_t k = 0; k + 4 <= ol && l->ndns < 3; k += 4)
				l->dns[l->ndns++] = get32(v + k);
			break;
		case DHCP_OPT_DOMAIN: {
			size_t k = 0;
			for (; k < ol && k + 1 < sizeof l->domain; k++) {
				/* a domain name: letters, digits, '-', '.' */
				char c = (char)v[k];
				if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				      (c >= '0' && c <= '9') || c == '-' || c == '.'))
					break;
				l->domain[k] = c;
			}
			l->domain[k < ol ? 0 : k] = 0;
			break;
		}
		case DHCP_OPT_LEASE:
			if (ol == 4)
				l->lease =
				    (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
			break;
		case DHCP_OPT_SERVERID:
			if (ol == 4)
				l->server_id = get32(v);
			break;
		default:
			break;
		}
		i += ol;
	}
	if (l->type != DHCP_OFFER && l->type != DHCP_ACK && l->type != DHCP_NAK)
		return -1;
	if (l->type != DHCP_NAK && l->yiaddr == 0)
		return -1;
	return 0;
}

unsigned dhcp_mask_prefix(uint32_t mask_net)
{
	const uint8_t *b = (const uint8_t *)&mask_net;
	unsigned n = 0;
	for (int i = 0; i < 4; i++)
		for (int k = 7; k >= 0; k--) {
			if (!(b[i] >> k & 1))
				return n;
			n++;
		}
	return n;
}

uint32_t dhcp_prefix_mask(unsigned prefix)
{
	uint8_t b[4] = {0, 0, 0, 0};
	uint32_t v;
	for (unsigned i = 0; i < prefix && i < 32; i++)
		b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	memcpy(&v, b, 4);
	return v;
}
