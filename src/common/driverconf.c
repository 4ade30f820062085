/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * driverconf.c - driver.conf: parse, write, and netsh's `set config` properties.
 *
 * One table describes every setting: its registry-style name in the file,
 * its netsh property name, its kind and range.  The file parser, the writer,
 * the netsh setter and `show config` all walk that table.
 */
#include "driverconf.h"

#include "confile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

enum kind { K_UINT, K_BOOTMODE, K_EXEMPT };

struct setting {
	const char *file;  /* name in driver.conf */
	const char *netsh; /* netsh `set config` property name */
	const char *label; /* `show config` label */
	enum kind kind;
	unsigned min, max;
	size_t off; /* K_UINT: offset of the unsigned in struct ipp_driverconf */
};

#define UOFF(f) offsetof(struct ipp_driverconf, f)

/* In netsh's usage order of `set config` properties. */
static const struct setting settings[] = {
    {"DiagnosticMode", "ipsecdiagnostics", "IpsecDiagnostics", K_UINT, 0, IPP_DIAG_MAX,
     UOFF(diagnostics)},
    {"IkeLogging", "ikelogging", "IkeLogging", K_UINT, 0, 1, UOFF(ike_logging)},
    {"StrongCrlCheck", "strongcrlcheck", "StrongCRLCheck", K_UINT, 0, 2, UOFF(strong_crl_check)},
    {"LogInterval", "ipsecloginterval", "IPsecloginterval", K_UINT, IPP_LOGINTERVAL_MIN,
     IPP_LOGINTERVAL_MAX, UOFF(log_interval)},
    {"NoDefaultExempt", "ipsecexempt", "IPsecexempt", K_UINT, 0, 3, UOFF(no_default_exempt)},
    {"OperationMode", "bootmode", "BootMode", K_BOOTMODE, 0, 3, 0},
    {"BootExemptions", "bootexemptions", "BootExemptions", K_EXEMPT, 0, 0, 0},
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static unsigned *uptr(struct ipp_driverconf *c, const struct setting *s)
{
	return (unsigned *)((char *)c + s->off);
}

static unsigned uget(const struct ipp_driverconf *c, const struct setting *s)
{
	return *(const unsigned *)((const char *)c + s->off);
}

const char *ipp_bootmode_name(enum ipp_bootmode m)
{
	switch (m) {
	case IPP_BOOT_UNSET:
		return "unset";
	case IPP_BOOT_PERMIT:
		return "permit";
	case IPP_BOOT_BLOCK:
		return "block";
	case IPP_BOOT_STATEFUL:
		return "stateful";
	default:
		return "invalid";
	}
}

void ipp_driverconf_init(struct ipp_driverconf *c)
{
	memset(c, 0, sizeof(*c));
	c->bootmode = IPP_BOOT_UNSET;
	c->diagnostics = 0;
	c->log_interval = IPP_LOGINTERVAL_DEFAULT;
	c->no_default_exempt = 3;
	c->ike_logging = 0;
	c->strong_crl_check = 1;
	c->flow_cache = 1;
	c->flow_size = IPP_FLOWCACHE_SIZE_DEFAULT;
	c->cells = 1;
}

void ipp_driverconf_failsafe(struct ipp_driverconf *c)
{
	ipp_driverconf_init(c);
	c->bootmode = IPP_BOOT_BLOCK;
}

enum ipp_bootmode ipp_driverconf_bootmode(const struct ipp_driverconf *c, bool policy_assigned)
{
	switch (c->bootmode) {
	case IPP_BOOT_PERMIT:
	case IPP_BOOT_BLOCK:
	case IPP_BOOT_STATEFUL:
		return c->bootmode;
	case IPP_BOOT_UNSET:
		return policy_assigned ? IPP_BOOT_STATEFUL : IPP_BOOT_PERMIT;
	default:
		return IPP_BOOT_BLOCK; /* never permit on doubt */
	}
}

/* ---------- scalars ---------- */

/* Strict decimal: digits only, no sign, no spaces, within [min, max]. */
static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *ret)
{
	unsigned long v = 0;
	const char *p;

	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 0xffffffffUL)
			return -ERANGE;
	}
	if (v < min || v > max)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

static const struct {
	const char *name;
	uint8_t num;
} protos[] = {
    {"any", IPP_BOOT_PROTO_ANY}, {"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"raw", IPP_BOOT_PROTO_RAW},
};

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17;
}

static void proto_format(uint8_t p, bool icmp, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == p && (p != 1 || icmp)) {
			snprintf(buf, len, "%s", protos[i].name);
			return;
		}
	snprintf(buf, len, "%u", p);
}

int ipp_bootexempt_parse(const char *s, struct ipp_bootexempt *ret, struct ipp_error *err)
{
	char buf[128], *f[4], *p;
	struct ipp_bootexempt e;
	unsigned v, n = 0;
	size_t i;

	memset(&e, 0, sizeof(e));
	if (strlen(s) >= sizeof(buf))
		return ipp_err(err, EINVAL, "boot exemption \"%.40s...\" is too long", s);
	strcpy(buf, s);
	for (p = buf, f[n++] = p; *p; p++) {
		if (*p != ':')
			continue;
		if (n == 4)
			break;
		*p = '\0';
		f[n++] = p + 1;
	}
	if (n != 4 || *p)
		return ipp_err(err, EINVAL,
			       "boot exemption \"%s\" is not valid: expected "
			       "protocol:srcport:dstport:direction, e.g. tcp:0:3389:inbound",
			       s);
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcasecmp(f[0], protos[i].name))
			break;
	if (i < sizeof(protos) / sizeof(protos[0])) {
		e.proto = protos[i].num;
		e.icmp = e.proto == 1;
	} else if (parse_uint(f[0], 0, 255, &v) == 0)
		e.proto = (uint8_t)v;
	else
		return ipp_err(err, EINVAL,
			       "boot exemption \"%s\": protocol \"%s\" is not valid: expected "
			       "icmp, tcp, udp, raw, any or a number 0..255",
			       s, f[0]);
	if (parse_uint(f[1], 0, 65535, &v) < 0)
		return ipp_err(err, EINVAL,
			       "boot exemption \"%s\": source port \"%s\" is not valid: expected "
			       "0..65535 (0 = any)",
			       s, f[1]);
	e.sport = (uint16_t)v;
	if (parse_uint(f[2], 0, 65535, &v) < 0)
		return ipp_err(err, EINVAL,
			       "boot exemption \"%s\": destination port \"%s\" is not valid: "
			       "expected 0..65535 (0 = any)",
			       s, f[2]);
	e.dport = (uint16_t)v;
	if (!strcasecmp(f[3], "inbound"))
		e.dir = IPP_DIR_INBOUND;
	else if (!strcasecmp(f[3], "outbound"))
		e.dir = IPP_DIR_OUTBOUND;
	else
		return ipp_err(err, EINVAL,
			       "boot exemption \"%s\": direction \"%s\" is not valid: expected "
			       "inbound or outbound",
			       s, f[3]);
	if ((e.sport || e.dport) && !has_ports(e.proto))
		return ipp_err(err, EINVAL,
			       "boot exemption \"%s\": ports must be 0 for protocol \"%s\": only "
			       "tcp and udp have ports",
			       s, f[0]);
	*ret = e;
	return 0;
}

int ipp_bootexempt_parse_list(const char *s, struct ipp_bootexempt *ret, size_t max, size_t *ret_n,
			      struct ipp_error *err)
{
	struct ipp_bootexempt tmp[IPP_BOOTEXEMPT_MAX];
	char item[128];
	const char *p = s, *q;
	size_t n = 0, len;
	int r;

	while (isspace((unsigned char)*p))
		p++;
	len = strlen(p);
	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	if (len == 0 || (len == 4 && !strncasecmp(p, "none", 4))) {
		*ret_n = 0;
		return 0;
	}
	if (max > IPP_BOOTEXEMPT_MAX)
		max = IPP_BOOTEXEMPT_MAX;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		for (q = p; *q && !isspace((unsigned char)*q); q++)
			;
		len = (size_t)(q - p);
		if (len >= sizeof(item))
			return ipp_err(err, EINVAL, "boot exemption \"%.40s...\" is too long", p);
		memcpy(item, p, len);
		item[len] = '\0';
		if (!strcasecmp(item, "none"))
			return ipp_err(err, EINVAL,
				       "boot exemptions: \"none\" cannot be combined with "
				       "exemptions");
		if (n == max)
			return ipp_err(
			    err, EINVAL,
			    "boot exemptions: more than %zu items (\"%s\" is one too many)", max,
			    item);
		if ((r = ipp_bootexempt_parse(item, &tmp[n], err)) < 0)
			return r;
		n++;
		p = q;
	}
	memcpy(ret, tmp, n * sizeof(tmp[0]));
	*ret_n = n;
	return 0;
}

bool ipp_bootexempt_list_same(const struct ipp_bootexempt *x, size_t nx,
			      const struct ipp_bootexempt *y, size_t ny)
{
	if (nx != ny)
		return false;
	for (size_t i = 0; i < nx; i++)
		if (x[i].proto != y[i].proto || x[i].icmp != y[i].icmp ||
		    x[i].sport != y[i].sport || x[i].dport != y[i].dport || x[i].dir != y[i].dir)
			return false;
	return true;
}

void ipp_bootexempt_format(const struct ipp_bootexempt *e, char *buf, size_t len)
{
	char proto[16];

	proto_format(e->proto, e->icmp, proto, sizeof(proto));
	snprintf(buf, len, "%s:%u:%u:%s", proto, e->sport, e->dport,
		 e->dir == IPP_DIR_OUTBOUND ? "outbound" : "inbound");
}

void ipp_bootexempt_format_list(const struct ipp_bootexempt *e, size_t n, char *buf, size_t len)
{
	size_t i, used = 0;
	char item[64];

	if (len == 0)
		return;
	buf[0] = '\0';
	if (n == 0) {
		snprintf(buf, len, "none");
		return;
	}
	for (i = 0; i < n; i++) {
		ipp_bootexempt_format(&e[i], item, sizeof(item));
		if (used + strlen(item) + 2 > len)
			break;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "", item);
	}
}

/* ---------- one value ---------- */

static int bootmode_from_number(unsigned v, enum ipp_bootmode *ret)
{
	switch (v) {
	case 0:
		*ret = IPP_BOOT_PERMIT;
		return 0;
	case 1:
		*ret = IPP_BOOT_BLOCK;
		return 0;
	case 3:
		*ret = IPP_BOOT_STATEFUL;
		return 0;
	default:
		return -EINVAL;
	}
}

static unsigned bootmode_number(enum ipp_bootmode m)
{
	return m == IPP_BOOT_PERMIT ? 0 : m == IPP_BOOT_BLOCK ? 1 : 3;
}

/* Set @s from a driver.conf value (registry syntax). */
static int set_file_value(struct ipp_driverconf *c, const struct setting *s, const char *v,
			  struct ipp_error *err)
{
	unsigned u;
	int r;

	switch (s->kind) {
	case K_UINT:
		if ((r = parse_uint(v, s->min, s->max, &u)) < 0)
			return ipp_err(err, EINVAL, "%s \"%s\" is not valid: expected %u..%u",
				       s->file, v, s->min, s->max);
		*uptr(c, s) = u;
		return 0;
	case K_BOOTMODE:
		if (parse_uint(v, 0, 3, &u) < 0 || bootmode_from_number(u, &c->bootmode) < 0)
			return ipp_err(err, EINVAL,
				       "%s \"%s\" is not valid: expected 0 (permit), 1 (block) or "
				       "3 (stateful)",
				       s->file, v);
		return 0;
	case K_EXEMPT:
		if ((r = ipp_bootexempt_parse_list(v, c->exempt, IPP_BOOTEXEMPT_MAX, &c->nexempt,
						   err)) < 0) {
			ipp_err_prefix(err, "%s", s->file);
			return r;
		}
		return 0;
	}
	return -EINVAL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * A setting of ours that is 0 (off) or 1 (on), @key (as written: @typed) =
 * @val on line @lineno of @name, into *@ret; *@seen: the line it was set on
 * before (0: not yet).
 */
static int flag_setting(const char *name, unsigned lineno, const char *key, const char *typed,
			const char *val, unsigned *seen, unsigned *ret, struct ipp_error *err)
{
	if (strcmp(val, "0") && strcmp(val, "1"))
		return ipp_err(err, EINVAL, "%s:%u: %s=\"%s\": expected 0 (off) or 1 (on)", name,
			       lineno, key, val);
	if (*seen)
		return ipp_err(err, EINVAL, "%s:%u: \"%s\" is set twice (first on line %u)", name,
			       lineno, typed, *seen);
	*seen = lineno;
	*ret = val[0] == '1';
	return 0;
}

int ipp_driverconf_parse(FILE *in, const char *name, struct ipp_driverconf *ret,
			 struct ipp_error *err)
{
	struct ipp_driverconf c;
	unsigned seen_at[NSETTINGS] = {0}, flow_seen = 0, size_seen = 0, cells_seen = 0;
	char *line = NULL, *key, *val, *eq;
	size_t cap = 0, i, vlen;
	unsigned lineno = 0;
	ssize_t n;
	int r = 0;

	ipp_driverconf_init(&c);
	while ((n = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)n)) {
			r = ipp_err(err, EINVAL, "%s:%u: a NUL byte: expected text lines", name,
				    lineno);
			goto out;
		}
		key = trim(line);
		if (!*key || *key == '#' || *key == ';')
			continue;
		if (!(eq = strchr(key, '='))) {
			r = ipp_err(err, EINVAL, "%s:%u: \"%s\": expected Name=Value", name, lineno,
				    key);
			goto out;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		vlen = strlen(val);
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
			val[vlen - 1] = '\0';
			val++;
		}
		/* ours, beyond Windows: not `set config` properties */
		if (!strcasecmp(key, "FlowCacheSize")) {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(val, &end, 10);
			if (!*val || *end || errno || v < 16 || v > 16777216 || val[0] == '-' ||
			    val[0] == '+') {
				r = ipp_err(err, EINVAL,
					    "%s:%u: FlowCacheSize=\"%s\": expected a number of flows "
					    "from 16 to 16777216",
					    name, lineno, val);
				goto out;
			}
			if (size_seen) {
				r = ipp_err(err, EINVAL,
					    "%s:%u: \"%s\" is set twice (first on line %u)", name,
					    lineno, key, size_seen);
				goto out;
			}
			size_seen = lineno;
			c.flow_size = (unsigned)v;
			continue;
		}
		if (!strcasecmp(key, "FlowCache") || !strcasecmp(key, "CellDispatch")) {
			bool flow = !strcasecmp(key, "FlowCache");

			if ((r = flag_setting(name, lineno, flow ? "FlowCache" : "CellDispatch",
					      key, val, flow ? &flow_seen : &cells_seen,
					      flow ? &c.flow_cache : &c.cells, err)) < 0)
				goto out;
			continue;
		}
		for (i = 0; i < NSETTINGS; i++)
			if (!strcasecmp(key, settings[i].file))
				break;
		if (i == NSETTINGS) {
			r = ipp_err(
			    err, EINVAL,
			    "%s:%u: unknown setting \"%s\": expected OperationMode, "
			    "BootExemptions, DiagnosticMode, LogInterval, NoDefaultExempt, "
			    "IkeLogging, StrongCrlCheck, FlowCache, FlowCacheSize or CellDispatch",
			    name, lineno, key);
			goto out;
		}
		if (seen_at[i]) {
			r = ipp_err(err, EINVAL, "%s:%u: \"%s\" is set twice (first on line %u)",
				    name, lineno, key, seen_at[i]);
			goto out;
		}
		seen_at[i] = lineno;
		if ((r = set_file_value(&c, &settings[i], val, err)) < 0) {
			ipp_err_prefix(err, "%s:%u", name, lineno);
			goto out;
		}
	}
	if (ferror(in)) {
		r = ipp_err(err, EIO, "%s: read error", name);
		goto out;
	}
	*ret = c;
out:
	free(line);
	return r;
}

int ipp_driverconf_load(const struct ipp_paths *p, struct ipp_driverconf *ret,
			struct ipp_error *err)
{
	FILE *f;
	int r;

	/* (a regular file of a bounded size: a FIFO in its place would block the agent,
	 * a link to /dev/zero fill its memory) */
	r = ipp_confile_open(p->driver_conf, IPP_DRIVERCONF_MAX, &f, err);
	if (r < 0)
		return r;
	if (r == 0 && errno == ENOTDIR)
		return ipp_err(err, ENOTDIR, "cannot open \"%s\": %s", p->driver_conf,
			       strerror(ENOTDIR));
	if (r == 0) {
		struct stat st;

		/* absent: the defaults; a link to a file that is gone (an unmounted
		 * file system?) is a configuration that cannot be read */
		if (lstat(p->driver_conf, &st) == 0)
			return ipp_err(
			    err, ENOENT,
			    "cannot open \"%s\": a symbolic link to a file that does not "
			    "exist",
			    p->driver_conf);
		ipp_driverconf_init(ret);
		return 0;
	}
	r = ipp_driverconf_parse(f, p->driver_conf, ret, err);
	fclose(f);
	return r;
}

int ipp_driverconf_write(const struct ipp_driverconf *c, FILE *out)
{
	char list[IPP_BOOTEXEMPT_MAX * 32];
	size_t i;

	fprintf(out, "# ipsecpol driver and agent configuration (Windows registry names and "
		     "values).\n"
		     "# Written by `ipsecpol dynamic set config`; hand edits are welcome.\n");
	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];

		switch (s->kind) {
		case K_UINT:
			fprintf(out, "%s=%u\n", s->file, uget(c, s));
			break;
		case K_BOOTMODE:
			if (c->bootmode == IPP_BOOT_PERMIT || c->bootmode == IPP_BOOT_BLOCK ||
			    c->bootmode == IPP_BOOT_STATEFUL)
				fprintf(out, "%s=%u\n", s->file, bootmode_number(c->bootmode));
			break;
		case K_EXEMPT:
			ipp_bootexempt_format_list(c->exempt, c->nexempt, list, sizeof(list));
			fprintf(out, "%s=%s\n", s->file, list);
			break;
		}
	}
	if (!c->flow_cache)
		fprintf(out, "FlowCache=0\n");
	if (c->flow_size != IPP_FLOWCACHE_SIZE_DEFAULT)
		fprintf(out, "FlowCacheSize=%u\n", c->flow_size);
	if (!c->cells)
		fprintf(out, "CellDispatch=0\n");
	return ferror(out) ? -EIO : 0;
}

int ipp_driverconf_save(const struct ipp_paths *p, const struct ipp_driverconf *c,
			struct ipp_error *err)
{
	char tmp[IPP_PATH_MAX + 16];
	FILE *f;
	int fd, r, dfd;

	if ((r = ipp_mkdir_p(p->etcdir, err)) < 0)
		return r;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", p->driver_conf) >= (int)sizeof(tmp))
		return ipp_err(err, ENAMETOOLONG, "path \"%s\" is too long", p->driver_conf);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return ipp_err(err, errno, "cannot create \"%s\": %s", tmp, strerror(errno));
	if (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		r = ipp_err(err, errno, "cannot write \"%s\": %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return r;
	}
	r = ipp_driverconf_write(c, f);
	if (r == 0 && (fflush(f) != 0 || fsync(fileno(f)) < 0))
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return ipp_err(err, -r, "cannot write \"%s\": %s", tmp, strerror(-r));
	}
	if (rename(tmp, p->driver_conf) < 0) {
		r = ipp_err(err, errno, "cannot replace \"%s\": %s", p->driver_conf,
			    strerror(errno));
		unlink(tmp);
		return r;
	}
	dfd = open(p->etcdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* ---------- netsh properties ---------- */

/*
 * Match @tok against @n keywords case-insensitively: exact, else a unique
 * prefix.  Returns the index, -ENOENT for no match, -EEXIST when ambiguous.
 */
static int match_keyword(const char *tok, const char *const *kw, size_t n)
{
	size_t i, len = strlen(tok);
	int found = -ENOENT;

	if (len == 0)
		return -ENOENT;
	for (i = 0; i < n; i++)
		if (!strcasecmp(tok, kw[i]))
			return (int)i;
	for (i = 0; i < n; i++) {
		if (strncasecmp(tok, kw[i], len))
			continue;
		if (found >= 0)
			return -EEXIST;
		found = (int)i;
	}
	return found;
}

static void list_candidates(const char *tok, const char *const *kw, size_t n, char *buf, size_t len,
			    bool only_prefixed)
{
	size_t i, used = 0, tl = strlen(tok);
	bool first = true;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		if (only_prefixed && strncasecmp(tok, kw[i], tl))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", first ? "" : ", ", kw[i]);
		first = false;
	}
}

int ipp_driverconf_set_property(struct ipp_driverconf *c, const char *name, const char *value,
				struct ipp_error *err)
{
	static const char *const modes[] = {"stateful", "block", "permit"};
	static const enum ipp_bootmode modev[] = {IPP_BOOT_STATEFUL, IPP_BOOT_BLOCK,
						  IPP_BOOT_PERMIT};
	const char *names[NSETTINGS];
	struct ipp_driverconf n = *c;
	const struct setting *s;
	char cand[256];
	unsigned u;
	size_t i;
	int k, r;

	for (i = 0; i < NSETTINGS; i++)
		names[i] = settings[i].netsh;
	k = match_keyword(name, names, NSETTINGS);
	if (k == -EEXIST) {
		list_candidates(name, names, NSETTINGS, cand, sizeof(cand), true);
		return ipp_err(err, EINVAL, "property \"%s\" is ambiguous: %s", name, cand);
	}
	if (k < 0) {
		list_candidates(name, names, NSETTINGS, cand, sizeof(cand), false);
		return ipp_err(err, EINVAL, "property \"%s\" is not valid: expected one of %s",
			       name, cand);
	}
	s = &settings[k];
	switch (s->kind) {
	case K_UINT:
		if ((r = parse_uint(value, s->min, s->max, &u)) < 0)
			return ipp_err(err, EINVAL,
				       "value \"%s\" for %s is not valid: expected %u..%u", value,
				       s->netsh, s->min, s->max);
		*uptr(&n, s) = u;
		break;
	case K_BOOTMODE:
		k = match_keyword(value, modes, 3);
		if (k < 0)
			return ipp_err(err, EINVAL,
				       "value \"%s\" for bootmode is not valid: expected stateful, "
				       "block or permit",
				       value);
		n.bootmode = modev[k];
		break;
	case K_EXEMPT:
		if ((r = ipp_bootexempt_parse_list(value, n.exempt, IPP_BOOTEXEMPT_MAX, &n.nexempt,
						   err)) < 0)
			return r;
		break;
	}
	*c = n;
	return 0;
}

int ipp_driverconf_update(const struct ipp_paths *p, const char *name, const char *value,
			  struct ipp_error *err)
{
	struct ipp_driverconf c;
	int dfd, r;

	if ((r = ipp_mkdir_p(p->etcdir, err)) < 0)
		return r;
	dfd = open(p->etcdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return ipp_err(err, errno, "cannot open \"%s\": %s", p->etcdir, strerror(errno));
	if (flock(dfd, LOCK_EX) < 0) {
		r = ipp_err(err, errno, "cannot lock \"%s\": %s", p->etcdir, strerror(errno));
		goto out;
	}
	if ((r = ipp_driverconf_load(p, &c, err)) < 0)
		goto out;
	if ((r = ipp_driverconf_set_property(&c, name, value, err)) < 0)
		goto out;
	r = ipp_driverconf_save(p, &c, err);
out:
	close(dfd); /* releases the lock */
	return r;
}

static const char *mode_label(enum ipp_bootmode m)
{
	switch (m) {
	case IPP_BOOT_PERMIT:
		return "PERMIT";
	case IPP_BOOT_BLOCK:
		return "BLOCK";
	default:
		return "STATEFUL";
	}
}

int ipp_driverconf_show(const struct ipp_driverconf *c, bool assigned, FILE *out)
{
	char item[64];
	size_t i, j;

	fprintf(out, "IPsec Configuration Parameters\n"
		     "------------------------------\n");
	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];

		fprintf(out, "%-20s : ", s->label);
		switch (s->kind) {
		case K_UINT:
			fprintf(out, "%u\n", uget(c, s));
			break;
		case K_BOOTMODE:
			if (c->bootmode == IPP_BOOT_UNSET)
				fprintf(out, "%s (not set: %s)\n",
					mode_label(ipp_driverconf_bootmode(c, assigned)),
					assigned ? "a policy is assigned"
						 : "no policy is assigned");
			else
				fprintf(out, "%s\n", mode_label(c->bootmode));
			break;
		case K_EXEMPT:
			if (c->nexempt == 0) {
				fprintf(out, "none\n");
				break;
			}
			for (j = 0; j < c->nexempt; j++) {
				ipp_bootexempt_format(&c->exempt[j], item, sizeof(item));
				fprintf(out, "%s%s\n", j ? "                       " : "", item);
			}
			break;
		}
	}
	return ferror(out) ? -EIO : 0;
}

int ipp_driverconf_show_kv(const struct ipp_driverconf *c, FILE *out)
{
	char list[IPP_BOOTEXEMPT_MAX * 32];
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];

		switch (s->kind) {
		case K_UINT:
			fprintf(out, "%s=%u\n", s->netsh, uget(c, s));
			break;
		case K_BOOTMODE:
			fprintf(out, "%s=%s\n", s->netsh, ipp_bootmode_name(c->bootmode));
			break;
		case K_EXEMPT:
			ipp_bootexempt_format_list(c->exempt, c->nexempt, list, sizeof(list));
			fprintf(out, "%s=%s\n", s->netsh, list);
			break;
		}
	}
	return ferror(out) ? -EIO : 0;
}
