"""Would sentence embeddings from the bundled GGUF beat the learner's TF-IDF? Held-out accuracy, measured.

    python benchmarks/learner_embeddings.py

The first n (shuffled, seed 0) texts of a dataset train and texts 500-699 are held out. "embeddings": llama.cpp's
mean-pooled embedding of the bundled SmolLM2-135M-Instruct with scikit-learn's LogisticRegression; "tfidf": the
learner's own features and model (`learner.train`, uncalibrated: calibration hardly moves the argmax).
Results: benchmarks/results/learner_calibration.md.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from llama_cpp import Llama
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from labelwidgets.suggesters.learner import _hash, train
from labelwidgets.suggesters.local import bundled_model_path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def sms() -> pd.DataFrame:
    frame = pd.read_csv(SHARED / "sms_spam" / "SMSSpamCollection.tsv", sep="\t", header=0, names=["gold", "text"])
    return frame.sample(frac=1, random_state=0).reset_index(drop=True)


def irony() -> pd.DataFrame:
    folder = SHARED / "tweeteval" / "irony"
    texts = (folder / "test_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (folder / "test_labels.txt").read_text().split()
    return pd.DataFrame({"text": texts, "gold": labels}).sample(frac=1, random_state=0).reset_index(drop=True)


def main() -> None:
    model = Llama(
        model_path=str(bundled_model_path()), embedding=True, n_ctx=512, verbose=False, n_threads=1, pooling_type=1
    )
    held_out = slice(500, 700)
    for name, load in (("sms", sms), ("tweeteval-irony", irony)):
        df = load().head(700)
        started = time.perf_counter()
        embedded = np.array([np.asarray(model.embed(text), dtype=float) for text in df["text"]])
        per_text_ms = 1000 * (time.perf_counter() - started) / len(df)
        y_test = df["gold"][held_out].to_numpy()
        for n in (50, 200, 500):
            y_train = df["gold"][:n].to_numpy()
            if len(set(y_train)) < 2:
                continue
            logistic = LogisticRegression(C=1.0, max_iter=2000).fit(embedded[:n], y_train)
            accuracy_embedded = accuracy_score(y_test, logistic.predict(embedded[held_out]))
            examples = [(str(i), t, g) for i, t, g in zip(df.index[:n], df["text"][:n], y_train, strict=True)]
            fit = train(examples, calibrate=False)
            scores = fit.model.scores(_hash(list(df["text"][held_out])))
            accuracy_tfidf = accuracy_score(y_test, np.array(fit.model.linear.columns)[scores.argmax(axis=1)])
            print(
                f"{name} n={n}: embeddings {accuracy_embedded:.3f}  tfidf {accuracy_tfidf:.3f}  "
                f"(embedding {per_text_ms:.0f} ms a text)",
                flush=True,
            )


if __name__ == "__main__":
    main()
