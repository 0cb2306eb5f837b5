"""What the llama-server and Ollama adapters share: read an allotd decision, run it, vote, and bill it.

The flow for one prompt (`Runner.run`):
  0. Cascade models (actions whose params carry a `probe` list, like the shipped gsm8k-cascade): run the probe
     models first, greedy, and turn their answers into the runtime signals the model was trained with
     (`probe_agree`, `probe_words`, `probe_small_words`; see Models/data/README.md).
  1. `route` the prompt (and signals) through allotd; the reply names an action and its free-form `params`.
  2. Turn the params into a `Plan`: how many samples, which model (or: keep the probe's answer, or escalate to
     a model), how many tokens at most.
  3. Ask the backend (an object with `generate(prompt, model, max_tokens, temperature, seed) -> Completion`)
     for each sample; one sample runs greedy (temperature 0), several run at a sampling temperature with
     distinct seeds, and their final answers go to a majority vote.
  4. `report` what was really spent, probe included: prompt + completion tokens in the model's cost unit
     (`tokens`; `samples`; `GFLOP` = 2 x parameters x tokens, per model).
Standard library only.
"""
import collections
import concurrent.futures
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from allot_client import AllotClient, AllotError  # noqa: E402

# Exit statuses of the adapter commands.
EXIT_OK, EXIT_USAGE, EXIT_ALLOTD, EXIT_BACKEND = 0, 2, 3, 4


class AdapterError(Exception):
    """A failure outside allotd: the backend (`backend`), the action's params (`params`), or the cost
    conversion (`cost`)."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Completion:
    """One generated sample, the tokens the backend says it used, and the model that made it (the runner
    fills `model` in, for billing)."""

    __slots__ = ("text", "prompt_tokens", "completion_tokens", "model")

    def __init__(self, text, prompt_tokens, completion_tokens, model=None):
        self.text = text
        self.prompt_tokens = int(prompt_tokens or 0)
        self.completion_tokens = int(completion_tokens or 0)
        self.model = model

    @property
    def tokens(self):
        return self.prompt_tokens + self.completion_tokens


# Parameter counts (billions) of the models the shipped model files name, from Models/data/README.md, so GFLOP
# can be billed without flags; `--params-billion MODEL=B` overrides them.
KNOWN_PARAMS_B = {
    "google/gemma-2-2b-it": 2.61, "microsoft/Phi-3.5-mini-instruct": 3.82,
    "meta-llama/Llama-3.1-8B-Instruct": 8.03, "google/gemma-2-9b-it": 9.24, "google/gemma-2-27b-it": 27.2,
    "meta-llama/Llama-3.1-70B-Instruct": 70.6, "Qwen/Qwen2.5-3B-Instruct": 3.09,
    "Qwen/Qwen2.5-7B-Instruct": 7.62, "Qwen/Qwen2.5-32B-Instruct": 32.8, "Qwen/Qwen2.5-72B-Instruct": 72.7,
}

# Params that describe an action for people and tools, not for the runtime.
INFO_KEYS = frozenset({"tier", "cost_unit", "zeroeval_name"})

# The runtime signals of a probe cascade (Models/data/README.md, gsm8k-cascade).
CASCADE_SIGNALS = ("probe_agree", "probe_words", "probe_small_words")


class Plan:
    """What an action's params ask for. Known keys: `samples` (alias `n`), `model`, `max_tokens` (aliases
    `n_predict`, `num_predict`), `temperature`, `params_b` (the parameters, in billions, of the model the action
    runs, alias `params_billion`, to bill GFLOP); for cascades `probe` (models run before routing),
    `answer_from` (the probe model whose answer is kept; default the last), `escalate` (a model to run instead,
    or null to keep the probe's answer); `verifier` (best-of-n by a verifier: not available here, so the
    samples are majority-voted). `tier`, `cost_unit`, `zeroeval_name` are informational. Anything else is
    kept in `ignored` so the caller can warn."""

    def __init__(self):
        self.samples = 1
        self.model = None
        self.max_tokens = None
        self.temperature = None
        self.params_b = None
        self.probe = None
        self.answer_from = None
        self.escalate = None
        self.verifier = None
        self.ignored = {}

    @property
    def keeps_probe_answer(self):
        return self.probe is not None and self.escalate is None and self.model is None

    def __repr__(self):
        return f"Plan(samples={self.samples}, model={self.model!r}, escalate={self.escalate!r})"


MAX_SAMPLES = 256


def parse_params(params):
    """`params` as allotd sends it: a JSON object, or (older daemons, hand-written files) its JSON text."""
    if params is None or params == "":
        params = {}
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except ValueError as e:
            raise AdapterError("params", f"action params are not JSON: {params[:200]!r}") from e
    if not isinstance(params, dict):
        raise AdapterError("params", f"action params must be a JSON object, got {type(params).__name__}")
    p = dict(params)

    def whole(key, value, lo, hi):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise AdapterError("params", f"{key!r} must be a whole number, got {value!r}")
        if not lo <= value <= hi:
            raise AdapterError("params", f"{key!r} must be from {lo} to {hi}, got {value!r}")
        return int(value)

    plan = Plan()
    for key in ("samples", "n"):
        if key in p:
            plan.samples = whole(key, p.pop(key), 1, MAX_SAMPLES)
    if "model" in p:
        m = p.pop("model")
        if not isinstance(m, str) or not m:
            raise AdapterError("params", f"'model' must be a non-empty string, got {m!r}")
        plan.model = m
    for key in ("max_tokens", "n_predict", "num_predict"):
        if key in p:
            plan.max_tokens = whole(key, p.pop(key), 1, 1 << 20)
    if "temperature" in p:
        t = p.pop("temperature")
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t <= 10:
            raise AdapterError("params", f"'temperature' must be a number from 0 to 10, got {t!r}")
        plan.temperature = float(t)
    for key in ("params_b", "params_billion"):
        if key in p:
            b = p.pop(key)
            if isinstance(b, bool) or not isinstance(b, (int, float)) or not 0 < b < 1e6:
                raise AdapterError("params", f"{key!r} must be a positive number of billions, got {b!r}")
            plan.params_b = float(b)
    if "probe" in p:
        probe = p.pop("probe")
        if not isinstance(probe, list) or not probe or not all(isinstance(m, str) and m for m in probe):
            raise AdapterError("params", f"'probe' must be a non-empty array of model names, got {probe!r}")
        plan.probe = probe
        plan.answer_from = probe[-1]
    if "answer_from" in p:
        a = p.pop("answer_from")
        if not isinstance(a, str) or (plan.probe is not None and a not in plan.probe):
            raise AdapterError("params", f"'answer_from' must name a probe model, got {a!r}")
        plan.answer_from = a
    if "escalate" in p:
        e = p.pop("escalate")
        if e is not None and (not isinstance(e, str) or not e):
            raise AdapterError("params", f"'escalate' must be a model name or null, got {e!r}")
        plan.escalate = e
    if "verifier" in p:
        v = p.pop("verifier")
        plan.verifier = None if v is None else str(v)
    for key in INFO_KEYS:
        p.pop(key, None)
    plan.ignored = p
    return plan


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
# ZeroEval's prompt asks for JSON: {"reasoning": "...", "answer": "..."}; its graders read the answer field.
_ANSWER_FIELD = re.compile(r'"answer"\s*:\s*("(?:[^"\\]|\\.)*"|-?[\d.,]+)')


def _normalize_number(s):
    s = s.replace(",", "")
    try:
        v = float(s)
    except ValueError:
        return s
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def extract_answer(text, mode="number"):
    """The final answer of a completion. `number` (math): the first number of a JSON `"answer"` field (ZeroEval's
    format and first-number rule) if there is one, else the content of the last `\\boxed{}`, else the last number
    in the text; normalized (`$1,000` -> `1000`, `42.0` -> `42`); None when there is no number.
    `text`: the stripped, lower-cased text with runs of white space collapsed; None when empty."""
    if text is None:
        return None
    if mode == "number":
        fields = _ANSWER_FIELD.findall(text)
        nums = _NUMBER.findall(fields[-1]) if fields else []
        if nums:
            return _normalize_number(nums[0])
        boxed = _BOXED.findall(text)
        scope = boxed[-1] if boxed else text
        nums = _NUMBER.findall(scope) or (_NUMBER.findall(text) if boxed else [])
        return _normalize_number(nums[-1]) if nums else None
    if mode == "text":
        t = " ".join(text.split()).lower()
        return t or None
    raise ValueError(f"unknown answer mode {mode!r}")


def majority_vote(answers):
    """The most frequent answer that is not None, and its count. Ties go to the answer that reached the top
    count first in sample order, so the vote is deterministic. No answers at all: (None, 0)."""
    counts = collections.Counter(a for a in answers if a is not None)
    if not counts:
        return None, 0
    top = max(counts.values())
    for a in answers:
        if a is not None and counts[a] == top:
            return a, top
    raise AssertionError("unreachable")


def parse_table(items, what, convert=str):
    """`name=value` flags (repeatable) into a dict; a clear usage error names the bad item."""
    table = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise AdapterError("usage", f"{what} needs name=value, got {item!r}")
        try:
            table[name] = convert(value)
        except ValueError as e:
            raise AdapterError("usage", f"{what} {item!r}: {e}") from e
    return table


def positive_float(s):
    v = float(s)
    if not (v > 0 and v < float("inf")):
        raise ValueError("needs a positive number")
    return v


class CostMeter:
    """Turns what a run used into the model's cost unit, as `hello` names it.
    tokens: prompt + completion tokens over every completion (probe included).  samples: the number of
    completions.  GFLOP: a forward pass costs ~2 FLOP per parameter per token, so a completion of model m costs
    2 * B(m) * tokens GFLOP, where B(m) is `--params-billion m=B`, else the action's `params_b` (for the model
    the action runs), else the known count of that model (`KNOWN_PARAMS_B`), else `--params-billion default=B`.
    Any other unit: tokens are reported unchanged and `warning` says so."""

    KINDS = {"token": "tokens", "tokens": "tokens", "sample": "samples", "samples": "samples",
             "gflop": "gflop", "gflops": "gflop"}

    def __init__(self, unit, params_billion=None):
        self.unit = unit or "tokens"
        self.params_billion = params_billion or {}
        self.kind = self.KINDS.get(self.unit.strip().lower(), "other")
        self.warning = None
        if self.kind == "other":
            self.warning = (f"allotd's cost unit is {self.unit!r}, not tokens, samples or GFLOP: "
                            "reporting tokens as is")

    def check(self, models, params_b=None):
        """Fails before any compute is spent when the cost could not be converted afterwards. `params_b`:
        {model: billions} from the action's params."""
        if self.kind == "gflop":
            for m in models:
                self.billions(m, (params_b or {}).get(m))

    def billions(self, model, params_b=None):
        for b in (self.params_billion.get(model) if model else None, params_b, KNOWN_PARAMS_B.get(model),
                  self.params_billion.get("default")):
            if b is not None:
                return b
        name = model or "default"
        raise AdapterError(
            "cost",
            f"the cost unit is GFLOP but the parameter count of model {name!r} is unknown (the action has no "
            f"params_b; pass --params-billion {name}=B)",
        )

    def cost(self, completions, params_b=None):
        if self.kind == "gflop":
            return sum(2.0 * self.billions(c.model, (params_b or {}).get(c.model)) * c.tokens for c in completions)
        if self.kind == "samples":
            return float(len(completions))
        return float(sum(c.tokens for c in completions))


def post_json(url, body, timeout):
    """POST a JSON object and return the decoded JSON reply; HTTP and network failures become a `backend`
    AdapterError naming the URL and, when the server sent one, its error message."""
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as e:
        detail = e.read()[:500].decode("utf-8", "replace")
        try:
            err = json.loads(detail).get("error", detail)
            detail = err.get("message", err) if isinstance(err, dict) else err
        except (ValueError, AttributeError):
            pass
        raise AdapterError("backend", f"{url} answered HTTP {e.code}: {detail}") from e
    except (urllib.error.URLError, OSError) as e:
        why = getattr(e, "reason", e)
        raise AdapterError("backend", f"cannot reach {url}: {why}") from e
    try:
        reply = json.loads(raw)
    except ValueError as e:
        raise AdapterError("backend", f"{url} sent a reply that is not JSON: {raw[:200]!r}") from e
    if not isinstance(reply, dict):
        raise AdapterError("backend", f"{url} sent a reply that is not a JSON object")
    return reply


def tokens_field(reply, key, url):
    v = reply.get(key, 0)
    if v is None:
        return 0
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
        raise AdapterError("backend", f"{url}: {key!r} is not a token count: {v!r}")
    return int(v)


class Runner:
    """Routes prompts through allotd and runs the decisions on a backend (see the module comment).

    `client` needs `hello()`, `route(text, signals)` and `report(ticket, cost)` (an `AllotClient`); `backend`
    needs `default_model`, `check_model(model)` and `generate(prompt, model, max_tokens, temperature, seed)`.
    """

    def __init__(self, client, backend, params_billion=None, sample_temperature=0.7, seed=0, max_tokens=1024,
                 parallel=1, answer_mode="number", warn=None, template=None):
        self.client = client
        # The prompt sent to the model: the template with `{question}` replaced (e.g. the evaluation's prompt the
        # model file was trained on); allotd always routes the bare question, as in training.
        self.template = template
        self.backend = backend
        self.params_billion = params_billion or {}
        self.sample_temperature = sample_temperature
        self.seed = seed
        self.max_tokens = max_tokens
        self.parallel = max(1, parallel)
        self.answer_mode = answer_mode
        self.warn = warn or (lambda msg: print(f"warning: {msg}", file=sys.stderr))
        self._meter = None
        self.hello = None
        self.probe = None  # (models, answer_from) when the model is a probe cascade
        self.signal_names = None
        self._warned = set()

    def _warn_once(self, msg):
        if msg not in self._warned:
            self._warned.add(msg)
            self.warn(msg)

    def meter(self):
        """`hello`, asked once per runner, gives the cost unit, the signals, and whether actions probe first."""
        if self._meter is None:
            hello = self.hello = self.client.hello()
            model = hello.get("model") if isinstance(hello.get("model"), dict) else {}
            self._meter = CostMeter(model.get("cost_unit"), self.params_billion)
            if self._meter.warning:
                self._warn_once(self._meter.warning)
            names = hello.get("signals")
            self.signal_names = set(names) if isinstance(names, list) else None
            for action in hello.get("actions") or []:
                try:
                    plan = parse_params(action.get("params") if isinstance(action, dict) else None)
                except AdapterError:
                    continue  # reported when that action is chosen
                if plan.probe is not None:
                    if self.probe is None:
                        self.probe = (plan.probe, plan.answer_from)
                    elif self.probe[0] != plan.probe:
                        self._warn_once("actions probe with different models: running the first action's probe")
        return self._meter

    def run(self, prompt, signals=None):
        """Probe (cascades), route, run, vote, report. Returns a JSON-ready dict of what was decided and used.
        When running fails after the route, what was spent so far (the probe, finished samples) is still
        reported, so the budget stays honest, and the error is raised."""
        meter = self.meter()
        started = time.monotonic()
        question = prompt
        if self.template is not None:
            prompt = self.template.replace("{question}", question)
        used = []  # every completion to bill, probe included
        probe = None
        if self.probe is not None:
            probe = self._run_probe(prompt, meter, used)
            signals = {**probe["signals"], **(signals or {})}
        decision = self.client.route(question, signals)
        ticket = decision.get("ticket")
        plan = None
        try:
            plan = parse_params(decision.get("params"))
            for key in sorted(plan.ignored):
                self._warn_once(f"action {decision.get('action')!r}: ignoring unknown param {key!r}")
            if plan.verifier is not None:
                self._warn_once(f"action {decision.get('action')!r}: no {plan.verifier} verifier here; "
                                "its samples are majority-voted instead")
            kept = probe["completions"].get(plan.answer_from) if probe and plan.keeps_probe_answer else None
            if kept is not None:
                model, temperature, completions = plan.answer_from, 0.0, [kept]
            else:  # a model to run (escalation, or a probe answer this runner did not probe for)
                model = plan.escalate or plan.model or plan.answer_from or self.backend.default_model
                self.backend.check_model(model)
                meter.check([model], {model: plan.params_b})
                if plan.temperature is not None:
                    temperature = plan.temperature
                else:
                    temperature = self.sample_temperature if plan.samples > 1 else 0.0
                max_tokens = plan.max_tokens or self.max_tokens
                completions = self._generate(prompt, plan.samples, model, max_tokens, temperature, used)
        except BaseException:
            self._settle_after_failure(ticket, meter, used, plan)
            raise
        answers = [extract_answer(c.text, self.answer_mode) for c in completions]
        winner, votes = majority_vote(answers)
        chosen = next((c for c, a in zip(completions, answers) if a == winner), completions[0])
        cost = meter.cost(used, self._params_b(plan))
        settled = self.client.report(ticket, cost).get("settled", True) if ticket is not None else False
        prompt_tokens = sum(c.prompt_tokens for c in used)
        completion_tokens = sum(c.completion_tokens for c in used)
        result = {
            "action": decision.get("action"),
            "params": decision.get("params"),
            "predicted_cost": decision.get("cost"),
            "lambda": decision.get("lambda"),
            "ticket": ticket,
            "model": model,
            "samples": len(completions),
            "temperature": temperature,
            "answers": answers,
            "answer": winner,
            "votes": votes,
            "text": chosen.text,
            "tokens": {"prompt": prompt_tokens, "completion": completion_tokens,
                       "total": prompt_tokens + completion_tokens},
            "cost": cost,
            "cost_unit": meter.unit,
            "reported": ticket is not None,
            "settled": settled,
            "elapsed_ms": round((time.monotonic() - started) * 1000, 1),
        }
        if probe is not None:
            result["probe"] = {"models": list(probe["completions"]), "answers": probe["answers"],
                               "signals": probe["signals"]}
        return result

    def _run_probe(self, prompt, meter, used):
        """The probe models, greedy, and the cascade signals from their outputs: `probe_agree` (1 when every
        probe model gave the same final answer), `probe_words` (words of the `answer_from` model's output),
        `probe_small_words` (words of the first other probe model's output)."""
        models, answer_from = self.probe
        for m in models:
            self.backend.check_model(m)
        meter.check(models)
        completions = {}
        for m in models:  # before any route: a failure here spends no reservation
            c = self.backend.generate(prompt, m, self.max_tokens, 0.0, self.seed)
            c.model = m
            used.append(c)
            completions[m] = c
        answers = {m: extract_answer(c.text, self.answer_mode) for m, c in completions.items()}
        distinct = set(answers.values())
        others = [m for m in models if m != answer_from]
        signals = {
            "probe_agree": 1.0 if len(distinct) == 1 and None not in distinct else 0.0,
            "probe_words": float(len(completions[answer_from].text.split())),
            "probe_small_words": float(len(completions[others[0]].text.split())) if others else 0.0,
        }
        if self.signal_names is not None:
            signals = {k: v for k, v in signals.items() if k in self.signal_names}
        return {"completions": completions, "answers": answers, "signals": signals}

    @staticmethod
    def _params_b(plan):
        if plan is None or plan.params_b is None:
            return {}
        return {m: plan.params_b for m in (plan.escalate, plan.model) if m}

    def _settle_after_failure(self, ticket, meter, used, plan):
        if ticket is None:
            return
        try:
            cost = meter.cost(used, self._params_b(plan)) if used else 0.0
            self.client.report(ticket, cost)
        except (AllotError, AdapterError) as e:
            self._warn_once(f"could not report the {len(used)} completions spent before the failure: {e}")

    def _generate(self, prompt, samples, model, max_tokens, temperature, used):
        def one(i):
            c = self.backend.generate(prompt, model, max_tokens, temperature, self.seed + i)
            c.model = model
            return c

        if self.parallel == 1 or samples == 1:
            out = []
            for i in range(samples):
                c = one(i)
                used.append(c)
                out.append(c)
            return out
        out, error = [], None
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(self.parallel, samples)) as pool:
            futures = [pool.submit(one, i) for i in range(samples)]
            for f in futures:
                try:
                    c = f.result()
                except Exception as e:  # keep collecting what the finished samples spent
                    error = error or e
                    for rest in futures:
                        rest.cancel()
                    continue
                used.append(c)
                out.append(c)
        if error is not None:
            raise error
        return out


def base_parser(description, default_url):
    import argparse

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("prompt", nargs="?", help="the prompt (absent or '-': read it from stdin)")
    ap.add_argument("--prompts", metavar="FILE", help="run every prompt of a JSON Lines file ({\"question\" or "
                    "\"prompt\", \"answer\"?} or a string per line): one JSON line each, then a summary with "
                    "the accuracy when answers are given")
    ap.add_argument("--socket", default=None, help="allotd's socket (default: $XDG_RUNTIME_DIR/allotd.sock "
                    "or ./allotd.sock)")
    ap.add_argument("--url", default=default_url, help=f"the server (default {default_url})")
    ap.add_argument("--model", default=None, help="model to use when the action's params name none")
    ap.add_argument("--signal", action="append", default=[], metavar="NAME=VALUE",
                    help="a runtime signal for the route (repeatable)")
    ap.add_argument("--params-billion", action="append", default=[], metavar="MODEL=B",
                    help="parameters in billions per model, to bill GFLOP (repeatable; 'default' for the rest)")
    ap.add_argument("--temperature", type=float, default=0.7, help="sampling temperature when an action "
                    "asks for several samples (one sample runs greedy) (default 0.7)")
    ap.add_argument("--seed", type=int, default=0, help="seed of sample i is SEED+i (default 0)")
    ap.add_argument("--max-tokens", type=int, default=1024, help="tokens per sample unless the action says "
                    "(default 1024)")
    ap.add_argument("--template", metavar="FILE", help="prompt template: the file's text with {question} "
                    "replaced by the prompt (allotd still routes the bare prompt)")
    ap.add_argument("--parallel", type=int, default=1, help="samples in flight at once (default 1)")
    ap.add_argument("--answer", choices=("number", "text"), default="number",
                    help="what the vote compares: the last number (math), or the whole text")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per HTTP request (default 300)")
    ap.add_argument("--json", action="store_true", help="print only the JSON line, not the answer text")
    return ap


def read_prompts(path, mode="number"):
    """(prompt, gold answer or None) per line of a JSON Lines file; a GSM8K answer (`... #### 18`) grades as
    its last number, like the completions."""
    items = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise AdapterError("usage", f"cannot read {path}: {e.strerror or e}") from e
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            raise AdapterError("usage", f"{path}:{n}: not JSON") from e
        obj = {"prompt": obj} if isinstance(obj, str) else obj
        text = next((obj[k] for k in ("prompt", "question", "text") if isinstance(obj, dict) and k in obj), None)
        if not isinstance(text, str) or not text.strip():
            raise AdapterError("usage", f"{path}:{n}: no \"prompt\", \"question\" or \"text\" string")
        gold = obj.get("answer", obj.get("gold"))
        if isinstance(gold, (int, float)) and not isinstance(gold, bool):
            gold = _normalize_number(str(gold))
        elif isinstance(gold, str):
            gold = extract_answer(gold, mode)
        else:
            gold = None
        items.append((text, gold))
    if not items:
        raise AdapterError("usage", f"{path}: no prompts")
    return items


def _run_batch(runner, items, signals):
    results, actions = [], collections.Counter()
    for text, gold in items:
        r = runner.run(text, signals)
        r.pop("text")
        if gold is not None:
            r["gold"], r["correct"] = gold, r["answer"] == gold
        print(json.dumps(r, separators=(",", ":")), flush=True)
        results.append(r)
        actions[r["action"]] += 1
    graded = [r for r in results if "correct" in r]
    n = len(results)
    return {"summary": {
        "prompts": n,
        "graded": len(graded),
        "accuracy": sum(r["correct"] for r in graded) / len(graded) if graded else None,
        "mean_cost": sum(r["cost"] for r in results) / n,
        "cost_unit": runner.meter().unit,
        "mean_tokens": sum(r["tokens"]["total"] for r in results) / n,
        "actions": dict(sorted(actions.items())),
        "budget": (runner.hello or {}).get("budget"),
    }}


def run_cli(ap, make_backend, argv=None):
    """Parses the flags, runs one prompt (printing the answer text, then one JSON line) or a `--prompts` file
    (one JSON line each, then a summary); returns the exit status: 0 done, 2 usage, 3 allotd failed (not
    running, refused, error reply), 4 the run failed (backend, params, cost)."""
    args = ap.parse_args(argv)
    prog = ap.prog

    def warn(msg):
        print(f"{prog}: warning: {msg}", file=sys.stderr)

    try:
        signals = parse_table(args.signal, "--signal", float) or None
        params_billion = parse_table(args.params_billion, "--params-billion", positive_float)
        if args.max_tokens < 1 or args.parallel < 1 or not args.temperature >= 0:
            raise AdapterError("usage", "--max-tokens and --parallel need at least 1, --temperature >= 0")
        if args.prompts:
            if args.prompt is not None:
                raise AdapterError("usage", "give a prompt or --prompts FILE, not both")
            items = read_prompts(args.prompts, args.answer)
        else:
            prompt = args.prompt if args.prompt not in (None, "-") else sys.stdin.read()
            if not prompt.strip():
                raise AdapterError("usage", "the prompt is empty")
        template = None
        if args.template:
            try:
                with open(args.template, encoding="utf-8") as f:
                    template = f.read()
            except OSError as e:
                raise AdapterError("usage", f"cannot read --template {args.template}: {e.strerror or e}") from e
            if "{question}" not in template:
                raise AdapterError("usage", f"--template {args.template} has no {{question}} placeholder")
        backend = make_backend(args)
        with AllotClient(args.socket, timeout=30.0) as client:
            runner = Runner(client, backend, params_billion, args.temperature, args.seed, args.max_tokens,
                            args.parallel, args.answer, warn, template)
            if args.prompts:
                print(json.dumps(_run_batch(runner, items, signals), separators=(",", ":")))
                return EXIT_OK
            result = runner.run(prompt, signals)
    except AllotError as e:
        print(f"{prog}: allotd: {e.message or e.code} [{e.code}]", file=sys.stderr)
        return EXIT_ALLOTD
    except AdapterError as e:
        print(f"{prog}: {e.message} [{e.code}]", file=sys.stderr)
        return EXIT_USAGE if e.code == "usage" else EXIT_BACKEND
    except KeyboardInterrupt:  # the ticket in flight was already settled with what it spent
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    text = result.pop("text")
    if not args.json:
        print(text.strip())
    print(json.dumps(result, separators=(",", ":")))
    sys.stdout.flush()
    return EXIT_OK
