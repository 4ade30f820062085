/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynamic.c - the agent's dynamic SPD: what `netsh ipsec dynamic add|set|
 * delete mmpolicy|qmpolicy|rule|all` change, and `show` reads.
 *
 * The control command is "dynamic VERB OBJECT WORDS", WORDS in the line
 * form of model/dynspd.h (the shell resolves names and folds masks into
 * the addresses first).  A change is checked against the rest of the SPD
 * (names unique, the policies a rule names exist, a policy in use is not
 * deleted, a rule's selector unique) and then made on a copy; the caller
 * puts the copy in force (ipp_agent_dynamic_commit()).
 */
#include "dynamic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/grow.h"
#include "../common/utf8.h"

static struct ipp_dyn_mmpolicy *find_mm(struct ipp_dynspd *d, const char *name)
{
	for (size_t i = 0; i < d->nmm; i++)
		if (!ipp_utf8_casecmp(d->mm[i].name, name))
			return &d->mm[i];
	return NULL;
}

static struct ipp_dyn_qmpolicy *find_qm(struct ipp_dynspd *d, const char *name)
{
	for (size_t i = 0; i < d->nqm; i++)
		if (!ipp_utf8_casecmp(d->qm[i].name, name))
			return &d->qm[i];
	return NULL;
}

static struct ipp_dyn_rule *find_rule(struct ipp_dynspd *d, const struct ipp_dyn_rule *like)
{
	for (size_t i = 0; i < d->nrules; i++)
		if (ipp_dyn_rule_same(&d->rules[i], like))
			return &d->rules[i];
	return NULL;
}

/* The policies a rule names exist. */
static int rule_refs(struct ipp_dynspd *d, const struct ipp_dyn_rule *r, struct ipp_error *err)
{
	if (!find_mm(d, r->mmpolicy))
		return ipp_err(err, ENOENT, "mmpolicy: no main mode policy named \"%s\" in the SPD",
			       r->mmpolicy);
	if (r->qmpolicy[0] && !find_qm(d, r->qmpolicy))
		return ipp_err(err, ENOENT,
			       "qmpolicy: no quick mode policy named \"%s\" in the SPD",
			       r->qmpolicy);
	return 0;
}

/* A rule that names policy @name of kind @mm, or NULL. */
static const struct ipp_dyn_rule *user_of(const struct ipp_dynspd *d, bool mm, const char *name)
{
	for (size_t i = 0; i < d->nrules; i++)
		if (!ipp_utf8_casecmp(mm ? d->rules[i].mmpolicy : d->rules[i].qmpolicy, name))
			return &d->rules[i];
	return NULL;
}

static void describe_rule(const struct ipp_dyn_rule *r, char *buf, size_t len)
{
	char s[IPP_ADDR_STRLEN], t[IPP_ADDR_STRLEN];

	ipp_addr_format_cidr(&r->src, s, sizeof(s));
	ipp_addr_format_cidr(&r->dst, t, sizeof(t));
	snprintf(buf, len, "the rule %s -> %s protocol %u ports %u -> %u", s, t, r->protocol,
		 r->srcport, r->dstport);
}

static bool want_all(const char *words)
{
	return !strcmp(words, "all=yes");
}

/* ---------- main and quick mode policies ---------- */

static int mm_change(struct ipp_dynspd *d, const char *verb, const char *words,
		     struct ipp_error *err)
{
	struct ipp_dyn_mmpolicy m, *cur;
	unsigned seen = 0;
	int r;

	if (!strcmp(verb, "add")) {
		ipp_dyn_mmpolicy_init(&m);
		if ((r = ipp_dyn_mmpolicy_parse(words, &m, &seen, err)) < 0)
			return r;
		if (!(seen & IPP_DYN_T_NAME))
			return ipp_err(err, EINVAL, "name: a main mode policy needs a name");
		if (find_mm(d, m.name))
			return ipp_err(err, EEXIST,
				       "a main mode policy named \"%s\" already exists in the SPD",
				       m.name);
		if (ipp_grow_exact((void **)&d->mm, d->nmm + 1, sizeof(*d->mm)) < 0)
			return ipp_err(err, ENOMEM, "out of memory");
		d->mm[d->nmm++] = m;
		return 0;
	}
	if (!strcmp(verb, "set")) {
		const char *attrs = words;
		size_t i;

		if (!strncmp(words, "all=yes", 7) && (words[7] == ' ' || !words[7])) {
			attrs = words + 7;
			for (i = 0; i < d->nmm; i++)
				if ((r = ipp_dyn_mmpolicy_parse(attrs, &d->mm[i], NULL, err)) < 0)
					return r;
			return 0;
		}
		ipp_dyn_mmpolicy_init(&m);
		if ((r = ipp_dyn_mmpolicy_parse(words, &m, &seen, err)) < 0)
			return r;
		if (!(cur = find_mm(d, m.name)))
			return ipp_err(err, ENOENT, "no main mode policy named \"%s\" in the SPD",
				       m.name);
		return ipp_dyn_mmpolicy_parse(words, cur, NULL, err);
	}
	/* delete */
	if (want_all(words)) {
		if (d->nrules)
			return ipp_err(err, EBUSY,
				       "the main mode policies are used by %zu rule%s: delete them "
				       "first",
				       d->nrules, d->nrules == 1 ? "" : "s");
		d->nmm = 0;
		return 0;
	}
	ipp_dyn_mmpolicy_init(&m);
	if ((r = ipp_dyn_mmpolicy_parse(words, &m, &seen, err)) < 0)
		return r;
	if (!(cur = find_mm(d, m.name)))
		return ipp_err(err, ENOENT, "no main mode policy named \"%s\" in the SPD", m.name);
	if (user_of(d, true, cur->name)) {
		char what[IPP_ADDR_STRLEN * 2 + 64];

		describe_rule(user_of(d, true, cur->name), what, sizeof(what));
		return ipp_err(err, EBUSY, "main mode policy \"%s\" is used by %s", cur->name,
			       what);
	}
	memmove(cur, cur + 1, (size_t)(d->mm + d->nmm - cur - 1) * sizeof(*cur));
	d->nmm--;
	return 0;
}

static int qm_change(struct ipp_dynspd *d, const char *verb, const char *words,
		     struct ipp_error *err)
{
	struct ipp_dyn_qmpolicy q, *cur;
	unsigned seen = 0;
	int r;

	if (!strcmp(verb, "add")) {
		ipp_dyn_qmpolicy_init(&q);
		if ((r = ipp_dyn_qmpolicy_parse(words, &q, &seen, err)) < 0)
			return r;
		if (!(seen & IPP_DYN_T_NAME))
			return ipp_err(err, EINVAL, "name: a quick mode policy needs a name");
		if (find_qm(d, q.name))
			return ipp_err(err, EEXIST,
				       "a quick mode policy named \"%s\" already exists in the SPD",
				       q.name);
		if (ipp_grow_exact((void **)&d->qm, d->nqm + 1, sizeof(*d->qm)) < 0)
			return ipp_err(err, ENOMEM, "out of memory");
		d->qm[d->nqm++] = q;
		return 0;
	}
	if (!strcmp(verb, "set")) {
		size_t i;

		if (!strncmp(words, "all=yes", 7) && (words[7] == ' ' || !words[7])) {
			for (i = 0; i < d->nqm; i++)
				if ((r = ipp_dyn_qmpolicy_parse(words + 7, &d->qm[i], NULL, err)) <
				    0)
					return r;
			return 0;
		}
		ipp_dyn_qmpolicy_init(&q);
		if ((r = ipp_dyn_qmpolicy_parse(words, &q, &seen, err)) < 0)
			return r;
		if (!(cur = find_qm(d, q.name)))
			return ipp_err(err, ENOENT, "no quick mode policy named \"%s\" in the SPD",
				       q.name);
		return ipp_dyn_qmpolicy_parse(words, cur, NULL, err);
	}
	if (want_all(words)) {
		for (size_t i = 0; i < d->nrules; i++)
			if (d->rules[i].qmpolicy[0])
				return ipp_err(err, EBUSY,
					       "quick mode policy \"%s\" is used by a rule: delete "
					       "the rules that use one first",
					       d->rules[i].qmpolicy);
		d->nqm = 0;
		return 0;
	}
	ipp_dyn_qmpolicy_init(&q);
	if ((r = ipp_dyn_qmpolicy_parse(words, &q, &seen, err)) < 0)
		return r;
	if (!(cur = find_qm(d, q.name)))
		return ipp_err(err, ENOENT, "no quick mode policy named \"%s\" in the SPD", q.name);
	if (user_of(d, false, cur->name)) {
		char what[IPP_ADDR_STRLEN * 2 + 64];

		describe_rule(user_of(d, false, cur->name), what, sizeof(what));
		return ipp_err(err, EBUSY, "quick mode policy \"%s\" is used by %s", cur->name,
			       what);
	}
	memmove(cur, cur + 1, (size_t)(d->qm + d->nqm - cur - 1) * sizeof(*cur));
	d->nqm--;
	return 0;
}

/* ---------- rules ---------- */

static int rule_change(struct ipp_dynspd *d, const char *verb, const char *words,
		       struct ipp_error *err)
{
	struct ipp_dyn_rule x, *cur;
	unsigned seen = 0;
	int r;

	ipp_dyn_rule_init(&x);
	if ((r = ipp_dyn_rule_parse(words, &x, &seen, err)) < 0)
		return r;
	if (!strcmp(verb, "add")) {
		if ((r = ipp_dyn_rule_validate(&x, err)) < 0 || (r = rule_refs(d, &x, err)) < 0)
			return r;
		if (find_rule(d, &x))
			return ipp_err(err, EEXIST,
				       "a rule with the same filter (addresses, masks, protocol, "
				       "ports, mirroring, connection type, tunnel) already exists "
				       "in the SPD");
		if (ipp_grow_exact((void **)&d->rules, d->nrules + 1, sizeof(*d->rules)) < 0)
			return ipp_err(err, ENOMEM, "out of memory");
		x.seq = ++d->next_seq;
		d->rules[d->nrules++] = x;
		return 0;
	}
	if (!(cur = find_rule(d, &x))) {
		char what[IPP_ADDR_STRLEN * 2 + 64];

		describe_rule(&x, what, sizeof(what));
		return ipp_err(err, ENOENT, "no rule with that filter in the SPD (%s)", what);
	}
	if (!strcmp(verb, "set")) {
		struct ipp_dyn_rule n = *cur;

		if (seen & IPP_DYN_T_INBOUND)
			n.inbound = x.inbound;
		if (seen & IPP_DYN_T_OUTBOUND)
			n.outbound = x.outbound;
		if (seen & IPP_DYN_T_MMPOLICY)
			memcpy(n.mmpolicy, x.mmpolicy, sizeof(n.mmpolicy));
		if (seen & IPP_DYN_T_QMPOLICY)
			memcpy(n.qmpolicy, x.qmpolicy, sizeof(n.qmpolicy));
		if (seen & IPP_DYN_T_AUTH) {
			n.nauth = x.nauth;
			memcpy(n.auth, x.auth, sizeof(n.auth));
		}
		if ((r = ipp_dyn_rule_validate(&n, err)) < 0 || (r = rule_refs(d, &n, err)) < 0)
			return r;
		*cur = n;
		return 0;
	}
	memmove(cur, cur + 1, (size_t)(d->rules + d->nrules - cur - 1) * sizeof(*cur));
	d->nrules--;
	return 0;
}

int ipp_agent_dynamic_change(const struct ipp_dynspd *cur, const char *args, struct ipp_dynspd *ret,
			     struct ipp_error *err)
{
	char verb[16], obj[16];
	const char *p = args, *words;
	size_t n;
	int r;

	n = strcspn(p, " ");
	if (n == 0 || n >= sizeof(verb))
		return ipp_err(err, EINVAL, "dynamic: expected add, set or delete");
	memcpy(verb, p, n);
	verb[n] = '\0';
	p += n + strspn(p + n, " ");
	n = strcspn(p, " ");
	if (n >= sizeof(obj))
		return ipp_err(err, EINVAL, "dynamic %s: expected mmpolicy, qmpolicy, rule or all",
			       verb);
	memcpy(obj, p, n);
	obj[n] = '\0';
	words = p + n + strspn(p + n, " ");
	if (strcmp(verb, "add") && strcmp(verb, "set") && strcmp(verb, "delete"))
		return ipp_err(err, EINVAL, "dynamic: \"%s\" is not add, set or delete", verb);
	if ((r = ipp_dynspd_copy(ret, cur)) < 0)
		return ipp_err(err, ENOMEM, "out of memory");
	if (!strcmp(obj, "mmpolicy"))
		r = mm_change(ret, verb, words, err);
	else if (!strcmp(obj, "qmpolicy"))
		r = qm_change(ret, verb, words, err);
	else if (!strcmp(obj, "rule"))
		r = rule_change(ret, verb, words, err);
	else if (!strcmp(obj, "all") && !strcmp(verb, "delete") && !*words)
		ipp_dynspd_clear(ret);
	else
		r = ipp_err(err, EINVAL, "dynamic %s: \"%s\" is not mmpolicy, qmpolicy or rule%s",
			    verb, obj, !strcmp(verb, "delete") ? " or all" : "");
	if (r < 0)
		ipp_dynspd_clear(ret);
	return r;
}

void ipp_agent_dynamic_show(const struct ipp_dynspd *d, FILE *out)
{
	char line[IPP_DYN_LINE_MAX];
	size_t i;

	for (i = 0; i < d->nmm; i++) {
		ipp_dyn_mmpolicy_format(&d->mm[i], line, sizeof(line));
		fprintf(out, "mmpolicy %s\n", line);
	}
	for (i = 0; i < d->nqm; i++) {
		ipp_dyn_qmpolicy_format(&d->qm[i], line, sizeof(line));
		fprintf(out, "qmpolicy %s\n", line);
	}
	for (i = 0; i < d->nrules; i++) {
		ipp_dyn_rule_format(&d->rules[i], line, sizeof(line));
		fprintf(out, "rule %s\n", line);
	}
}
