#!/usr/bin/env python3
"""Fit attache's ranking and answerability weights, and check them on held-out cases.

Input: the JSON lines `attache eval --features FILE` writes (every case's candidates with
their ranking features, and the signals of the answerability decision). Standard library
only.

    cargo run --release -- eval tests/fixtures/eval/*.jsonl --features /tmp/features.jsonl
    python3 tools/fit.py /tmp/features.jsonl

The split: within each evaluation file, odd-numbered cases (1st, 3rd, …) fit, even ones
check. Kinds are spread through every file, so both halves hold every kind. A weight is
kept only when it helps the held-out half too, in English and in Ukrainian/Russian.
"""

import json
import math
import sys
from itertools import product

# The lexical weights of src/core/search/rank.rs (kept as they are).
W_BM25, W_COVERAGE, W_TITLE, W_PROXIMITY, W_EVIDENCE = 0.3, 0.4, 0.2, 0.1, 0.1
PRIMARY_BONUS = 0.12
COVERED_DISCOUNT = 0.5


def load(path):
    cases = []
    position = {}
    with open(path) as f:
        for line in f:
            c = json.loads(line)
            n = position.get(c["file"], 0)
            position[c["file"]] = n + 1
            c["fit"] = n % 2 == 0  # the 1st, 3rd, … case of its file
            cases.append(c)
    return cases


def score(f, w_sem, span, best, primary_bonus=None, discount=None, best_coverage=0.0):
    bonus = PRIMARY_BONUS if primary_bonus is None else primary_bonus
    share = 1 - (COVERED_DISCOUNT if discount is None else discount) * best_coverage
    rel = 0.0 if f["semantic"] <= 0 else max(0.0, min(1.0, 1 - (best - f["semantic"]) / span))
    lexical = (W_BM25 * f["bm25"] + W_COVERAGE * f["coverage"] + W_TITLE * f["title_coverage"]
               + W_PROXIMITY * f["proximity"] + W_EVIDENCE * f["evidence"] + w_sem * share * rel)
    return (bonus if f["primary"] else 0.0) + f["weight"] * lexical


def ranking(cases, w_sem, span, primary_bonus=None, discount=None):
    """hit@1 and hit@3 of the answerable cases under these weights."""
    h1 = h3 = n = 0
    for c in cases:
        if c["expects_none"] or not c["candidates"]:
            n += 0 if c["expects_none"] else 1
            continue
        n += 1
        best = max(x["features"]["semantic"] for x in c["candidates"])
        best_cov = max(x["features"]["coverage"] for x in c["candidates"])
        ranked = sorted(c["candidates"],
                        key=lambda x: -score(x["features"], w_sem, span, best, primary_bonus, discount, best_cov))
        h1 += ranked[0]["right"]
        h3 += any(x["right"] for x in ranked[:3])
    return h1 / max(n, 1), h3 / max(n, 1)


def split(cases, english):
    return [c for c in cases if (c["kind"] not in ("uk", "ru")) == english]


def fit_ranking(cases):
    fit = [c for c in cases if c["fit"]]
    check = [c for c in cases if not c["fit"]]
    print("ranking: primary_bonus covered_discount w_semantic span"
          " | fit en h1 h3, uk/ru h1 h3 | check en h1 h3, uk/ru h1 h3")
    rows = []
    grid = product([0.12, 0.2, 0.3], [0.0, 0.5, 0.7, 0.9], [0.0, 0.4, 0.8, 1.0, 1.2, 1.6],
                   [0.04, 0.06, 0.08, 0.12])
    for pb, d, w_sem, span in grid:
        f_en, f_x = ranking(split(fit, True), w_sem, span, pb, d), ranking(split(fit, False), w_sem, span, pb, d)
        c_en, c_x = ranking(split(check, True), w_sem, span, pb, d), ranking(split(check, False), w_sem, span, pb, d)
        rows.append((f_en[0] + f_en[1] + f_x[0] + f_x[1], pb, d, w_sem, span, f_en, f_x, c_en, c_x))
    rows.sort(key=lambda r: -r[0])
    for r in rows[:15]:
        _, pb, d, w_sem, span, f_en, f_x, c_en, c_x = r
        print(f"  {pb:4.2f} {d:4.1f} {w_sem:4.1f} {span:5.2f} | {f_en[0]:.3f} {f_en[1]:.3f}  {f_x[0]:.3f} {f_x[1]:.3f}"
              f" | {c_en[0]:.3f} {c_en[1]:.3f}  {c_x[0]:.3f} {c_x[1]:.3f}")


# --- answerability ----------------------------------------------------------------------
# An English question whose passage covers SURE_COVERAGE of it, with at most SURE_UNKNOWN
# of its concepts unknown to the corpus, is answerable (see answerable.rs). Otherwise a
# logistic regression on the semantic signals decides; it is fitted on those cases only.

SURE_COVERAGE = 0.5
SURE_UNKNOWN = 0.2
THRESHOLD = -0.6  # the operating point chosen below (see answerable.rs)


def sure(s):
    return s["english"] and s["coverage"] >= SURE_COVERAGE and s["unknown"] <= SURE_UNKNOWN


def signal_features(s):
    english = 1.0 if s["english"] else 0.0
    agree = 1.0 if (s["in_lexical_top"] and s["in_dense_top"]) else 0.0
    return [english * (s["cosine"] - 0.84) * 100, 1 - english, agree, english * s["unknown"]]


NAMES = ["cosine per hundredth above 0.84 (en)", "uk/ru", "agree", "unknown (en)"]


def logistic(xs, ys, l2=0.05, steps=4000, rate=0.1):
    w = [0.0] * (len(xs[0]) + 1)
    for _ in range(steps):
        grad = [0.0] * len(w)
        for x, y in zip(xs, ys):
            z = w[0] + sum(wi * xi for wi, xi in zip(w[1:], x))
            p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            grad[0] += p - y
            for i, xi in enumerate(x):
                grad[i + 1] += (p - y) * xi
        for i in range(len(w)):
            reg = l2 * w[i] if i else 0.0
            w[i] -= rate * (grad[i] / len(xs) + reg)
    return w


def decide(w, s, threshold):
    if sure(s):
        return True
    x = signal_features(s)
    return w[0] + sum(wi * xi for wi, xi in zip(w[1:], x)) > threshold


def fit_answerability(cases):
    usable = [c for c in cases if c["signals"] is not None]
    fit = [c for c in usable if c["fit"] and not sure(c["signals"])]
    # Unanswerable cases are few: weigh them up to balance the classes.
    n_none = sum(c["expects_none"] for c in fit)
    n_ans = len(fit) - n_none
    xs, ys = [], []
    for c in fit:
        copies = max(1, round(n_ans / max(n_none, 1))) if c["expects_none"] else 1
        for _ in range(copies):
            xs.append(signal_features(c["signals"]))
            ys.append(0.0 if c["expects_none"] else 1.0)
    w = logistic(xs, ys)
    print("answerability: bias " + f"{w[0]:.2f}, " + ", ".join(f"{n} {v:.2f}" for n, v in zip(NAMES, w[1:])))
    for t in (-1.0, -0.8, -0.6, -0.4, -0.2, 0.0):
        for name in ("fit", "check"):
            part = [c for c in usable if c["fit"] == (name == "fit")]
            out = []
            for lang, english in (("en", True), ("uk/ru", False)):
                sub = [c for c in part if (c["kind"] not in ("uk", "ru")) == english]
                ans = [c for c in sub if not c["expects_none"]]
                none = [c for c in sub if c["expects_none"]]
                a = sum(decide(w, c["signals"], t) for c in ans)
                r = sum(not decide(w, c["signals"], t) for c in none)
                out.append(f"{lang} answered {a}/{len(ans)}, refused {r}/{len(none)}")
            mark = " <-" if t == THRESHOLD else ""
            print(f"  threshold {t:+.1f} {name:5}: " + "; ".join(out) + mark)
    return w


def main():
    cases = load(sys.argv[1])
    fit_ranking(cases)
    fit_answerability(cases)



if __name__ == "__main__":
    main()
