"""What the stopping signal adds to a Learner's retrain: the training thread's CPU seconds per retrain on the bundled
SMS messages, without a stop set and with one predicted at every retrain (``every=1``, the most it can cost; the
default predicts once per 10 labels). The stop set is every message the session starts with unlabeled (500).

python benchmarks/bench_stopping.py
"""

from __future__ import annotations

import os
import statistics

import labelwidgets as lw
from labelwidgets.metrics.stopping import StabilizingPredictions


def main() -> None:
    df = lw.datasets.sms_spam()
    gold = df["gold"].tolist()
    for name, stopping in (
        ("no stop set", False),
        ("stop set predicted every retrain", StabilizingPredictions(every=1)),
    ):
        learner = lw.Learner(stopping=stopping)
        labeler = lw.Labeler(df[["text"]].copy(), labels=["ham", "spam"], store=None, order="random", seed=1,
                             suggester=learner)  # fmt: skip
        cpu: list[float] = []
        for count in range(1, 301):
            labeler.label(gold[labeler.session.row_at(labeler.position)])
            if count % 5 == 0:
                learner.wait_until_trained(timeout=60)
                if count > 20 and learner.last_train_cpu_seconds is not None:
                    cpu.append(learner.last_train_cpu_seconds)
        print(
            f"{name}: median {statistics.median(cpu):.3f} CPU s per retrain, max {max(cpu):.3f} ({len(cpu)} retrains "
            f"between 25 and 300 labels); load average {os.getloadavg()[0]:.1f}"
        )
        labeler.close()
        learner.close()


if __name__ == "__main__":
    main()
