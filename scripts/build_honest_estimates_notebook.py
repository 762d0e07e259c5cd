"""Build notebooks/honest_estimates.ipynb with its outputs, which nbval compares.

python scripts/build_honest_estimates_notebook.py notebooks/honest_estimates.ipynb

Offline. The model's label on every message comes from the bundled SmolLM2-135M (``lw.LocalLLM`` with eight
examples, greedy), asked once by this script and kept in ``notebooks/data/sms_local_suggestions.csv``: asking it
about 500 messages takes several minutes on a laptop, longer than a notebook under nbval should. The notebook reads
that file, and shows the call that made it. Delete the file to ask the model again. The people's labels are the SMS
collection's own (``gold``) on seeded random samples, so every number is the same everywhere.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SUGGESTIONS = ROOT / "notebooks" / "data" / "sms_local_suggestions.csv"

#: The call that made the cached suggestions; the notebook shows it as code to copy, this script runs it.
SUGGEST = """sms = lw.datasets.sms_spam()
ham, spam = sms[sms.gold == "ham"], sms[sms.gold == "spam"]
examples = pd.concat([pair for i in range(4) for pair in (ham.iloc[[i]], spam.iloc[[i]])])
local = lw.LocalLLM(instructions="Decide whether this SMS message is spam.",
                    few_shot=examples.rename(columns={"gold": "label"}))
lw.suggest(sms, local, labels=["ham", "spam"], columns={"suggestion": "llm_label", "confidence": "llm_confidence",
           "confidence_source": None, "suggestion_error": None}, progress=False)"""


def cached_suggestions() -> None:
    """Ask the bundled model about every message once, and keep its answers (index: the dataset's own)."""
    import pandas as pd

    import labelwidgets as lw

    namespace = {"lw": lw, "pd": pd}
    exec(SUGGEST, namespace)
    sms = namespace["sms"]
    namespace["local"].close()
    sms[["llm_label", "llm_confidence"]].round({"llm_confidence": 4}).to_csv(SUGGESTIONS, index_label="key")


md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def ignore_output(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cell.metadata["tags"] = ["nbval-ignore-output"]
    return cell


def cells() -> list[nbformat.NotebookNode]:
    return [
        md("""# Honest answers from few labels

Three questions people ask after labeling a few hundred items, answered with an interval or a stated rule:

1. **How common is spam in all the messages?** `lw.estimate`: a model's label on every message, corrected by
   the people's labels on a random sample (prediction-powered inference), beside the people's labels alone.
2. **How many items must I label?** `lw.labels_needed`, before labeling starts.
3. **Can the model replace a person?** `lw.alt_test`, the alternative annotator test, on a team's labels.
4. **Have I labeled enough?** The stopping signal of a `lw.Learner`: when more labels stop changing what it
   predicts.

The data are the 500 SMS messages bundled with the package (SMS Spam Collection, Almeida & Gómez Hidalgo, CC BY
4.0); their own label (`gold`) stands in for the people, so the true share of spam is known and each interval can
be checked against it. Everything runs offline."""),
        md(f"""## The model's label on every message

The model is the small one bundled with the package (SmolLM2-135M through `lw.LocalLLM`), shown eight examples.
Asking it about 500 messages takes several minutes, so its answers were asked once and kept in
`data/sms_local_suggestions.csv` (by `scripts/build_honest_estimates_notebook.py`), with this call:

```python
{SUGGEST}
```"""),
        code("""import tempfile

import numpy as np
import pandas as pd

import labelwidgets as lw

sms = lw.datasets.sms_spam()
sms = sms.join(pd.read_csv("data/sms_local_suggestions.csv", index_col="key"))
truth = (sms["gold"] == "spam").mean()
print(f"true share of spam: {truth:.1%}; the model calls {(sms['llm_label'] == 'spam').mean():.1%} spam, "
      f"and is right on {(sms['llm_label'] == sms['gold']).mean():.1%} of the messages")"""),
        md("""## 1. How common is spam? `lw.estimate`

People label a random 60 of the 500 messages (here: the collection's own label on a seeded random sample). The
prediction-powered row uses the model on all 500, corrected by how it erred on those 60; its interval is valid
however bad the model is. The people-only row uses the 60 alone; the model-only row has no interval, because its
error is bias, which sampling does not describe."""),
        code("""rng = np.random.default_rng(7)
sample = rng.choice(len(sms), 60, replace=False)
sms["label"] = None
sms.iloc[sample, sms.columns.get_loc("label")] = sms["gold"].iloc[sample]

table = lw.estimate(sms, label="label", suggestion="llm_label", of="spam", noun="messages")
table[["method", "estimate", "low", "high", "n", "N", "valid"]].round(3)"""),
        code("""print(table["sentence"][0])
row = table.set_index("method").loc["prediction-powered"]
print(f"the true share, {truth:.1%}, is inside the interval: {row['low'] <= truth <= row['high']}")"""),
        md("""The note says what the interval assumes: a DataFrame's labeled rows are taken to be a random sample. A
Labeler knows the order people saw the items in, and says when they are not (next)."""),
        code("""table["note"][0]"""),
        md("""## When the labels are not a random sample, and the fix

A Labeler that shows the model's least sure messages first (`order="uncertain"`) puts people's time where it
counts, but those messages are not like the rest: the interval is then marked not valid, and the note says how to
fix it. The fix is a random audit: a Labeler with `order="random"` on the same store for the next items. Its labels
are recorded with their order; the estimate counts the ordered ones as known messages and builds the interval from
the audit alone."""),
        code("""folder = tempfile.mkdtemp()
store = f"{folder}/labels.db"
items = sms[["text", "gold", "llm_label", "llm_confidence"]].copy()
model = lw.FromColumn("llm_label", confidence="llm_confidence")

ordered = lw.Labeler(items, labels=["ham", "spam"], store=store, order="uncertain", suggester=model)
for _ in range(40):  # a script plays the person: the collection's label for each message shown
    ordered.label(ordered.current["gold"])
first = lw.estimate(ordered, of="spam", noun="messages").set_index("method").loc["prediction-powered"]
print(first["valid"])
print(first["note"])
ordered.close()"""),
        code("""audit = lw.Labeler(items, labels=["ham", "spam"], store=store, order="random", suggester=model)
for _ in range(60):
    audit.label(audit.current["gold"])
audited_table = lw.estimate(audit, of="spam", noun="messages").set_index("method")
audited = audited_table.loc["prediction-powered"]
print(audited["valid"], audited["n"], audited["N"])
print(audited["sentence"])
print(audited["note"])
for method in ("prediction-powered", "people only"):
    low, high = audited_table.loc[method, ["low", "high"]]
    print(f"{method}: the true share is inside the interval: {low <= truth <= high}")
audit.close()"""),
        md("""Here the audit's 60 messages happened to hold 14 spam where about 7 were to be expected (a draw of 1 in
100): the people-only interval misses the truth, and the prediction-powered one, helped by the model's labels on the
other 400 messages, only just holds it. That is what 95% means: about one interval in 20 misses, and nothing in
the data says which one. More audit labels make such a draw rarer and the interval narrower."""),
        md("""## 2. How many items? `lw.labels_needed`

Before labeling: how many items give an interval of a given width (high − low). For a share with nothing known,
p = 0.5; a share expected near 12% needs fewer. For Cohen's kappa between two people (or a person and the model),
the items both must label; a rare label needs many more."""),
        code("""{
    "share, ±5 points": lw.labels_needed(0.1),
    "share near 12%, ±5 points": lw.labels_needed(0.1, prevalence=0.12),
    "kappa 0.7 ± 0.1, 50/50 labels": lw.labels_needed(0.2, kappa=0.7),
    "kappa 0.7 ± 0.1, 12% spam": lw.labels_needed(0.2, kappa=0.7, labels=["spam", "ham"], prevalence=0.12),
}"""),
        md("""## 3. Can the model replace a person? `lw.alt_test`

The alternative annotator test (Calderon, Reichart & Dror, ACL 2025) needs several people on the same items. Here
four simulated people label the same 120 messages (each right 85–95% of the time, seeded), in the long shape a
`lw.Team`'s `decisions` has: one row per item and person. Leaving one person out at a time, it asks whether the
model agrees with the others at least as well as that person does, give or take ε."""),
        code("""rng = np.random.default_rng(11)
shared = sms.iloc[:120]
flip = {"ham": "spam", "spam": "ham"}
team = pd.DataFrame([
    {"item": key, "annotator": person, "label": gold if rng.random() < right else flip[gold]}
    for person, right in {"ana": 0.95, "ben": 0.9, "cem": 0.88, "dia": 0.85}.items()
    for key, gold in shared["gold"].items()
])
result = lw.alt_test(team, llm=shared["llm_label"], epsilon=0.2)
print(result.epsilon_means)
print(result.sentence)
result.annotators[["annotator", "n_items", "llm_alignment", "annotator_alignment", "p_value", "rejected"]].round(3)"""),
        md("""## 4. Have I labeled enough? The stopping signal

A `lw.Learner` in a Labeler holds a random sample of the unlabeled messages aside (here all 500: the stop set).
After every 10 new labels it predicts the whole stop set, in its training thread, and compares with its previous
predictions: Cohen's kappa between the two (Bloodgood & Vijay-Shanker 2009; the same numbers as small-text's
`KappaAverage`). Once the mean kappa over the last 3 comparisons reaches 0.99, more labels of the same kind no
longer change what it predicts, and its status (the line in the Labeler's header) says *you could stop here*. It
does not say the predictions are right: the estimate above is what says how right."""),
        code("""learner = lw.Learner(retrain_every=10)
learning = lw.Labeler(sms[["text"]].copy(), labels=["ham", "spam"], store=None, order="random", seed=3,
                      suggester=learner)
gold = sms["gold"].tolist()
for count in range(1, 251):
    learning.label(gold[learning.session.row_at(learning.position)])
    if count % 10 == 0:
        learner.wait_until_trained(timeout=120)  # as a person labels, the retrains keep up
    if count % 50 == 0:
        print(learner.status)"""),
        code("""signal = learner.stopping_signal
print([round(kappa, 3) for kappa in signal.kappas])  # one per batch of 10 labels, oldest first
signal.stop, signal.threshold, signal.window"""),
        md("""## The same lines on the Dashboard

The Dashboard of a Labeler writes these as one line of text each in its header, and as rows of `estimates()`: the
estimate (with a `FromColumn` suggester, the model's label on every row) and the stopping signal (with a
`Learner`). `lw.compare` on a long table of several people's labels adds each suggester's alt-test verdict."""),
        code("""dash = lw.Dashboard(learning, n_boot=0)
dash.estimates()[["metric", "value", "n", "note"]]"""),
        code("""learning.close()
learner.close()"""),
    ]


if __name__ == "__main__":
    if not SUGGESTIONS.exists() or "--suggestions" in sys.argv:
        cached_suggestions()
    if "--suggestions" in sys.argv:
        sys.exit(0)
    target = Path(sys.argv[1])
    notebook = nbformat.v4.new_notebook(cells=cells())
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "data").symlink_to(ROOT / "notebooks" / "data")
        NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": folder}}).execute()
    nbformat.write(notebook, target)
    # The cells as `ruff format --check` (the test command) wants them; it never changes what they print.
    subprocess.run([sys.executable, "-m", "ruff", "format", str(target)], check=True)
