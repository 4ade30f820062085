/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdtable.c - the command tree of `netsh ipsec`, Windows Server 2003.
 *
 * Parameters are listed in the order of Windows' usage lines (reference
 * sections 3 and 4): that order decides tagless binding and which tag an
 * abbreviation means, so it must not be "tidied".
 */
#include "cmdtable.h"

#include <string.h>
#include <strings.h>

#include "dynamic.h"
#include "shell.h"
#include "static_cmds.h"
#include "whatif_cmd.h"

/* ---------- legal values ---------- */

const char *const ipp_values_yesno[] = { "yes", "no", NULL };
static const char *const v_action[] = { "permit", "block", "negotiate", NULL };
static const char *const v_conntype[] = { "lan", "dialup", "all", NULL };
static const char *const v_location[] = { "local", "persistent", "domain", NULL };
static const char *const v_mode[] = { "enable", "disable", NULL };
static const char *const v_level[] = { "terse", "verbose", "normal", NULL };
static const char *const v_format[] = { "list", "table", "json", NULL };
static const char *const v_ruletype[] = { "tunnel", "transport", NULL };
static const char *const v_pfsgroup[] = { "grp1", "grp2", "grp3", "grpmm", "nopfs", NULL };
static const char *const v_filtertype[] = { "generic", "specific", NULL };
static const char *const v_statstype[] = { "ike", "ipsec", NULL };
static const char *const v_property[] = { "ipsecdiagnostics", "ikelogging", "strongcrlcheck",
					   "ipsecloginterval", "ipsecexempt", "bootmode",
					   "bootexemptions", NULL };

#define P_END { NULL, IPP_PT_INVALID, 0, 0, NULL, NULL }
#define YESNO(tag, flags, help) { tag, IPP_PT_ENUM, flags, 0, ipp_values_yesno, help }

/* show options shared by the static show commands */
#define SHOW_LEVEL { "level", IPP_PT_ENUM, 0, 0, v_level, "Level of detail: terse (normal) or verbose." }
#define SHOW_FORMAT { "format", IPP_PT_ENUM, 0, 0, v_format, "Output as a list, a table, or JSON." }
#define SHOW_WIDE YESNO("wide", 0, "no: fit the output into 80 columns.")
#define SHOW_RESOLVEDNS YESNO("resolvedns", 0, "yes: show the DNS names of addresses.")

#define AUTH_PARAMS                                                                          \
	YESNO("kerberos", 0, "Kerberos V5 authentication."),                                 \
	{ "psk", IPP_PT_STRING, 0, 0, NULL, "Pre-shared key authentication." },             \
	{ "rootca", IPP_PT_ROOTCA, IPP_PF_MULTI, 0, NULL,                                   \
	  "Certificate authentication: \"<CA DN> certmap:yes|no excludecaname:yes|no\"." }

/* ---------- static: add ---------- */

static const struct ipp_param p_add_policy[] = {
    {"name", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Name of the policy."},
    {"description", IPP_PT_STRING, 0, 0, NULL, "Brief information about the policy."},
    YESNO("mmpfs", 0, "Master key perfect forward secrecy (sets qmpermm to 1; default no)."),
    {"qmpermm", IPP_PT_INT, 0, 0, NULL,
     "Quick mode sessions per main mode key (0 = unlimited, the default)."},
    {"mmlifetime", IPP_PT_INT, 0, 0, NULL,
     "Main mode key lifetime in minutes, 5 to 2880 (default 480)."},
    YESNO("activatedefaultrule", 0, "Activate the default response rule (default yes)."),
    {"pollinginterval", IPP_PT_INT, 0, 0, NULL,
     "Polling interval of the store in minutes, 1 to 43200 (default 180)."},
    YESNO("assign", 0, "Assign the policy (unassigns the one assigned in this store; default no)."),
    {"mmsecmethods", IPP_PT_MMSEC, 0, 0, NULL,
     "Main mode security methods, \"ConfAlg-HashAlg-GroupNum ...\" (default "
     "\"3DES-SHA1-2 3DES-MD5-2 DES-SHA1-1 DES-MD5-1\")."},
    YESNO("force", 0, "yes: assign even if the policy would cut off this SSH session."),
    P_END};

static const struct ipp_param p_add_filterlist[] = {
	{ "name", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Name of the filter list." },
	{ "description", IPP_PT_STRING, 0, 0, NULL, "Brief information about the filter list." },
	P_END
};

static const struct ipp_param p_add_filter[] = {
    {"filterlist", IPP_PT_NAME, IPP_PF_REQ, 0, NULL,
     "Filter list the filter is added to (created when missing)."},
    {"srcaddr", IPP_PT_ADDR, IPP_PF_REQ, 0, NULL,
     "Source: me, any, an address, a range, a DNS name, or DNS|WINS|DHCP|GATEWAY."},
    {"dstaddr", IPP_PT_ADDR, IPP_PF_REQ, 0, NULL, "Destination, as srcaddr."},
    {"description", IPP_PT_STRING, 0, 0, NULL, "Brief information about the filter."},
    {"protocol", IPP_PT_PROTO, 0, 0, NULL, "ANY (the default), ICMP, TCP, UDP, RAW or a number."},
    YESNO("mirrored", 0, "Also match the reverse direction (default yes)."),
    {"srcmask", IPP_PT_MASK, 0, 0, NULL,
     "Source mask or prefix length (default 255.255.255.255, one host)."},
    {"dstmask", IPP_PT_MASK, 0, 0, NULL,
     "Destination mask or prefix length (default 255.255.255.255, one host)."},
    {"srcport", IPP_PT_PORT, 0, 0, NULL, "Source port (0 = any)."},
    {"dstport", IPP_PT_PORT, 0, 0, NULL, "Destination port (0 = any)."},
    {"srcdnsname", IPP_PT_STRING, IPP_PF_TAGGED, 0, NULL,
     "The DNS name srcaddr (an address) was resolved from, kept as shown (dump writes it; "
     "beyond Windows)."},
    {"dstdnsname", IPP_PT_STRING, IPP_PF_TAGGED, 0, NULL, "The same of dstaddr."},
    P_END};

static const struct ipp_param p_add_filteraction[] = {
    {"name", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Name of the filter action."},
    {"description", IPP_PT_STRING, 0, 0, NULL, "Brief information about the filter action."},
    YESNO("qmpfs", 0, "Quick mode perfect forward secrecy (default no)."),
    YESNO("inpass", 0,
	  "Accept unsecured communication, but always respond using IPsec (default no)."),
    YESNO("soft", 0, "Allow unsecured communication with non-IPsec-aware computers (default no)."),
    {"action", IPP_PT_ENUM, 0, 0, v_action, "permit, block or negotiate (default)."},
    {"qmsecmethods", IPP_PT_QMSEC, 0, 0, NULL,
     "Quick mode offers, \"ESP[ConfAlg,AuthAlg]:<n>k/<n>s AH[HashAlg] ...\" (default "
     "\"ESP[3DES,SHA1] ESP[3DES,MD5] ESP[DES,SHA1] ESP[DES,MD5]\", 100000k/3600s)."},
    P_END};

static const struct ipp_param p_add_rule[] = {
    {"name", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Name of the rule."},
    {"policy", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Policy the rule belongs to."},
    {"filterlist", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Filter list the rule uses."},
    {"filteraction", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Filter action the rule uses."},
    {"tunnel", IPP_PT_HOST, 0, 0, NULL, "Tunnel endpoint: an address or a DNS name."},
    {"conntype", IPP_PT_ENUM, 0, 0, v_conntype, "lan, dialup or all (default)."},
    YESNO("activate", 0, "Activate the rule (default yes)."),
    {"description", IPP_PT_STRING, 0, 0, NULL, "Brief information about the rule."},
    AUTH_PARAMS,
    {"tunneldnsname", IPP_PT_STRING, IPP_PF_TAGGED, 0, NULL,
     "The DNS name tunnel (an address) was resolved from, kept as shown (dump writes it; "
     "beyond Windows)."},
    P_END};

/* ---------- static: set ---------- */

static const struct ipp_param p_set_policy[] = {
	{ "name", IPP_PT_NAME, IPP_PF_REQ, 1, NULL, "Name of the policy." },
	{ "guid", IPP_PT_GUID, IPP_PF_REQ, 1, NULL, "GUID of the policy." },
	{ "newname", IPP_PT_NAME, 0, 0, NULL, "New name of the policy." },
	{ "description", IPP_PT_STRING, 0, 0, NULL, "Brief information about the policy." },
	YESNO("mmpfs", 0, "Master key perfect forward secrecy (sets qmpermm to 1)."),
	{ "qmpermm", IPP_PT_INT, 0, 0, NULL, "Quick mode sessions per main mode key (0 = unlimited)." },
	{ "mmlifetime", IPP_PT_INT, 0, 0, NULL, "Main mode key lifetime in minutes." },
	YESNO("activatedefaultrule", 0, "Activate the default response rule."),
	{ "pollinginterval", IPP_PT_INT, 0, 0, NULL, "Polling interval of the store in minutes." },
	YESNO("assign", 0, "Assign or unassign the policy."),
	{ "gponame", IPP_PT_STRING, 0, 0, NULL, "Group policy object to assign it to (domain store)." },
	{ "mmsecmethods", IPP_PT_MMSEC, 0, 0, NULL,
	  "Main mode security methods, \"ConfAlg-HashAlg-GroupNum ...\"." },
	YESNO("force", 0, "yes: assign even if the policy would cut off this SSH session."),
	P_END
};

static const struct ipp_param p_set_filterlist[] = {
	{ "name", IPP_PT_NAME, IPP_PF_REQ, 1, NULL, "Name of the filter list." },
	{ "guid", IPP_PT_GUID, IPP_PF_REQ, 1, NULL, "GUID of the filter list." },
	{ "newname", IPP_PT_NAME, 0, 0, NULL, "New name of the filter list." },
	{ "description", IPP_PT_STRING, 0, 0, NULL, "Brief information about the filter list." },
	P_END
};

static const struct ipp_param p_set_filteraction[] = {
	{ "name", IPP_PT_NAME, IPP_PF_REQ, 1, NULL, "Name of the filter action." },
	{ "guid", IPP_PT_GUID, IPP_PF_REQ, 1, NULL, "GUID of the filter action." },
	{ "newname", IPP_PT_NAME, 0, 0, NULL, "New name of the filter action." },
	{ "description", IPP_PT_STRING, 0, 0, NULL, "Brief information about the filter action." },
	YESNO("qmpfs", 0, "Quick mode perfect forward secrecy."),
	YESNO("inpass", 0, "Accept unsecured communication, but always respond using IPsec."),
	YESNO("soft", 0, "Allow unsecured communication with non-IPsec-aware computers."),
	{ "action", IPP_PT_ENUM, 0, 0, v_action, "permit, block or negotiate." },
	{ "qmsecmethods", IPP_PT_QMSEC, 0, 0, NULL, "Quick mode offers." },
	P_END
};

static const struct ipp_param p_set_rule[] = {
    {"name", IPP_PT_NAME, IPP_PF_REQ, 1, NULL, "Name of the rule."},
    {"id", IPP_PT_INT, IPP_PF_REQ, 1, NULL, "ID of the rule in its policy."},
    {"policy", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Policy the rule belongs to."},
    {"newname", IPP_PT_NAME, 0, 0, NULL, "New name of the rule."},
    {"description", IPP_PT_STRING, 0, 0, NULL, "Brief information about the rule."},
    {"filterlist", IPP_PT_NAME, 0, 0, NULL, "Filter list the rule uses."},
    {"filteraction", IPP_PT_NAME, 0, 0, NULL, "Filter action the rule uses."},
    {"tunnel", IPP_PT_HOST, 0, 0, NULL, "Tunnel endpoint (none = transport mode)."},
    {"conntype", IPP_PT_ENUM, 0, 0, v_conntype, "lan, dialup or all."},
    YESNO("activate", 0, "Activate the rule."),
    AUTH_PARAMS,
    {"tunneldnsname", IPP_PT_STRING, IPP_PF_TAGGED, 0, NULL,
     "The DNS name tunnel (an address) was resolved from (beyond Windows)."},
    P_END};

static const struct ipp_param p_set_defaultrule[] = {
	{ "policy", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Policy whose default response rule is set." },
	YESNO("qmpfs", 0, "Quick mode perfect forward secrecy."),
	YESNO("activate", 0, "Activate the default response rule."),
	{ "qmsecmethods", IPP_PT_QMSEC, 0, 0, NULL, "Quick mode offers." },
	AUTH_PARAMS,
	P_END
};

static const struct ipp_param p_set_store[] = {
	{ "location", IPP_PT_ENUM, IPP_PF_REQ, 0, v_location, "local, persistent or domain." },
	{ "domain", IPP_PT_STRING, 0, 0, NULL, "Domain name (domain store)." },
	P_END
};

static const struct ipp_param p_set_batch[] = {
	{ "mode", IPP_PT_ENUM, IPP_PF_REQ, 0, v_mode,
	  "enable: group the following commands into one transaction; disable: commit it." },
	P_END
};

/* set config: dynamic, and static as some documents write it */
static const struct ipp_param p_dyn_set_config[] = {
	{ "property", IPP_PT_ENUM, IPP_PF_REQ, 0, v_property,
	  "ipsecdiagnostics, ikelogging, strongcrlcheck, ipsecloginterval, ipsecexempt,\n"
	  "bootmode or bootexemptions." },
	{ "value", IPP_PT_STRING, IPP_PF_REQ, 0, NULL, "The value of the property." },
	P_END
};

/* ---------- static: delete ---------- */

#define NAME_OR_ALL(what)                                                           \
	{ "name", IPP_PT_NAME, IPP_PF_REQ, 1, NULL, "Name of the " what "." },          \
	{ "all", IPP_PT_KEYWORD, IPP_PF_REQ, 1, NULL, "Every " what " of the store." }

static const struct ipp_param p_delete_policy[] = { NAME_OR_ALL("policy"), P_END };
static const struct ipp_param p_delete_filterlist[] = { NAME_OR_ALL("filter list"), P_END };
static const struct ipp_param p_delete_filteraction[] = { NAME_OR_ALL("filter action"), P_END };

static const struct ipp_param p_delete_filter[] = {
	{ "filterlist", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Filter list holding the filters." },
	{ "srcaddr", IPP_PT_ADDR, IPP_PF_REQ, 0, NULL, "Source address of the filters." },
	{ "dstaddr", IPP_PT_ADDR, IPP_PF_REQ, 0, NULL, "Destination address of the filters." },
	{ "protocol", IPP_PT_PROTO, 0, 0, NULL, "Protocol of the filters." },
	YESNO("mirrored", 0, "Mirroring of the filters."),
	{ "srcmask", IPP_PT_MASK, 0, 0, NULL, "Source mask of the filters." },
	{ "dstmask", IPP_PT_MASK, 0, 0, NULL, "Destination mask of the filters." },
	{ "srcport", IPP_PT_PORT, 0, 0, NULL, "Source port of the filters." },
	{ "dstport", IPP_PT_PORT, 0, 0, NULL, "Destination port of the filters." },
	P_END
};

static const struct ipp_param p_delete_rule[] = {
	{ "name", IPP_PT_NAME, IPP_PF_REQ, 1, NULL, "Name of the rule." },
	{ "id", IPP_PT_INT, IPP_PF_REQ, 1, NULL, "ID of the rule." },
	{ "all", IPP_PT_KEYWORD, IPP_PF_REQ, 1, NULL, "Every rule of the policy but the default one." },
	{ "policy", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Policy the rules belong to." },
	P_END
};

static const struct ipp_param p_none[] = { P_END };

/* ---------- static: show ---------- */

static const struct ipp_param p_show_all[] = { SHOW_FORMAT, SHOW_WIDE, P_END };

static const struct ipp_param p_show_policy[] = {
	{ "name", IPP_PT_NAME, 0, 1, NULL, "Name of the policy." },
	{ "all", IPP_PT_KEYWORD, 0, 1, NULL, "Every policy (default)." },
	SHOW_LEVEL, SHOW_FORMAT, SHOW_WIDE, P_END
};

static const struct ipp_param p_show_filterlist[] = {
	{ "name", IPP_PT_NAME, 0, 1, NULL, "Name of the filter list." },
	{ "rule", IPP_PT_NAME, 0, 1, NULL, "The filter list of this rule." },
	{ "all", IPP_PT_KEYWORD, 0, 1, NULL, "Every filter list (default)." },
	SHOW_LEVEL, SHOW_FORMAT, SHOW_RESOLVEDNS, SHOW_WIDE, P_END
};

static const struct ipp_param p_show_filteraction[] = {
	{ "name", IPP_PT_NAME, 0, 1, NULL, "Name of the filter action." },
	{ "rule", IPP_PT_NAME, 0, 1, NULL, "The filter action of this rule." },
	{ "all", IPP_PT_KEYWORD, 0, 1, NULL, "Every filter action (default)." },
	SHOW_LEVEL, SHOW_FORMAT, SHOW_WIDE, P_END
};

static const struct ipp_param p_show_rule[] = {
	{ "name", IPP_PT_NAME, 0, 1, NULL, "Name of the rule." },
	{ "id", IPP_PT_INT, 0, 1, NULL, "ID of the rule." },
	{ "all", IPP_PT_KEYWORD, 0, 1, NULL, "Every rule (default)." },
	{ "default", IPP_PT_KEYWORD, 0, 1, NULL, "The default response rule." },
	{ "policy", IPP_PT_NAME, 0, 0, NULL, "Policy the rules belong to." },
	{ "type", IPP_PT_ENUM, 0, 0, v_ruletype, "Only tunnel or only transport rules." },
	SHOW_LEVEL, SHOW_FORMAT, SHOW_WIDE, P_END
};

static const struct ipp_param p_show_gpo[] = {
	{ "name", IPP_PT_STRING, 0, 0, NULL, "Name of the group policy object." },
	P_END
};

static const struct ipp_param p_file[] = {
	{ "file", IPP_PT_FILE, IPP_PF_REQ, 0, NULL, "File name (.ipsec is added when it has no extension)." },
	P_END
};

static const struct ipp_param p_import[] = {
    {"file", IPP_PT_FILE, IPP_PF_REQ, 0, NULL,
     "File name (.ipsec is added when it has no extension)."},
    YESNO("force", 0, "yes: assign an imported policy even if it would cut off this SSH session."),
    P_END};

#define CMD(n, prm, f, fl, h, rem) { n, IPP_NODE_CMD, h, NULL, prm, f, IPP_BI_NONE, fl, rem }
#define NODE_END { NULL, IPP_NODE_INVALID, NULL, NULL, NULL, NULL, IPP_BI_NONE, 0, NULL }

static const struct ipp_node static_add[] = {
	CMD("filter", p_add_filter, ipp_st_add_filter, IPP_CMD_WRITE, "Adds a filter to a filter list.",
	    "The filter list is created when it does not exist.  A DNS name is resolved now and\n"
	    "gives one filter per address.  A server type (DNS, WINS, DHCP, GATEWAY) may only be\n"
	    "used with \"me\" on the other side.  Masks apply to addresses, not to me, any,\n"
	    "server types or ranges.  A filter identical to one of the list is refused."),
	CMD("filteraction", p_add_filteraction, ipp_st_add_filteraction, IPP_CMD_WRITE,
	    "Creates a filter action.",
	    "qmsecmethods is used only with action=negotiate."),
	CMD("filterlist", p_add_filterlist, ipp_st_add_filterlist, IPP_CMD_WRITE,
	    "Creates an empty filter list.", NULL),
	CMD("policy", p_add_policy, ipp_st_add_policy, IPP_CMD_WRITE,
	    "Creates a policy with a default response rule.",
	    "In an SSH session, assign=yes is refused when the policy would cut off the\n"
	    "session; force=yes assigns it anyway (force is beyond Windows)."),
	CMD("rule", p_add_rule, ipp_st_add_rule, IPP_CMD_WRITE, "Creates a rule in a policy.",
	    "The order of kerberos, psk and rootca is the preference order; rootca may be\n"
	    "repeated.  Without any, Kerberos is used.  In a rootca value, \\' stands for a quote."),
	NODE_END
};

static const struct ipp_node static_delete[] = {
	CMD("all", p_none, ipp_st_delete_all, IPP_CMD_WRITE,
	    "Deletes every policy, filter list and filter action of the store.", NULL),
	CMD("filter", p_delete_filter, ipp_st_delete_filter, IPP_CMD_WRITE,
	    "Deletes the filters of a filter list that match.",
	    "Every filter matching all the criteria given is deleted."),
	CMD("filteraction", p_delete_filteraction, ipp_st_delete_filteraction, IPP_CMD_WRITE,
	    "Deletes a filter action.", "A filter action used by a rule cannot be deleted."),
	CMD("filterlist", p_delete_filterlist, ipp_st_delete_filterlist, IPP_CMD_WRITE,
	    "Deletes a filter list.", "A filter list used by a rule cannot be deleted."),
	CMD("policy", p_delete_policy, ipp_st_delete_policy, IPP_CMD_WRITE,
	    "Deletes a policy and its rules.", NULL),
	CMD("rule", p_delete_rule, ipp_st_delete_rule, IPP_CMD_WRITE, "Deletes a rule from a policy.",
	    "The default response rule cannot be deleted; deactivate it instead."),
	NODE_END
};

static const struct ipp_node static_set[] = {
    CMD("batch", p_set_batch, ipp_shell_cmd_set_batch, IPP_CMD_BATCH, "Sets the batch update mode.",
	"Between mode=enable and mode=disable (or the end of the script or shell) the\n"
	"commands are written together, at mode=disable.  A failing command is reported\n"
	"and changes nothing; the batch goes on and writes what the others did."),
    CMD("config", p_dyn_set_config, ipp_dyn_set_config, 0,
	"Sets the IPsec configuration and boot time behaviour.",
	"The same command as `dynamic set config' (Windows has it in the dynamic context\n"
	"only).  Example: set config property=bootmode value=stateful"),
    CMD("defaultrule", p_set_defaultrule, ipp_st_set_defaultrule, IPP_CMD_WRITE,
	"Modifies the default response rule of a policy.", NULL),
    CMD("filteraction", p_set_filteraction, ipp_st_set_filteraction, IPP_CMD_WRITE,
	"Modifies a filter action.", NULL),
    CMD("filterlist", p_set_filterlist, ipp_st_set_filterlist, IPP_CMD_WRITE,
	"Modifies a filter list.", NULL),
    CMD("policy", p_set_policy, ipp_st_set_policy, IPP_CMD_WRITE, "Modifies a policy.",
	"assign=yes unassigns the policy assigned before in the same store.  In an SSH\n"
	"session, assign=yes is refused when the policy would cut off the session;\n"
	"force=yes assigns it anyway (force is beyond Windows)."),
    CMD("rule", p_set_rule, ipp_st_set_rule, IPP_CMD_WRITE, "Modifies a rule.",
	"kerberos, psk and rootca replace the whole authentication list."),
    CMD("store", p_set_store, ipp_st_set_store, 0,
	"Sets the policy store for the rest of the shell or script.",
	"The domain store is a read-only copy of the directory's policy."),
    NODE_END};

static const struct ipp_node static_show[] = {
	CMD("all", p_show_all, ipp_st_show_all, 0,
	    "Displays every policy, filter list and filter action.", NULL),
	CMD("filteraction", p_show_filteraction, ipp_st_show_filteraction, 0,
	    "Displays filter actions.", NULL),
	CMD("filterlist", p_show_filterlist, ipp_st_show_filterlist, 0, "Displays filter lists.",
	    NULL),
	CMD("gpoassignedpolicy", p_show_gpo, ipp_st_show_gpoassignedpolicy, 0,
	    "Displays the policy assigned through group policy.", NULL),
	CMD("policy", p_show_policy, ipp_st_show_policy, 0, "Displays policies.", NULL),
	CMD("rule", p_show_rule, ipp_st_show_rule, 0, "Displays the rules of a policy.", NULL),
	CMD("store", p_none, ipp_st_show_store, 0, "Displays the current policy store.", NULL),
	NODE_END
};

#define GROUP(n, kids, h) { n, IPP_NODE_GROUP, h, kids, NULL, NULL, IPP_BI_NONE, 0, NULL }
#define CONTEXT(n, kids, h) { n, IPP_NODE_CONTEXT, h, kids, NULL, NULL, IPP_BI_NONE, 0, NULL }

static const struct ipp_node static_cmds[] = {
    GROUP("add", static_add, "Creates policies and related information."),
    GROUP("delete", static_delete, "Deletes policies and related information."),
    CMD("dump", p_none, ipp_st_dump, 0, "Displays a script that recreates the current store.",
	NULL),
    CMD("exportpolicy", p_file, ipp_st_exportpolicy, 0,
	"Exports every policy of the store to a file.", NULL),
    CMD("importpolicy", p_import, ipp_st_importpolicy, IPP_CMD_WRITE,
	"Imports policies from a file into the store.",
	"Objects whose names are already in the store make the import fail."),
    GROUP("set", static_set, "Modifies existing policies and related information."),
    GROUP("show", static_show, "Displays details of policies and related information."),
    NODE_END};

/* ---------- dynamic ---------- */

static const struct ipp_param p_dyn_add_mmpolicy[] = {
	{ "name", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Name of the main mode policy." },
	{ "qmpermm", IPP_PT_INT, 0, 0, NULL, "Quick mode sessions per main mode key." },
	{ "mmlifetime", IPP_PT_INT, 0, 0, NULL, "Main mode key lifetime in minutes." },
	{ "softsaexpirationtime", IPP_PT_INT, 0, 0, NULL, "Lifetime of soft SAs in seconds." },
	{ "mmsecmethods", IPP_PT_MMSEC, 0, 0, NULL, "Main mode security methods." },
	P_END
};

static const struct ipp_param p_dyn_set_mmpolicy[] = {
	{ "name", IPP_PT_NAME, IPP_PF_REQ, 1, NULL, "Name of the main mode policy." },
	{ "all", IPP_PT_KEYWORD, IPP_PF_REQ, 1, NULL, "Every main mode policy." },
	{ "qmpermm", IPP_PT_INT, 0, 0, NULL, "Quick mode sessions per main mode key." },
	{ "mmlifetime", IPP_PT_INT, 0, 0, NULL, "Main mode key lifetime in minutes." },
	{ "softsaexpirationtime", IPP_PT_INT, 0, 0, NULL, "Lifetime of soft SAs in seconds." },
	{ "mmsecmethods", IPP_PT_MMSEC, 0, 0, NULL, "Main mode security methods." },
	P_END
};

static const struct ipp_param p_dyn_add_qmpolicy[] = {
	{ "name", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Name of the quick mode policy." },
	YESNO("soft", 0, "Allow fallback to unsecured communication."),
	{ "pfsgroup", IPP_PT_ENUM, 0, 0, v_pfsgroup, "GRP1, GRP2, GRP3, GRPMM or NOPFS." },
	{ "qmsecmethods", IPP_PT_QMSEC, 0, 0, NULL, "Quick mode offers." },
	P_END
};

static const struct ipp_param p_dyn_set_qmpolicy[] = {
    {"name", IPP_PT_NAME, IPP_PF_REQ, 1, NULL, "Name of the quick mode policy."},
    {"all", IPP_PT_KEYWORD, IPP_PF_REQ, 1, NULL, "Every quick mode policy."},
    YESNO("soft", 0, "Allow fallback to unsecured communication."),
    {"pfsgroup", IPP_PT_ENUM, 0, 0, v_pfsgroup, "GRP1, GRP2, GRP3, GRPMM or NOPFS."},
    {"qmsecmethods", IPP_PT_QMSEC, 0, 0, NULL, "Quick mode offers."},
    YESNO("force", 0, "yes: make the change even if it would cut off this SSH session."),
    P_END};

static const struct ipp_param p_dyn_add_rule[] = {
    {"srcaddr", IPP_PT_ADDR, IPP_PF_REQ, 0, NULL, "Source address."},
    {"dstaddr", IPP_PT_ADDR, IPP_PF_REQ, 0, NULL, "Destination address."},
    {"mmpolicy", IPP_PT_NAME, IPP_PF_REQ, 0, NULL, "Main mode policy."},
    {"qmpolicy", IPP_PT_NAME, 0, 0, NULL, "Quick mode policy."},
    {"protocol", IPP_PT_PROTO, 0, 0, NULL, "ANY, ICMP, TCP, UDP, RAW or a number."},
    {"srcport", IPP_PT_PORT, 0, 0, NULL, "Source port (0 = any)."},
    {"dstport", IPP_PT_PORT, 0, 0, NULL, "Destination port (0 = any)."},
    YESNO("mirrored", 0, "Also match the reverse direction."),
    {"conntype", IPP_PT_ENUM, 0, 0, v_conntype, "lan, dialup or all."},
    {"actioninbound", IPP_PT_ENUM, 0, 0, v_action, "permit, block or negotiate."},
    {"actionoutbound", IPP_PT_ENUM, 0, 0, v_action, "permit, block or negotiate."},
    {"srcmask", IPP_PT_MASK, 0, 0, NULL, "Source mask or prefix length."},
    {"dstmask", IPP_PT_MASK, 0, 0, NULL, "Destination mask or prefix length."},
    {"tunneldstaddress", IPP_PT_HOST, 0, 0, NULL, "Tunnel destination address."},
    AUTH_PARAMS,
    YESNO("force", 0, "yes: make the change even if it would cut off this SSH session."),
    P_END};

static const struct ipp_param p_dyn_set_rule[] = {
    {"srcaddr", IPP_PT_ADDR, IPP_PF_REQ, 0, NULL, "Source address (identifies the rule)."},
    {"dstaddr", IPP_PT_ADDR, IPP_PF_REQ, 0, NULL, "Destination address (identifies the rule)."},
    {"protocol", IPP_PT_PROTO, IPP_PF_REQ, 0, NULL, "Protocol (identifies the rule)."},
    {"srcport", IPP_PT_PORT, IPP_PF_REQ, 0, NULL, "Source port (identifies the rule)."},
    {"dstport", IPP_PT_PORT, IPP_PF_REQ, 0, NULL, "Destination port (identifies the rule)."},
    YESNO("mirrored", IPP_PF_REQ, "Mirroring (identifies the rule)."),
    {"conntype", IPP_PT_ENUM, IPP_PF_REQ, 0, v_conntype, "Connection type (identifies the rule)."},
    {"srcmask", IPP_PT_MASK, 0, 0, NULL, "Source mask (identifies the rule)."},
    {"dstmask", IPP_PT_MASK, 0, 0, NULL, "Destination mask (identifies the rule)."},
    {"tunneldstaddress", IPP_PT_HOST, 0, 0, NULL, "Tunnel destination (identifies the rule)."},
    {"mmpolicy", IPP_PT_NAME, 0, 0, NULL, "New main mode policy."},
    {"qmpolicy", IPP_PT_NAME, 0, 0, NULL, "New quick mode policy."},
    {"actioninbound", IPP_PT_ENUM, 0, 0, v_action, "New inbound action."},
    {"actionoutbound", IPP_PT_ENUM, 0, 0, v_action, "New outbound action."},
    AUTH_PARAMS,
    YESNO("force", 0, "yes: make the change even if it would cut off this SSH session."),
    P_END};

static const struct ipp_param p_dyn_delete_rule[] = {
    {"srcaddr", IPP_PT_ADDR, IPP_PF_REQ, 0, NULL, "Source address."},
    {"dstaddr", IPP_PT_ADDR, IPP_PF_REQ, 0, NULL, "Destination address."},
    {"protocol", IPP_PT_PROTO, IPP_PF_REQ, 0, NULL, "Protocol."},
    {"srcport", IPP_PT_PORT, IPP_PF_REQ, 0, NULL, "Source port."},
    {"dstport", IPP_PT_PORT, IPP_PF_REQ, 0, NULL, "Destination port."},
    YESNO("mirrored", IPP_PF_REQ, "Mirroring."),
    {"conntype", IPP_PT_ENUM, IPP_PF_REQ, 0, v_conntype, "Connection type."},
    {"srcmask", IPP_PT_MASK, 0, 0, NULL, "Source mask."},
    {"dstmask", IPP_PT_MASK, 0, 0, NULL, "Destination mask."},
    {"tunneldstaddress", IPP_PT_HOST, 0, 0, NULL, "Tunnel destination address."},
    YESNO("force", 0, "yes: make the change even if it would cut off this SSH session."),
    P_END};

static const struct ipp_param p_dyn_delete_all[] = {
    YESNO("force", 0, "yes: delete even if that would cut off this SSH session."), P_END};

static const struct ipp_param p_dyn_name_or_all[] = {
	{ "name", IPP_PT_NAME, IPP_PF_REQ, 1, NULL, "Name of the policy." },
	{ "all", IPP_PT_KEYWORD, IPP_PF_REQ, 1, NULL, "Every policy." },
	P_END
};

static const struct ipp_param p_dyn_show_name_or_all[] = {
	{ "name", IPP_PT_NAME, 0, 1, NULL, "Name of the policy." },
	{ "all", IPP_PT_KEYWORD, 0, 1, NULL, "Every policy (default)." },
	P_END
};

static const struct ipp_param p_dyn_show_all[] = { SHOW_RESOLVEDNS, P_END };

static const struct ipp_param p_dyn_show_mmfilter[] = {
	{ "name", IPP_PT_NAME, 0, 1, NULL, "Name of the filter." },
	{ "all", IPP_PT_KEYWORD, 0, 1, NULL, "Every filter (default)." },
	{ "type", IPP_PT_ENUM, 0, 0, v_filtertype, "generic or specific filters." },
	{ "srcaddr", IPP_PT_ADDR, 0, 0, NULL, "Source address." },
	{ "dstaddr", IPP_PT_ADDR, 0, 0, NULL, "Destination address." },
	{ "srcmask", IPP_PT_MASK, 0, 0, NULL, "Source mask." },
	{ "dstmask", IPP_PT_MASK, 0, 0, NULL, "Destination mask." },
	SHOW_RESOLVEDNS,
	P_END
};

static const struct ipp_param p_dyn_show_qmfilter[] = {
	{ "name", IPP_PT_NAME, 0, 1, NULL, "Name of the filter." },
	{ "all", IPP_PT_KEYWORD, 0, 1, NULL, "Every filter (default)." },
	{ "type", IPP_PT_ENUM, 0, 0, v_filtertype, "generic or specific filters (with weights)." },
	{ "srcaddr", IPP_PT_ADDR, 0, 0, NULL, "Source address." },
	{ "dstaddr", IPP_PT_ADDR, 0, 0, NULL, "Destination address." },
	{ "srcmask", IPP_PT_MASK, 0, 0, NULL, "Source mask." },
	{ "dstmask", IPP_PT_MASK, 0, 0, NULL, "Destination mask." },
	{ "protocol", IPP_PT_PROTO, 0, 0, NULL, "Protocol." },
	{ "srcport", IPP_PT_PORT, 0, 0, NULL, "Source port." },
	{ "dstport", IPP_PT_PORT, 0, 0, NULL, "Destination port." },
	{ "actioninbound", IPP_PT_ENUM, 0, 0, v_action, "Inbound action." },
	{ "actionoutbound", IPP_PT_ENUM, 0, 0, v_action, "Outbound action." },
	SHOW_RESOLVEDNS,
	P_END
};

static const struct ipp_param p_dyn_show_rule[] = {
	{ "type", IPP_PT_ENUM, 0, 0, v_ruletype, "tunnel or transport rules." },
	{ "srcaddr", IPP_PT_ADDR, 0, 0, NULL, "Source address." },
	{ "dstaddr", IPP_PT_ADDR, 0, 0, NULL, "Destination address." },
	{ "srcmask", IPP_PT_MASK, 0, 0, NULL, "Source mask." },
	{ "dstmask", IPP_PT_MASK, 0, 0, NULL, "Destination mask." },
	{ "protocol", IPP_PT_PROTO, 0, 0, NULL, "Protocol." },
	{ "srcport", IPP_PT_PORT, 0, 0, NULL, "Source port." },
	{ "dstport", IPP_PT_PORT, 0, 0, NULL, "Destination port." },
	SHOW_RESOLVEDNS,
	P_END
};

static const struct ipp_param p_dyn_show_stats[] = {
	{ "type", IPP_PT_ENUM, 0, 0, v_statstype, "ike or ipsec counters (default both)." },
	P_END
};

static const struct ipp_param p_dyn_show_mmsas[] = {
	{ "all", IPP_PT_KEYWORD, 0, 0, NULL, "Every main mode SA (default)." },
	{ "srcaddr", IPP_PT_ADDR, 0, 0, NULL, "Source address." },
	{ "dstaddr", IPP_PT_ADDR, 0, 0, NULL, "Destination address." },
	SHOW_FORMAT, SHOW_RESOLVEDNS,
	P_END
};

static const struct ipp_param p_dyn_show_qmsas[] = {
	{ "all", IPP_PT_KEYWORD, 0, 0, NULL, "Every quick mode SA (default)." },
	{ "srcaddr", IPP_PT_ADDR, 0, 0, NULL, "Source address." },
	{ "dstaddr", IPP_PT_ADDR, 0, 0, NULL, "Destination address." },
	{ "protocol", IPP_PT_PROTO, 0, 0, NULL, "Protocol." },
	SHOW_FORMAT, SHOW_RESOLVEDNS,
	P_END
};

static const struct ipp_node dynamic_add[] = {
    CMD("mmpolicy", p_dyn_add_mmpolicy, ipp_dyn_add_mmpolicy, 0,
	"Creates a main mode policy in the SPD.", NULL),
    CMD("qmpolicy", p_dyn_add_qmpolicy, ipp_dyn_add_qmpolicy, 0,
	"Creates a quick mode policy in the SPD.", NULL),
    CMD("rule", p_dyn_add_rule, ipp_dyn_add_rule, 0,
	"Creates a rule (main mode and quick mode filters) in the SPD.",
	"The rule is in force when the command returns.  In an SSH session, a rule that\n"
	"would cut off the session is refused; force=yes adds it anyway (force is\n"
	"beyond Windows)."),
    NODE_END};

static const struct ipp_node dynamic_set[] = {
    CMD("config", p_dyn_set_config, ipp_dyn_set_config, 0,
	"Sets the IPsec configuration and boot time behaviour.",
	"Example: set config property=bootmode value=stateful"),
    CMD("mmpolicy", p_dyn_set_mmpolicy, ipp_dyn_set_mmpolicy, 0,
	"Modifies a main mode policy in the SPD.", NULL),
    CMD("qmpolicy", p_dyn_set_qmpolicy, ipp_dyn_set_qmpolicy, 0,
	"Modifies a quick mode policy in the SPD.", NULL),
    CMD("rule", p_dyn_set_rule, ipp_dyn_set_rule, 0, "Modifies a rule in the SPD.",
	"Only mmpolicy, qmpolicy, actioninbound, actionoutbound and the authentication\n"
	"methods can be changed; the other parameters identify the rule.  In an SSH\n"
	"session, a change that would cut off the session needs force=yes."),
    NODE_END};

static const struct ipp_node dynamic_delete[] = {
    CMD("all", p_dyn_delete_all, ipp_dyn_delete_all, 0,
	"Deletes every policy, filter and rule of the SPD.",
	"In an SSH session, a deletion that would cut off the session is refused;\n"
	"force=yes deletes anyway (force is beyond Windows)."),
    CMD("mmpolicy", p_dyn_name_or_all, ipp_dyn_delete_mmpolicy, 0,
	"Deletes a main mode policy from the SPD.", NULL),
    CMD("qmpolicy", p_dyn_name_or_all, ipp_dyn_delete_qmpolicy, 0,
	"Deletes a quick mode policy from the SPD.", NULL),
    CMD("rule", p_dyn_delete_rule, ipp_dyn_delete_rule, 0, "Deletes a rule from the SPD.",
	"In an SSH session, a deletion that would cut off the session needs force=yes."),
    NODE_END};

static const struct ipp_node dynamic_show[] = {
	CMD("all", p_dyn_show_all, ipp_dyn_show_all, 0, "Displays the whole SPD.", NULL),
	CMD("config", p_none, ipp_dyn_show_config, 0, "Displays the IPsec configuration.", NULL),
	CMD("mmfilter", p_dyn_show_mmfilter, ipp_dyn_show_mmfilter, 0,
	    "Displays main mode filters.", NULL),
	CMD("mmpolicy", p_dyn_show_name_or_all, ipp_dyn_show_mmpolicy, 0,
	    "Displays main mode policies.", NULL),
	CMD("mmsas", p_dyn_show_mmsas, ipp_dyn_show_mmsas, 0,
	    "Displays main mode security associations.", NULL),
	CMD("qmfilter", p_dyn_show_qmfilter, ipp_dyn_show_qmfilter, 0,
	    "Displays quick mode filters.", NULL),
	CMD("qmpolicy", p_dyn_show_name_or_all, ipp_dyn_show_qmpolicy, 0,
	    "Displays quick mode policies.", NULL),
	CMD("qmsas", p_dyn_show_qmsas, ipp_dyn_show_qmsas, 0,
	    "Displays quick mode security associations.", NULL),
	CMD("rule", p_dyn_show_rule, ipp_dyn_show_rule, 0, "Displays the rules of the SPD.", NULL),
	CMD("stats", p_dyn_show_stats, ipp_dyn_show_stats, 0, "Displays IKE and IPsec counters.",
	    NULL),
	NODE_END
};

static const struct ipp_node dynamic_cmds[] = {
	GROUP("add", dynamic_add, "Creates policies and rules in the SPD."),
	GROUP("delete", dynamic_delete, "Deletes policies and rules from the SPD."),
	GROUP("set", dynamic_set, "Modifies policies, rules and the configuration."),
	GROUP("show", dynamic_show, "Displays the SPD, the configuration and counters."),
	NODE_END
};

/* ---------- ipsec, the root, and the generic commands ---------- */

static const struct ipp_node ipsec_cmds[] = {
	CMD("dump", p_none, ipp_st_dump, 0, "Displays a script that recreates the current store.",
	    NULL),
	CONTEXT("dynamic", dynamic_cmds, "Changes to the `netsh ipsec dynamic' context."),
	CONTEXT("static", static_cmds, "Changes to the `netsh ipsec static' context."),
	CMD("whatif", ipp_whatif_params, ipp_whatif_cmd, 0,
	    "Shows which rule decides a packet, and why.", NULL),
	NODE_END
};

static const struct ipp_node root_cmds[] = {
    CMD("dump", p_none, ipp_st_dump, 0, "Displays a script that recreates the current store.",
	NULL),
    CONTEXT("ipsec", ipsec_cmds, "Changes to the `netsh ipsec' context."), NODE_END};

const struct ipp_node ipp_root = CONTEXT("netsh", root_cmds, "The netsh root context.");

/* The words at the root of Windows Server 2003's netsh (SP2), its contexts and commands. */
static const char *const win_root[] = {
    "aaaa",    "add",	  "bridge", "bye",  "commit",	"delete", "dhcp",
    "diag",    "dump",	  "exec",   "exit", "firewall", "help",	  "interface",
    "ipsec",   "offline", "online", "popd", "pushd",	"quit",	  "ras",
    "routing", "rpc",	  "set",    "show", "unalias",	"wins",	  "winsock"};
/* ... of which the contexts ipsecpol does not provide */
static const char *const win_foreign[] = {"aaaa",     "bridge",	   "dhcp",   "diag",
					  "firewall", "interface", "ras",    "routing",
					  "rpc",      "wins",	   "winsock"};

const char *ipp_netsh_foreign_context(const char *word, size_t len)
{
	const char *hit = NULL;
	size_t i, nhits = 0;

	if (!len)
		return NULL;
	for (i = 0; i < sizeof(win_root) / sizeof(win_root[0]); i++) {
		if (strncasecmp(win_root[i], word, len))
			continue;
		if (!win_root[i][len]) {
			hit = win_root[i], nhits = 1;
			break;
		}
		hit = win_root[i], nhits++;
	}
	if (nhits != 1)
		return NULL;
	for (i = 0; i < sizeof(win_foreign) / sizeof(win_foreign[0]); i++)
		if (win_foreign[i] == hit || !strcmp(win_foreign[i], hit))
			return win_foreign[i];
	return NULL;
}

#define BUILTIN(n, b, h, rem) { n, IPP_NODE_CMD, h, NULL, NULL, NULL, b, 0, rem }

const struct ipp_node ipp_generic_cmds[] = {
    BUILTIN("..", IPP_BI_UP, "Goes up one context level.", NULL),
    BUILTIN("?", IPP_BI_HELP, "Displays a list of commands.", NULL),
    BUILTIN("bye", IPP_BI_EXIT, "Exits the program.", NULL),
    BUILTIN("exec", IPP_BI_EXEC, "Loads a script file and runs the commands in it.",
	    "`exec FILE' runs FILE as `-f FILE' does (at the root or in `ipsec', from "
	    "`ipsec static'; else from the current context), then returns to the context "
	    "it was given in."),
    BUILTIN("exit", IPP_BI_EXIT, "Exits the program.", NULL),
    BUILTIN("help", IPP_BI_HELP, "Displays a list of commands.",
	    "`help COMMAND' or `COMMAND ?' shows the usage of a command."),
    BUILTIN("popd", IPP_BI_POPD, "Pops a context from the stack.", NULL),
    BUILTIN("pushd", IPP_BI_PUSHD, "Pushes the current context on the stack.",
	    "`pushd ipsec static' pushes the current context, then changes to the one named."),
    BUILTIN("quit", IPP_BI_EXIT, "Exits the program.", NULL),
    NODE_END};
