#!/usr/bin/env python3
"""Start-to-first-answer of allotd: exec, then connect and send `hello` in a tight loop until it answers.

    Scripts/bench-tools/startup.py [--allotd out/allotd] [--model Models/default.allot] [--runs 30]

Prints the median and max over the runs (ms), and the RSS of the serving process after its first answer.
"""
import argparse, json, os, socket, statistics, subprocess, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--allotd", default="out/allotd")
ap.add_argument("--model", default="Models/default.allot")
ap.add_argument("--runs", type=int, default=30)
ap.add_argument("--json", action="store_true")
ap.add_argument("--floor", help="instead, time this echo server (echo_server SOCKET): the same exec/connect/"
                "first-reply path with no model to load, i.e. what the measurement itself costs")
a = ap.parse_args()
times, rss = [], []
with tempfile.TemporaryDirectory() as d:
    sock = os.path.join(d, "s.sock")
    for _ in range(a.runs):
        t0 = time.perf_counter()
        argv = [a.floor, sock] if a.floor else [a.allotd, "--model", a.model, "--socket", sock]
        p = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
        while True:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(sock)
                s.sendall(b'{"op":"hello"}\n')
                reply = s.makefile().readline()
                s.close()
                if (a.floor and reply) or '"ok":true' in reply:
                    break
            except OSError:
                pass
        times.append((time.perf_counter() - t0) * 1000)
        with open(f"/proc/{p.pid}/status") as f:
            rss += [int(l.split()[1]) for l in f if l.startswith("VmRSS")]
        p.terminate()
        p.wait()
        if os.path.exists(sock):
            os.unlink(sock)
out = {"runs": a.runs, "start_to_first_answer_ms_median": statistics.median(times),
       "start_to_first_answer_ms_max": max(times), "rss_kb_after_first_answer_median": statistics.median(rss)}
print(json.dumps(out) if a.json else "\n".join(f"{k}: {v:.2f}" if isinstance(v, float) else f"{k}: {v}" for k, v in out.items()))
