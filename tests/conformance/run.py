#!/usr/bin/env python3
"""librdkafka's own integration tests against `minikafka serve` (issue 15).

1. Build the suite once, offline, into target/conformance/ (git-ignored): `npm pack
   node-rdkafka@3.6.1` ships the full librdkafka 2.12.0 source with its tests/. There:
   ./configure --disable-curl --disable-sasl --disable-ssl --disable-gssapi --disable-zstd,
   make libs, make -C tests build. Reused while target/conformance/.built says so
   (bench/rdkperf.py builds the libraries only, stamped .libs-built, for its load tool).
2. Start `minikafka serve --default-partitions 4` (Kafka's test clusters use
   num.partitions=4) on a free port with a temporary data directory, write tests/test.conf
   with bootstrap.servers, and run each test number that is not local-only as
   `TESTS=NNNN ./test-runner -p1 -Q -E -L` under a timeout. Tests of the `noautocreate`
   scenario run against a second server started with --auto-create-topics false.
3. Write tests/conformance/RESULTS.md (full run only): one row per test, pass, fail with the
   first error line, or cannot run here with the reason. Print `N passed, M failed`.

With --allow FILE only the tests listed there run, and the exit status is 1 if any of them
does not pass (make conformance-allow; make test runs the fast part of the list, --fast 5).

Usage: run.py [--bin target/debug/minikafka] [--allow tests/conformance/allow.txt [--fast S]]
              [--group-protocol consumer] [--full]
              [--tests 0012,0013] [--timeout 240] [--jobs 1] [--build-only]
              [--write-allow tests/conformance/allow.txt]
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
WORK = os.path.join(ROOT, "target", "conformance")
PACKAGE = "node-rdkafka@3.6.1"
LIBRDKAFKA_VERSION = "2.12.0"
SRC = os.path.join(WORK, "package", "deps", "librdkafka")
TESTS_DIR = os.path.join(SRC, "tests")
RUNNER = os.path.join(TESTS_DIR, "test-runner")
STAMP = os.path.join(WORK, ".built")
LIBRARY = os.path.join(SRC, "src", "librdkafka.a")
LIBS_STAMP = os.path.join(WORK, ".libs-built")
CONFIGURE = ["./configure", "--disable-curl", "--disable-sasl", "--disable-ssl",
             "--disable-gssapi", "--disable-zstd"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# --group-protocol: the consumers' group.protocol in every test (None: the suite's default,
# classic).
GROUP_PROTOCOL = None
# --full: run without the suite's quick mode (-Q), in which many group tests skip their
# longer parts or everything.
FULL = False

# Tests that the runner would start here but that need what this machine (or any single
# minikafka server) does not have. Each with the reason shown in RESULTS.md.
CANNOT = {
}

# Why a test still fails, in a user's words; shown in RESULTS.md beside its first error
# while it fails.
WHY = {
    "0081_admin": "needs ACLs (CreateAcls, DescribeAcls, DeleteAcls: an authorizer), a dynamic "
                  "broker config (sasl.kerberos.min.time.before.relogin) and SCRAM credentials, "
                  "which minikafka does not have. Its CreateTopics (compression.type, "
                  "delete.retention.ms), DeleteTopics and CreatePartitions (with replica "
                  "assignments) steps pass; the ACL steps come next and stop it, before its "
                  "AlterConfigs, IncrementalAlterConfigs, DescribeConfigs, DeleteGroups, "
                  "DeleteConsumerGroupOffsets and DescribeCluster steps (served, and tested with "
                  "real clients in tests/clients/admin.py)",
}


def log(msg):
    print(f"[conformance] {msg}", flush=True)


# ---------------------------------------------------------------------------------------
# Build

def build(jobs, tests=True):
    """npm pack, configure and `make libs` in target/conformance/, then (with tests) the
    test suite. bench/rdkperf.py calls it with tests=False, then builds
    examples/rdkafka_performance against the same librdkafka."""
    # RapidJSON (Debian's rapidjson-dev) lets the tests that check statistics JSON build; a
    # machine that gains it rebuilds.
    rapidjson = os.path.exists("/usr/include/rapidjson/schema.h")
    libs_stamp = f"{PACKAGE} librdkafka {LIBRDKAFKA_VERSION} {' '.join(CONFIGURE)}"
    stamp = f"{libs_stamp} rapidjson={rapidjson}"
    if os.path.exists(RUNNER) and os.path.exists(STAMP) and open(STAMP).read().strip() == stamp:
        log(f"suite already built ({RUNNER})")
        return
    libs_built = (os.path.exists(LIBRARY) and os.path.exists(LIBS_STAMP)
                  and open(LIBS_STAMP).read().strip() == libs_stamp)
    if libs_built and not tests:
        log(f"librdkafka already built ({LIBRARY})")
        return
    os.makedirs(WORK, exist_ok=True)
    t0 = time.time()
    env = dict(os.environ, MAKEFLAGS=f"-j{jobs}")
    if not libs_built:
        log(f"building librdkafka {LIBRDKAFKA_VERSION} from npm's {PACKAGE} (make -j{jobs}; "
            f"about {'2.5 minutes with its tests' if tests else '2 minutes'} on 2 cores) ...")
        for f in (STAMP, LIBS_STAMP):
            if os.path.exists(f):
                os.remove(f)
        shutil.rmtree(os.path.join(WORK, "package"), ignore_errors=True)
        for f in os.listdir(WORK):
            if f.endswith(".tgz"):
                os.remove(os.path.join(WORK, f))
        run_logged(["npm", "pack", "--silent", PACKAGE], WORK, "npm-pack.log")
        tgz = [f for f in os.listdir(WORK) if f.endswith(".tgz")]
        if len(tgz) != 1:
            sys.exit(f"npm pack {PACKAGE} left {tgz} in {WORK}")
        run_logged(["tar", "xzf", tgz[0]], WORK, "tar.log")
        run_logged(CONFIGURE, SRC, "configure.log", env)
        run_logged(["make", f"-j{jobs}", "libs"], SRC, "make-libs.log", env)
        with open(LIBS_STAMP, "w") as f:
            f.write(libs_stamp + "\n")
    if not tests:
        log(f"built librdkafka in {time.time() - t0:.0f} s")
        return
    log(f"building librdkafka's tests (make -j{jobs} -C tests build) ...")
    run_logged(["make", f"-j{jobs}", "-C", "tests", "build"], SRC, "make-tests.log", env)
    if not os.access(RUNNER, os.X_OK):
        sys.exit(f"build finished without {RUNNER}")
    with open(STAMP, "w") as f:
        f.write(stamp + "\n")
    log(f"built in {time.time() - t0:.0f} s")


def run_logged(argv, cwd, logname, env=None):
    path = os.path.join(WORK, logname)
    log(f"  {' '.join(argv)}  (log: {os.path.relpath(path, ROOT)})")
    with open(path, "w") as out:
        rc = subprocess.call(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
    if rc != 0:
        tail = open(path, errors="replace").read().splitlines()[-20:]
        sys.exit(f"{' '.join(argv)} failed ({rc}):\n" + "\n".join(tail))


# ---------------------------------------------------------------------------------------
# The suite's own list of tests (tests/test.c), with their flags

class Test:
    def __init__(self, name, flags, scenario, extra, body):
        self.name, self.flags, self.scenario, self.extra, self.body = (
            name, flags, scenario, extra, body)
        self.num = name[:4]

    def has(self, flag):
        return re.search(r"\b" + flag + r"\b", self.flags) is not None


def list_tests():
    src = open(os.path.join(TESTS_DIR, "test.c"), errors="replace").read()
    table = src[src.index("struct test tests[] = {"):]
    table = table[:table.index("\n};")]
    parts = re.split(r"\b_TEST\(", table)[1:]
    tests = []
    for part in parts:
        m = re.match(r"\s*(\w+)\s*,\s*([^,)]*)", part)
        name, flags = m.group(1), m.group(2).strip()
        scenario = re.search(r'\.scenario\s*=\s*"([^"]*)"', part)
        extra = re.search(r'\.extra\s*=\s*"([^"]*)"', part)
        tests.append(Test(name, flags, scenario.group(1) if scenario else "default",
                          extra.group(1) if extra else "", part))
    return tests


def static_reason(t):
    """Why the runner (with -Q -E -L) would not start t, or None."""
    if t.has("TEST_F_MANUAL"):
        return "manual test (run by hand only)"
    if t.has("TEST_F_KNOWN_ISSUE"):
        return ("marked as a known issue in librdkafka itself, skipped by its runner"
                + (f" ({t.extra})" if t.extra else ""))
    if t.has("TEST_F_SOCKEM"):
        return "socket-emulation (sockem) test: delays and cuts the client's own sockets, skipped with -E"
    if t.name in CANNOT:
        return CANNOT[t.name]
    return None


# ---------------------------------------------------------------------------------------
# Servers

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, name, extra_args):
        self.port = free_port()
        self.data_dir = tempfile.mkdtemp(prefix=f"minikafka-conformance-{name}-")
        self.log_path = os.path.join(WORK, f"server-{name}.log")
        self.log_file = open(self.log_path, "w")
        argv = [binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir",
                self.data_dir, "--default-partitions", "4", *extra_args]
        self.proc = subprocess.Popen(argv, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"minikafka serve exited ({self.proc.returncode}); see {self.log_path}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            self.stop()
            sys.exit(f"minikafka serve did not listen on {self.port}; see {self.log_path}")
        log(f"minikafka serve ({name}) pid {self.proc.pid} on 127.0.0.1:{self.port}, "
            f"data {self.data_dir}, log {os.path.relpath(self.log_path, ROOT)}")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------
# Running one test number

SUMMARY = re.compile(r"^\|\s*(\S+)\s*\|\s*(\w+)\s*\|\s*[\d.]+s\s*\|\s?(.*)$")


def run_number(num, server, scenario, timeout, conf_dir):
    """Run TESTS=num; return {test name: (state, detail)} and the log path."""
    conf = os.path.join(conf_dir, f"{num}.conf")
    with open(conf, "w") as f:
        f.write(f"bootstrap.servers=127.0.0.1:{server.port}\n")
        f.write("test.topic.random=true\n")
    libs = os.pathsep.join([os.path.join(SRC, "src"), os.path.join(SRC, "src-cpp")])
    env = dict(os.environ, TESTS=num, RDKAFKA_TEST_CONF=conf, TEST_SCENARIO=scenario,
               LD_LIBRARY_PATH=libs + os.pathsep + os.environ.get("LD_LIBRARY_PATH", ""))
    if GROUP_PROTOCOL:
        # The suite's switch between the classic protocol and KIP-848's (test.c reads it).
        env["TEST_CONSUMER_GROUP_PROTOCOL"] = GROUP_PROTOCOL
        if GROUP_PROTOCOL == "consumer":
            # The suite assumes a 2.4 broker unless told; the consumer protocol is Kafka
            # 4.0's, and tests gate their KIP-848 parts on the broker version.
            env.setdefault("TEST_KAFKA_VERSION", "4.0.0")
    argv = ["./test-runner", "-p1", "-E", "-L"] + ([] if FULL else ["-Q"])
    if scenario != "default":
        argv += ["-s", scenario]
    log_path = os.path.join(WORK, "logs", f"{num}.log" if scenario == "default"
                            else f"{num}-{scenario}.log")
    t0 = time.time()
    with open(log_path, "w") as out:
        proc = subprocess.Popen(argv, cwd=TESTS_DIR, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = proc.wait(timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            rc, timed_out = None, True
    elapsed = time.time() - t0
    text = ANSI.sub("", open(log_path, errors="replace").read())
    results = {}
    for line in text.splitlines():
        m = SUMMARY.match(line)
        if m and m.group(1) != "<MAIN>" and m.group(1).startswith(num):
            results[m.group(1)] = (m.group(2), m.group(3).strip())
    first_error = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "### Test" in line and "failed at" in line:
            msg = lines[i + 1].strip() if i + 1 < len(lines) else ""
            first_error = f"{msg} ({line.split('failed at', 1)[1].split(' at ')[0].strip()})"
            break
    if timed_out:
        why = f"timed out after {timeout} s" + (f": first error: {first_error}" if first_error else "")
        return {"*": ("TIMEOUT", why)}, elapsed, log_path
    out = {}
    for name, (state, detail) in results.items():
        if state == "FAILED":
            detail = first_error or detail or f"exit status {rc}"
        out[name] = (state, detail)
    if not out:
        out["*"] = ("FAILED", first_error or f"no summary (exit status {rc})")
    return out, elapsed, log_path


def env_failure(detail):
    """The reason a failure is this environment's, not the broker's (or None)."""
    d = detail.lower()
    if "kafka_path" in d or "zookeeper" in d or "zk_address" in d:
        return ("runs Kafka's own shell tools (kafka-topics.sh, kafka-configs.sh, kafka-acls.sh), "
                "which need a JVM Kafka installation (KAFKA_PATH): " + detail)
    if "replication factor 3 is larger than the number of brokers" in d:
        return ("creates its topics with replication factor 3, which needs a cluster of 3 "
                "brokers; minikafka is one broker and refuses it as Kafka would "
                "(INVALID_REPLICATION_FACTOR): " + detail)
    return None


def cannot_reason(detail):
    d = detail.lower()
    if env_failure(detail):
        return env_failure(detail)
    if "ssl" in d or "sasl" in d or "oauth" in d or "gssapi" in d:
        return "needs SSL/SASL, built without it: " + detail
    return detail


# ---------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "minikafka"))
    ap.add_argument("--allow", help="run only the tests listed in this file; fail if any does not pass")
    ap.add_argument("--fast", type=float, default=0,
                    help="with --allow: only the tests that took at most this many seconds")
    ap.add_argument("--write-allow", help="after a full run, write the tests that passed here")
    ap.add_argument("--tests", help="comma-separated test numbers to run (no RESULTS.md)")
    ap.add_argument("--timeout", type=int, default=240, help="seconds per test number")
    ap.add_argument("--jobs", type=int, default=1, help="test numbers run at once")
    ap.add_argument("--build-jobs", type=int, default=int(os.environ.get("CONFORMANCE_BUILD_JOBS", os.cpu_count() or 1)))
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--group-protocol", choices=["classic", "consumer"],
                    help="run the tests with TEST_CONSUMER_GROUP_PROTOCOL set (KIP-848: consumer)")
    ap.add_argument("--full", action="store_true",
                    help="not in the suite's quick mode (-Q): longer, and group tests run all their parts")
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    args = ap.parse_args()
    global GROUP_PROTOCOL, FULL
    GROUP_PROTOCOL = args.group_protocol
    FULL = args.full

    build(args.build_jobs)
    if args.build_only:
        return 0
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no minikafka binary at {binary} (cargo build -p minikafka --bin minikafka)")

    tests = list_tests()
    nonlocal_tests = [t for t in tests if not t.has("TEST_F_LOCAL") and t.name != "<MAIN>"]
    allow = None
    if args.allow:
        # One test a line: its name, then the seconds its test number took when the list
        # was written (make conformance-fast runs those up to --fast seconds).
        allow = []
        for ln in open(args.allow):
            fields = ln.split("#")[0].split()
            if fields and (not args.fast or float(fields[1]) <= args.fast):
                allow.append(fields[0])
        selected = [t for t in nonlocal_tests if t.name in allow]
        missing = set(allow) - {t.name for t in selected}
        if missing:
            sys.exit(f"{args.allow} names tests that are not in the suite: {sorted(missing)}")
    elif args.tests:
        want = {n.strip()[:4] for n in args.tests.split(",")}
        selected = [t for t in nonlocal_tests if t.num in want]
    else:
        selected = nonlocal_tests

    rows = {}  # name -> (status, detail)
    durations = {}  # name -> seconds its test number took
    to_run = {}  # (num, scenario) -> [tests]
    for t in selected:
        reason = static_reason(t)
        if reason:
            rows[t.name] = ("cannot", reason)
        else:
            scen = "noautocreate" if t.scenario == "noautocreate" else "default"
            to_run.setdefault((t.num, scen), []).append(t)

    os.makedirs(os.path.join(WORK, "logs"), exist_ok=True)
    conf_dir = tempfile.mkdtemp(prefix="minikafka-conformance-conf-")
    # tests/test.conf as the suite's README describes it (the runs themselves each use their
    # own copy through RDKAFKA_TEST_CONF, so that concurrent runs do not share one file).
    # Kafka's defaults otherwise, group.initial.rebalance.delay.ms (3 s) too: with 0, two
    # consumers that subscribe together can form the group in two rebalances, and a test
    # such as 0118 that expects one sees a revocation it does not expect.
    servers = {"default": Server(binary, "default", [])}
    if any(s == "noautocreate" for (_, s) in to_run):
        servers["noautocreate"] = Server(binary, "noautocreate",
                                         ["--auto-create-topics", "false"])
    with open(os.path.join(TESTS_DIR, "test.conf"), "w") as f:
        f.write(f"bootstrap.servers=127.0.0.1:{servers['default'].port}\ntest.topic.random=true\n")

    keys = sorted(to_run)
    total = len(keys)
    done = [0]
    lock = threading.Lock()
    t_start = time.time()

    def one(key):
        num, scen = key
        res, elapsed, log_path = run_number(num, servers[scen], scen, args.timeout, conf_dir)
        with lock:
            done[0] += 1
            for t in to_run[key]:
                state, detail = res.get(t.name) or res.get("*") or ("NOT_RUN", "")
                durations[t.name] = elapsed
                if state == "PASSED":
                    rows[t.name] = ("pass", "")
                elif state == "SKIPPED" or env_failure(detail):
                    rows[t.name] = ("cannot", cannot_reason(detail))
                elif state == "NOT_RUN" or (state == "NOT_STARTED" and "*" not in res):
                    rows[t.name] = ("cannot", "not started by the runner with -Q -E -L"
                                    + (f": {detail}" if detail else ""))
                else:
                    why = WHY.get(t.name)
                    rows[t.name] = ("fail", f"{why}. First error: {detail}" if why else detail)
                status, detail = rows[t.name]
                word = {"pass": "PASS", "fail": "FAIL", "cannot": "SKIP"}[status]
                log(f"[{done[0]}/{total}] {t.name:<45} {word} {elapsed:5.1f}s"
                    + (f"  {detail[:110]}" if status != "pass" else ""))
            for name, srv in servers.items():
                if not srv.alive():
                    log(f"minikafka serve ({name}) died; see {srv.log_path}")
        return key

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(one, keys))
    finally:
        for srv in servers.values():
            srv.stop()
        shutil.rmtree(conf_dir, ignore_errors=True)

    passed = sorted(n for n, (s, _) in rows.items() if s == "pass")
    failed = sorted(n for n, (s, _) in rows.items() if s == "fail")
    cannot = sorted(n for n, (s, _) in rows.items() if s == "cannot")
    log(f"done in {time.time() - t_start:.0f} s: {len(passed)} pass, {len(failed)} fail, "
        f"{len(cannot)} cannot run here")

    if allow is not None:
        # A test the suite itself skips on CI machines (it reads the CI environment
        # variable: 0055 says "Latency measurements not reliable on CI") is not a
        # regression of the broker; every other allowed test must pass.
        def skipped_on_ci(name):
            status, detail = rows.get(name, ("fail", ""))
            return status == "cannot" and os.environ.get("CI") and "on CI" in detail
        regressed = [a for a in allow
                     if rows.get(a, ("fail",))[0] != "pass" and not skipped_on_ci(a)]
        for a in allow:
            if skipped_on_ci(a):
                log(f"skipped by the suite on CI (not a regression): {a}: {rows[a][1]}")
        for a in regressed:
            log(f"REGRESSION: {a}: {rows.get(a, ('', 'not run'))[1]}")
        print(f"{len(passed)} passed, {len(regressed)} failed")
        return 1 if regressed else 0

    if not args.tests:
        write_results(args.results, tests, rows, binary)
        log(f"wrote {os.path.relpath(args.results, ROOT)}")
        if args.write_allow:
            with open(args.write_allow, "w") as f:
                f.write("# librdkafka tests that pass against minikafka serve: make conformance-allow\n"
                        "# runs them all, make test (conformance-fast) those of 5 s or less.\n"
                        "# name, then the seconds its test number took (written by\n"
                        "# tests/conformance/run.py --write-allow after a full run).\n")
                for t in tests:
                    if rows.get(t.name, ("",))[0] == "pass":
                        f.write(f"{t.name} {durations[t.name]:.1f}\n")
            log(f"wrote {os.path.relpath(args.write_allow, ROOT)}")
    print(f"{len(passed)} passed, {len(failed)} failed")
    # A sweep reports; only --allow (a regression) fails.
    return 0


def env_prefix():
    """The environment the suite ran with, as it would be typed before the runner."""
    if GROUP_PROTOCOL == "consumer":
        return "TEST_CONSUMER_GROUP_PROTOCOL=consumer TEST_KAFKA_VERSION=4.0.0 "
    if GROUP_PROTOCOL:
        return f"TEST_CONSUMER_GROUP_PROTOCOL={GROUP_PROTOCOL} "
    return ""


def write_results(path, tests, rows, binary):
    n_local = sum(1 for t in tests if t.has("TEST_F_LOCAL") and t.name != "<MAIN>")
    counts = {s: sum(1 for v in rows.values() if v[0] == s) for s in ("pass", "fail", "cannot")}
    runnable = counts["pass"] + counts["fail"]
    out = [
        "# librdkafka conformance",
        "",
        f"librdkafka {LIBRDKAFKA_VERSION} integration tests (from npm's `{PACKAGE}`) against one "
        "`minikafka serve --default-partitions 4` (Kafka's defaults otherwise), each test "
        f"number run as `{env_prefix()}TESTS=NNNN ./test-runner -p1{'' if FULL else ' -Q'} -E -L`. "
        "Written by `make conformance` (tests/conformance/run.py)"
        + ("; the tests that pass are in allow.txt." if not (FULL or GROUP_PROTOCOL) else
           f", here with{' --full' if FULL else ''}"
           f"{' --group-protocol ' + GROUP_PROTOCOL if GROUP_PROTOCOL else ''}."),
        "",
        f"**{counts['pass']} of {runnable} runnable tests pass**, {counts['fail']} fail; "
        f"{counts['cannot']} cannot run here (reasons below). {n_local} local-only tests "
        "(mock cluster, no broker) are not listed.",
        "",
        "| test | result | detail |",
        "| --- | --- | --- |",
    ]
    word = {"pass": "pass", "fail": "**fail**", "cannot": "cannot run here"}
    for t in tests:
        if t.name not in rows:
            continue
        status, detail = rows[t.name]
        detail = detail.replace("|", "\\|").replace("\n", " ")
        out.append(f"| {t.name} | {word[status]} | {detail} |")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    sys.exit(main())
