/* Unit tests for mklive-init's network pieces (init/dhcp.c, init/http.c and
 * the live.ip/live.fetch/live.findiso parameters), byte by byte: the DHCP
 * messages we send, the server answers we accept or refuse, HTTP response
 * heads, URLs, redirects and SHA256SUMS lookups. */
#define TEST_SUITE "initnet"
#include "test.h"

#include "../../init/cmdline.c"
#include "../../init/dhcp.c"
#include "../../init/http.c"

#include <arpa/inet.h>

static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static uint32_t ip(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* ---- DHCP: what we send --------------------------------------------------- */
TEST(test_dhcp_discover)
{
	uint8_t b[600];
	memset(b, 0xAA, sizeof b);
	size_t n = dhcp_build(b, sizeof b, DHCP_DISCOVER, 0x01020304u, mac, 0, 0, 3);
	CHECK_EQ(n, 300);
	static const uint8_t head[12] = {1, 1, 6, 0, 1, 2, 3, 4, 0, 3, 0x80, 0};
	CHECK_MEM(b, head, 12);
	/* ciaddr, yiaddr, siaddr, giaddr all zero; chaddr is the MAC, padded */
	for (int i = 12; i < 28; i++)
		CHECK_EQ(b[i], 0);
	CHECK_MEM(b + 28, mac, 6);
	for (int i = 34; i < 236; i++)
		CHECK_EQ(b[i], 0); /* rest of chaddr, sname, file */
	static const uint8_t opts[] = {99,   130,  83,	 99,   53,   1,	   1,  61, 7,	 1,
				       0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 57, 2,  0x05, 0xdc,
				       55,   6,	   1,	 3,    6,    15,   51, 54, 255};
	CHECK_MEM(b + 236, opts, sizeof opts);
	for (size_t i = 236 + sizeof opts; i < 300; i++)
		CHECK_EQ(b[i], 0); /* padding up to the BOOTP minimum */
	CHECK_EQ(dhcp_build(b, 299, DHCP_DISCOVER, 1, mac, 0, 0, 0), 0);
}

TEST(test_dhcp_request)
{
	uint8_t b[600];
	size_t n =
	    dhcp_build(b, sizeof b, DHCP_REQUEST, 0xdeadbeefu, mac, ip("10.0.2.15"), ip("10.0.2.2"), 0);
	CHECK_EQ(n, 300);
	CHECK(b[4] == 0xde && b[5] == 0xad && b[6] == 0xbe && b[7] == 0xef);
	static const uint8_t opts[] = {53, 1, 3,  61, 7, 1,  0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
				       50, 4, 10, 0,  2, 15, 54,   4,	 10,   0,    2,	   2};
	CHECK_MEM(b + 240, opts, sizeof opts);
}

/* ---- DHCP: what we accept ------------------------------------------------- */
static size_t offer(uint8_t *b, uint8_t type)
{
	memset(b, 0, 600);
	b[0] = 2;
	b[1] = 1;
	b[2] = 6;
	b[4] = 0x11, b[5] = 0x22, b[6] = 0x33, b[7] = 0x44;
	b[10] = 0x80;
	b[16] = 10, b[17] = 0, b[18] = 2, b[19] = 15; /* yiaddr */
	b[20] = 10, b[21] = 0, b[22] = 2, b[23] = 2;  /* siaddr */
	memcpy(b + 28, mac, 6);
	const uint8_t o[] = {99,  130, 83, 99, 53,  1,	 type, 0, /* pad */
			     54,  4,   10, 0,  2,   2,	 51,   4,   0,	 1,   0x51, 0x80, 1,   4,   255, 255,
			     255, 0,   3,  4,  10,  0,	 2,    2,   6,	 8,   10,   0,	  2,   3,   1,	 1,
			     1,	  1,   15, 11, 'e', 'x', 'a',  'm', 'p', 'l', 'e',  '.',  'o', 'r', 'g', 255};
	memcpy(b + 236, o, sizeof o);
	return 236 + sizeof o + 20;
}

TEST(test_dhcp_parse_offer)
{
	uint8_t b[600];
	struct dhcp_lease l;
	size_t n = offer(b, DHCP_OFFER);
	CHECK_EQ(dhcp_parse(b, n, 0x11223344u, mac, &l), 0);
	CHECK_EQ(l.type, DHCP_OFFER);
	CHECK_EQ(l.yiaddr, ip("10.0.2.15"));
	CHECK_EQ(l.siaddr, ip("10.0.2.2"));
	CHECK_EQ(l.server_id, ip("10.0.2.2"));
	CHECK_EQ(l.mask, ip("255.255.255.0"));
	CHECK_EQ(l.router, ip("10.0.2.2"));
	CHECK_EQ(l.ndns, 2);
	CHECK_EQ(l.dns[0], ip("10.0.2.3"));
	CHECK_EQ(l.dns[1], ip("1.1.1.1"));
	CHECK_EQ(l.lease, 86400);
	CHECK_STR(l.domain, "example.org");
	n = offer(b, DHCP_ACK);
	CHECK_EQ(dhcp_parse(b, n, 0x11223344u, mac, &l), 0);
	CHECK_EQ(l.type, DHCP_ACK);
	/* the options end at 255: nothing after it is read */
	b[243] = 255;
	CHECK_EQ(dhcp_parse(b, n, 0x11223344u, mac, &l), 0);
	CHECK(l.server_id == 0 && l.mask == 0 && l.yiaddr == ip("10.0.2.15"));
}

TEST(test_dhcp_parse_refuses)
{
	uint8_t b[600];
	struct dhcp_lease l;
	uint8_t other[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x57};
	size_t n = offer(b, DHCP_OFFER);
	CHECK_EQ(dhcp_parse(b, n, 0x11223345u, mac, &l), -1);	/* another exchange */
	CHECK_EQ(dhcp_parse(b, n, 0x11223344u, other, &l), -1); /* another client */
	CHECK_EQ(dhcp_parse(b, 239, 0x11223344u, mac, &l), -1); /* no room for the cookie */
	b[0] = 1;
	CHECK_EQ(dhcp_parse(b, n, 0x11223344u, mac, &l), -1); /* a request, not a reply */
	n = offer(b, DHCP_OFFER);
	b[237] = 0;
	CHECK_EQ(dhcp_parse(b, n, 0x11223344u, mac, &l), -1); /* bad cookie */
	n = offer(b, DHCP_DISCOVER);
	CHECK_EQ(dhcp_parse(b, n, 0x11223344u, mac, &l), -1); /* not a server's type */
	n = offer(b, DHCP_OFFER);
	memset(b + 16, 0, 4);
	CHECK_EQ(dhcp_parse(b, n, 0x11223344u, mac, &l), -1); /* an offer without an address */
	n = offer(b, DHCP_NAK);
	memset(b + 16, 0, 4);
	CHECK_EQ(dhcp_parse(b, n, 0x11223344u, mac, &l), 0); /* a NAK has none */
	CHECK_EQ(l.type, DHCP_NAK);
	/* an option whose length runs past the end */
	n = offer(b, DHCP_OFFER);
	CHECK_EQ(dhcp_parse(b, 236 + 4 + 3 + 1 + 2 + 3, 0x11223344u, mac, &l), -1);
	/* a code as the very last byte, without its length */
	CHECK_EQ(dhcp_parse(b, 245, 0x11223344u, mac, &l), -1);
	/* no message type at all */
	n = offer(b, DHCP_OFFER);
	b[240] = 0, b[241] = 0, b[242] = 0;
	CHECK_EQ(dhcp_parse(b, n, 0x11223344u, mac, &l), -1);
	/* a domain with characters a resolv.conf must not get */
	n = offer(b, DHCP_OFFER);
	b[282] = '\n';
	CHECK_EQ(dhcp_parse(b, n, 0x11223344u, mac, &l), 0);
	CHECK_STR(l.domain, "");
}

TEST(test_dhcp_masks)
{
	CHECK_EQ(dhcp_mask_prefix(ip("255.255.255.0")), 24);
	CHECK_EQ(dhcp_mask_prefix(ip("255.255.240.0")), 20);
	CHECK_EQ(dhcp_mask_prefix(ip("255.255.255.255")), 32);
	CHECK_EQ(dhcp_mask_prefix(0), 0);
	CHECK_EQ(dhcp_prefix_mask(24), ip("255.255.255.0"));
	CHECK_EQ(dhcp_prefix_mask(17), ip("255.255.128.0"));
	CHECK_EQ(dhcp_prefix_mask(0), 0);
	CHECK_EQ(dhcp_prefix_mask(32), ip("255.255.255.255"));
}

/* ---- HTTP ------------------------------------------------------------------ */
TEST(test_http_url)
{
	struct http_url u;
	CHECK_EQ(http_url_parse("http://10.0.2.100/live/root.squashfs", &u), 0);
	CHECK_STR(u.host, "10.0.2.100");
	CHECK_EQ(u.port, 80);
	CHECK_STR(u.path, "/live/root.squashfs");
	CHECK_EQ(http_url_parse("HTTP://boot.example:8080", &u), 0);
	CHECK_STR(u.host, "boot.example");
	CHECK_EQ(u.port, 8080);
	CHECK_STR(u.path, "/");
	CHECK_EQ(http_url_parse("http://h/a.iso?v=1#top", &u), 0);
	CHECK_STR(u.path, "/a.iso?v=1");
	static const char *const bad[] = {
	    "https://h/x",    "http://",      "http:///x",    "http://h:0/",  "http://h:65536/",
	    "http://h:/x",    "http://h:8a/", "http://u@h/x", "http://h/a b", "http://h/a\tb",
	    "http://[::1]/x", "http://h?x",   "ftp://h/x",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK_EQ(http_url_parse(bad[i], &u), -1);
}

TEST(test_http_head)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nServer: x\r\ncontent-length:  1234 \r\n\r\nBODY";
	struct http_resp r;
	size_t hl = sizeof ok - 1 - 4;
	/* every prefix of the head asks for more */
	for (size_t i = 0; i < hl; i++)
		CHECK_EQ(http_head_parse(ok, i, &r), 0);
	CHECK_EQ(http_head_parse(ok, sizeof ok - 1, &r), (int)hl);
	CHECK_EQ(r.status, 200);
	CHECK_EQ(r.content_length, 1234);
	CHECK(!r.chunked);
	CHECK_STR(r.location, "");
	/* bare line feeds, no reason phrase */
	static const char lf[] = "HTTP/1.0 404\nContent-Length: 0\n\n";
	CHECK_EQ(http_head_parse(lf, sizeof lf - 1, &r), (int)sizeof lf - 1);
	CHECK_EQ(r.status, 404);
	CHECK_EQ(r.content_length, 0);
	/* no Content-Length */
	CHECK_EQ(http_head_parse("HTTP/1.1 200 OK\r\n\r\n", 19, &r), 19);
	CHECK_EQ(r.content_length, -1);
	/* chunked wins over Content-Length */
	static const char ch[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
	CHECK_EQ(http_head_parse(ch, sizeof ch - 1, &r), (int)sizeof ch - 1);
	CHECK(r.chunked);
	CHECK_EQ(r.content_length, -1);
	static const char mv[] = "HTTP/1.1 302 Found\r\nLocation: /live/x.iso  \r\nContent-Length: 5\r\n\r\n";
	CHECK_EQ(http_head_parse(mv, sizeof mv - 1, &r), (int)sizeof mv - 1);
	CHECK_EQ(r.status, 302);
	CHECK_STR(r.location, "/live/x.iso");
	/* the same length twice is fine */
	static const char twice[] = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n";
	CHECK_EQ(http_head_parse(twice, sizeof twice - 1, &r), (int)sizeof twice - 1);
	CHECK_EQ(r.content_length, 7);
}

TEST(test_http_head_refuses)
{
	struct http_resp r;
	static const char *const bad[] = {
	    "HTTP/2 200 OK\r\n\r\n",
	    "HTTX/1.1 200 OK\r\n\r\n",
	    "HTTP/1.1 20 OK\r\n\r\n",
	    "HTTP/1.1 2000 OK\r\n\r\n",
	    "HTTP/1.1 099 Low\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
	    "\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK_EQ(http_head_parse(bad[i], strlen(bad[i]), &r), -1);
	/* a NUL inside a header line */
	static const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
	CHECK_EQ(http_head_parse(nul, sizeof nul - 1, &r), -1);
	/* a head that never ends is refused once it is too large */
	char *big = malloc(20000);
	memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
	memset(big + 17, 'a', 20000 - 17);
	CHECK_EQ(http_head_parse(big, 20000, &r), -1);
	CHECK_EQ(http_head_parse(big, 1000, &r), 0);
	free(big);
}

TEST(test_http_resolve)
{
	char out[600];
	CHECK_EQ(http_url_resolve("http://h:81/a/b.iso", "/c/d", out, sizeof out), 0);
	CHECK_STR(out, "http://h:81/c/d");
	CHECK_EQ(http_url_resolve("http://h:81/a/b.iso", "d.iso", out, sizeof out), 0);
	CHECK_STR(out, "http://h:81/a/d.iso");
	CHECK_EQ(http_url_resolve("http://h/a", "http://o/x", out, sizeof out), 0);
	CHECK_STR(out, "http://o/x");
	CHECK_EQ(http_url_resolve("http://h/a", "https://o/x", out, sizeof out), -1);
	CHECK_EQ(http_url_resolve("http://h/a", "//evil/x", out, sizeof out), -1);
	CHECK_EQ(http_url_resolve("http://h/a", "", out, sizeof out), -1);
	CHECK_EQ(http_url_resolve("http://h/a", "/x y", out, sizeof out), -1);
	CHECK_EQ(http_url_resolve("http://h/a", "/xyz", out, 10), -1);
	CHECK_EQ(http_url_beside("http://h/live/root.squashfs", "SHA256SUMS", out, sizeof out), 0);
	CHECK_STR(out, "http://h/live/SHA256SUMS");
	CHECK_EQ(http_url_beside("http://h/live.iso", "SHA256SUMS", out, sizeof out), 0);
	CHECK_STR(out, "http://h/SHA256SUMS");
	CHECK_EQ(http_url_beside("http://h:8080/a/b?x=1/2", "SHA256SUMS", out, sizeof out), 0);
	CHECK_STR(out, "http://h:8080/a/SHA256SUMS");
}

TEST(test_http_sums)
{
	char text[800];
	uint8_t d[32];
	snprintf(text, sizeof text,
		 "%064d  boot/vmlinuz\n"
		 "1111111111111111111111111111111111111111111111111111111111111111  root.squashfs\n"
		 "2222222222222222222222222222222222222222222222222222222222222222  live/root.squashfs\n"
		 "not a line\n"
		 "3333333333333333333333333333333333333333333333333333333333333333  ./live.iso",
		 0);
	size_t n = strlen(text);
	CHECK_EQ(http_sums_lookup(text, n, "/live/root.squashfs", d), 0);
	CHECK_EQ(d[0], 0x22); /* the longer, more specific path */
	CHECK_EQ(http_sums_lookup(text, n, "/netboot/root.squashfs", d), 0);
	CHECK_EQ(d[0], 0x11);
	CHECK_EQ(http_sums_lookup(text, n, "/live.iso?x=1", d), 0);
	CHECK_EQ(d[31], 0x33);
	CHECK_EQ(http_sums_lookup(text, n, "/myroot.squashfs", d), -1); /* a tail only after a '/' */
	CHECK_EQ(http_sums_lookup(text, n, "/vmlinuz", d), -1);
	CHECK_EQ(http_sums_lookup(text, n, "/x/boot/vmlinuz", d), 0);
	CHECK_EQ(http_sums_lookup("", 0, "/live.iso", d), -1);
}

/* ---- boot parameters ----------------------------------------------------- */
TEST(test_cmdline_net)
{
	struct live_opts o;
	live_opts_default(&o);
	CHECK_EQ(o.ip, LIVE_IP_AUTO);
	CHECK_EQ(live_cmdline_parse("live.ip=dhcp live.fetch=http://10.0.2.100/live/root.squashfs "
				    "live.findiso=/isos/live.iso",
				    &o),
		 0);
	CHECK_EQ(o.ip, LIVE_IP_DHCP);
	CHECK_STR(o.fetch, "http://10.0.2.100/live/root.squashfs");
	CHECK_STR(o.findiso, "/isos/live.iso");
	CHECK_EQ(live_cmdline_parse("live.ip=192.168.1.20/24:192.168.1.1:192.168.1.53", &o), 0);
	CHECK_EQ(o.ip, LIVE_IP_STATIC);
	CHECK_EQ(o.ip_addr, ip("192.168.1.20"));
	CHECK_EQ(o.ip_prefix, 24);
	CHECK_EQ(o.ip_gw, ip("192.168.1.1"));
	CHECK_EQ(o.ip_dns, ip("192.168.1.53"));
	CHECK_EQ(live_cmdline_parse("live.ip=10.1.2.3/8", &o), 0);
	CHECK(o.ip_addr == ip("10.1.2.3") && o.ip_prefix == 8 && o.ip_gw == 0 && o.ip_dns == 0);
	CHECK_EQ(live_cmdline_parse("live.ip=10.1.2.3/16::10.1.0.1", &o), 0);
	CHECK(o.ip_gw == 0 && o.ip_dns == ip("10.1.0.1"));
	CHECK_EQ(live_cmdline_parse("live.ip=off", &o), 0);
	CHECK_EQ(o.ip, LIVE_IP_OFF);
	static const char *const bad[] = {
	    "live.ip",
	    "live.ip=10.0.0.1",
	    "live.ip=10.0.0.1/33",
	    "live.ip=10.0.0/24",
	    "live.ip=0.0.0.0/8",
	    "live.ip=10.0.0.1/24:x",
	    "live.ip=10.0.0.1/24:1.1.1.1:2.2.2.2:3.3.3.3",
	    "live.ip=10.0.0.1/",
	    "live.ip=10.0.0.1/24x",
	    "live.fetch=https://h/x",
	    "live.fetch=http://",
	    "live.fetch=h/x",
	    "live.fetch",
	    "live.findiso=isos/x.iso",
	    "live.findiso=/a/../b",
	    "live.findiso=/a/..",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		live_opts_default(&o);
		CHECK_EQ(live_cmdline_parse(bad[i], &o), 1);
		CHECK(o.ip == LIVE_IP_AUTO && !*o.fetch && !*o.findiso);
	}
}

int main(void)
{
	RUN_ALL();
	TEST_EXIT();
}
