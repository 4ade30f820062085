/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ipsecpold - the policy agent.  Only parses the command line and dispatches.
 *
 *   ipsecpold [--root DIR] [-f|--foreground] [-v]   the daemon (default)
 *   ipsecpold [--root DIR] --startup [--dry-run] load the boot-time ruleset, exit
 *   ipsecpold [--root DIR] --once [--dry-run]    apply the effective policy, exit
 *   ipsecpold [--root DIR] -n|--check            check driver.conf and the stores
 *   ipsecpold [--root DIR] --block [--failed]    load block mode, exit
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "apply.h"

enum action { ACT_DAEMON, ACT_STARTUP, ACT_ONCE, ACT_CHECK, ACT_BLOCK };

static void usage(FILE *out)
{
	fputs("usage: ipsecpold [--root DIR] [-f|--foreground] [-v|--verbose]\n"
	      "       ipsecpold [--root DIR] --startup [--dry-run]\n"
	      "       ipsecpold [--root DIR] --once [--dry-run]\n"
	      "       ipsecpold [--root DIR] -n|--check\n"
	      "       ipsecpold [--root DIR] --block\n"
	      "\n"
	      "  (no action)   run the policy agent\n"
	      "  --startup     load the boot-time ruleset of the configured boot mode and exit\n"
	      "  --once        apply the effective policy once and exit\n"
	      "  --dry-run     with --startup or --once: print the ruleset, change nothing\n"
	      "  -n, --check   check driver.conf and the policy stores: \"configuration OK\"\n"
	      "  --block       load block mode (loopback, DHCP and the boot exemptions pass) and "
	      "exit\n"
	      "  -f, --foreground  log to stderr as well as to the system log\n"
	      "  -v, --verbose     log debug messages too\n"
	      "  --root DIR    the installation root (default $IPSECPOL_ROOT, else /)\n"
	      "  -h, --help    this text; --version: the version\n",
	      out);
}

/*
 * The heap in huge pages where the kernel gives them only to memory that asks
 * (transparent_hugepage "madvise"): a policy of 100,000 filters is read,
 * compiled, written out and parsed by libnftables through some 80 MB of heap,
 * and faulting it in 4 KiB at a time cost an apply a fifth of its time on a
 * virtual machine (bench/datapath).  glibc reads its tunables only when a
 * program starts, so the program starts again, once, with
 * glibc.malloc.hugetlb=1 added to them (kept when already there; a glibc that
 * does not know it ignores it, and the program does not start a third time).
 * Nothing happens when the tunable cannot be set or /proc/self/exe not run.
 */
static void heap_hugepages(char **argv)
{
	static const char tun[] = "glibc.malloc.hugetlb=1";
	const char *old = getenv("GLIBC_TUNABLES");
	char mode[128] = "", *val;
	FILE *f;

	if (old && strstr(old, "glibc.malloc.hugetlb"))
		return;
	if (!(f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re")))
		return;
	if (!fgets(mode, sizeof(mode), f))
		mode[0] = '\0';
	fclose(f);
	if (!strstr(mode, "[madvise]"))
		return; /* "always": the kernel does it anyway; "never": nothing to ask */
	if (old && *old) {
		if (asprintf(&val, "%s:%s", old, tun) < 0)
			return;
	} else if (!(val = strdup(tun))) {
		return;
	}
	if (setenv("GLIBC_TUNABLES", val, 1) == 0)
		execv("/proc/self/exe", argv);
	/* (not started again: as it was) */
	if (old)
		setenv("GLIBC_TUNABLES", old, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	free(val);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'}, {"startup", no_argument, NULL, 's'},
	    {"once", no_argument, NULL, 'o'},	    {"dry-run", no_argument, NULL, 'd'},
	    {"check", no_argument, NULL, 'n'},	    {"foreground", no_argument, NULL, 'f'},
	    {"verbose", no_argument, NULL, 'v'},    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},    {"block", no_argument, NULL, 'b'},
	    {"failed", no_argument, NULL, 'F'},	    {NULL, 0, NULL, 0},
	};
	struct ipp_agent_opts ao = {0};
	struct ipp_startup_result sr;
	struct ipp_error err = {0};
	struct ipp_paths paths;
	enum action act = ACT_DAEMON;
	const char *root = NULL;
	bool dry_run = false, blocked = false, failed = false;
	sigset_t stop, old;
	int c, r, nact = 0;

	/* a file size limit makes writes fail (EFBIG, reported) instead of killing the
	 * program in the middle of one */
	signal(SIGXFSZ, SIG_IGN);
	heap_hugepages(argv);

	/*
	 * A policy of 100,000 filters is read, expanded and compiled through
	 * arrays of megabytes, each freed before the next is built: keep freed
	 * memory for reuse instead of giving it back and faulting fresh pages in
	 * (the daemon trims after each apply).
	 */
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	while ((c = getopt_long(argc, argv, "nfvh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 's':
			act = ACT_STARTUP, nact++;
			break;
		case 'o':
			act = ACT_ONCE, nact++;
			break;
		case 'n':
			act = ACT_CHECK, nact++;
			break;
		case 'b':
			act = ACT_BLOCK, nact++;
			break;
		case 'F':
			failed = true;
			break;
		case 'd':
			dry_run = true;
			break;
		case 'f':
			ao.foreground = true;
			break;
		case 'v':
			ao.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("ipsecpold (ipsecpol) 0.1.0\n");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ipsecpold: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (nact > 1 || (dry_run && act != ACT_STARTUP && act != ACT_ONCE) ||
	    (failed && act != ACT_BLOCK)) {
		fprintf(stderr, "ipsecpold: %s\n",
			nact > 1  ? "--startup, --once, --check and --block exclude each other"
			: dry_run ? "--dry-run goes with --startup or --once"
				  : "--failed goes with --block");
		return 2;
	}
	if (ipp_paths_init(root, &paths, &err) < 0) {
		fprintf(stderr, "ipsecpold: %s\n", err.msg);
		return 2;
	}
	/*
	 * --startup and --once change the kernel in steps (a guard table first when
	 * a secure table is replaced, ipsecpold(8)): a stop signal waits until the
	 * last one is done, so that what is in force is the old ruleset or the new.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	if ((act == ACT_STARTUP || act == ACT_ONCE || act == ACT_BLOCK) && !dry_run)
		blocked = sigprocmask(SIG_BLOCK, &stop, &old) == 0;
	/* libnftables ending the program while it changes the kernel: block mode instead */
	if (!dry_run && act != ACT_CHECK && ipp_failsafe_arm(&paths, act != ACT_BLOCK, &err) < 0) {
		fprintf(stderr, "ipsecpold: warning: %s\n", err.msg);
		ipp_err_clear(&err);
	}
	switch (act) {
	case ACT_STARTUP:
		r = ipp_agent_startup(&paths, dry_run, stdout, &sr, &err);
		if (r == 0 && sr.failsafe) {
			/* block mode is in force: the boot is safe, the configuration is not */
			fprintf(stderr, "ipsecpold: error: %s\n", sr.warning);
			r = -ECANCELED;
		} else if (r == 0 && sr.warning[0]) {
			fprintf(stderr, "ipsecpold: warning: %s\n", sr.warning);
		}
		break;
	case ACT_ONCE:
		r = ipp_apply_once(&paths, dry_run ? IPP_APPLY_DRY_RUN : 0, stdout, &err);
		break;
	case ACT_CHECK:
		r = ipp_agent_check(&paths, &err);
		if (r == 0)
			printf("configuration OK\n");
		break;
	case ACT_BLOCK: {
		char what[512];

		r = ipp_agent_block(&paths, what, sizeof(what), &err);
		if (r == 0)
			fprintf(stderr, "ipsecpold: %s%s\n", failed ? "crit: " : "", what);
		if (r == 0 && failed)
			r = -ECANCELED; /* the agent failed: its service is restarted */
		break;
	}
	default:
		r = ipp_agent_run(&paths, &ao, &err);
		break;
	}
	if (r < 0 && r != -ECANCELED)
		fprintf(stderr, "ipsecpold: %s\n", err.msg[0] ? err.msg : strerror(-r));
	fflush(stdout);
	/* a stop signal that came meanwhile ends the program now */
	if (blocked)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return r < 0 ? 1 : 0;
}
