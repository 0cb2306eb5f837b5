#!/usr/bin/env python3
"""Run a prompt on Ollama the way allotd decides, and report the tokens used.

    ollama.py --socket ./allotd.sock --url http://127.0.0.1:11434 --model qwen2.5:1.5b "Janet's ducks lay..."

Prints the answer text, then one JSON line: the action, its params, the votes, tokens and the reported cost.
An action's params may name a `model` (or probe/escalate models): an Ollama tag such as `qwen2.5:7b`, or a name
that `--map NAME=TAG` (repeatable) turns into one; the Hugging Face ids the shipped model files name map to their
Ollama library tags by default (`OLLAMA_TAGS`). Actions that name no model use `--model`.
Standard library only.
"""
import sys

import common


# The Ollama library tags of the models the shipped model files name (Models/data/*.actions.json).
OLLAMA_TAGS = {
    "google/gemma-2-2b-it": "gemma2:2b", "microsoft/Phi-3.5-mini-instruct": "phi3.5",
    "meta-llama/Llama-3.1-8B-Instruct": "llama3.1:8b", "google/gemma-2-9b-it": "gemma2:9b",
    "google/gemma-2-27b-it": "gemma2:27b", "meta-llama/Llama-3.1-70B-Instruct": "llama3.1:70b",
    "Qwen/Qwen2.5-3B-Instruct": "qwen2.5:3b", "Qwen/Qwen2.5-7B-Instruct": "qwen2.5:7b",
    "Qwen/Qwen2.5-32B-Instruct": "qwen2.5:32b", "Qwen/Qwen2.5-72B-Instruct": "qwen2.5:72b",
}


class OllamaBackend:
    """Ollama's `POST /api/generate` with `stream: false` and `options` {`num_predict`, `temperature`, `seed`};
    the reply has `response`, `prompt_eval_count` and `eval_count`. Ollama leaves `prompt_eval_count` out
    when the whole prompt came from its cache: that counts as 0 prompt tokens, which is what was computed."""

    def __init__(self, url, default_model=None, timeout=300.0, keep_alive=None, tags=None):
        self.url = url.rstrip("/")
        self.tags = {**OLLAMA_TAGS, **(tags or {})}
        self.default_model = default_model
        self.timeout = timeout
        self.keep_alive = keep_alive

    def check_model(self, model):
        if not model:
            raise common.AdapterError("usage", "the action names no model: pass --model (an Ollama model tag)")

    def generate(self, prompt, model, max_tokens, temperature, seed):
        url = self.url + "/api/generate"
        body = {"model": self.tags.get(model, model), "prompt": prompt, "stream": False,
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
    ap.add_argument("--map", action="append", default=[], metavar="NAME=TAG",
                    help="the Ollama tag of a model the actions name (repeatable)")

    def make(args):
        tags = common.parse_table(args.map, "--map")
        return OllamaBackend(args.url, args.model, args.timeout, args.keep_alive, tags)

    return common.run_cli(ap, make, argv)


if __name__ == "__main__":
    sys.exit(main())
