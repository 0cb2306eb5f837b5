#!/usr/bin/env python3
"""Run a prompt on llama.cpp's llama-server the way allotd decides, and report the tokens used.

    llama_server.py --socket ./allotd.sock --url http://127.0.0.1:8080 "Janet's ducks lay 16 eggs..."

Prints the answer text, then one JSON line: the action, its params, the votes, tokens and the reported cost.
An action's params may name a `model`; `--server NAME=URL` (repeatable) sends that model's requests to its own
llama-server (one server serves one model), otherwise they go to `--url`. `--chat` uses the OpenAI-style
`/v1/chat/completions` (with the chat template) instead of the raw `/completion`. Standard library only.
"""
import sys

import common


class LlamaServerBackend:
    """llama-server's HTTP API. `/completion` takes `prompt`, `n_predict`, `temperature`, `seed` and answers
    `content`, `tokens_evaluated` (prompt tokens) and `tokens_predicted`; `/v1/chat/completions` answers
    `choices[0].message.content` and `usage`. Tokens billed: prompt + completion of every request, even
    when llama-server reused a cached prompt prefix (the cost unit the model was trained on)."""

    def __init__(self, url, servers=None, chat=False, default_model=None, timeout=300.0):
        self.url = url.rstrip("/")
        self.servers = {k: v.rstrip("/") for k, v in (servers or {}).items()}
        self.chat = chat
        self.default_model = default_model
        self.timeout = timeout

    def server_for(self, model):
        return self.servers.get(model, self.url) if model else self.url

    def check_model(self, model):
        pass  # any name: an unmapped one goes to --url (llama-server ignores the name; a router uses it)

    def generate(self, prompt, model, max_tokens, temperature, seed):
        base = self.server_for(model)
        if self.chat:
            url = base + "/v1/chat/completions"
            body = {"messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens,
                    "temperature": temperature, "seed": seed, "stream": False}
            if model:
                body["model"] = model
            reply = common.post_json(url, body, self.timeout)
            try:
                text = reply["choices"][0]["message"]["content"]
            except (KeyError, IndexError, TypeError) as e:
                raise common.AdapterError("backend", f"{url}: no choices[0].message.content in the reply") from e
            usage = reply.get("usage") if isinstance(reply.get("usage"), dict) else {}
            return common.Completion(text or "", common.tokens_field(usage, "prompt_tokens", url),
                                     common.tokens_field(usage, "completion_tokens", url))
        url = base + "/completion"
        body = {"prompt": prompt, "n_predict": max_tokens, "temperature": temperature, "seed": seed,
                "cache_prompt": True, "stream": False}
        reply = common.post_json(url, body, self.timeout)
        text = reply.get("content")
        if not isinstance(text, str):
            raise common.AdapterError("backend", f"{url}: no 'content' string in the reply")
        return common.Completion(text, common.tokens_field(reply, "tokens_evaluated", url),
                                 common.tokens_field(reply, "tokens_predicted", url))


def main(argv=None):
    ap = common.base_parser(__doc__.split("\n\n")[0], "http://127.0.0.1:8080")
    ap.add_argument("--server", action="append", default=[], metavar="MODEL=URL",
                    help="llama-server serving MODEL, for actions whose params name it (repeatable)")
    ap.add_argument("--chat", action="store_true", help="use /v1/chat/completions instead of /completion")

    def make(args):
        servers = common.parse_table(args.server, "--server")
        return LlamaServerBackend(args.url, servers, args.chat, args.model, args.timeout)

    return common.run_cli(ap, make, argv)


if __name__ == "__main__":
    sys.exit(main())
