/* mklive-init: the network for live.fetch= (live.ip=): the first Ethernet
 * interface with a carrier, an address from DHCP (our own client: Debian's
 * kernel has no CONFIG_IP_PNP) or a static one, the default route, DNS for
 * musl's resolver, and /run/mklive/net for the system that follows. */
#include "pid1.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool net_ready;

static int sysfs_read(const char *ifname, const char *attr, char *buf, size_t cap)
{
	char p[128];
	snprintf(p, sizeof p, "/sys/class/net/%s/%s", ifname, attr);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	live_trim(buf);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Ethernet interfaces (type 1, not loopback), sorted by name. */
static size_t list_ifaces(char names[][IFNAMSIZ], size_t cap)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *de;
	char *v[32];
	size_t n = 0;
	while (d && (de = readdir(d)) && n < 32) {
		char t[32];
		if (de->d_name[0] == '.' || strlen(de->d_name) >= IFNAMSIZ)
			continue;
		if (sysfs_read(de->d_name, "type", t, sizeof t) < 0 || strcmp(t, "1"))
			continue;
		if (sysfs_read(de->d_name, "address", t, sizeof t) == 0 && !strcmp(t, "00:00:00:00:00:00"))
			continue;
		v[n++] = strdup(de->d_name);
	}
	if (d)
		closedir(d);
	qsort(v, n, sizeof *v, cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (i < cap)
			snprintf(names[i], IFNAMSIZ, "%s", v[i]);
		free(v[i]);
	}
	return n < cap ? n : cap;
}

static int if_up(int s, const char *name)
{
	struct ifreq r;
	memset(&r, 0, sizeof r);
	snprintf(r.ifr_name, sizeof r.ifr_name, "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &r) < 0)
		return -errno;
	if (r.ifr_flags & IFF_UP)
		return 0;
	r.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &r) < 0 ? -errno : 0;
}

static bool carrier(const char *name)
{
	char v[8];
	return sysfs_read(name, "carrier", v, sizeof v) == 0 && !strcmp(v, "1");
}

/* Bring every Ethernet interface up and pick the first with a carrier,
 * loading drivers as devices appear. 0, or -1 with the reason said. */
static int find_link(int s, char *ifname)
{
	double t0 = live_now(), deadline = t0 + live_opt.timeout;
	char names[16][IFNAMSIZ];
	size_t n = 0;
	for (;;) {
		int loaded = live_coldplug();
		n = list_ifaces(names, 16);
		for (size_t i = 0; i < n; i++)
			if_up(s, names[i]);
		for (size_t i = 0; i < n; i++)
			if (carrier(names[i])) {
				snprintf(ifname, IFNAMSIZ, "%s", names[i]);
				live_step("%s has a link after %.2f s", ifname, live_now() - t0);
				return 0;
			}
		if (live_now() > deadline)
			break;
		struct timespec ts = {0, loaded ? 10000000 : 50000000};
		nanosleep(&ts, NULL);
	}
	if (!n) {
		live_say(
		    "network: no Ethernet interface appeared after %u s (no network card, or its driver is "
		    "not in the initramfs: ModuleProfile = generic+net)",
		    live_opt.timeout);
		return -1;
	}
	char list[256] = "";
	for (size_t i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
	live_say("network: no link on %s after %u s (is the cable plugged in?)", list, live_opt.timeout);
	return -1;
}

static void sin_set(struct sockaddr *sa, uint32_t addr_net)
{
	struct sockaddr_in *in = (struct sockaddr_in *)sa;
	memset(in, 0, sizeof *in);
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = addr_net;
}

/* Address, netmask, broadcast and default route on ifname. */
static int configure(int s, const char *ifname, uint32_t addr, unsigned prefix, uint32_t gw)
{
	struct ifreq r;
	uint32_t mask = dhcp_prefix_mask(prefix);
	memset(&r, 0, sizeof r);
	snprintf(r.ifr_name, sizeof r.ifr_name, "%s", ifname);
	sin_set(&r.ifr_addr, addr);
	if (ioctl(s, SIOCSIFADDR, &r) < 0) {
		live_say("network: setting the address of %s: %s", ifname, strerror(errno));
		return -1;
	}
	sin_set(&r.ifr_netmask, mask);
	if (ioctl(s, SIOCSIFNETMASK, &r) < 0) {
		live_say("network: setting the netmask of %s: %s", ifname, strerror(errno));
		return -1;
	}
	sin_set(&r.ifr_broadaddr, (addr & mask) | ~mask);
	ioctl(s, SIOCSIFBRDADDR, &r);
	if (gw) {
		struct rtentry rt;
		memset(&rt, 0, sizeof rt);
		sin_set(&rt.rt_dst, 0);
		sin_set(&rt.rt_genmask, 0);
		sin_set(&rt.rt_gateway, gw);
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		rt.rt_dev = (char *)ifname;
		if (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST) {
			char g[16];
			inet_ntop(AF_INET, &gw, g, sizeof g);
			live_say("network: default route via %s on %s: %s", g, ifname, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static uint32_t xid_seed(const uint8_t mac[6])
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint32_t x = (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec << 20;
	for (int i = 0; i < 6; i++)
		x = x * 31 + mac[i];
	return x;
}

static int mac_of(const char *ifname, uint8_t mac[6])
{
	char t[32];
	unsigned v[6];
	if (sysfs_read(ifname, "address", t, sizeof t) < 0 ||
	    sscanf(t, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

/* Wait until deadline for an answer of the wanted type; 0 with *l. */
static int dhcp_wait(int u, uint32_t xid, const uint8_t mac[6], int want, double until, struct dhcp_lease *l)
{
	static uint8_t buf[DHCP_MAX_PACKET + 64];
	for (;;) {
		double left = until - live_now();
		if (left <= 0)
			return -1;
		struct pollfd p = {u, POLLIN, 0};
		int r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		ssize_t n = recv(u, buf, sizeof buf, 0);
		if (n <= 0)
			continue;
		if (dhcp_parse(buf, (size_t)n, xid, mac, l) < 0)
			continue;
		if (l->type == want || (want == DHCP_ACK && l->type == DHCP_NAK))
			return 0;
	}
}

static int dhcp_send(int u, const uint8_t *b, size_t n)
{
	struct sockaddr_in to;
	memset(&to, 0, sizeof to);
	to.sin_family = AF_INET;
	to.sin_port = htons(67);
	to.sin_addr.s_addr = INADDR_BROADCAST;
	return sendto(u, b, n, 0, (struct sockaddr *)&to, sizeof to) < 0 ? -errno : 0;
}

/* DISCOVER, OFFER, REQUEST, ACK on ifname (up, no address yet). */
static int dhcp_run(const char *ifname, struct dhcp_lease *l)
{
	uint8_t mac[6], b[DHCP_MIN_PACKET + 64];
	int one = 1, u;
	/* live.timeout bounds the whole exchange, retries included */
	unsigned secs_max = live_opt.timeout < 3 ? 3 : live_opt.timeout;
	double t0 = live_now(), until = t0 + secs_max;
	if (mac_of(ifname, mac) < 0) {
		live_say("network: %s has no MAC address", ifname);
		return -1;
	}
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u < 0) {
		live_say("network: UDP socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(u, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(u, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
	if (setsockopt(u, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0) {
		live_say("network: binding to %s: %s", ifname, strerror(errno));
		close(u);
		return -1;
	}
	struct sockaddr_in me;
	memset(&me, 0, sizeof me);
	me.sin_family = AF_INET;
	me.sin_port = htons(68);
	if (bind(u, (struct sockaddr *)&me, sizeof me) < 0) {
		live_say("network: UDP port 68: %s", strerror(errno));
		close(u);
		return -1;
	}
	uint32_t xid = xid_seed(mac);
	double wait = 2;
	int rc = -1;
	live_say("network: %s: asking for an address by DHCP", ifname);
	while (live_now() < until && rc < 0) {
		struct dhcp_lease offer;
		uint16_t secs = (uint16_t)(live_now() - t0);
		size_t n = dhcp_build(b, sizeof b, DHCP_DISCOVER, xid, mac, 0, 0, secs);
		int e = dhcp_send(u, b, n);
		if (e < 0)
			live_step("DHCPDISCOVER on %s: %s", ifname, strerror(-e));
		double step = live_now() + wait;
		wait = wait * 2 > 8 ? 8 : wait * 2;
		if (dhcp_wait(u, xid, mac, DHCP_OFFER, step < until ? step : until, &offer) < 0)
			continue;
		uint32_t server = offer.server_id ? offer.server_id : offer.siaddr;
		for (int tries = 0; tries < 3 && rc < 0; tries++) {
			n = dhcp_build(b, sizeof b, DHCP_REQUEST, xid, mac, offer.yiaddr, server, secs);
			dhcp_send(u, b, n);
			double s2 = live_now() + 3;
			if (dhcp_wait(u, xid, mac, DHCP_ACK, s2 < until ? s2 : until, l) < 0)
				continue;
			if (l->type == DHCP_NAK)
				break; /* start over with a new DISCOVER */
			if (!l->server_id)
				l->server_id = server;
			rc = 0;
		}
		xid++;
	}
	close(u);
	if (rc < 0)
		live_say("network: no DHCP answer on %s after %u s (no DHCP server on this network? set "
			 "live.ip=ADDR/PREFIX:GATEWAY:DNS)",
			 ifname, secs_max);
	return rc;
}

static void ntoa(uint32_t a, char *out)
{
	if (!a)
		*out = 0;
	else
		inet_ntop(AF_INET, &a, out, 16);
}

/* /etc/resolv.conf for musl's resolver here, and /run/mklive/net for the
 * root (see mklive-init(7)). */
static void hand_over(const char *ifname, const char *method, uint32_t addr, unsigned prefix, uint32_t gw,
		      const uint32_t *dns, unsigned ndns, const struct dhcp_lease *l)
{
	char a[16], g[16], m[16], d[16], mac[32] = "";
	FILE *f;
	mkdir("/etc", 0755);
	if ((f = fopen("/etc/resolv.conf", "we"))) {
		for (unsigned i = 0; i < ndns; i++) {
			ntoa(dns[i], d);
			fprintf(f, "nameserver %s\n", d);
		}
		if (l && *l->domain)
			fprintf(f, "search %s\n", l->domain);
		fclose(f);
	}
	live_mkdirs("/run/mklive");
	sysfs_read(ifname, "address", mac, sizeof mac);
	ntoa(addr, a);
	ntoa(gw, g);
	ntoa(dhcp_prefix_mask(prefix), m);
	if (!(f = fopen("/run/mklive/net.tmp", "we")))
		return;
	fprintf(f,
		"# The network mklive-init configured for live.fetch= (mklive-init(7)).\n"
		"# The interface is left up with this address.\n"
		"INTERFACE=%s\nMAC=%s\nMETHOD=%s\nADDRESS=%s\nPREFIX=%u\nNETMASK=%s\nGATEWAY=%s\nDNS=",
		ifname, mac, method, a, prefix, m, g);
	for (unsigned i = 0; i < ndns; i++) {
		ntoa(dns[i], d);
		fprintf(f, "%s%s", i ? " " : "", d);
	}
	fprintf(f, "\n");
	if (l) {
		ntoa(l->server_id, d);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(f, "DOMAIN=%s\nDHCP_SERVER=%s\nLEASE_SECONDS=%u\nLEASE_START=%lld\n", l->domain, d,
			l->lease, (long long)ts.tv_sec);
	}
	fclose(f);
	rename("/run/mklive/net.tmp", "/run/mklive/net");
}

int live_net_up(void)
{
	char ifname[IFNAMSIZ], a[16], g[16];
	int s;
	if (net_ready)
		return 0;
	if (live_opt.ip == LIVE_IP_OFF) {
		live_step("live.ip=off: the network is left as the kernel set it");
		return 0;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		live_say("network: socket: %s", strerror(errno));
		return -1;
	}
	if_up(s, "lo");
	if (find_link(s, ifname) < 0) {
		close(s);
		return -1;
	}
	if (live_opt.ip == LIVE_IP_STATIC) {
		if (configure(s, ifname, live_opt.ip_addr, live_opt.ip_prefix, live_opt.ip_gw) < 0) {
			close(s);
			return -1;
		}
		hand_over(ifname, "static", live_opt.ip_addr, live_opt.ip_prefix, live_opt.ip_gw,
			  &live_opt.ip_dns, live_opt.ip_dns ? 1 : 0, NULL);
		ntoa(live_opt.ip_addr, a);
		live_say("network: %s: %s/%u (live.ip)", ifname, a, live_opt.ip_prefix);
	} else {
		struct dhcp_lease l;
		if (dhcp_run(ifname, &l) < 0) {
			close(s);
			return -1;
		}
		unsigned prefix = l.mask ? dhcp_mask_prefix(l.mask) : 24;
		if (configure(s, ifname, l.yiaddr, prefix, l.router) < 0) {
			close(s);
			return -1;
		}
		hand_over(ifname, "dhcp", l.yiaddr, prefix, l.router, l.dns, l.ndns, &l);
		ntoa(l.yiaddr, a);
		ntoa(l.router, g);
		live_say("network: %s: %s/%u from DHCP, gateway %s, lease %u s", ifname, a, prefix,
			 *g ? g : "none", l.lease);
	}
	close(s);
	net_ready = true;
	return 0;
}
