#!/usr/bin/env python3
"""A stand-in for llama-server and Ollama: the same HTTP APIs, deterministic fake answers, real-looking token
counts. For tests and demos without a GPU or a model download.

    standin_server.py [--port 0] [--answer 42] [--p-wrong 0.3] [--model qwen2.5:1.5b ...]

Serves on 127.0.0.1 (port 0: a free one, printed):
  POST /completion            llama-server: prompt, n_predict, temperature, seed -> content, tokens_predicted,
                              tokens_evaluated, timings, generation_settings
  POST /v1/chat/completions   OpenAI-style: messages, max_tokens, temperature, seed -> choices, usage
  POST /api/generate          Ollama: model, prompt, stream, options {num_predict, temperature, seed}
                              -> response, prompt_eval_count, eval_count (streamed as NDJSON unless stream:false)
  GET  /health, /v1/models, /api/tags
At temperature 0 the answer is `answer` (or, with --greedy-wrong P, wrong for a fraction P of prompts); above it,
each (prompt, seed) is wrong with probability `p_wrong` (off by 1 to 3), the same way every time. Standard library
only.
"""
import argparse
import hashlib
import http.server
import json
import random
import re
import sys
import threading
import time

_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text):
    """A rough tokenizer: words and punctuation marks (real BPE counts are within a small factor)."""
    return len(_TOKEN.findall(text))


class StandinServer:
    """An in-process stand-in server. `requests` records (path, body) of every POST, in arrival order."""

    def __init__(self, answer="42", p_wrong=0.3, models=None, name="standin", port=0, greedy_wrong=0.0):
        self.answer = answer
        self.p_wrong = p_wrong
        # Chance that a greedy answer is wrong: one number, or {model: chance} (others: 0), so the small models
        # of a probe cascade can disagree.
        self.greedy_wrong = greedy_wrong
        self.models = set(models) if models else None
        self.name = name
        self.requests = []
        self.lock = threading.Lock()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, name=f"standin-{self.name}", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def posts(self, path=None):
        with self.lock:
            return [b for p, b in self.requests if path is None or p == path]

    def generate(self, prompt, model, max_tokens, temperature, seed):
        """The fake completion: (text, prompt_tokens, completion_tokens, stop_reason)."""
        key = f"{self.name}|{model}|{prompt}|{seed}|{temperature:.4f}".encode()
        rng = random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))
        answer = self.answer
        gw = self.greedy_wrong.get(model, 0.0) if isinstance(self.greedy_wrong, dict) else self.greedy_wrong
        if rng.random() < (self.p_wrong if temperature > 0 else gw):
            try:
                answer = str(int(answer) + rng.choice((-3, -2, -1, 1, 2, 3)))
            except ValueError:
                answer = answer + "?"
        words = [w for w in re.findall(r"[A-Za-z]+", prompt)][:12] or ["the", "question"]
        steps = [f"Step {i + 1}: consider {rng.choice(words)} and {rng.choice(words)}." for i in
                 range(rng.randint(1, 4))]
        text = " ".join(["Let's think step by step."] + steps + [f"So the answer is {answer}."])
        tokens = _TOKEN.findall(text)
        stop = "eos"
        if max_tokens is not None and 0 <= max_tokens < len(tokens):
            # Cut at the budget, like a real server: the answer may be lost.
            text, stop = _prefix_of(text, max_tokens), "limit"
            tokens = tokens[:max_tokens]
        return text, count_tokens(prompt) + 1, len(tokens), stop  # +1: the BOS token


def _prefix_of(text, n):
    ends = [m.end() for m in _TOKEN.finditer(text)]
    return text[: ends[n - 1]] if n > 0 else ""


def _num(body, key, default, kind=float):
    v = body.get(key, default)
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"{key!r} must be a number")
    return kind(v)


def _handler(server):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def send_json(self, status, obj):
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/health":
                self.send_json(200, {"status": "ok"})
            elif self.path == "/v1/models":
                names = sorted(server.models or {server.name})
                self.send_json(200, {"object": "list", "data": [{"id": n, "object": "model"} for n in names]})
            elif self.path == "/api/tags":
                self.send_json(200, {"models": [{"name": n, "model": n} for n in sorted(server.models or [])]})
            else:
                self.send_json(404, {"error": f"no route {self.path}"})

        def do_POST(self):
            try:
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"null")
                if not isinstance(body, dict):
                    raise ValueError("the body must be a JSON object")
            except ValueError as e:
                return self.send_json(400, {"error": {"code": 400, "message": f"bad JSON: {e}",
                                                      "type": "invalid_request_error"}})
            with server.lock:
                server.requests.append((self.path, body))
            routes = {"/completion": self.completion, "/completions": self.completion,
                      "/v1/chat/completions": self.chat, "/api/generate": self.ollama}
            route = routes.get(self.path)
            if route is None:
                return self.send_json(404, {"error": f"no route {self.path}"})
            try:
                route(body)
            except ValueError as e:
                self.send_json(400, {"error": {"code": 400, "message": str(e), "type": "invalid_request_error"}})

        def completion(self, body):
            prompt = body.get("prompt")
            if not isinstance(prompt, str):
                raise ValueError("'prompt' must be a string")
            n_predict = _num(body, "n_predict", -1, int)
            temperature = _num(body, "temperature", 0.8)
            seed = _num(body, "seed", 4294967295, int)
            t0 = time.perf_counter()
            text, p, c, stop = server.generate(prompt, None, n_predict, temperature, seed)
            ms = (time.perf_counter() - t0) * 1000 + 0.001
            self.send_json(200, {
                "content": text, "id_slot": 0, "stop": True, "model": server.name,
                "tokens_predicted": c, "tokens_evaluated": p, "tokens_cached": p + c - 1,
                "generation_settings": {"n_predict": n_predict, "temperature": temperature, "seed": seed},
                "prompt": prompt, "truncated": False, "stopped_eos": stop == "eos",
                "stopped_limit": stop == "limit", "stopped_word": False, "stopping_word": "",
                "stop_type": "eos" if stop == "eos" else "limit",
                "timings": {"prompt_n": p, "prompt_ms": ms / 2, "predicted_n": c, "predicted_ms": ms / 2,
                            "prompt_per_second": p / ms * 2000, "predicted_per_second": c / ms * 2000},
            })

        def chat(self, body):
            messages = body.get("messages")
            if not isinstance(messages, list) or not messages:
                raise ValueError("'messages' must be a non-empty array")
            prompt = "\n".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))
            max_tokens = _num(body, "max_tokens", -1, int)
            text, p, c, stop = server.generate(prompt, None, max_tokens, _num(body, "temperature", 1.0),
                                               _num(body, "seed", 0, int))
            p += 4 * len(messages)  # the chat template's role markers
            self.send_json(200, {
                "id": f"chatcmpl-{hashlib.sha1(text.encode()).hexdigest()[:12]}", "object": "chat.completion",
                "created": int(time.time()), "model": body.get("model") or server.name,
                "choices": [{"index": 0, "finish_reason": "stop" if stop == "eos" else "length",
                             "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
            })

        def ollama(self, body):
            model = body.get("model")
            if not isinstance(model, str) or not model:
                raise ValueError("model is required")
            if server.models is not None and model not in server.models:
                return self.send_json(404, {"error": f"model '{model}' not found"})
            prompt = body.get("prompt", "")
            options = body.get("options") or {}
            if not isinstance(prompt, str) or not isinstance(options, dict):
                raise ValueError("'prompt' must be a string and 'options' an object")
            t0 = time.perf_counter_ns()
            text, p, c, stop = server.generate(prompt, model, _num(options, "num_predict", -1, int),
                                               _num(options, "temperature", 0.8), _num(options, "seed", 0, int))
            ns = time.perf_counter_ns() - t0 + 1000
            final = {"model": model, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                     "done": True, "done_reason": "stop" if stop == "eos" else "length",
                     "total_duration": ns, "load_duration": 0, "prompt_eval_count": p,
                     "prompt_eval_duration": ns // 2, "eval_count": c, "eval_duration": ns // 2}
            if body.get("stream", True) is False:
                return self.send_json(200, {**final, "response": text})
            # Ollama streams by default: one NDJSON object per chunk, the counts on the last.
            chunks = [text[i:i + 16] for i in range(0, len(text), 16)]
            lines = [json.dumps({"model": model, "response": ch, "done": False}) for ch in chunks]
            lines.append(json.dumps({**final, "response": ""}))
            data = ("\n".join(lines) + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main():
    ap = argparse.ArgumentParser(description="Stand-in llama-server / Ollama for tests and demos.")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    ap.add_argument("--answer", default="42", help="the right answer (default 42)")
    ap.add_argument("--p-wrong", type=float, default=0.3, help="chance a sample above temperature 0 is wrong")
    ap.add_argument("--greedy-wrong", type=float, default=0.0, help="chance a greedy answer is wrong (default 0)")
    ap.add_argument("--model", action="append", default=[], help="Ollama models it knows (default: any)")
    args = ap.parse_args()
    server = StandinServer(args.answer, args.p_wrong, args.model or None, port=args.port,
                           greedy_wrong=args.greedy_wrong)
    print(f"standin: listening on {server.url}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
