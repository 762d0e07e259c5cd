"""Can `lw.LocalLLM` (the bundled SmolLM2-135M) judge pairs? Its accuracy against a coin on pairs with a known
better output.

    python benchmarks/bench_local_judge.py [--pairs 240] [--datasets sms,banking77] [--out results/local_judge.json]

No human pairwise set is available offline, so the pairs are built from real labeled data (people's labels, not
ours): for each text, the question "what is this?" answered once with its true label and once with a wrong one.
A judge that reads the text should prefer the true answer; a coin picks it half the time.

* ``sms``: the UCI SMS Spam Collection (Almeida & Gómez Hidalgo, CC BY 4.0), half spam, half ham; the answers say
  "spam" or "not spam".
* ``banking77``: Banking77 test queries (Casanueva et al. 2020, CC BY 4.0); the true intent against another intent
  drawn at random.

Each pair is judged in both orders (the true answer first, then second), exactly as `lw.Judge` asks: the prompt and
the two responses in judge.py's words, the verdicts A, B and tie scored by likelihood (`LocalLLM` writes nothing),
calibrated against content-free input as LocalLLM's labels are (``calibrate=True``, its default) and not.

Reported per dataset and setting:

* accuracy per order: the verdict names the true answer (a tie counts as a miss);
* position consistency: the share of pairs whose two verdicts name the same output (both tie included), and the
  share of decisive verdicts that chose Response A (the left);
* **verdicts as lw.Judge gives them**: a pair's verdict is the output both orders name; a verdict that changes with
  the order is inconsistent (no verdict). Accuracy among the decisive consistent verdicts, one-sided exact binomial
  test against a coin (0.5), and the share of pairs that got one;
* both orders averaged (the verdict probabilities of the two orders, by output, summed): the better-scored output
  of every pair, one-sided binomial test against 0.5.

Rule (issue #22): LocalLLM judges pairs only if the verdicts it would give beat a coin with p < 0.01 on at least 200
pairs. The data sets are read from /work/shared/datasets (``--root`` to point elsewhere).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import binomtest

import labelwidgets as lw
from labelwidgets.kinds.pair import TIE, PairVerdict

OUTPUTS = ("true_answer", "wrong_answer")
KIND = PairVerdict(outputs=OUTPUTS)


def sms_pairs(root: Path, n: int, seed: int) -> pd.DataFrame:
    table = pd.read_csv(root / "sms_spam/SMSSpamCollection.tsv", sep="\t", header=0, names=["label", "text"])
    half = n // 2
    spam = table[table["label"] == "spam"].sample(half, random_state=seed)
    ham = table[table["label"] == "ham"].sample(n - half, random_state=seed)
    chosen = pd.concat([spam, ham]).sample(frac=1, random_state=seed)
    answers = {"spam": "This message is spam: unwanted advertising or a scam.",
               "ham": "This message is not spam: it is an ordinary personal message."}  # fmt: skip
    return pd.DataFrame({
        "prompt": "Is this SMS message spam?\n\nMessage: " + chosen["text"].astype(str),
        "true_answer": chosen["label"].map(answers),
        "wrong_answer": chosen["label"].map({"spam": answers["ham"], "ham": answers["spam"]}),
    }).reset_index(drop=True)  # fmt: skip


def banking_pairs(root: Path, n: int, seed: int) -> pd.DataFrame:
    table = pd.read_csv(root / "banking77/banking_data/test.csv").sample(n, random_state=seed)
    intents = sorted(table["category"].unique())
    rng = random.Random(seed)

    def said(intent: str) -> str:
        return f"The customer is asking about: {intent.replace('_', ' ')}."

    wrong = [rng.choice([i for i in intents if i != true]) for true in table["category"]]
    return pd.DataFrame({
        "prompt": "What is this bank customer asking about?\n\nCustomer: " + table["text"].astype(str),
        "true_answer": table["category"].map(said),
        "wrong_answer": [said(w) for w in wrong],
    }).reset_index(drop=True)  # fmt: skip


def verdict(probabilities: dict[str, float] | str, order: tuple[str, str]) -> str | None:
    """The output (or tie) a verdict over Response A / B names, given the order shown; None for an error."""
    if isinstance(probabilities, str):
        return None
    best = max(probabilities, key=probabilities.__getitem__)
    return {"A": order[0], "B": order[1]}.get(best, best)


def measure(local: lw.LocalLLM, pairs: pd.DataFrame) -> dict[str, Any]:
    items = [
        lw.Item(key=str(i), text=row.prompt, fields={c: getattr(row, c) for c in OUTPUTS})
        for i, row in enumerate(pairs.itertuples())
    ]
    started = time.perf_counter()
    answers = local._verdict_probabilities(items, KIND)
    seconds = time.perf_counter() - started
    orders = [OUTPUTS, OUTPUTS[::-1]]
    per_order = [[verdict(a[k], orders[k]) for k in range(2)] for a in answers]
    errors = sum(v is None for pair in per_order for v in pair)
    decisive = [(v, k) for pair in per_order for k, v in enumerate(pair) if v not in (None, TIE)]
    left_wins = sum(v == orders[k][0] for v, k in decisive)
    consistent = [pair[0] for pair in per_order if pair[0] is not None and pair[0] == pair[1]]
    consistent_decisive = [v for v in consistent if v != TIE]
    right = sum(v == "true_answer" for v in consistent_decisive)
    averaged = []
    for a in answers:
        if isinstance(a[0], str) or isinstance(a[1], str):
            continue
        true_score = a[0]["A"] + a[1]["B"]
        wrong_score = a[0]["B"] + a[1]["A"]
        averaged.append(true_score > wrong_score)
    n = len(pairs)
    test = binomtest(right, len(consistent_decisive), 0.5, alternative="greater") if consistent_decisive else None
    averaged_test = binomtest(sum(averaged), len(averaged), 0.5, alternative="greater")
    return {
        "pairs": n,
        "errors": errors,
        "accuracy_per_order": sum(v == "true_answer" for pair in per_order for v in pair) / (2 * n),
        "ties": sum(v == TIE for pair in per_order for v in pair) / (2 * n),
        "position_consistency": len(consistent) / n,
        "left_win_rate": left_wins / len(decisive) if decisive else float("nan"),
        "verdicts": len(consistent_decisive),
        "verdict_share": len(consistent_decisive) / n,
        "verdict_accuracy": right / len(consistent_decisive) if consistent_decisive else float("nan"),
        "verdict_p": test.pvalue if test is not None else 1.0,
        "averaged_accuracy": sum(averaged) / len(averaged),
        "averaged_p": averaged_test.pvalue,
        "seconds_per_pair": seconds / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--datasets", default="sms,banking77")
    parser.add_argument("--root", type=Path, default=Path("/work/shared/datasets"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--calibrate", default="true", help="true, false, or both (each doubles the time)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "local_judge.json")
    args = parser.parse_args()
    builders = {"sms": sms_pairs, "banking77": banking_pairs}
    rows = []
    for name in args.datasets.split(","):
        pairs = builders[name](args.root, args.pairs, args.seed)
        for calibrate in {"true": (True,), "false": (False,), "both": (True, False)}[args.calibrate]:
            local = lw.LocalLLM(calibrate=calibrate)
            result = {"dataset": name, "calibrate": calibrate, **measure(local, pairs)}
            local.close()
            rows.append(result)
            print(json.dumps(result), flush=True)
    load = os.getloadavg()[0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"load_average": load, "rows": rows}, indent=1))
    print(f"\nload average {load:.1f}\n")
    print("| data | calibrate | pairs | accuracy per order | ties | position consistency | left-win rate | "
          "verdicts (share) | verdict accuracy | p (vs coin) | both orders averaged | p | s/pair |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['dataset']} | {r['calibrate']} | {r['pairs']} | {r['accuracy_per_order']:.3f} | "
              f"{r['ties']:.3f} | {r['position_consistency']:.3f} | {r['left_win_rate']:.3f} | "
              f"{r['verdicts']} ({r['verdict_share']:.2f}) | {r['verdict_accuracy']:.3f} | {r['verdict_p']:.3g} | "
              f"{r['averaged_accuracy']:.3f} | {r['averaged_p']:.3g} | {r['seconds_per_pair']:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
