/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.h - the agent's state, shared by the event loop (daemon.c) and the
 * control protocol (ctl.c).  Internal to src/agent.
 */
#ifndef IPP_AGENT_DAEMON_H
#define IPP_AGENT_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../model/dynspd.h"
#include "agent.h"
#include "apply.h"
#include "diag.h"
#include "secure.h"

struct ipp_driver;
struct ipp_db;

struct ctl_client {
	int fd;
	char in[4096];
	size_t len;
	struct timespec since; /* accepted, or its last command answered (CLOCK_MONOTONIC) */
	bool discard;	       /* refused (a command too long): its input is dropped */
	struct ctl_client *next;
};

struct agent {
	struct ipp_paths paths;
	char notify_path[IPP_PATH_MAX];
	struct ipp_driverconf conf;	  /* the settings in use */
	char conf_error[IPP_ERR_MSG_MAX]; /* why driver.conf was refused, or "" */
	bool conf_loaded;		  /* a valid driver.conf was read: a->conf is its */
	bool conf_block;		  /* none was yet, and the file is refused: block mode */
	struct ipp_driver *drv;
	enum ipp_mode mode;		  /* INVALID until the first apply */
	char reason[IPP_ERR_MSG_MAX];	  /* block: why */
	bool startup_stale;		  /* the startup ruleset in force predates driver.conf's
					     boot exemptions or logging */
	enum ipp_mode rest;		  /* secure: the persistent policy in force alone,
					     what it does not match as this mode does
					     (INVALID: the whole policy is in force) */
	bool kept;			  /* secure: the domain or local policy applied before
					     stands in for one that cannot be built (the
					     persistent policy and dynamic rules as now) */
	bool block_logs;		  /* block ruleset in force logs its drops */
	struct ipp_bootexempt block_exempt[IPP_BOOTEXEMPT_MAX]; /* and lets these through */
	size_t nblock_exempt;
	time_t since;			  /* when the mode was entered */
	char last_error[IPP_ERR_MSG_MAX]; /* last failed apply, "" after a success */
	char wins_note[IPP_ERR_MSG_MAX];  /* why wins.conf cannot be read, as logged, or "" */
	char dns_note[IPP_ERR_MSG_MAX];	  /* the same of resolv.conf */
	char server_note[IPP_ERR_MSG_MAX]; /* the same of a route or lease file */
	bool addr_changed;		  /* rtnetlink told of an address added or removed */
	struct ipp_hostaddrs addrs;	  /* the host's addresses when last looked at */
	long long addr_renewed_ms;	  /* when they last renewed the flow cache (monotonic) */
	bool addr_moved;		  /* and they changed since, though they may be back */
	unsigned long applies, failures;
	unsigned long put_in_force; /* applies that put the effective policy in force (whole,
				       the persistent policy alone, or kept) */
	bool table_lost;	    /* secure: the table was removed or changed by another
				       program: nothing of the policy's is in force until
				       the next apply (block mode's guard at most) */
	struct ipp_dynspd dyn; /* the dynamic policies and rules (dynamic.c): lost when
				  the agent stops, as Windows' are */
	/* the last apply caused by a change: how long it took from the change seen to the
	 * kernel's answer (ms), and when it ended (CLOCK_REALTIME, ns; 0: none yet) */
	double last_apply_ms;
	long long applied_at_ns;
	unsigned long store_reads; /* the stores read whole and the policy computed (status) */
	/* how the last apply went into the kernel: "whole", "elements" (an element-level
	 * difference), "in-place" (the journal's filters patched in), "unchanged", "" */
	const char *last_change;
	int epfd, sigfd, inofd, rtnlfd, tfd_interval, tfd_retry, tfd_env, tfd_store, tfd_flow,
	    tfd_fold, tfd_tidy, tfd_gap;
	int notifyfd, ctlfd, pidfd;
	ino_t notify_ino, ctl_ino; /* of the sockets' files, made by the agent (run_check()) */
	ino_t db_ino[3];	   /* of policy.db, -wal and -shm when db was opened (0: none) */
	bool db_gone_said;	   /* the database's removal was logged */
	int wd_state, wd_etc;
	struct ipp_apply_result cur; /* the secure ruleset in force (cur_valid) */
	/* the effective policy of a ruleset forgotten (cur_forget()): what it warned of is not
	   said again by the next apply (a reload, a table put back) */
	struct ipp_effective *said;
	uint64_t table_handle;	     /* the kernel's handle of the table it last made, 0: none */
	long table_rules;	     /* then the rules of its base chains (input, output); -1
					unknown */
	long long fp_next_ms; /* the next look at its rules' fingerprints (CLOCK_MONOTONIC) */
	struct ipp_flowstate flows;  /* its flow cache: carry counters written, sets' fill */
	bool cur_valid;
	struct env_watch {
		int wd;
		char name[256]; /* the file's name in the watched directory */
	} envw[32];
	size_t nenvw;
	struct ipp_db *db; /* read-only handle for the generation */
	bool gen_known;
	int64_t ident_seen;    /* the identity of the database the last look read */
	int64_t file_ident_seen; /* the identity of the file itself, without its log, when it
				    last differed from the database read (said once) */
	int64_t nonce_seen;	 /* the last change's nonce of the database the last look read */
	ino_t applied_ino;     /* the inode of the file the stores in force were read from */
	ino_t state_ino, etc_ino; /* of the directories watched (wd_state, wd_etc) */
	uint64_t gen;	       /* store generation of the last apply */
	int64_t dv_seen;       /* db's data version at the last generation read (-1: unknown) */
	int64_t dv_applied;    /* ... when the stores were last applied (-1: unknown) */
	struct ipp_db_stamp stamp_seen, stamp_applied; /* the same of ipp_db_stamp() */
	bool stamp_known;			       /* stamp_applied was read once */
	bool conf_present;			       /* driver.conf existed at its last load */
	unsigned diag_level;   /* the DiagnosticMode the drop reports follow */
	bool db_had;	       /* the database was opened once (its removal is said) */
	bool db_touched;       /* policy.db itself written since the last look (a checkpoint, or a
				  write past SQLite) */
	struct ipp_diag *diag; /* NULL when diagnostics are off */
	struct ctl_client *clients;
	bool ctl_busy_logged; /* the control socket refused a client since the last expiry */
	int ctl_spare;	      /* kept open to take (and close) a client when none is left */
	bool store_dirty, conf_dirty, force_apply, stop;
	char force_why[128];
	char run_error[IPP_ERR_MSG_MAX]; /* why the run directory cannot be used, or "" */
	unsigned retry_s;
	unsigned store_rechecks; /* generation checks still due after a file event */
	/* another program's transactions during the agent's own, one after the other (the
	   whole applies they bring are spaced out), and the applies counted at the last look */
	unsigned gap_streak;
	unsigned long gap_applies;
};

/* daemon.c */
void ipp_agent_reload(struct agent *a, const char *why);
/*
 * A dynamic command ("add|set|delete ..." of dynamic.h) made and put in
 * force: the dynamic rules alone must compile, and the policy with them
 * must apply, else nothing changes and -errno says why.
 */
int ipp_agent_dynamic(struct agent *a, const char *args, struct ipp_error *err);
int ipp_agent_client_add(struct agent *a, int fd);
void ipp_agent_client_del(struct agent *a, int fd);

/* ctl.c */
void ipp_agent_ctl_accept(struct agent *a);
void ipp_agent_ctl_input(struct agent *a, int fd);
void ipp_agent_ctl_close_all(struct agent *a);
/* Close the clients that have sent no whole command for a while (they hold a place). */
void ipp_agent_ctl_expire(struct agent *a);
/* Run one command line, reply lines and the final OK/ERR line to @out. */
void ipp_agent_ctl_command(struct agent *a, const char *line, FILE *out);

#endif
