#!/usr/bin/env python3
"""A small allotd client (standard library only): route a prompt, then report what it really cost.

    from allot_client import AllotClient
    with AllotClient("./allotd.sock") as c:
        d = c.route("How many eggs ...?", signals={"probe_agree": 1})
        ...run what d["params"] says...
        c.report(d["ticket"], cost=used)

As a command:  Scripts/allot_client.py [--socket PATH] route "prompt text"  |  stats  |  hello
"""
import argparse
import json
import os
import socket
import sys


class AllotError(Exception):
    """An error reply from allotd (`code` is one of docs/protocol.md's codes), or a client-side failure to talk
    to it: `connect` (no daemon at the path), `closed` (it hung up), `timeout`, `bad_reply` (not a JSON object)."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def default_socket():
    run = os.environ.get("XDG_RUNTIME_DIR")
    return os.path.join(run, "allotd.sock") if run else "./allotd.sock"


class AllotClient:
    """One connection to allotd; requests are answered in order, one JSON object per line.

    allotd closes a connection that stays idle for its `--idle-timeout` (60 s by default), which a runtime
    sampling a long answer between `route` and `report` can easily exceed. So when the daemon has hung up
    (end of stream, reset, broken pipe) a request is sent again once on a fresh connection; with
    `reconnect=False` it fails with `closed` instead. A request allotd has answered is never sent twice."""

    def __init__(self, path=None, timeout=10.0, reconnect=True):
        self.path = path or default_socket()
        self.timeout = timeout
        self.reconnect = reconnect
        self.sock = None
        self._connect()
        self.next_id = 1

    def _connect(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.buf = b""
        try:
            self.sock.connect(self.path)
        except OSError as e:
            self.sock.close()
            why = e.strerror or str(e)
            raise AllotError("connect", f"cannot connect to allotd at {self.path}: {why} (is allotd running?)") from e

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def call(self, op, **fields):
        req = {"op": op, "id": self.next_id, **{k: v for k, v in fields.items() if v is not None}}
        self.next_id += 1
        line = json.dumps(req, separators=(",", ":")).encode() + b"\n"
        try:
            reply = self._exchange(op, line)
        except AllotError as e:
            if e.code != "closed" or not self.reconnect:
                raise
            self._connect()
            reply = self._exchange(op, line)
        if not reply.get("ok"):
            err = reply.get("error", {})
            err = err if isinstance(err, dict) else {}
            raise AllotError(err.get("code", "internal"), err.get("message", ""))
        return reply

    def _exchange(self, op, line):
        try:
            self.sock.sendall(line)
            while b"\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise AllotError("closed", f"allotd at {self.path} closed the connection")
                self.buf += chunk
        except socket.timeout as e:
            raise AllotError("timeout", f"no reply from allotd at {self.path} to {op!r}") from e
        except OSError as e:
            raise AllotError("closed", f"lost the connection to allotd at {self.path}: {e}") from e
        reply_line, self.buf = self.buf.split(b"\n", 1)
        try:
            reply = json.loads(reply_line)
        except ValueError as e:
            raise AllotError("bad_reply", f"allotd sent a line that is not JSON: {reply_line[:200]!r}") from e
        if not isinstance(reply, dict):
            raise AllotError("bad_reply", f"allotd sent a line that is not a JSON object: {reply_line[:200]!r}")
        return reply

    def hello(self):
        return self.call("hello")

    def route(self, text=None, signals=None, explain=False):
        return self.call("route", text=text, signals=signals, explain=explain or None)

    def report(self, ticket, cost):
        return self.call("report", ticket=ticket, cost=cost)

    def stats(self):
        return self.call("stats")


def main():
    ap = argparse.ArgumentParser(description="Talk to allotd over its Unix socket.")
    ap.add_argument("--socket", default=default_socket())
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("route", help="route a prompt and print the decision")
    r.add_argument("text")
    r.add_argument("--signal", action="append", default=[], help="name=value (repeatable)")
    r.add_argument("--explain", action="store_true")
    sub.add_parser("stats")
    sub.add_parser("hello")
    rep = sub.add_parser("report", help="settle a ticket's actual cost")
    rep.add_argument("ticket")
    rep.add_argument("cost", type=float)
    args = ap.parse_args()
    signals = None
    if args.cmd == "route":
        try:
            signals = {k: float(v) for k, v in (s.split("=", 1) for s in args.signal)} or None
        except ValueError:
            ap.error(f"--signal needs name=number, got {args.signal}")
    with AllotClient(args.socket) as c:
        if args.cmd == "route":
            out = c.route(args.text, signals, args.explain)
        elif args.cmd == "report":
            out = c.report(args.ticket, args.cost)
        else:
            out = c.call(args.cmd)
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    try:
        main()
    except AllotError as e:
        print(f"allot_client: {e}", file=sys.stderr)
        sys.exit(1)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
