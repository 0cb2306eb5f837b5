#!/usr/bin/env python3
"""Peer check of Allot's Swift trees against LightGBM on the same features, folds and labels.

`allot learn --dump-features` writes the feature matrix our trees trained on (from the serving extractor), the
fold of every prompt, our out-of-fold predictions for the chosen (unshrunk) setting and the wall time of that
k-fold fit. This script trains LightGBM with the equivalent settings on the same folds (one utility regressor per
action, plus a cost regressor where the cost varies per prompt, early-stopped on the same share of each training
fold; both timed on one thread), then scores both learners' out-of-fold predictions with one matching routine:
the lambda-policy argmax_a u_a(x) - lambda * c_a(x), lambda found by bisection and the two policies adjacent to
the breakpoint mixed so the mean cost equals each budget exactly.

Targets (issue 5): our held-out policy accuracy within 1 point of LightGBM's, our training time <= 3x its.

Usage (optional dependency: `pip install lightgbm numpy`):
    swift build -c release --product allot
    Scripts/compare-lightgbm.py                       # every table in Models/data
    Scripts/compare-lightgbm.py --tables gsm8k-cascade --json
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import lightgbm as lgb
except ImportError:  # optional: the product never needs it
    sys.exit("compare-lightgbm: needs numpy and lightgbm (pip install lightgbm)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_dump(path):
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    data = np.array([[float(x) for x in r] for r in rows])
    feats = [i for i, h in enumerate(header) if h.startswith("f")]
    accs = [i for i, h in enumerate(header) if h.startswith("acc:")]
    costs = [i for i, h in enumerate(header) if h.startswith("cost:")]
    return data[:, 0].astype(int), data[:, feats], data[:, accs], data[:, costs]


def load_ours(path, actions):
    with open(path) as f:
        f.readline()
        rows = np.array([[float(x) for x in line.split("\t")] for line in f if line.strip()])
    return rows[:, :actions], rows[:, actions:]


def outcome(u, c, acc, cost, order, lam):
    """Mean true cost and accuracy of argmax u - lam*c, ties to the cheaper action (by mean cost)."""
    score = (u - lam * c)[:, order]
    pick = order[np.argmax(score, axis=1)]  # argmax takes the first maximum: the cheapest among ties
    idx = np.arange(len(pick))
    return cost[idx, pick].mean(), acc[idx, pick].mean()


def match(u, c, acc, cost, budget):
    order = np.argsort(cost.mean(axis=0), kind="stable")
    c0, a0 = outcome(u, c, acc, cost, order, 0.0)
    if c0 <= budget:
        return a0, c0
    hi = 1e-12
    ch, ah = outcome(u, c, acc, cost, order, hi)
    while ch > budget and hi < 1e12:
        hi *= 4
        ch, ah = outcome(u, c, acc, cost, order, hi)
    if ch > budget:
        return ah, ch
    lo, cl, al = 0.0, c0, a0
    for _ in range(100):
        mid = lo + (hi - lo) / 2
        if mid <= lo or mid >= hi:
            break
        cm, am = outcome(u, c, acc, cost, order, mid)
        if cm > budget:
            lo, cl, al = mid, cm, am
        else:
            hi, ch, ah = mid, cm, am
    p = min(1.0, max(0.0, (budget - ch) / (cl - ch))) if cl > ch else 0.0
    return p * al + (1 - p) * ah, p * cl + (1 - p) * ch


def lgb_params(p, seed, threads):
    return {
        "objective": "regression",
        "learning_rate": p["learning_rate"],
        "num_leaves": 2 ** p["depth"],
        "max_depth": p["depth"],
        "min_data_in_leaf": p["min_leaf"],
        "lambda_l2": p["l2"],
        "bagging_fraction": p["row_fraction"],
        "bagging_freq": 1,
        "feature_fraction": p["feature_fraction"],
        "max_bin": 255,
        "num_threads": threads,
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
    }


def fit_predict(x_fit, y_fit, x_stop, y_stop, x_test, p, seed, threads):
    train = lgb.Dataset(x_fit, y_fit, free_raw_data=False)
    valid = lgb.Dataset(x_stop, y_stop, reference=train)
    callbacks = [lgb.early_stopping(p["early_stopping"], verbose=False)] if p["early_stopping"] > 0 else []
    model = lgb.train(lgb_params(p, seed, threads), train, num_boost_round=p["max_trees"], valid_sets=[valid],
                      callbacks=callbacks)
    return model.predict(x_test, num_iteration=model.best_iteration or None)


def lightgbm_cv(fold, x, acc, cost, meta, threads):
    n, actions = acc.shape
    u = np.zeros((n, actions))
    c = np.tile(cost.mean(axis=0), (n, 1))
    rng = np.random.default_rng(meta["seed"])
    start = time.perf_counter()
    for k in range(meta["folds"]):
        test = np.where(fold == k)[0]
        train = np.where(fold != k)[0]
        perm = rng.permutation(train)
        stop_n = int(round(len(train) * 0.15))
        stop, fit = np.sort(perm[:stop_n]), np.sort(perm[stop_n:])
        means = cost[train].mean(axis=0)
        c[test] = means
        for a in range(actions):
            u[test, a] = fit_predict(x[fit], acc[fit, a], x[stop], acc[stop, a], x[test], meta["params"],
                                     meta["seed"] + a, threads)
            if meta["cost_varies"][a]:
                c[test, a] = fit_predict(x[fit], cost[fit, a], x[stop], cost[stop, a], x[test],
                                         meta["cost_params"], meta["seed"] + 100 + a, threads)
    return u, c, time.perf_counter() - start


def compare(table, allot, threads):
    name = os.path.basename(table)[: -len(".jsonl")]
    actions_file = table[: -len(".jsonl")] + ".actions.json"
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, name + ".tsv")
        cmd = [allot, "learn", "--table", table, "--out", os.path.join(tmp, name + ".allot"), "--dump-features", dump]
        if os.path.exists(actions_file):
            cmd += ["--actions", actions_file]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        with open(dump + ".json") as f:
            meta = json.load(f)
        fold, x, acc, cost = load_dump(dump)
        ours_u, ours_c = load_ours(dump + ".ours.tsv", acc.shape[1])
    x = np.where(np.isnan(x), np.nan, x)
    lgb_u, lgb_c, lgb_seconds = lightgbm_cv(fold, x, acc, cost, meta, threads)
    rows = []
    for b in meta["budgets"]:
        ours_acc, ours_cost = match(ours_u, ours_c, acc, cost, b)
        lgb_acc, lgb_cost = match(lgb_u, lgb_c, acc, cost, b)
        rows.append({"budget": round(b, 2), "ours": round(ours_acc, 4), "lightgbm": round(lgb_acc, 4),
                     "ours_cost": round(ours_cost, 2), "lightgbm_cost": round(lgb_cost, 2)})
    ours_mean = float(np.mean([r["ours"] for r in rows]))
    lgb_mean = float(np.mean([r["lightgbm"] for r in rows]))
    return {
        "table": os.path.relpath(table, ROOT),
        "params": meta["params"],
        "folds": meta["folds"],
        "ours_heldout_mean": round(ours_mean, 4),
        "lightgbm_heldout_mean": round(lgb_mean, 4),
        "difference_points": round((ours_mean - lgb_mean) * 100, 2),
        "ours_cv_seconds": meta["ours_cv_seconds"],
        "lightgbm_cv_seconds": round(lgb_seconds, 3),
        "time_ratio": round(meta["ours_cv_seconds"] / lgb_seconds, 2) if lgb_seconds > 0 else None,
        "within_1_point": ours_mean >= lgb_mean - 0.01,
        "within_3x_time": meta["ours_cv_seconds"] <= 3 * lgb_seconds,
        "budgets": rows,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--allot", default=os.path.join(ROOT, ".build/release/allot"))
    ap.add_argument("--tables", nargs="*", help="table names in Models/data (default: all)")
    ap.add_argument("--threads", type=int, default=1,
                    help="LightGBM threads (default 1: our timed fit runs on one thread too; OpenMP threads on a "
                         "busy machine spin and distort the timing)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    data = os.path.join(ROOT, "Models", "data")
    names = args.tables or sorted(f[: -len(".jsonl")] for f in os.listdir(data) if f.endswith(".jsonl"))
    results = [compare(os.path.join(data, n + ".jsonl"), args.allot, args.threads) for n in names]
    if args.json:
        print(json.dumps({"lightgbm_version": lgb.__version__, "results": results}, indent=2))
        return
    print(f"LightGBM {lgb.__version__}, {args.threads} threads; held-out policy accuracy at matched budget, "
          "mean over the budget grid; training = one k-fold fit of every head")
    print(f"{'table':24} {'ours':>7} {'lgbm':>7} {'diff':>7} {'ours s':>8} {'lgbm s':>8} {'ratio':>6}")
    for r in results:
        print(f"{os.path.basename(r['table']):24} {r['ours_heldout_mean'] * 100:7.2f} "
              f"{r['lightgbm_heldout_mean'] * 100:7.2f} {r['difference_points']:+7.2f} "
              f"{r['ours_cv_seconds']:8.2f} {r['lightgbm_cv_seconds']:8.2f} {r['time_ratio']:6.2f}")


if __name__ == "__main__":
    main()
