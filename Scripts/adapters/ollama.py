#!/usr/bin/env python3
"""Run a prompt on Ollama the way allotd decides, and report the tokens used.

    ollama.py --socket ./allotd.sock --url http://127.0.0.1:11434 --model qwen2.5:1.5b "Janet's ducks lay..."

Prints the answer text, then one JSON line: the action, its params, the votes, tokens and the reported cost.
An action's params may name a `model` (an Ollama tag such as `qwen2.5:7b`); otherwise `--model` is used.
Standard library only.
"""
import sys

import common


class OllamaBackend:
    """Ollama's `POST /api/generate` with `stream: false` and `options` {`num_predict`, `temperature`, `seed`};
    the reply has `response`, `prompt_eval_count` and `eval_count`. Ollama leaves `prompt_eval_count` out
    when the whole prompt came from its cache: that counts as 0 prompt tokens, which is what was computed."""

    def __init__(self, url, default_model=None, timeout=300.0, keep_alive=None):
        self.url = url.rstrip("/")
        self.default_model = default_model
        self.timeout = timeout
        self.keep_alive = keep_alive

    def check_model(self, model):
        if not model:
            raise common.AdapterError("usage", "the action names no model: pass --model (an Ollama model tag)")

    def generate(self, prompt, model, max_tokens, temperature, seed):
        url = self.url + "/api/generate"
        body = {"model": model, "prompt": prompt, "stream": False,
                "options": {"num_predict": max_tokens, "temperature": temperature, "seed": seed}}
        if self.keep_alive is not None:
            body["keep_alive"] = self.keep_alive
        reply = common.post_json(url, body, self.timeout)
        if reply.get("error"):
            raise common.AdapterError("backend", f"{url}: {reply['error']}")
        text = reply.get("response")
        if not isinstance(text, str):
            raise common.AdapterError("backend", f"{url}: no 'response' string in the reply")
        return common.Completion(text, common.tokens_field(reply, "prompt_eval_count", url),
                                 common.tokens_field(reply, "eval_count", url))


def main(argv=None):
    ap = common.base_parser(__doc__.split("\n\n")[0], "http://127.0.0.1:11434")
    ap.add_argument("--keep-alive", default=None, help="Ollama keep_alive for the model (e.g. 5m)")
    return common.run_cli(ap, lambda a: OllamaBackend(a.url, a.model, a.timeout, a.keep_alive), argv)


if __name__ == "__main__":
    sys.exit(main())
