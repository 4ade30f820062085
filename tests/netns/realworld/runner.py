#!/usr/bin/env python3
"""Run the published netsh scripts of corpus/ through ipsecpol and check what they built.

For every corpus/NN-name.netsh (and every published Windows batch file,
corpus/NN-name.bat or .cmd) there is a corpus/NN-name.expect (format in
README.md next to this file).  Each script runs against its own empty
installation (--root in a temporary directory):

  script mode  `ipsecpol --root T -f FILE`, as `netsh -f FILE` runs it (a
               .bat/.cmd file: as cmd.exe runs it, its control flow
               followed; always this mode);
  lines mode   every command line on its own (a batch file or a list of
               command lines typed one by one: a failing line does not stop
               the next ones).

Then the facts of the .expect file are checked against
`static show all format=json`, and the store goes through the dump round
trip: `dump`, run that dump into another empty installation, `dump` again:
both dumps must be identical.  With `argv yes` the `netsh ...` lines are also
run one by one as one-shot commands (argv, the way a batch file runs them,
through the `netsh` name) into a third installation, whose dump must be the
same as the first one.

Dynamic commands need the policy agent, which this test does not start:
`set config` may either succeed (it writes driver.conf) or fail with "the
policy agent is not running"; every other dynamic command must fail with that
message.  When a script stops on such a line, its static part is checked by
running the script again with the dynamic lines turned into comments.

Prints one PASS/FAIL line per script and "N passed, M failed".
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

BIN = os.environ.get("IPP_BIN_DIR", "")
IPSECPOL = os.path.join(BIN, "ipsecpol")
NETSH = os.path.join(BIN, "netsh")
AGENT_DOWN = re.compile(r"policy agent is not running")
TIMEOUT = 300
BATCH = (".bat", ".cmd")
SCRIPTS = (".netsh",) + BATCH


def is_batch(name):
    return name.lower().endswith(BATCH)


class Fail(Exception):
    pass


def run(argv, cwd=None, stdin=None):
    p = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, timeout=TIMEOUT)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def one_line(text):
    text = text.strip().replace("\n", " | ")
    return text if len(text) <= 300 else text[:300] + "..."


# --- the .expect file ------------------------------------------------------------

class Expect:
    def __init__(self, path, batch=False):
        self.mode = "script"
        self.exit = "0"
        self.stderr = []         # regexes the script's standard error must match
        self.stdout = []         # regexes its standard output must match
        self.options = []        # more ipsecpol options for the script run
        self.stdin = b""         # the answers of a batch file's prompts
        self.fails = {}          # line number -> regex
        self.either = {}         # line number -> regex: may also succeed
        self.argv = False
        self.checks = []         # (line number, expression)
        self.conf = []           # (key, value)
        self.stores = ["local"]
        with open(path, encoding="utf-8") as f:
            for no, raw in enumerate(f, 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                word, _, rest = line.partition(" ")
                rest = rest.strip()
                if word == "mode" and rest in ("script", "lines"):
                    self.mode = rest
                elif word == "exit" and rest in ("0", "fail", "any"):
                    self.exit = rest
                elif word == "stderr" and rest:
                    self.stderr.append(re.compile(rest))
                elif word == "stdout" and rest:
                    self.stdout.append(re.compile(rest))
                elif word == "option" and rest:
                    self.options += shlex.split(rest)
                elif word == "stdin" and rest:
                    # (C escapes: \n between the answers)
                    self.stdin += rest.replace("\\n", "\n").encode("utf-8")
                elif word == "fail" and re.match(r"^\d+\s+\S", rest):
                    n, _, rx = rest.partition(" ")
                    self.fails[int(n)] = re.compile(rx.strip())
                elif word == "either" and re.match(r"^\d+\s+\S", rest):
                    n, _, rx = rest.partition(" ")
                    self.either[int(n)] = re.compile(rx.strip())
                elif word == "argv" and rest in ("yes", "no"):
                    self.argv = rest == "yes"
                elif word == "check" and rest:
                    self.checks.append((no, rest))
                elif word == "conf" and "=" in rest:
                    k, _, v = rest.partition("=")
                    self.conf.append((k.strip(), v.strip()))
                elif word == "stores" and rest:
                    self.stores = rest.split()
                else:
                    raise Fail(f"{os.path.basename(path)}:{no}: cannot read \"{line}\"")
        if self.exit == "fail" and not self.stderr:
            raise Fail(f"{os.path.basename(path)}: \"exit fail\" needs a \"stderr REGEX\" line")
        if batch and (self.mode != "script" or self.argv):
            raise Fail(f"{os.path.basename(path)}: a batch file runs in script mode only "
                       "(no \"mode lines\", no \"argv yes\")")
        if (self.options or self.stdout or self.stdin) and self.mode != "script":
            raise Fail(f"{os.path.basename(path)}: \"option\", \"stdout\" and \"stdin\" are for "
                       "script mode")


# --- what a corpus line is -------------------------------------------------------

PREFIX = re.compile(r"^\s*(netsh(\.exe)?\s+)?", re.I)


def words_of(line):
    try:
        return shlex.split(line, posix=True)
    except ValueError:
        return line.split()


def classify(lines):
    """Yield (line number, text, kind, context) for the command lines of a script.

    kind: 'ctx' (pushd, popd), 'dynamic', 'static'.
    context: the pushd lines in force before this line (to run it on its own).
    """
    stack, ctx = [], "static"
    for no, raw in enumerate(lines, 1):
        text = raw.rstrip("\r\n")
        s = text.strip()
        if not s or s.startswith("#"):
            continue
        w = [x.lower() for x in PREFIX.sub("", s).split()]
        here = [t for t, _ in stack]
        if w and w[0] == "pushd":
            stack.append((text, ctx))
            rest = [x for x in w[1:] if x != "ipsec"]
            if rest:
                ctx = rest[0]
            yield no, text, "ctx", here
            continue
        if w and w[0] == "popd":
            if stack:
                ctx = stack.pop()[1]
            yield no, text, "ctx", here
            continue
        if w and w[0] == "ipsec":
            w = w[1:]
        kind = ctx
        if w and w[0] in ("dynamic", "static"):
            kind = w[0]
        yield no, text, ("dynamic" if kind == "dynamic" else "static"), here


def is_set_config(text):
    w = [x.lower() for x in PREFIX.sub("", text.strip()).split()]
    w = [x for x in w if x not in ("ipsec", "dynamic")]
    return len(w) >= 2 and w[0] == "set" and w[1] == "config"


# --- one installation ------------------------------------------------------------

class Root:
    def __init__(self, tmp, name):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)

    def script(self, path, options=(), stdin=b""):
        # nobody at the keyboard: standard input is empty (a batch file's prompts)
        return run([IPSECPOL, "--root", self.dir] + list(options) + ["-f", path],
                   cwd=self.dir, stdin=stdin)

    def script_text(self, text, name="cmd.netsh"):
        path = os.path.join(os.path.dirname(self.dir), name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return self.script(path)

    def argv(self, words):
        # netsh prints its failures on standard output, as "ERR IPsec..." lines
        rc, out, err = run([NETSH, "--root", self.dir] + words, cwd=self.dir)
        errs = [l for l in out.splitlines() if l.startswith("ERR IPsec")]
        return rc, out, err + "".join(l + "\n" for l in errs)

    def dump(self, store):
        rc, out, err = self.script_text(f"set store location={store}\ndump\n", "dump.netsh")
        if rc != 0:
            raise Fail(f"dump of the {store} store failed: {one_line(err)}")
        return out

    def json(self, store):
        rc, out, err = self.script_text(
            f"set store location={store}\nshow all format=json\n", "show.netsh")
        if rc != 0:
            raise Fail(f"show all format=json ({store} store) failed: {one_line(err)}")
        try:
            return json.loads(out)
        except ValueError as e:
            raise Fail(f"show all format=json ({store} store) is not JSON: {e}")

    def conf(self):
        path = os.path.join(self.dir, "etc", "ipsecpol", "driver.conf")
        vals = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    k, sep, v = line.partition("=")
                    if sep and not k.strip().startswith("#"):
                        vals[k.strip().lower()] = v.strip()
        return vals


# --- checks ----------------------------------------------------------------------

def helpers(root):
    cache = {}

    def js(store="local"):
        if store not in cache:
            cache[store] = root.json(store)
        return cache[store]

    def find(lst, name, what):
        for o in lst:
            if o["name"].lower() == name.lower():
                return o
        raise Fail(f"no {what} named \"{name}\"")

    j = js()
    h = {
        "j": j, "js": js,
        "npol": len(j["policies"]), "nfl": len(j["filterlists"]), "nfa": len(j["filteractions"]),
        "assigned": [p["name"] for p in j["policies"] if p["assigned"]],
        "P": lambda n: find(js()["policies"], n, "policy"),
        "FL": lambda n: find(js()["filterlists"], n, "filter list"),
        "FA": lambda n: find(js()["filteractions"], n, "filter action"),
    }
    h["nfilters"] = lambda n: len(h["FL"](n)["filters"])
    h["rules"] = lambda p: [r for r in h["P"](p)["rules"] if not r["default"]]
    h["R"] = lambda p, n: find(h["rules"](p), n, f"rule in policy \"{p}\"")
    h["defrule"] = lambda p: [r for r in h["P"](p)["rules"] if r["default"]][0]
    h["auth"] = lambda p, n: [a["method"] for a in h["R"](p, n)["auth"]]
    return h


def check_facts(exp, root, dynamic_ran, notes):
    h = helpers(root)
    for no, expr in exp.checks:
        try:
            scope = dict(h)
            scope["__builtins__"] = {"len": len, "sorted": sorted, "set": set, "all": all,
                                     "any": any, "sum": sum, "min": min, "max": max}
            ok = eval(expr, scope)
        except Fail as e:
            raise Fail(f"expect line {no}: {expr}: {e}")
        except Exception as e:  # a missing key or a wrong type in the output
            raise Fail(f"expect line {no}: {expr}: {type(e).__name__}: {e}")
        if not ok:
            raise Fail(f"expect line {no}: {expr} is false")
    if exp.conf:
        if dynamic_ran:
            vals = root.conf()
            for k, v in exp.conf:
                if vals.get(k.lower()) != v:
                    raise Fail(f"driver.conf: {k}={vals.get(k.lower())!r}, expected {v!r}")
        else:
            notes.append("driver.conf not checked")


def round_trip(exp, root, tmp, tag):
    dumps = {}
    for store in exp.stores:
        first = root.dump(store)
        if store == "local":
            rc, out, err = run([IPSECPOL, "--root", root.dir, "static", "dump"], cwd=root.dir)
            if rc != 0 or out != first:
                raise Fail(f"`ipsecpol static dump` differs from `dump` in a script: {one_line(err)}")
        replay = Root(tmp, f"{tag}-replay-{store}")
        path = os.path.join(tmp, f"{tag}-{store}.dump")
        with open(path, "w", encoding="utf-8") as f:
            f.write(first)
        rc, _, err = replay.script(path)
        if rc != 0:
            raise Fail(f"the {store} dump does not run into an empty store: {one_line(err)}")
        second = replay.dump(store)
        if first != second:
            a, b = first.splitlines(), second.splitlines()
            i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
            raise Fail(f"{store} dump round trip differs at dump line {i + 1}: "
                       f"{a[i] if i < len(a) else '<end>'!r} then {b[i] if i < len(b) else '<end>'!r}")
        dumps[store] = first
    return dumps


# --- running a script ------------------------------------------------------------

def expect_line(exp, no, text, kind, rc, err, what, notes):
    """Judge one line run on its own; returns whether a dynamic set config worked."""
    if no in exp.either:
        if rc != 0 and not exp.either[no].search(err):
            raise Fail(f"line {no} ({what}) failed differently: {one_line(err)}")
        notes.append(f"line {no} {'succeeded' if rc == 0 else 'failed'} ({what})")
        return False
    if no in exp.fails:
        if rc == 0:
            raise Fail(f"line {no} ({what}) succeeded, expected to fail: {text.strip()}")
        if not exp.fails[no].search(err):
            raise Fail(f"line {no} ({what}) failed differently: {one_line(err)}")
        return False
    if kind == "dynamic":
        if rc == 0:
            if is_set_config(text):
                return True
            raise Fail(f"line {no} ({what}): dynamic command succeeded without the agent")
        if not AGENT_DOWN.search(err):
            raise Fail(f"line {no} ({what}): dynamic command failed differently: {one_line(err)}")
        return False
    if rc != 0:
        raise Fail(f"line {no} ({what}) failed: {one_line(err)}")
    return False


def run_lines(exp, lines, root, notes):
    dyn_ok = False
    for no, text, kind, ctx in classify(lines):
        if kind == "ctx":
            continue
        rc, _, err = root.script_text("".join(c + "\n" for c in ctx) + text.strip() + "\n", "line.netsh")
        dyn_ok |= expect_line(exp, no, text, kind, rc, err, "alone", notes)
    return dyn_ok


def check_output(exp, rc, out, err):
    """The script's exit status and what it printed, against exit/stderr/stdout."""
    if exp.exit == "fail" and rc == 0:
        raise Fail("the script succeeded, expected to fail")
    for rx in exp.stderr:
        if not rx.search(err):
            raise Fail(f"the script's standard error does not match /{rx.pattern}/ "
                       f"(exit status {rc}): {one_line(err)}")
    for rx in exp.stdout:
        if not rx.search(out):
            raise Fail(f"the script's standard output does not match /{rx.pattern}/: {one_line(out)}")


def run_batch(exp, path, root, notes):
    """A Windows batch file: ipsecpol follows cmd.exe's control flow; its exit
    status is cmd.exe's (the last command's), so a failing cleanup line does not
    fail the script: what failed is told by `stderr` lines of the .expect."""
    rc, out, err = root.script(path, exp.options, exp.stdin)
    check_output(exp, rc, out, err)
    if exp.exit == "0" and rc != 0:
        raise Fail(f"the batch file failed (exit status {rc}): {one_line(err)}")
    if exp.exit == "any":
        notes.append(f"exit status {rc}")
    return False, root


def run_script(exp, path, lines, root, tmp, notes):
    rc, out, err = root.script(path, exp.options)
    if exp.exit in ("fail", "any") or rc == 0:
        check_output(exp, rc, out, err)
    if exp.exit == "fail":
        return False, root
    if exp.exit == "any":
        notes.append(f"exit status {rc}")
        return False, root
    if rc == 0:
        dyn = [(no, t) for no, t, k, _ in classify(lines) if k == "dynamic"]
        for no, t in dyn:
            if not is_set_config(t):
                raise Fail(f"line {no}: dynamic command succeeded without the agent")
        return bool(dyn), root
    m = re.search(r":(\d+):", err)
    kinds = {no: k for no, _, k, _ in classify(lines)}
    if m and kinds.get(int(m.group(1))) == "dynamic" and AGENT_DOWN.search(err):
        notes.append(f"dynamic lines skipped (line {m.group(1)}: agent not running)")
        static = os.path.join(tmp, "static-only.netsh")
        dyn_lines = {no for no, k in kinds.items() if k == "dynamic"}
        with open(static, "w", encoding="utf-8", newline="") as f:
            for no, raw in enumerate(lines, 1):
                f.write(("# [dynamic] " + raw) if no in dyn_lines else raw)
        again = Root(tmp, "static-only")
        rc, out, err = again.script(static, exp.options)
        if rc != 0:
            raise Fail(f"the script without its dynamic lines failed: {one_line(err)}")
        check_output(exp, rc, out, err)
        return False, again
    raise Fail(f"the script failed: {one_line(err)}")


def run_argv(exp, lines, root, notes):
    for no, text, kind, _ in classify(lines):
        if kind == "ctx" or not re.match(r"^\s*netsh(\.exe)?\s", text, re.I):
            continue
        w = words_of(text.strip())
        rc, _, err = root.argv(w[1:])
        expect_line(exp, no, text, kind, rc, err, "one-shot", notes)


def run_one(corpus, name):
    path = os.path.join(corpus, name)
    exp_path = os.path.splitext(path)[0] + ".expect"
    batch = is_batch(name)
    notes = []
    if not os.path.exists(exp_path):
        raise Fail("no .expect file")
    exp = Expect(exp_path, batch)
    lines = []
    if not batch:   # a batch file may be text of a Windows code page (option --codepage)
        with open(path, encoding="utf-8", newline="") as f:
            lines = f.readlines()
    with tempfile.TemporaryDirectory(prefix="ipp-rw-") as tmp:
        root = Root(tmp, "main")
        if batch:
            dyn_ok, checked = run_batch(exp, path, root, notes)
        elif exp.mode == "lines":
            dyn_ok = run_lines(exp, lines, root, notes)
            checked = root
        else:
            dyn_ok, checked = run_script(exp, path, lines, root, tmp, notes)
        # also after a script that failed (exit fail): what it did build is checked
        check_facts(exp, checked, dyn_ok, notes)
        dumps = round_trip(exp, checked, tmp, "main")
        if exp.argv:
            other = Root(tmp, "argv")
            run_argv(exp, lines, other, notes)
            for store, d in dumps.items():
                if other.dump(store) != d:
                    raise Fail(f"one-shot (argv) replay gives a different {store} store than {exp.mode} mode")
            notes.append("argv replay identical")
    return notes


def main():
    corpus = os.path.abspath(sys.argv[1])
    only = set(sys.argv[2:])
    for prog in (IPSECPOL, NETSH):
        if not os.access(prog, os.X_OK):
            print(f"FAIL: {prog} is not built")
            return 1
    names = sorted(n for n in os.listdir(corpus) if n.lower().endswith(SCRIPTS))
    if only:
        names = [n for n in names if n in only or n.split("-")[0] in only]
    passed = failed = 0
    for name in names:
        try:
            notes = run_one(corpus, name)
            passed += 1
            notes = list(dict.fromkeys(notes))
            print(f"PASS {name}" + (f" ({'; '.join(notes)})" if notes else ""))
        except Fail as e:
            failed += 1
            print(f"FAIL {name}: {e}")
        except subprocess.TimeoutExpired as e:
            failed += 1
            print(f"FAIL {name}: timed out: {e.cmd}")
        sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
