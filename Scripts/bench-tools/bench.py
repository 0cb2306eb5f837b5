#!/usr/bin/env python3
"""Runs every measurement of Scripts/bench (which builds the binaries first) and writes out/bench.json and
out/bench.md. Standard library only.

Round trips: the same C client (loadgen) drives the C echo server (the floor) and allotd, in interleaved
repetitions (echo, allotd, echo spinning, then the reverse, ...) so machine noise hits all of them; each figure is
the median over repetitions and each ratio the median of the per-repetition ratios. The client waits for each
reply blocked in recv (1, 2 and 8 clients: the targets are judged on these), then in poll (1 and 2 clients,
reported beside). Each server's CPU time (user and system, from /proc/PID/stat, which counts exited connection
threads too) is summed over the repetitions and divided by the requests it answered: what a request costs the
device, whatever the wake-up latency. The client's CPU and sleeps (loadgen's, by getrusage) and the machine's idle
time (/proc/stat) per request are reported beside it. A third server in the same interleaving is the echo floor
spinning, per line, the time of allotd's in-process line (`echo_server SOCKET WORK_NS`, on the vDSO's clock):
what a server doing that much work the floor's way gets, so that the ratio to it shows what allotd's own I/O and
scheduling cost beside its work.

The round trips run twice: on the machine as it is ("quiet": nothing else should run), then with `--busy N`
(default 1) spinning processes holding cores, as on a device whose other cores run the LLM. The floor depends on
that: an idle virtual CPU takes tens of µs to wake, a busy machine's scheduler a few; the ratio to the floor is
reported, and judged, for both.
"""
import argparse
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "out")
TOOLS = os.path.join(OUT, "bench-tools")

TARGETS = {
    "rtt_mean_ratio_1": 1.15, "rtt_p99_ratio_1": 1.15, "rps_ratio_2": 0.85,
    "rtt_mean_ratio_1_busy": 1.15, "rtt_p99_ratio_1_busy": 1.15, "rps_ratio_2_busy": 0.85, "decision_us": 2.0,
    "load_verify_ms": 5.0, "binary_mb": 8.0, "rss_mb": 8.0,
}


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def run_json(cmd, **kw):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, **kw).stdout
    return json.loads(out.strip().splitlines()[-1])


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def request_lines(path, dest, min_chars):
    """GSM8K prompts of at least min_chars characters as route requests with their probe signal."""
    n = 0
    with open(path, encoding="utf-8") as src, open(dest, "w", encoding="utf-8") as out:
        for line in src:
            row = json.loads(line)
            if len(row["text"]) < min_chars:
                continue
            req = {"op": "route", "id": n, "text": row["text"],
                   "signals": {"probe_agree": row.get("signals", {}).get("probe_agree", 0)}}
            out.write(json.dumps(req, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    return n


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return None


def wait_socket(path, proc, timeout=20):
    """Waits until the server at `path` accepts a connection: its socket file appears at bind, a moment before
    it listens, and a connect in between is refused."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        if os.path.exists(path):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                try:
                    s.connect(path)
                    return
                except ConnectionRefusedError:
                    pass
        time.sleep(0.02)
    raise RuntimeError(f"no server listening at {path}")


class Servers:
    """The echo floor and allotd, each on its own socket in a private directory."""

    def __init__(self, allotd, model, workdir):
        self.procs = []
        self.workdir = workdir
        self.allotd, self.model = allotd, model

    def start_echo(self, work_ns=0, mode="plain"):
        sock = os.path.join(self.workdir, f"echo-{work_ns}-{mode}.sock")
        p = subprocess.Popen([os.path.join(TOOLS, "echo_server"), sock, str(work_ns), mode])
        self.procs.append(p)
        wait_socket(sock, p)
        return sock, p

    def start_allotd(self, name="allotd", binary=None, flags=()):
        sock = os.path.join(self.workdir, name + ".sock")
        err = open(os.path.join(self.workdir, name + ".log"), "w")
        p = subprocess.Popen([binary or self.allotd, "--model", self.model, "--socket", sock, "--quiet", *flags],
                             stderr=err)
        self.procs.append(p)
        wait_socket(sock, p)
        return sock, p

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self):
        for p in self.procs:
            self.stop(p)


def cpu_seconds(pid):
    """(user, system) CPU seconds of a process, its exited threads included."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


class Busy:
    """N processes spinning on the CPU for the duration of a `with` block (the loaded condition)."""

    def __init__(self, n):
        self.n, self.procs = n, []

    def __enter__(self):
        for _ in range(self.n):
            self.procs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))
        time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
            p.wait()


def idle_seconds():
    """Idle (and iowait) CPU seconds of the whole machine, all cores."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    return (int(fields[3]) + int(fields[4])) / os.sysconf("SC_CLK_TCK")


def children_usage():
    """(user + system CPU seconds, voluntary and involuntary context switches) of the children that have exited:
    each loadgen run once it is waited for; a voluntary switch is a loadgen thread blocking."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime, r.ru_nvcsw, r.ru_nivcsw


def loadgen(sock, lines, clients, per_client, warmup, wait="recv"):
    return run_json([os.path.join(TOOLS, "loadgen"), sock, lines, str(clients), str(per_client), str(warmup),
                     wait])


def paired_ratios(pairs, keys):
    """The median and the range of the per-repetition ratios allotd / floor, for each key: a repetition's two runs
    share the machine's state, so their ratio is steadier than a ratio of medians, and the range shows how far one
    repetition can fall from the median on a noisy machine."""
    medians, ranges = {}, {}
    for k in keys:
        r = [a[k] / e[k] for a, e in pairs]
        medians[k] = statistics.median(r)
        ranges[k] = [min(r), max(r)]
    return medians, ranges


def ratio_cell(summary, key):
    """A ratio as the table shows it: the median, and the per-repetition range where the run kept one."""
    cell = f"{summary['ratio'][key]:.2f}×"
    if key in summary.get("ratio_range", {}):
        lo, hi = summary["ratio_range"][key]
        cell += f" ({lo:.2f}–{hi:.2f})"
    return cell


def round_trips(args, servers, lines, condition, work_ns):
    echo_sock, echo = servers.start_echo()
    allotd_sock, allotd = servers.start_allotd()
    # The floor that also spins `work_ns` of CPU per line (allotd's in-process line): what any server doing that
    # much work the floor's way would get, so the ratio to it isolates how allotd does its work and I/O.
    work_sock, work = servers.start_echo(work_ns)
    socks = {"echo": echo_sock, "allotd": allotd_sock, "echo_work": work_sock}
    pids = {"echo": echo.pid, "allotd": allotd.pid, "echo_work": work.pid}
    # The load client waits for each reply blocked in recv (the client, judged against the targets), then
    # again in poll(POLLIN), as event loops do: only that wait ignores the wake-up a Unix socket sends its writer
    # when the server takes the request off it (docs/performance.md, "Why a little work costs a lot").
    plan = [(1, args.requests, 2000, "recv"), (2, args.requests, 2000, "recv"),
            (8, max(1000, args.requests // 4), 500, "recv"), (1, args.requests, 2000, "poll"),
            (2, args.requests, 2000, "poll")]
    results = {}
    for clients, per_client, warmup, wait in plan:
        runs = {name: [] for name in socks}
        cpu = {name: [0.0, 0.0] for name in socks}
        # The client's CPU and the machine's idle time too: where the server's time goes is not all the story (a
        # slower reply may cost the client more: it sleeps in `recv` and is woken, where a quick reply can be
        # there before it blocks).
        client = {name: 0.0 for name in socks}
        client_sleeps = {name: 0 for name in socks}
        idle = {name: 0.0 for name in socks}
        for rep in range(args.reps):
            order = list(socks.items())
            if rep % 2:
                order.reverse()
            for name, sock in order:
                u0, s0 = cpu_seconds(pids[name])
                (c0, v0, _), i0 = children_usage(), idle_seconds()
                runs[name].append(loadgen(sock, lines, clients, per_client, warmup, wait))
                u1, s1 = cpu_seconds(pids[name])
                c1, v1, _ = children_usage()
                client[name] += c1 - c0
                client_sleeps[name] += v1 - v0
                idle[name] += idle_seconds() - i0
                cpu[name][0] += u1 - u0
                cpu[name][1] += s1 - s0
        summary = {}
        for name in runs:
            summary[name] = {k: statistics.median(r[k] for r in runs[name])
                             for k in ("mean_us", "p50_us", "p90_us", "p99_us", "p999_us", "rps")}
            summary[name]["errors"] = sum(r["errors"] for r in runs[name])
            summary[name]["requests"] = sum(r["requests"] for r in runs[name])
            # what loadgen reports it completed, plus the warm-up requests (they cost CPU too)
            answered = max(1, summary[name]["requests"] + args.reps * clients * warmup)
            summary[name]["cpu_user_us"] = cpu[name][0] / answered * 1e6
            summary[name]["cpu_system_us"] = cpu[name][1] / answered * 1e6
            summary[name]["cpu_us"] = (cpu[name][0] + cpu[name][1]) / answered * 1e6
            summary[name]["client_cpu_us"] = client[name] / answered * 1e6
            summary[name]["client_sleeps"] = client_sleeps[name] / answered
            summary[name]["idle_us"] = idle[name] / answered * 1e6
        pairs = list(zip(runs["allotd"], runs["echo"]))
        summary["ratio"], summary["ratio_range"] = paired_ratios(
            pairs, ("mean_us", "p50_us", "p90_us", "p99_us", "p999_us", "rps"))
        # a ratio of totals over the repetitions (per run, 10 ms CPU ticks are too coarse for a ratio)
        summary["ratio"]["cpu_us"] = summary["allotd"]["cpu_us"] / max(summary["echo"]["cpu_us"], 1e-9)
        summary["ratio_to_echo_work"] = paired_ratios(list(zip(runs["allotd"], runs["echo_work"])),
                                                      ("mean_us", "p99_us", "rps"))[0]
        summary["echo_work"]["work_ns"] = work_ns
        summary["runs"] = runs
        results[str(clients) + (" poll" if wait == "poll" else "")] = summary
        log(f"{condition}, {clients} client(s) waiting in {wait}: allotd mean "
            f"{summary['allotd']['mean_us']:.1f} µs, "
            f"echo {summary['echo']['mean_us']:.1f} µs, ratio {summary['ratio']['mean_us']:.2f}; server CPU "
            f"{summary['allotd']['cpu_us']:.1f} vs {summary['echo']['cpu_us']:.1f} µs per request; throughput "
            f"{summary['ratio']['rps']:.2f}× the floor, {summary['ratio_to_echo_work']['rps']:.2f}× the floor "
            f"spinning {work_ns} ns a line")
    peak = proc_status(allotd.pid, "VmHWM")
    servers.stop(allotd)
    servers.stop(echo)
    servers.stop(work)
    return results, peak


def rss_growth(args, servers, lines):
    """RSS of a fresh allotd after 10^5 and after 10^6 route requests (2 clients)."""
    sock, p = servers.start_allotd("allotd-rss")
    first, total = args.rss_requests // 10, args.rss_requests
    loadgen(sock, lines, 2, first // 2, 0)
    rss_first = proc_status(p.pid, "VmRSS")
    loadgen(sock, lines, 2, (total - first) // 2, 0)
    rss_total = proc_status(p.pid, "VmRSS")
    hwm = proc_status(p.pid, "VmHWM")
    servers.stop(p)
    return {"requests_first": first, "rss_after_first_bytes": rss_first, "requests_total": total,
            "rss_after_total_bytes": rss_total, "peak_rss_bytes": hwm,
            "growth_bytes": rss_total - rss_first}


def reproduce_time(allot):
    probe = subprocess.run([allot, "--help"], capture_output=True, text=True, cwd=ROOT)
    if " reproduce " not in probe.stdout:
        return {"skipped": "allot reproduce is not in this build"}
    # --check rebuilds every shipped model and compares instead of writing, so the bench changes no file.
    t0 = time.monotonic()
    r = subprocess.run([allot, "reproduce", "--check"], capture_output=True, text=True, cwd=ROOT)
    dt = time.monotonic() - t0
    out = {"seconds": round(dt, 2), "command": "allot reproduce --check", "check_ok": r.returncode == 0}
    if r.returncode != 0:
        out["note"] = " ".join((r.stderr or r.stdout).split())[-300:]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--allotd", required=True)
    ap.add_argument("--allot", required=True)
    ap.add_argument("--static-allotd")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--requests", type=int, default=20000, help="measured requests per client and repetition")
    ap.add_argument("--rss-requests", type=int, default=1_000_000)
    ap.add_argument("--min-chars", type=int, default=300)
    ap.add_argument("--json", default=os.path.join(OUT, "bench.json"))
    ap.add_argument("--command", default="Scripts/bench")
    ap.add_argument("--skip-reproduce", action="store_true")
    ap.add_argument("--busy", type=int, default=1, help="spinning processes during the second round-trip run "
                    "(0: skip it)")
    args = ap.parse_args()

    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="allot-bench-")
    result = {"command": args.command, "machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                       time.gmtime())}
    servers = None
    try:
        prompts = os.path.join(ROOT, "Models", "data", "gsm8k-cascade.jsonl")
        lines = os.path.join(work, "requests.ndjson")
        n = request_lines(prompts, lines, args.min_chars)
        sizes = [len(l.encode()) for l in open(lines, encoding="utf-8")]
        result["requests"] = {"distinct": n, "mean_line_bytes": round(sum(sizes) / len(sizes), 1),
                              "source": "GSM8K test prompts >= %d chars, with probe_agree" % args.min_chars}

        log("decision alone (allot bench-decision)")
        if " bench-decision " not in subprocess.run([args.allot, "--help"], capture_output=True, text=True).stdout:
            sys.exit("bench: `allot bench-decision` is not registered (add BenchDecision.self to Allot.swift)")
        synthetic = os.path.join(OUT, "bench-synthetic.allot")
        result["decision"] = run_json([args.allot, "bench-decision", "--json", "--write-synthetic", synthetic])
        log("trees alone: scalar vs vectorized (trees_simd)")
        result["trees_simd"] = run_json([os.path.join(TOOLS, "trees_simd")])
        log("load + verify of the reference model (allot bench-model)")
        result["bench_model"] = run_json([args.allot, "bench-model", "--json", "--rows", "2000"])

        default = os.path.join(ROOT, "Models", "default.allot")
        model = default if os.path.exists(default) else synthetic
        result["served_model"] = os.path.relpath(model, ROOT)
        allotd = args.static_allotd if args.static_allotd and os.path.exists(args.static_allotd) else args.allotd
        result["allotd_binary"] = os.path.relpath(allotd, ROOT)
        servers = Servers(allotd, model, work)
        log(f"round trips: {args.reps} interleaved repetitions, model {result['served_model']}")
        result["machine"]["load_average_before_round_trips"] = [round(x, 2) for x in os.getloadavg()]
        # The served model's in-process line (parse, decision, reply), rounded to 10 ns.
        served = next((d for d in result["decision"]["models"] if d["name"] == "default"),
                      result["decision"]["models"][-1])
        work_ns = int(round(served["line_ns"], -1))
        result["round_trip"], result["peak_rss_8_clients_bytes"] = round_trips(args, servers, lines, "quiet",
                                                                               work_ns)
        if args.busy > 0:
            with Busy(args.busy):
                result["round_trip_busy"], _ = round_trips(args, servers, lines, f"{args.busy} busy", work_ns)
            result["round_trip_busy"]["busy_processes"] = args.busy
        log(f"RSS growth over {args.rss_requests} requests")
        result["rss"] = rss_growth(args, servers, lines)
        if args.static_allotd and os.path.exists(args.static_allotd):
            result["binary"] = {"path": os.path.relpath(args.static_allotd, ROOT),
                                "bytes": os.path.getsize(args.static_allotd),
                                "file": subprocess.run(["file", "-b", args.static_allotd], capture_output=True,
                                                       text=True).stdout.strip()}
        else:
            result["binary"] = {"skipped": "no static build (Scripts/build-static failed)"}
        result["reproduce"] = {"skipped": "--skip-reproduce"} if args.skip_reproduce else reproduce_time(args.allot)
    finally:
        if servers:
            servers.stop_all()
        shutil.rmtree(work, ignore_errors=True)

    result["targets"] = evaluate(result)
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
    md = markdown(result)
    with open(os.path.splitext(args.json)[0] + ".md", "w") as f:  # the full table (docs/performance.md), beside the JSON
        f.write(md)
    print(md)


def evaluate(r):
    rt = r["round_trip"]
    checks = {
        "rtt_mean_ratio_1": (rt["1"]["ratio"]["mean_us"], "<="),
        "rtt_p99_ratio_1": (rt["1"]["ratio"]["p99_us"], "<="),
        "rps_ratio_2": (rt["2"]["ratio"]["rps"], ">="),
        **({"rtt_mean_ratio_1_busy": (r["round_trip_busy"]["1"]["ratio"]["mean_us"], "<="),
            "rtt_p99_ratio_1_busy": (r["round_trip_busy"]["1"]["ratio"]["p99_us"], "<="),
            "rps_ratio_2_busy": (r["round_trip_busy"]["2"]["ratio"]["rps"], ">=")} if "round_trip_busy" in r else {}),
        "decision_us": (max(m["decision_ns"] for m in r["decision"]["models"]) / 1000, "<="),
        "load_verify_ms": (max(m["load_verify_ms"] for m in r["decision"]["models"]), "<="),
        "rss_mb": (r["peak_rss_8_clients_bytes"] / 1e6, "<="),
    }
    if "bytes" in r["binary"]:
        checks["binary_mb"] = (r["binary"]["bytes"] / 1e6, "<=")
    # The same targets for the client that waits in poll, reported beside: the targets are the blocking client's.
    for data, cond in (("round_trip", ""), ("round_trip_busy", "_busy")):
        if "2 poll" in r.get(data, {}):
            one, two = r[data]["1 poll"]["ratio"], r[data]["2 poll"]["ratio"]
            checks[f"rtt_mean_ratio_1{cond}_poll"] = (one["mean_us"], "<=")
            checks[f"rtt_p99_ratio_1{cond}_poll"] = (one["p99_us"], "<=")
            checks[f"rps_ratio_2{cond}_poll"] = (two["rps"], ">=")
    out = {}
    for k, (v, op) in checks.items():
        t = TARGETS[k.removesuffix("_poll").removesuffix("_busy")]
        out[k] = {"value": round(v, 3), "target": t, "pass": v <= t if op == "<=" else v >= t}
    g = r["rss"]["growth_bytes"]
    out["rss_growth"] = {"value": g, "target": "no growth (< 64 KiB)", "pass": g < 65536}
    return out


def markdown(r):
    m, t, rt = r["machine"], r["targets"], r["round_trip"]
    ok = lambda k: "pass" if t[k]["pass"] else "**miss**"
    rows = ["| measure | allotd | echo floor | ratio (per-repetition range) | target | |", "|---|---|---|---|---|---|"]
    conditions = [("", "quiet", rt)]
    if "round_trip_busy" in r:
        b = r["round_trip_busy"]
        conditions.append(("_busy", f"{b['busy_processes']} core{'s' if b['busy_processes'] > 1 else ''} busy", b))
    for suffix, cond, data in conditions:
        for c in (c for c in ("1", "2", "8", "1 poll", "2 poll") if c in data):
            a, e, q = data[c]["allotd"], data[c]["echo"], data[c]["ratio"]
            n, _, wait = c.partition(" ")
            poll = "_poll" if wait else ""
            # the poll client's rows carry the targets in parentheses: the targets are judged on the blocking one
            mark = (lambda x: f"({x})") if wait else (lambda x: x)
            who = f"{n} client{'s' if n != '1' else ''}{' waiting in poll' if wait else ''}, {cond}"
            for key, label in (("mean_us", "mean"), ("p50_us", "p50"), ("p90_us", "p90"), ("p99_us", "p99"),
                               ("p999_us", "p99.9")):
                if key not in a:
                    continue  # a run saved before loadgen reported p90
                target, verdict = "", ""
                if n == "1" and key == "mean_us":
                    target, verdict = mark("≤ 1.15×"), ok("rtt_mean_ratio_1" + suffix + poll)
                if n == "1" and key == "p99_us":
                    target, verdict = mark("≤ 1.15×"), ok("rtt_p99_ratio_1" + suffix + poll)
                if key in ("p50_us", "p90_us", "p999_us") and (n != "1" or wait):
                    continue  # the 2- and 8-client medians and tails add little beside mean and p99
                ratio = ratio_cell(data[c], key) if target else f"{q[key]:.2f}×"
                rows.append(f"| round trip, {who}, {label} | {a[key]:.1f} µs | "
                            f"{e[key]:.1f} µs | {ratio} | {target} | {verdict} |")
            target, verdict = (mark("≥ 0.85×"), ok("rps_ratio_2" + suffix + poll)) if n == "2" else ("", "")
            ratio = ratio_cell(data[c], "rps") if target else f"{q['rps']:.2f}×"
            rows.append(f"| throughput, {who} | {a['rps']:,.0f} req/s | "
                        f"{e['rps']:,.0f} req/s | {ratio} | {target} | {verdict} |")
            if "echo_work" in data[c]:
                w, qw = data[c]["echo_work"], data[c]["ratio_to_echo_work"]
                rows.append(f"| throughput, {who}, against the floor spinning {w['work_ns'] / 1000:.2f} µs a line "
                            f"(allotd's in-process line) | {a['rps']:,.0f} req/s | {w['rps']:,.0f} req/s | "
                            f"{qw['rps']:.2f}× | | |")
            if "cpu_us" in a:
                rows.append(f"| server CPU per request, {who} (user + system) | {a['cpu_user_us']:.1f} + "
                            f"{a['cpu_system_us']:.1f} µs | {e['cpu_user_us']:.1f} + {e['cpu_system_us']:.1f} µs | "
                            f"{q['cpu_us']:.2f}× | | |")
            if "client_sleeps" in a:
                rows.append(f"| client CPU, idle CPU, client sleeps per request, {who} | "
                            f"{a['client_cpu_us']:.1f} µs, {a['idle_us']:.1f} µs, {a['client_sleeps']:.2f} | "
                            f"{e['client_cpu_us']:.1f} µs, "
                            f"{e['idle_us']:.1f} µs, {e['client_sleeps']:.2f} | | | |")
    for d in r["decision"]["models"]:
        rows.append(f"| decision alone, {d['name']} ({d['trees']} trees) | {d['decision_ns'] / 1000:.2f} µs | | | "
                    f"≤ 2 µs | {'pass' if d['decision_ns'] <= 2000 else '**miss**'} |")
        rows.append(f"| decision + JSON parse + reply, in process | {d['line_ns'] / 1000:.2f} µs | | | | |")
        rows.append(f"| load + verify, {d['name']} ({d['file_bytes']:,} B{', signature checked' if d['signature_checked'] else ''}) | "
                    f"{d['load_verify_ms']:.2f} ms | | | ≤ 5 ms | "
                    f"{'pass' if d['load_verify_ms'] <= 5 else '**miss**'} |")
    ts = r["trees_simd"]
    if ts["simd_ns"] > 0:
        rows.append(f"| trees alone, 5×200×6 in C: scalar (`ModelEvaluator` layout) → SSSE3 `pshufb` | "
                    f"{ts['scalar_ns'] / 1000:.2f} → {ts['simd_ns'] / 1000:.2f} µs | | | | |")
    bm = r["bench_model"]
    rows.append(f"| load + verify, `allot bench-model` {bm['actions']}×{bm['trees']}×{bm['depth']} "
                f"({bm['file_bytes']:,} B, {bm['leaf_bits']}-bit), wall clock | {bm['load_verify_ms']:.2f} ms "
                f"| | | (CPU time above) | |")
    if "bytes" in r["binary"]:
        rows.append(f"| binary (static, stripped) | {r['binary']['bytes'] / 1e6:.2f} MB | | | ≤ 8 MB | "
                    f"{ok('binary_mb')} |")
    rows.append(f"| peak RSS, 8 clients | {r['peak_rss_8_clients_bytes'] / 1e6:.2f} MB | | | ≤ 8 MB | "
                f"{ok('rss_mb')} |")
    s = r["rss"]
    rows.append(f"| RSS after {s['requests_first']:,} → {s['requests_total']:,} requests | "
                f"{s['rss_after_first_bytes'] / 1e6:.2f} → {s['rss_after_total_bytes'] / 1e6:.2f} MB | | | "
                f"no growth | {ok('rss_growth')} |")
    rp = r["reproduce"]
    if "seconds" in rp:
        verdict = "" if rp["check_ok"] else "(differs from the committed models)"
        rows.append(f"| training time, `allot reproduce --check` (every shipped model) | {rp['seconds']:.1f} s "
                    f"{verdict} | | | | |")
    else:
        rows.append(f"| training time, `allot reproduce` | skipped: {rp['skipped']} | | | | |")
    before = m.get("load_average_before_round_trips")
    head = (f"Machine: {m['nproc']} cores, {m['cpu']}, Linux {m['kernel']} (load average at start "
            f"{', '.join(str(x) for x in m['load_average_at_start'])}"
            + (f"; before the round trips {', '.join(str(x) for x in before)}" if before else "")
            + f"). Command: `{r['command']}`. "
            f"Served model: `{r['served_model']}` by `{r['allotd_binary']}`; requests: {r['requests']['distinct']} "
            f"GSM8K prompts, mean line {r['requests']['mean_line_bytes']:.0f} bytes.\n\n")
    return head + "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
