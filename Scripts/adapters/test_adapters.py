"""Tests of the llama-server and Ollama adapters (unittest, standard library only).

    python3 -m unittest discover -s Scripts/adapters -p 'test_*.py'      # from the repo root

The end-to-end tests start the real `allotd` ($ALLOTD, default .build/debug/allotd) on a temporary socket with
the shipped model ($ALLOT_MODEL, default Models/default.allot) and run both adapters against the stand-in
server; they are skipped, saying why, when either file is missing.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import common  # noqa: E402
from allot_client import AllotClient, AllotError  # noqa: E402
from llama_server import LlamaServerBackend  # noqa: E402
from ollama import OllamaBackend  # noqa: E402
from standin_server import StandinServer  # noqa: E402

ALLOTD = os.environ.get("ALLOTD") or os.path.join(REPO, ".build", "debug", "allotd")
MODEL = os.environ.get("ALLOT_MODEL") or os.path.join(REPO, "Models", "default.allot")
PROMPT = "Janet's ducks lay 16 eggs per day. She eats 3 and bakes with 4. How many are left to sell?"


class StubClient:
    """Stands in for AllotClient where the test decides the route."""

    def __init__(self, params, unit="tokens", actions=None, signals=None):
        self.params, self.unit = params, unit
        self.actions, self.signals = actions or [], signals
        self.routes, self.reports = [], []

    def hello(self):
        return {"ok": True, "model": {"cost_unit": self.unit}, "actions": self.actions, "signals": self.signals}

    def route(self, text=None, signals=None):
        self.routes.append((text, signals))
        return {"ok": True, "action": "x", "params": self.params, "cost": 1.0, "lambda": 0.5,
                "ticket": str(len(self.routes))}

    def report(self, ticket, cost):
        self.reports.append((ticket, cost))
        return {"ok": True, "settled": True}


class AnswerTests(unittest.TestCase):
    def test_last_number_is_the_answer(self):
        cases = {
            "16 - 3 - 4 = 9, so she sells 9 eggs for $18.": "18",
            "The answer is 1,000.": "1000",
            "x = 42.0": "42",
            "It is -7": "-7",
            "about 0.25 of them": "0.25",
            "First 3, then \\boxed{12} and 5 more words 7": "12",
            '{"reasoning": "16 - 3 - 4 = 9 eggs, 9 * 2", "answer": "$18 per day"}': "18",
            '{"answer": 1200.0, "reasoning": "so 7"}': "1200",
            "no digits here": None,
            "": None,
        }
        for text, want in cases.items():
            self.assertEqual(common.extract_answer(text), want, text)

    def test_text_answers_ignore_case_and_spacing(self):
        self.assertEqual(common.extract_answer("  Paris\n", "text"), common.extract_answer("paris", "text"))
        self.assertIsNone(common.extract_answer(" \n", "text"))

    def test_majority_vote(self):
        self.assertEqual(common.majority_vote(["42", "41", "42", None, "40"]), ("42", 2))
        self.assertEqual(common.majority_vote([None, None]), (None, 0))
        self.assertEqual(common.majority_vote([]), (None, 0))
        self.assertEqual(common.majority_vote(["7"]), ("7", 1))
        # A tie goes to the answer seen first, whatever the order of the counts.
        self.assertEqual(common.majority_vote(["5", "6", "6", "5"]), ("5", 2))
        self.assertEqual(common.majority_vote([None, "6", "5", "5", "6"]), ("6", 2))

    def test_vote_beats_a_single_wrong_sample(self):
        answers = [common.extract_answer(t) for t in ("so 9", "it is 8", "answer: 9", "9.0", "10")]
        self.assertEqual(common.majority_vote(answers), ("9", 3))


class ParamsTests(unittest.TestCase):
    def test_known_params(self):
        p = common.parse_params({"samples": 4, "model": "big", "max_tokens": 256, "temperature": 0.6,
                                 "params_b": 70})
        self.assertEqual((p.samples, p.model, p.max_tokens, p.temperature, p.params_b, p.ignored),
                         (4, "big", 256, 0.6, 70.0, {}))

    def test_the_shipped_actions_files_are_understood(self):
        data = os.path.join(REPO, "Models", "data")
        files = [f for f in os.listdir(data) if f.endswith(".actions.json")] if os.path.isdir(data) else []
        if not files:
            self.skipTest(f"no actions files in {data}")
        for name in files:
            with open(os.path.join(data, name)) as f:
                for action, params in json.load(f).items():
                    plan = common.parse_params(params)
                    self.assertEqual(plan.ignored, {}, f"{name} {action}")
                    self.assertTrue(plan.model or plan.probe, f"{name} {action}: runs nothing")

    def test_ladder_cascade_and_verifier_params(self):
        p = common.parse_params({"model": "google/gemma-2-2b-it", "params_b": 2.61, "tier": "device",
                                 "zeroeval_name": "gemma-2-2b-it", "cost_unit": "GFLOP"})
        self.assertEqual((p.model, p.params_b, p.probe, p.ignored), ("google/gemma-2-2b-it", 2.61, None, {}))
        p = common.parse_params({"probe": ["a", "b"], "escalate": None, "cost_unit": "GFLOP"})
        self.assertEqual((p.probe, p.answer_from, p.keeps_probe_answer), (["a", "b"], "b", True))
        p = common.parse_params({"probe": ["a", "b"], "answer_from": "a", "escalate": "c", "params_b": 9.2})
        self.assertEqual((p.answer_from, p.escalate, p.keeps_probe_answer), ("a", "c", False))
        p = common.parse_params({"model": "GPT-3 6B fine-tuned", "samples": 100, "verifier": "6B"})
        self.assertEqual((p.samples, p.verifier), (100, "6B"))
        for bad in ({"probe": []}, {"probe": "a"}, {"probe": ["a"], "answer_from": "z"}, {"escalate": 3}):
            with self.assertRaises(common.AdapterError, msg=repr(bad)):
                common.parse_params(bad)

    def test_defaults_aliases_and_json_text(self):
        p = common.parse_params(None)
        self.assertEqual((p.samples, p.model, p.max_tokens), (1, None, None))
        p = common.parse_params('{"n": 3, "num_predict": 64, "style": "cot"}')
        self.assertEqual((p.samples, p.max_tokens, p.ignored), (3, 64, {"style": "cot"}))
        self.assertEqual(common.parse_params({"samples": 2.0}).samples, 2)

    def test_bad_params_are_clear_errors(self):
        for bad in ({"samples": 0}, {"samples": 1.5}, {"samples": True}, {"samples": "4"}, {"samples": 10 ** 6},
                    {"model": ""}, {"model": 3}, {"max_tokens": -1}, {"temperature": -1}, {"params_b": 0},
                    {"params_b": "7"}, "[1]", "{", 7):
            with self.assertRaises(common.AdapterError, msg=repr(bad)) as cm:
                common.parse_params(bad)
            self.assertEqual(cm.exception.code, "params")


class PromptsFileTests(unittest.TestCase):
    def write(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False)
        self.addCleanup(os.unlink, f.name)
        f.write(text)
        f.close()
        return f.name

    def test_gsm8k_lines_numbers_and_plain_strings(self):
        path = self.write('{"question": "Ducks?", "answer": "16-3-4=9, 9*2=18\\n#### 18"}\n\n'
                          '{"prompt": "Robe?", "answer": 3.0}\n"Just a prompt"\n{"text": "T", "gold": "1,200"}\n')
        self.assertEqual(common.read_prompts(path),
                         [("Ducks?", "18"), ("Robe?", "3"), ("Just a prompt", None), ("T", "1200")])

    def test_bad_files_name_the_line(self):
        for text, want in (("{}\n", ":1: no"), ('"ok"\n{\n', ":2: not JSON"), ("\n", "no prompts"),
                           ('{"question": " "}\n', ":1: no")):
            with self.assertRaises(common.AdapterError) as cm:
                common.read_prompts(self.write(text))
            self.assertIn(want, cm.exception.message)
            self.assertEqual(cm.exception.code, "usage")
        with self.assertRaises(common.AdapterError):
            common.read_prompts("/nonexistent/prompts.jsonl")


def done(model, tokens):
    return common.Completion("42", tokens - 5, 5, model)


class CostTests(unittest.TestCase):
    def test_tokens(self):
        m = common.CostMeter("tokens")
        self.assertEqual(m.cost([done("a", 100), done("b", 20)]), 120.0)
        self.assertIsNone(m.warning)

    def test_samples(self):
        m = common.CostMeter("samples")
        self.assertEqual(m.cost([done("a", 1000)] * 4), 4.0)
        self.assertIsNone(m.warning)

    def test_gflop_is_two_flop_per_parameter_per_token_per_model(self):
        m = common.CostMeter("GFLOP", {"small": 1.5, "default": 7})
        self.assertEqual(m.cost([done("small", 100)]), 300.0)
        self.assertEqual(m.cost([done("other", 100)]), 1400.0)
        self.assertEqual(m.cost([done(None, 100)]), 1400.0)
        self.assertEqual(m.cost([done("small", 100), done("other", 10)]), 440.0)

    def test_gflop_parameter_count_from_the_flag_then_the_action_then_known_then_default(self):
        m = common.CostMeter("GFLOP", {"small": 1.5, "default": 7})
        self.assertEqual(m.cost([done("small", 10)], {"small": 2.6}), 30.0)
        self.assertEqual(m.cost([done("other", 10)], {"other": 2.6}), 52.0)
        self.assertAlmostEqual(m.cost([done("google/gemma-2-2b-it", 10)]), 52.2)
        self.assertEqual(m.cost([done("other", 10)]), 140.0)
        common.CostMeter("GFLOP").check(["m-big"], {"m-big": 70})
        common.CostMeter("GFLOP").check(["microsoft/Phi-3.5-mini-instruct"])

    def test_gflop_without_a_parameter_count_fails_before_running(self):
        m = common.CostMeter("gflop", {"small": 1.5})
        m.check(["small"])
        with self.assertRaises(common.AdapterError) as cm:
            m.check(["small", "big"])
        self.assertIn("--params-billion big=", cm.exception.message)

    def test_other_units_report_tokens_and_warn(self):
        m = common.CostMeter("joules")
        self.assertEqual(m.cost([done("x", 50)]), 50.0)
        self.assertIn("joules", m.warning)

    def test_name_value_tables(self):
        self.assertEqual(common.parse_table(["a=1.5", "b=2"], "--params-billion", common.positive_float),
                         {"a": 1.5, "b": 2.0})
        for bad in (["a"], ["=1"], ["a="], ["a=x"], ["a=-1"]):
            with self.assertRaises(common.AdapterError):
                common.parse_table(bad, "--params-billion", common.positive_float)


class StandinTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = StandinServer(models=["m1"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def post(self, path, body):
        return common.post_json(self.server.url + path, body, 10)

    def test_llama_completion_looks_real_and_is_deterministic(self):
        body = {"prompt": PROMPT, "n_predict": 128, "temperature": 0.7, "seed": 3}
        r = self.post("/completion", body)
        self.assertEqual(r, self.post("/completion", body) | {"timings": r["timings"]})
        self.assertGreater(r["tokens_evaluated"], 10)
        self.assertGreater(r["tokens_predicted"], 5)
        self.assertEqual(r["timings"]["predicted_n"], r["tokens_predicted"])

    def test_greedy_is_always_right_and_sampling_varies(self):
        greedy = {self.post("/completion", {"prompt": PROMPT, "temperature": 0, "seed": s})["content"]
                  for s in range(8)}
        self.assertEqual({common.extract_answer(t) for t in greedy}, {"42"})
        sampled = [common.extract_answer(self.post("/completion", {"prompt": PROMPT, "temperature": 1,
                                                                  "seed": s})["content"]) for s in range(20)]
        self.assertGreater(len(set(sampled)), 1)
        self.assertEqual(common.majority_vote(sampled)[0], "42")

    def test_n_predict_cuts_the_answer(self):
        r = self.post("/completion", {"prompt": PROMPT, "n_predict": 3, "temperature": 0})
        self.assertEqual(r["tokens_predicted"], 3)
        self.assertTrue(r["stopped_limit"])

    def test_chat_usage(self):
        r = self.post("/v1/chat/completions", {"messages": [{"role": "user", "content": PROMPT}],
                                               "max_tokens": 100, "temperature": 0})
        u = r["usage"]
        self.assertEqual(u["total_tokens"], u["prompt_tokens"] + u["completion_tokens"])
        self.assertEqual(common.extract_answer(r["choices"][0]["message"]["content"]), "42")

    def test_ollama_generate_stream_and_unknown_model(self):
        options = {"num_predict": 100, "temperature": 0, "seed": 1}
        r = self.post("/api/generate", {"model": "m1", "prompt": PROMPT, "stream": False, "options": options})
        self.assertTrue(r["done"])
        self.assertGreater(r["eval_count"], 0)
        req = urllib.request.Request(self.server.url + "/api/generate", method="POST",
                                     data=json.dumps({"model": "m1", "prompt": PROMPT, "options": options}).encode())
        with urllib.request.urlopen(req, timeout=10) as resp:
            lines = [json.loads(x) for x in resp.read().splitlines()]
        self.assertEqual("".join(x["response"] for x in lines), r["response"])
        self.assertEqual(lines[-1]["eval_count"], r["eval_count"])
        with self.assertRaises(common.AdapterError) as cm:
            self.post("/api/generate", {"model": "nope", "prompt": PROMPT, "stream": False})
        self.assertIn("model 'nope' not found", cm.exception.message)


class RunnerTests(unittest.TestCase):
    """The run logic with a stub allotd, so each kind of params can be chosen."""

    @classmethod
    def setUpClass(cls):
        cls.small = StandinServer(name="small", models=["small", "big"]).start()
        cls.big = StandinServer(name="big").start()
        cls.any = StandinServer(name="any").start()

    @classmethod
    def tearDownClass(cls):
        for server in (cls.small, cls.big, cls.any):
            server.stop()

    def setUp(self):
        for s in (self.small, self.big, self.any):
            with s.lock:
                s.requests.clear()

    def expected_tokens(self, server, path):
        total = 0
        for body in server.posts(path):
            if path == "/completion":
                _, p, c, _ = server.generate(body["prompt"], None, body["n_predict"], body["temperature"],
                                             body["seed"])
            else:
                o = body["options"]
                _, p, c, _ = server.generate(body["prompt"], body["model"], o["num_predict"], o["temperature"],
                                             o["seed"])
            total += p + c
        return total

    def test_samples_vote_and_report_the_summed_tokens(self):
        client = StubClient({"samples": 5})
        r = common.Runner(client, LlamaServerBackend(self.small.url), seed=10).run(PROMPT, {"probe": 1.0})
        bodies = self.small.posts("/completion")
        self.assertEqual([b["seed"] for b in bodies], [10, 11, 12, 13, 14])
        self.assertTrue(all(b["temperature"] == 0.7 for b in bodies))
        self.assertEqual((r["samples"], r["answer"]), (5, "42"))
        self.assertEqual(r["votes"], r["answers"].count("42"))
        self.assertEqual(r["tokens"]["total"], self.expected_tokens(self.small, "/completion"))
        self.assertEqual(client.reports, [("1", float(r["tokens"]["total"]))])
        self.assertEqual(client.routes, [(PROMPT, {"probe": 1.0})])

    def test_a_template_wraps_the_prompt_but_allotd_routes_the_question(self):
        client = StubClient({})
        common.Runner(client, LlamaServerBackend(self.small.url), template="Q: {question}\nA (JSON):").run(PROMPT)
        self.assertEqual(self.small.posts("/completion")[0]["prompt"], f"Q: {PROMPT}\nA (JSON):")
        self.assertEqual(client.routes[0][0], PROMPT)

    def test_one_sample_runs_greedy(self):
        r = common.Runner(StubClient({}), LlamaServerBackend(self.small.url)).run(PROMPT)
        self.assertEqual(self.small.posts("/completion")[0]["temperature"], 0.0)
        self.assertEqual((r["samples"], r["answer"], r["votes"]), (1, "42", 1))

    def test_a_named_model_goes_to_its_server(self):
        backend = LlamaServerBackend(self.small.url, {"big": self.big.url})
        client = StubClient({"samples": 3, "model": "big", "max_tokens": 40})
        r = common.Runner(client, backend, {"big": 7.0}).run(PROMPT)
        self.assertEqual(self.small.posts(), [])
        self.assertEqual([b["n_predict"] for b in self.big.posts("/completion")], [40, 40, 40])
        self.assertEqual(r["model"], "big")

    def test_gflop_cost(self):
        client = StubClient({"samples": 2, "model": "big"}, unit="GFLOP")
        r = common.Runner(client, OllamaBackend(self.small.url), {"big": 7.0}).run(PROMPT)
        tokens = self.expected_tokens(self.small, "/api/generate")
        self.assertEqual(r["tokens"]["total"], tokens)
        self.assertEqual(client.reports[0][1], 14.0 * tokens)
        self.assertEqual(r["cost_unit"], "GFLOP")

    def test_parallel_samples_match_sequential(self):
        seq = common.Runner(StubClient({"samples": 6}), LlamaServerBackend(self.small.url, chat=True)).run(PROMPT)
        par = common.Runner(StubClient({"samples": 6}), LlamaServerBackend(self.small.url, chat=True),
                            parallel=4).run(PROMPT)
        for key in ("answers", "answer", "votes", "tokens", "cost"):
            self.assertEqual(seq[key], par[key], key)

    def test_a_failed_run_still_settles_its_ticket(self):
        client = StubClient({"samples": 3})
        with self.assertRaises(common.AdapterError) as cm:
            common.Runner(client, LlamaServerBackend("http://127.0.0.1:1")).run(PROMPT)
        self.assertEqual(cm.exception.code, "backend")
        self.assertEqual(client.reports, [("1", 0.0)])
        client = StubClient({"samples": 3, "model": "unknown"}, unit="GFLOP")
        with self.assertRaises(common.AdapterError):
            common.Runner(client, LlamaServerBackend(self.small.url), {"big": 1}).run(PROMPT)
        self.assertEqual((self.small.posts(), client.reports), ([], [("1", 0.0)]))

    def test_a_sample_failing_midway_reports_the_samples_before_it(self):
        class Flaky:
            default_model = None

            def check_model(self, model):
                pass

            def generate(self, prompt, model, max_tokens, temperature, seed):
                if seed == 2:
                    raise common.AdapterError("backend", "slot crashed")
                return common.Completion("so 42", 10, 5)

        client = StubClient({"samples": 4})
        with self.assertRaises(common.AdapterError):
            common.Runner(client, Flaky()).run(PROMPT)
        self.assertEqual(client.reports, [("1", 30.0)])
        client = StubClient({"samples": 6})
        with self.assertRaises(common.AdapterError):
            common.Runner(client, Flaky(), parallel=3).run(PROMPT)
        self.assertIn(client.reports[0][1], {15.0 * k for k in range(2, 6)})

    SMALL, PHI, BIG = "google/gemma-2-2b-it", "microsoft/Phi-3.5-mini-instruct", "google/gemma-2-9b-it"
    SAME = {m: m for m in (SMALL, PHI, BIG)}  # no Ollama tags: the stand-in sees the model ids

    def cascade_client(self, chosen):
        probe = {"probe": [self.SMALL, self.PHI], "cost_unit": "GFLOP"}
        actions = [{"name": "probe", "params": {**probe, "answer_from": self.PHI, "escalate": None}},
                   {"name": "gemma2-9b", "params": {**probe, "escalate": self.BIG, "params_b": 9.24,
                                                    "tier": "device"}}]
        return StubClient(actions[chosen]["params"], "GFLOP", actions, list(common.CASCADE_SIGNALS))

    def test_cascade_keeps_the_probe_answer(self):
        client = self.cascade_client(0)
        r = common.Runner(client, OllamaBackend(self.any.url, tags=self.SAME)).run(PROMPT)
        bodies = self.any.posts("/api/generate")
        self.assertEqual([b["model"] for b in bodies], [self.SMALL, self.PHI])  # probed once each, then kept
        self.assertTrue(all(b["options"]["temperature"] == 0 for b in bodies))
        texts = {b["model"]: self.any.generate(b["prompt"], b["model"], b["options"]["num_predict"], 0, 0)
                 for b in bodies}
        (_, text_signals), = client.routes
        self.assertEqual(text_signals, {"probe_agree": 1.0,
                                        "probe_words": float(len(texts[self.PHI][0].split())),
                                        "probe_small_words": float(len(texts[self.SMALL][0].split()))})
        self.assertEqual((r["model"], r["answer"], r["samples"]), (self.PHI, "42", 1))
        gflop = sum(2 * common.KNOWN_PARAMS_B[m] * (t[1] + t[2]) for m, t in texts.items())
        self.assertAlmostEqual(client.reports[0][1], gflop)
        self.assertEqual(r["probe"]["answers"], {self.SMALL: "42", self.PHI: "42"})

    def test_cascade_escalates_and_bills_probe_and_escalation(self):
        client = self.cascade_client(1)
        r = common.Runner(client, OllamaBackend(self.any.url, tags=self.SAME)).run(PROMPT)
        bodies = self.any.posts("/api/generate")
        self.assertEqual([b["model"] for b in bodies], [self.SMALL, self.PHI, self.BIG])
        self.assertEqual(r["model"], self.BIG)
        params_b = {self.SMALL: 2.61, self.PHI: 3.82, self.BIG: 9.24}
        gflop = 0.0
        for b in bodies:
            _, pt, ct, _ = self.any.generate(b["prompt"], b["model"], b["options"]["num_predict"], 0, 0)
            gflop += 2 * params_b[b["model"]] * (pt + ct)
        self.assertAlmostEqual(client.reports[0][1], gflop)
        self.assertEqual(r["tokens"]["total"], sum(
            sum(self.any.generate(b["prompt"], b["model"], b["options"]["num_predict"], 0, 0)[1:3])
            for b in bodies))

    def test_probe_disagreement_and_unknown_signals(self):
        wrong = StandinServer(name="w", greedy_wrong={self.SMALL: 1.0}).start()
        self.addCleanup(wrong.stop)
        client = self.cascade_client(0)
        client.signals = ["probe_agree"]  # a model that knows only this one gets only this one
        r = common.Runner(client, OllamaBackend(wrong.url, tags=self.SAME)).run(PROMPT)
        self.assertEqual(client.routes[0][1], {"probe_agree": 0.0})
        self.assertNotEqual(r["probe"]["answers"][self.SMALL], r["probe"]["answers"][self.PHI])
        self.assertEqual(r["answer"], "42")  # Phi's answer is kept

    def test_llama_server_probe_models_go_to_their_servers(self):
        client = self.cascade_client(1)
        backend = LlamaServerBackend(self.any.url, {self.BIG: self.big.url})
        common.Runner(client, backend).run(PROMPT)
        self.assertEqual((len(self.any.posts()), len(self.big.posts())), (2, 1))

    def test_ollama_maps_hugging_face_ids_to_library_tags(self):
        common.Runner(self.cascade_client(1), OllamaBackend(self.any.url)).run(PROMPT)
        self.assertEqual([b["model"] for b in self.any.posts()], ["gemma2:2b", "phi3.5", "gemma2:9b"])

    def test_ollama_needs_a_model(self):
        client = StubClient({"samples": 2})
        with self.assertRaises(common.AdapterError) as cm:
            common.Runner(client, OllamaBackend(self.small.url)).run(PROMPT)
        self.assertEqual(cm.exception.code, "usage")
        r = common.Runner(StubClient({"samples": 2}), OllamaBackend(self.small.url, "small")).run(PROMPT)
        self.assertEqual([b["model"] for b in self.small.posts("/api/generate")], ["small", "small"])
        self.assertEqual(r["answer"], "42")

    def test_ollama_maps_model_names_to_tags_and_bills_params_b(self):
        client = StubClient({"samples": 2, "model": "m-big", "params_b": 70}, unit="GFLOP")
        r = common.Runner(client, OllamaBackend(self.small.url, tags={"m-big": "big"})).run(PROMPT)
        self.assertEqual([b["model"] for b in self.small.posts("/api/generate")], ["big", "big"])
        self.assertEqual(client.reports[0][1], 140.0 * r["tokens"]["total"])

    def test_samples_unit_bills_the_samples(self):
        client = StubClient({"samples": 3}, unit="samples")
        r = common.Runner(client, LlamaServerBackend(self.small.url)).run(PROMPT)
        self.assertEqual((r["cost"], client.reports), (3.0, [("1", 3.0)]))


def run_script(name, *args, stdin=None):
    return subprocess.run([sys.executable, os.path.join(HERE, name), *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


class NoDaemonTests(unittest.TestCase):
    def test_allotd_not_running_is_a_clear_error(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        sock = os.path.join(tmp, "absent.sock")
        for script in ("ollama.py", "llama_server.py"):
            p = run_script(script, "--socket", sock, "--url", "http://127.0.0.1:1", "--model", "m", PROMPT)
            self.assertEqual(p.returncode, common.EXIT_ALLOTD, p.stderr)
            self.assertIn(f"cannot connect to allotd at {sock}", p.stderr)
            self.assertIn("is allotd running?", p.stderr)
            self.assertNotIn("Traceback", p.stderr)
            self.assertEqual(p.stdout, "")
        with self.assertRaises(AllotError) as cm:
            AllotClient(sock)
        self.assertEqual(cm.exception.code, "connect")

    def test_the_client_reconnects_once_when_allotd_hung_up(self):
        """allotd closes idle connections; the next request goes out again on a fresh one."""
        import threading

        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        path = os.path.join(tmp, "d.sock")
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        listener.listen()
        self.addCleanup(listener.close)
        seen = []

        def serve():
            for _ in range(3):
                conn, _ = listener.accept()
                with conn:
                    if len(seen) % 2 == 0:  # the 1st and 3rd connections are "idle-closed" at once
                        seen.append(None)
                        continue
                    req = json.loads(conn.makefile("rb").readline())
                    seen.append(req["op"])
                    conn.sendall(json.dumps({"id": req["id"], "ok": True, "protocol": 1}).encode() + b"\n")

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        with AllotClient(path) as c:
            self.assertEqual(c.hello()["protocol"], 1)
        with self.assertRaises(AllotError) as cm:
            with AllotClient(path, reconnect=False) as c:
                c.hello()
        self.assertEqual(cm.exception.code, "closed")
        t.join(5)
        self.assertEqual(seen, [None, "hello", None])

    def test_usage_errors(self):
        p = run_script("ollama.py", "--socket", "/nonexistent.sock", "--signal", "oops", PROMPT)
        self.assertEqual(p.returncode, common.EXIT_USAGE)
        self.assertIn("--signal needs name=value", p.stderr)
        p = run_script("llama_server.py", "--socket", "/nonexistent.sock", "-", stdin="  \n")
        self.assertEqual(p.returncode, common.EXIT_USAGE)
        self.assertIn("the prompt is empty", p.stderr)
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as t:
            t.write("Answer this: (no placeholder)")
            t.flush()
            p = run_script("llama_server.py", "--socket", "/nonexistent.sock", "--template", t.name, PROMPT)
        self.assertEqual(p.returncode, common.EXIT_USAGE)
        self.assertIn("no {question} placeholder", p.stderr)


def allotd_unavailable():
    """Why the end-to-end tests cannot run here, or None."""
    if not os.access(ALLOTD, os.X_OK):
        return f"no allotd binary at {ALLOTD} (build it with `swift build --product allotd`, or set ALLOTD)"
    if not os.path.exists(MODEL):
        return f"no model file at {MODEL} (the shipped default model; or set ALLOT_MODEL)"
    try:
        out = subprocess.run([ALLOTD, "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as e:
        return f"{ALLOTD} --help failed: {e}"
    if "--socket" not in out.stdout + out.stderr:
        return f"{ALLOTD} is a placeholder build (its --help names no --socket flag)"
    return None


@unittest.skipIf(allotd_unavailable(), allotd_unavailable())
class AllotdTests(unittest.TestCase):
    """Route -> run -> report through the real allotd and both adapters, against the stand-in server."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="allot-adapters-")
        cls.sock = os.path.join(cls.tmp, "allotd.sock")
        cls.log = open(os.path.join(cls.tmp, "allotd.log"), "w+")
        cls.proc = subprocess.Popen([ALLOTD, "--model", MODEL, "--socket", cls.sock], stdout=cls.log,
                                    stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(cls.sock)
                break
            except OSError:
                if cls.proc.poll() is not None or time.monotonic() > deadline:
                    log = cls.allotd_log()
                    cls.tearDownClass()
                    raise RuntimeError(f"allotd did not start: {log}")
                time.sleep(0.05)  # polling for the socket, not timing anything
        with AllotClient(cls.sock) as c:
            cls.hello = c.hello()
        plans = [common.parse_params(a.get("params")) for a in cls.hello["actions"]]
        cls.probe = next((p.probe for p in plans if p.probe is not None), None)
        # Greedy answers are sometimes wrong, so probe models disagree on some prompts and routes vary.
        cls.server = StandinServer(greedy_wrong=0.3).start()
        # Whatever the cost unit, a model the tables do not know still gets a parameter count.
        cls.billions = ["default=1.5"]

    @classmethod
    def allotd_log(cls):
        cls.log.seek(0)
        return cls.log.read()[-2000:]

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "server", None):
            cls.server.stop()
        if cls.proc.poll() is None:
            cls.proc.send_signal(signal.SIGTERM)
            try:
                cls.proc.wait(10)
            except subprocess.TimeoutExpired:
                cls.proc.kill()
                cls.proc.wait()
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def stats(self):
        with AllotClient(self.sock) as c:
            return c.stats()

    def test_the_shipped_params_are_understood(self):
        self.assertGreater(len(self.hello["actions"]), 0)
        for action in self.hello["actions"]:
            plan = common.parse_params(action.get("params"))
            self.assertEqual(plan.ignored, {}, f"action {action['name']}: params the adapters cannot honour")

    def check_run(self, script, path, extra):
        before = self.stats()
        n = len(self.server.posts(path))
        p = run_script(script, "--socket", self.sock, "--url", self.server.url, *extra,
                       *[f"--params-billion={b}" for b in self.billions], PROMPT)
        self.assertEqual(p.returncode, 0, p.stderr + self.allotd_log())
        result = json.loads(p.stdout.strip().splitlines()[-1])
        after = self.stats()
        self.assertEqual(after["reports"], before["reports"] + 1)
        self.assertEqual(after["routes"], before["routes"] + 1)
        self.assertEqual(after["outstanding"], before["outstanding"])
        names = {a["name"]: a for a in self.hello["actions"]}
        self.assertIn(result["action"], names)
        plan = common.parse_params(names[result["action"]]["params"])
        runs = 0 if plan.keeps_probe_answer else plan.samples
        self.assertEqual(len(self.server.posts(path)) - n, runs + len(self.probe or []))
        self.assertEqual(result["samples"], plan.samples)
        if self.probe:
            self.assertEqual(set(result["probe"]["signals"]), set(self.hello["signals"]) & set(
                common.CASCADE_SIGNALS))
        self.assertTrue(result["settled"])
        self.assertEqual(result["cost_unit"], self.hello["model"]["cost_unit"])
        self.assertGreater(result["tokens"]["total"], 0)
        self.assertEqual((result["answer"], result["votes"]), common.majority_vote(result["answers"]))
        self.assertIsNotNone(result["answer"])
        return result

    def test_llama_server_adapter(self):
        self.check_run("llama_server.py", "/completion", [])

    def test_llama_server_chat_adapter(self):
        self.check_run("llama_server.py", "/v1/chat/completions", ["--chat", "--parallel", "3"])

    def test_ollama_adapter(self):
        self.check_run("ollama.py", "/api/generate", ["--model", "qwen2.5:1.5b"])

    def test_a_prompts_file_reports_every_ticket_and_sums_up(self):
        path = os.path.join(self.tmp, "prompts.jsonl")
        with open(path, "w") as f:
            for i in range(6):
                f.write(json.dumps({"question": f"{PROMPT} ({i})", "answer": f"#### {42 if i % 2 else 7}"}) + "\n")
        before = self.stats()
        p = run_script("ollama.py", "--socket", self.sock, "--url", self.server.url, "--model", "m", "--prompts", path,
                       *[f"--params-billion={b}" for b in self.billions])
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = [json.loads(x) for x in p.stdout.splitlines()]
        self.assertEqual(len(lines), 7)
        summary = lines[-1]["summary"]
        self.assertEqual((summary["prompts"], summary["graded"]), (6, 6))
        self.assertAlmostEqual(summary["accuracy"], sum(r["correct"] for r in lines[:6]) / 6)
        self.assertAlmostEqual(summary["mean_cost"], sum(r["cost"] for r in lines[:6]) / 6)
        self.assertEqual(sum(summary["actions"].values()), 6)
        self.assertEqual(self.stats()["reports"], before["reports"] + 6)

    def test_in_process_runs_report_every_ticket(self):
        before = self.stats()
        with AllotClient(self.sock) as client:
            runner = common.Runner(client, LlamaServerBackend(self.server.url), {"default": 1.5}, parallel=2)
            results = [runner.run(f"{PROMPT} (variant {i})") for i in range(10)]
        self.assertTrue(all(r["answer"] is not None for r in results))
        after = self.stats()
        self.assertEqual(after["reports"] - before["reports"], 10)
        self.assertEqual(len({r["ticket"] for r in results}), 10)
        self.assertEqual(after["outstanding"], before["outstanding"])

    def test_a_backend_failure_settles_the_ticket_and_exits_4(self):
        before = self.stats()
        p = run_script("ollama.py", "--socket", self.sock, "--url", "http://127.0.0.1:1", "--model", "m",
                       "--params-billion", "default=1", PROMPT)
        self.assertEqual(p.returncode, common.EXIT_BACKEND, p.stderr)
        self.assertIn("cannot reach http://127.0.0.1:1/api/generate", p.stderr)
        after = self.stats()
        # A cascade fails in its probe, before any route; otherwise the route is settled with what was spent.
        routed = 0 if self.probe else 1
        self.assertEqual((after["routes"], after["reports"]), (before["routes"] + routed, before["reports"] + routed))
        self.assertEqual(after["outstanding"], before["outstanding"])

    def test_an_allotd_error_reply_is_an_allotd_error(self):
        with AllotClient(self.sock) as c:
            with self.assertRaises(AllotError) as cm:
                c.report("no-such-ticket", 1.0)
            self.assertEqual(cm.exception.code, "not_found")
            self.assertEqual(c.hello()["protocol"], 1)  # the connection survives the error


if __name__ == "__main__":
    unittest.main()
