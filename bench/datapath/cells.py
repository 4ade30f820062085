#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
cells.py - what a dispatch on the remote address would cost and save, measured
on a ruleset ipsecpold --dry-run emitted with CellDispatch=0 in driver.conf
(the walks as they are, which the cells of the default replace; no kernel, no
root).

    python3 bench/datapath/cells.py RULESET WALK LOCAL [REMOTE]

WALK is a walk chain of one of the host's addresses (in4_p6_x0a4d0002_sd: TCP
in, local address 10.77.0.2), LOCAL that address, REMOTE a remote address.
The walk's maps are read with their elements; those whose local side covers
LOCAL are the ones a packet of that walk can hit.  The remote address space
is cut at every boundary of their remote prefixes ("cells": the elements of
an interval map that would send a packet on by its remote address), and each
cell gets the list of the walk's maps that hold an element containing the
cell, in walk order, cut after the first map whose key has addresses only
(an element of such a map containing the cell decides every packet of it).
Prints the cells, the distinct lists (chains), the rules they would hold,
their longest and median length, and for REMOTE how many maps hold an
element containing it (what its first packet would look up after the
dispatch, at most).  IPv4 walks only.
"""
import collections
import ipaddress
import re
import sys


def mask(length):
    return (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF if length else 0


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().split("\n\n")[1])
    text = open(sys.argv[1]).read()
    walk, local = sys.argv[2], int(ipaddress.ip_address(sys.argv[3]))
    remote_addr = int(ipaddress.ip_address(sys.argv[4])) if len(sys.argv) > 4 else None
    rem_f, loc_f = ("daddr", "saddr") if walk.startswith("out") else ("saddr", "daddr")

    maps = {}
    for m in re.finditer(r"\tmap (\S+) \{\n(.*?)\n\t\}\n", text, re.S):
        el = re.search(r"elements = \{(.*?)\}", m.group(2), re.S)
        keys = []
        for e in (el.group(1).split(",") if el else []):
            if e.strip():
                keys.append([f.strip() for f in e.split(":")[0].split(" . ")])
        maps[m.group(1)] = keys
    body = re.search(r"\tchain %s \{\n(.*?)\n\t\}" % re.escape(walk), text, re.S)
    if not body:
        sys.exit("cells.py: no chain %s in %s" % (walk, sys.argv[1]))
    tiers = []
    for line in body.group(1).split("\n"):
        m = re.search(r"^\s*(.*?) vmap @(\S+)", line)
        if not m:
            continue
        kinds = []
        for f in m.group(1).split(" . "):
            a = re.match(r"ip (saddr|daddr)(?: & (\S+))?", f.strip())
            if a:
                n = 32 if not a.group(2) else bin(int(ipaddress.ip_address(a.group(2)))).count("1")
                kinds.append((a.group(1), n))
            else:
                kinds.append((f.strip(), None))
        tiers.append((m.group(2), kinds))

    rel = []  # per map: the remote prefixes (None: any) of its elements covering LOCAL
    for name, kinds in tiers:
        rs = []
        for key in maps.get(name, []):
            ok, rem = True, None
            for (k, n), v in zip(kinds, key):
                a = int(ipaddress.ip_address(v)) & mask(n) if k in ("saddr", "daddr") else 0
                if k == loc_f and local & mask(n) != a:
                    ok = False
                elif k == rem_f:
                    rem = (a, n)
            if ok:
                rs.append(rem)
        rel.append(rs)
    decides = [all(k in ("saddr", "daddr") for k, _ in kinds) for _, kinds in tiers]

    bounds = {0, 1 << 32}
    by_len = [collections.defaultdict(set) for _ in range(33)]
    any_remote = set()
    for i, rs in enumerate(rel):
        for p in rs:
            if p is None:
                any_remote.add(i)
            else:
                bounds.update((p[0], p[0] + (1 << (32 - p[1]))))
                by_len[p[1]][p[0]].add(i)
    cuts = sorted(bounds)
    lists = collections.Counter()
    for a in cuts[:-1]:
        hit = set(any_remote)
        for n in range(33):
            if by_len[n]:
                hit |= by_len[n].get(a & mask(n), set())
        out = []
        for i in sorted(hit):
            out.append(i)
            if decides[i]:
                break
        lists[tuple(out)] += 1
    lengths = sorted(len(k) for k in lists)
    print("%s: %d maps, %d cells, %d distinct lists (chains), %d rules, longest %d, median %d"
          % (walk, len(tiers), len(cuts) - 1, len(lists), sum(lengths), lengths[-1],
             lengths[len(lengths) // 2]))
    if remote_addr is not None:
        n = sum(1 for rs in rel if any(p is None or remote_addr & mask(p[1]) == p[0] for p in rs))
        print("  remote %s: %d maps hold an element containing it" % (sys.argv[4], n))


if __name__ == "__main__":
    main()
