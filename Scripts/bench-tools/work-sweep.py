#!/usr/bin/env python3
"""What a little work per request does to the floor: the C echo server spinning 0, 0.5, 1.0, 1.5 µs (or
--work-ns ...) of CPU per line, and allotd on the default model, driven by the same load client with N clients
in interleaved repetitions. Prints each server's median throughput, its ratio to the plain floor (of the medians,
and the median and range of the per-repetition ratios), and the client's voluntary and involuntary context
switches per request (getrusage of the exited loadgen), the client's and the server's CPU per request (totals over
the repetitions), then the round trip's mean and percentiles. `--busy N`
runs N spinning processes meanwhile; `--batch` and `--uring` add the floor in echo_server's batch and uring modes
(docs/performance.md, "Why a little work costs a lot"); `--also BINARY` runs another allotd build beside
out/allotd (the one before a change); `--also-flags "FLAGS"` runs out/allotd again with other flags.

Run after Scripts/bench (which builds out/allotd and out/bench-tools/):

    python3 Scripts/bench-tools/work-sweep.py [--clients 2] [--reps 6] [--requests 40000] [--work-ns 500,1000,1500]
        [--busy N] [--batch] [--uring] [--wait recv|poll] [--also OTHER_ALLOTD ...] [--also-flags FLAGS ...]
"""
import argparse
import collections
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (request_lines, Servers, Busy, loadgen, children_usage, paired_ratios)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--reps", type=int, default=6)
    ap.add_argument("--requests", type=int, default=40000, help="per client and repetition")
    ap.add_argument("--work-ns", default="500,1000,1500")
    ap.add_argument("--uring", action="store_true",
                    help="also the floor that answers and takes the request in one io_uring_enter (echo_server's "
                         "uring mode), plain and with each work")
    ap.add_argument("--batch", action="store_true",
                    help="also the floor that takes requests off the socket in batches as allotd does (echo_server's "
                         "batch mode), plain and with each work")
    ap.add_argument("--batch-uring", action="store_true",
                    help="also the floor in batches whose last reply and take go in one io_uring_enter (echo_server's "
                         "batch-uring mode), plain and with each work")
    ap.add_argument("--wait", choices=["recv", "poll"], default="recv",
                    help="how the load client waits for a reply: blocked in recv (default) or in poll(POLLIN)")
    ap.add_argument("--busy", type=int, default=0, help="processes spinning on the CPU meanwhile (default 0)")
    ap.add_argument("--allotd", default=os.path.join(bench.ROOT, "out", "allotd"))
    ap.add_argument("--also", action="append", default=[], metavar="BINARY",
                    help="another allotd build to run beside it (repeatable), e.g. the one before a change")
    ap.add_argument("--also-flags", action="append", default=[], metavar="FLAGS",
                    help="out/allotd again with these flags (repeatable), e.g. \"--take-batch 0\"")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="allot-work-sweep-")
    lines = os.path.join(work, "requests.ndjson")
    bench.request_lines(os.path.join(bench.ROOT, "Models", "data", "gsm8k-cascade.jsonl"), lines, 300)
    servers = bench.Servers(a.allotd, os.path.join(bench.ROOT, "Models", "default.allot"), work)
    try:
        started = {"echo": servers.start_echo()}
        works = [int(x) for x in a.work_ns.split(",") if x]
        # Two decimals: works 50 ns apart must not share a label (and so a row).
        label = lambda w: f"{w / 1000:.2f} µs"
        for w in works:
            started[f"echo + {label(w)}"] = servers.start_echo(w)
        for mode in ["batch"] * a.batch + ["uring"] * a.uring + ["batch-uring"] * a.batch_uring:
            for w in [0] + works:
                started[f"{mode} + {label(w)}"] = servers.start_echo(w, mode)
        started["allotd"] = servers.start_allotd()
        for i, other in enumerate(a.also):
            started[f"allotd {os.path.basename(other)}"] = servers.start_allotd(f"also-{i}", other)
        for i, flags in enumerate(a.also_flags):
            started[f"allotd {flags}"] = servers.start_allotd(f"flags-{i}", None, flags.split())
        socks = {name: sock for name, (sock, _) in started.items()}
        runs = collections.defaultdict(list)
        with bench.Busy(a.busy):
            for rep in range(a.reps):
                order = list(socks.items()) if rep % 2 == 0 else list(reversed(socks.items()))
                for name, sock in order:
                    c0, v0, iv0 = bench.children_usage()
                    s0 = sum(bench.cpu_seconds(started[name][1].pid))
                    out = bench.loadgen(sock, lines, a.clients, a.requests, 1000, a.wait)
                    c1, v1, iv1 = bench.children_usage()
                    s1 = sum(bench.cpu_seconds(started[name][1].pid))
                    n = a.clients * (a.requests + 1000)
                    out["vcsw"], out["ivcsw"] = (v1 - v0) / n, (iv1 - iv0) / n
                    out["client_cpu"], out["server_cpu"] = c1 - c0, s1 - s0
                    out["answered"] = n
                    runs[name].append(out)
    finally:
        servers.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    floor = statistics.median(r["rps"] for r in runs["echo"])
    # CPU as totals over the repetitions (the server's is counted in 10 ms ticks), per request answered.
    per_request = lambda rs, key: sum(r[key] for r in rs) / sum(r["answered"] for r in rs) * 1e6
    print(f"{a.clients} clients waiting in {a.wait}, {a.busy} busy, {a.reps} interleaved repetitions of "
          f"{a.requests} requests each, medians:")
    print(f"{'server':28s} {'req/s':>9s} {'vs floor':>9s} {'per repetition':>18s} {'client vcsw/req':>16s} "
          f"{'ivcsw/req':>10s} {'CPU µs/req: client':>18s} {'server':>7s}")
    for name, rs in runs.items():
        rps = statistics.median(r["rps"] for r in rs)
        median, (lo, hi) = (x["rps"] for x in bench.paired_ratios(list(zip(rs, runs["echo"])), ("rps",)))
        spread = f"{median:.2f} ({lo:.2f}-{hi:.2f})"
        print(f"{name:28s} {rps:9.0f} {rps / floor:8.2f}× {spread:>18s} "
              f"{statistics.median(r['vcsw'] for r in rs):16.2f} {statistics.median(r['ivcsw'] for r in rs):10.2f} "
              f"{per_request(rs, 'client_cpu'):18.2f} {per_request(rs, 'server_cpu'):7.2f}")
    keys = ("mean_us", "p50_us", "p90_us", "p99_us", "p999_us")
    print("round trip, µs (medians over the repetitions):")
    print(f"{'server':28s} " + " ".join(f"{k[:-3]:>7s}" for k in keys))
    for name, rs in runs.items():
        print(f"{name:28s} " + " ".join(f"{statistics.median(r[k] for r in rs):7.1f}" for k in keys))


if __name__ == "__main__":
    main()
