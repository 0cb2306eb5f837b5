#!/usr/bin/env python3
"""What a little work per request does to the floor: the C echo server spinning 0, 0.5, 1.0, 1.5 µs (or
--work-ns ...) of CPU per line, and allotd on the default model, driven by the same load client with N clients
in interleaved repetitions. Prints each server's median throughput, its ratio to the plain floor, and the
client's voluntary and involuntary context switches per request (getrusage of the exited loadgen).

Run after Scripts/bench (which builds out/allotd and out/bench-tools/):

    python3 Scripts/bench-tools/work-sweep.py [--clients 2] [--reps 6] [--requests 40000] [--work-ns 500,1000,1500]
"""
import argparse
import collections
import os
import resource
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (request_lines, Servers, loadgen)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--reps", type=int, default=6)
    ap.add_argument("--requests", type=int, default=40000, help="per client and repetition")
    ap.add_argument("--work-ns", default="500,1000,1500")
    ap.add_argument("--allotd", default=os.path.join(bench.ROOT, "out", "allotd"))
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="allot-work-sweep-")
    lines = os.path.join(work, "requests.ndjson")
    bench.request_lines(os.path.join(bench.ROOT, "Models", "data", "gsm8k-cascade.jsonl"), lines, 300)
    servers = bench.Servers(a.allotd, os.path.join(bench.ROOT, "Models", "default.allot"), work)
    try:
        socks = {"echo": servers.start_echo()[0]}
        for w in (int(x) for x in a.work_ns.split(",") if x):
            socks[f"echo + {w / 1000:.1f} µs"] = servers.start_echo(w)[0]
        socks["allotd"] = servers.start_allotd()[0]
        runs = collections.defaultdict(list)
        for rep in range(a.reps):
            order = list(socks.items()) if rep % 2 == 0 else list(reversed(socks.items()))
            for name, sock in order:
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                out = bench.loadgen(sock, lines, a.clients, a.requests, 1000)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                n = a.clients * (a.requests + 1000)
                runs[name].append((out["rps"], (r1.ru_nvcsw - r0.ru_nvcsw) / n, (r1.ru_nivcsw - r0.ru_nivcsw) / n))
    finally:
        servers.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    floor = statistics.median(r[0] for r in runs["echo"])
    print(f"{a.clients} clients, {a.reps} interleaved repetitions of {a.requests} requests each, medians:")
    print(f"{'server':16s} {'req/s':>9s} {'vs floor':>9s} {'client vcsw/req':>16s} {'ivcsw/req':>10s}")
    for name, rs in runs.items():
        rps = statistics.median(r[0] for r in rs)
        print(f"{name:16s} {rps:9.0f} {rps / floor:8.2f}× {statistics.median(r[1] for r in rs):16.2f} "
              f"{statistics.median(r[2] for r in rs):10.2f}")


if __name__ == "__main__":
    main()
