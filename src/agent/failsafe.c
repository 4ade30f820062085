/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * failsafe.c - when libnftables ends the process, block mode.
 *
 * libnftables handles a failed allocation by printing "Memory allocation
 * failure" and calling exit() (or crashes while printing it, with no memory
 * left).  The agent, --startup and --once then end in the middle of what
 * they set out to apply: the kernel keeps the table it had (an older policy
 * that does not block what the new one does), or none (an open host).  So
 * an exit or a crash while the driver is inside libnftables
 * (ipp_driver_nft_busy) replaces the process by `ipsecpold --block
 * --failed`: a fresh image, with the memory of a process that has done
 * nothing yet, that loads block mode (the boot exemptions and DHCP pass),
 * says why and exits 1 (the service manager restarts the agent, which
 * tries again).  execve() is async-signal-safe; everything it needs is
 * prepared when armed.  In `ipsecpold --block` itself the same only says
 * so: below what libnftables needs to load the smallest ruleset, the
 * kernel keeps what it had.
 */
#include "agent.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../driver/driver.h"

static char self[IPP_PATH_MAX];
static char root[IPP_PATH_MAX];
static char *argv_block[] = {"ipsecpold", "--root", root, "--block", "--failed", NULL};
static bool armed, exec_block;
/* the crash handler's own stack: a crash of a stack that could not grow (no memory) */
static char altstack[64 * 1024] __attribute__((aligned(16)));

static void say(const char *s)
{
	ssize_t n = write(STDERR_FILENO, s, strlen(s));

	(void)n;
}

/* The driver was inside libnftables: block mode instead of whatever is in force. */
static void block_instead(const char *how)
{
	extern char **environ;

	say("ipsecpold: crit: libnftables ended the program ");
	say(how);
	if (!exec_block) {
		/* (ipsecpold --block itself: nothing smaller to fall back to; the status of a
		 * failure, not libnftables' own) */
		say(" while it loaded block mode (out of memory?): what the kernel had stays in "
		    "force\n");
		_exit(1);
	}
	say(" while it changed or read the kernel's ruleset (out of memory?): loading block mode "
	    "(ipsecpold --block)\n");
	ipp_driver_nft_busy = 0;
	execve(self, argv_block, environ);
	say("ipsecpold: crit: cannot run ipsecpold --block: what the kernel had stays in force\n");
}

static void at_exit(void)
{
	if (ipp_driver_nft_busy)
		block_instead("(exit)");
}

static void on_crash(int sig)
{
	if (ipp_driver_nft_busy)
		block_instead(sig == SIGSEGV   ? "(a crash: SIGSEGV)"
			      : sig == SIGBUS  ? "(a crash: SIGBUS)"
			      : sig == SIGABRT ? "(abort)"
					       : "(a crash)");
	/* not ours to handle, or execve failed: as if no handler were installed */
	signal(sig, SIG_DFL);
	raise(sig);
}

int ipp_failsafe_arm(const struct ipp_paths *p, bool block, struct ipp_error *err)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE};
	struct sigaction sa;
	ssize_t n;
	size_t i;

	if (armed)
		return 0;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0 || (size_t)n >= sizeof(self) - 1)
		return ipp_err(err, n < 0 ? errno : ENAMETOOLONG,
			       "cannot tell this program's own file (/proc/self/exe): %s",
			       n < 0 ? strerror(errno) : "too long");
	self[n] = '\0';
	if (strlen(p->root) >= sizeof(root))
		return ipp_err(err, ENAMETOOLONG, "root \"%s\" is too long", p->root);
	strcpy(root, p->root);
	if (atexit(at_exit) != 0)
		return ipp_err(err, ENOMEM, "cannot register the exit handler");
#if defined(__SANITIZE_ADDRESS__)
	/* (an address-sanitizer build keeps its own crash report: the exit handler only) */
	exec_block = block;
	armed = true;
	return 0;
#endif
	{
		stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};

		if (sigaltstack(&ss, NULL) < 0)
			return ipp_err(err, errno, "sigaltstack: %s", strerror(errno));
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER | SA_RESETHAND | SA_ONSTACK;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return ipp_err(err, errno, "sigaction: %s", strerror(errno));
	exec_block = block;
	armed = true;
	return 0;
}
