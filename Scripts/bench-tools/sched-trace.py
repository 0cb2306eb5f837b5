#!/usr/bin/env python3
"""Where the context switches of a round trip come from: each server under the load client while perf records the
scheduler's switch and wake-up tracepoints with kernel call chains, then, per request:

  sleeps            times the client and the server blocked (switched out asleep)
  preempted         times the server was switched out still runnable for its client, and the other way round
  client woken by   the server taking the request off the socket (write space, in recv) or by its reply (in send)
  server woken by   the client taking the reply (write space, in recv) or by its next request (in send)
  and the share of those wake-ups that placed the woken task on the waker's own core.

A Unix socket signals write space on the queue its owner sleeps on, so taking a request off the socket wakes a
client blocked in recv for the reply; whether it then finds the reply or sleeps again is what the counts show
(docs/performance.md, "Why a little work costs a lot"). Needs perf and permission to trace the whole machine.
Run after Scripts/bench (which builds out/allotd and out/bench-tools/):

    python3 Scripts/bench-tools/sched-trace.py [--clients 2] [--requests 5000] [--work-ns 1100] [--uring] [--busy N]
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (request_lines, Servers, Busy, TOOLS)

HEADER = re.compile(r"^\s*(\S.*?)\s+(\d+)\s+\[(\d+)\]\s+(sched:sched_\w+):\s+(.*)$")


def record(sock, lines, clients, requests, out):
    """perf script text of one loadgen run against sock (the server must already be warm)."""
    data = out + ".data"
    subprocess.run(["perf", "record", "-q", "-g", "-a", "-o", data, "-e", "sched:sched_switch", "-e",
                    "sched:sched_wakeup", "--", os.path.join(bench.TOOLS, "loadgen"), sock, lines, str(clients),
                    str(requests), "200"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    text = subprocess.run(["perf", "script", "-i", data, "-F", "comm,tid,cpu,event,trace,ip,sym"], check=True,
                          capture_output=True, text=True).stdout
    os.unlink(data)
    return text


def count(text, server_comms):
    c = collections.Counter()

    def role(comm):
        return "client" if comm == "loadgen" else "server" if comm in server_comms else None

    for block in text.split("\n\n"):
        lines = block.strip().split("\n")
        m = HEADER.match(lines[0]) if lines and lines[0] else None
        if not m:
            continue
        comm, _, cpu, event, detail = m.groups()
        syms = [line.split()[-1] for line in lines[1:] if line.split()]
        if event == "sched:sched_switch":
            prev = role(re.search(r"prev_comm=(.*?) prev_pid", detail).group(1))
            nxt = role(re.search(r"next_comm=(.*?) next_pid", detail).group(1))
            state = re.search(r"prev_state=(\S+)", detail).group(1)
            if prev and state.startswith(("S", "D")):
                c[f"{prev} sleeps"] += 1
            elif prev and nxt and prev != nxt and state.startswith("R"):
                c[f"{prev} preempted by {nxt}"] += 1
        else:
            wakee = role(re.search(r"comm=(.*?) pid=", detail).group(1))
            waker = role(comm)
            if wakee and waker and wakee != waker:
                how = ("taking" if "unix_write_space" in syms else "sending" if "sock_def_readable" in syms
                       else "other")
                c[f"{wakee} woken by {waker} {how}"] += 1
                c["wake-ups"] += 1
                c["on the waker's core"] += int(re.search(r"target_cpu=(\d+)", detail).group(1)) == int(cpu)
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--requests", type=int, default=5000, help="per client")
    ap.add_argument("--work-ns", type=int, default=1100, help="the floor's work per line (0: skip that server)")
    ap.add_argument("--uring", action="store_true", help="also echo_server's uring mode, with that work")
    ap.add_argument("--busy", type=int, default=0)
    ap.add_argument("--allotd", default=os.path.join(bench.ROOT, "out", "allotd"))
    a = ap.parse_args()
    if not shutil.which("perf"):
        sys.exit("sched-trace: needs perf (linux-perf)")
    work = tempfile.mkdtemp(prefix="allot-sched-trace-")
    lines = os.path.join(work, "requests.ndjson")
    bench.request_lines(os.path.join(bench.ROOT, "Models", "data", "gsm8k-cascade.jsonl"), lines, 300)
    servers = bench.Servers(a.allotd, os.path.join(bench.ROOT, "Models", "default.allot"), work)
    results = {}
    try:
        plan = [("echo", servers.start_echo()[0], {"echo_server"})]
        if a.work_ns:
            plan.append((f"echo + {a.work_ns / 1000:.1f} µs", servers.start_echo(a.work_ns)[0], {"echo_server"}))
            if a.uring:
                plan.append((f"uring + {a.work_ns / 1000:.1f} µs", servers.start_echo(a.work_ns, "uring")[0],
                             {"echo_server"}))
        plan.append(("allotd", servers.start_allotd()[0], {"allotd"}))
        with bench.Busy(a.busy):
            for name, sock, comms in plan:
                bench.loadgen(sock, lines, a.clients, 2000, 200)  # warm up
                results[name] = count(record(sock, lines, a.clients, a.requests, os.path.join(work, "trace")),
                                      comms)
    finally:
        servers.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    n = a.clients * (a.requests + 200)
    keys = ["client sleeps", "server sleeps", "server preempted by client", "client preempted by server",
            "client woken by server taking", "client woken by server sending", "server woken by client taking",
            "server woken by client sending"]
    print(f"{a.clients} clients, {a.busy} busy, {a.requests} requests per client under perf; per request:")
    print(f"{'':32s}" + "".join(f"{name:>16s}" for name in results))
    for k in keys:
        print(f"{k:32s}" + "".join(f"{results[name][k] / n:16.2f}" for name in results))
    same = "on the waker's core"
    print(f"{'wake-ups on the waker core, share':32s}"
          + "".join(f"{results[name][same] / max(1, results[name]['wake-ups']):16.2f}" for name in results))


if __name__ == "__main__":
    main()
