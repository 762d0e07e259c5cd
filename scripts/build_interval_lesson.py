"""Build notebooks/teaching/interval_student.ipynb with its outputs, which nbval compares.

python scripts/build_interval_lesson.py notebooks/teaching/interval_student.ipynb

The lesson "Why a sample's interval matters" (#24), from the text in the issue's note. Offline and deterministic:
the messages are the 500 bundled with the package, their own label (``gold``) stands in for the student at home,
every sample has a seed, and the "model" is a fixed keyword rule, so every number is the same everywhere. The
numbers the markdown states were checked against the outputs this script writes; if a seed or the data change,
run it again and edit the text to what the cells print.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def cells() -> list[nbformat.NotebookNode]:
    return [
        md("""# Why a sample's interval matters: student notebook

You will estimate how common spam is among 500 SMS messages from the few you label yourself. Everyone in the
class labels a *different* random 30, so everyone gets a different number, and most of them are wrong by a few
points. The interval around your number says how wrong it can be: 95 of 100 such intervals hold the true share.
By the end you will see (1) why 30 labels give a wide interval, (2) how many labels a narrower one needs, (3) how
a model's labels on every message narrow it without making it dishonest, and (4) why labels you *chose* (not drawn
at random) make the interval a lie.

Everything runs offline, and every sample has a seed, so run as it is the notebook prints the numbers the text
quotes."""),
        code("""import numpy as np
import pandas as pd

import labelwidgets as lw

sms = lw.datasets.sms_spam()  # 500 real messages (SMS Spam Collection, CC BY 4.0); `gold` is their own label
truth = (sms["gold"] == "spam").mean()
print(f"the true share of spam: {truth:.1%}")  # you would not know this in real life"""),
        md("""## Your 30

Label the 30 messages below (in class: the Labeler your teacher gives you; at home, the next cell uses the
collection's own labels for you). Your estimate is the share of spam among *your* 30, and its 95% interval is
the share ± 1.96 standard errors."""),
        code("""STUDENT_SEED = 7  # in class: your own number, so your 30 differ from your neighbour's
mine = sms.sample(30, random_state=STUDENT_SEED)
labeler = lw.Labeler(
    mine.copy(), labels=["ham", "spam"], store=None, annotator="you", order="random", seed=STUDENT_SEED
)
labeler"""),
        code("""# At home: the collection's labels stand in for yours (delete this cell in class).
while labeler.session.n_decided < 30:
    labeler.label(labeler.current["gold"])"""),
        code("""mine = labeler.df  # your 30, with your labels in `label`
share = (mine["label"] == "spam").mean()
half = 1.96 * np.sqrt(share * (1 - share) / len(mine))
print(f"your estimate: {share:.1%}, 95% interval {max(share - half, 0):.1%} to {share + half:.1%}")
print("does it hold the true share?", share - half <= truth <= share + half)"""),
        md("""## A whole class of samples

One interval says little. Here are 40 students' samples of 30 (simulated: each a different random 30). Each line
is one student's interval; the dashed line is the truth. Count the lines that miss it."""),
        code("""rows = []
for student in range(40):
    sample = sms.sample(30, random_state=100 + student)
    spam = int((sample["gold"] == "spam").sum())
    p = spam / 30
    h = 1.96 * np.sqrt(p * (1 - p) / 30)
    rows.append({"student": student, "spam": spam, "share": p, "low": max(p - h, 0), "high": p + h})
class_ = pd.DataFrame(rows)
class_["holds the truth"] = (class_["low"] <= truth) & (truth <= class_["high"])
print(f"{class_['holds the truth'].sum()} of {len(class_)} intervals hold the truth")
print(
    f"the students' shares run from {class_['share'].min():.1%} to {class_['share'].max():.1%} "
    f"({class_['spam'].min()} to {class_['spam'].max()} spam messages in 30)"
)"""),
        code("""# NBVAL_IGNORE_OUTPUT
# (plotly's figure JSON; the numbers it draws are printed above)
import plotly.graph_objects as go

figure = go.Figure([
    go.Scatter(
        x=class_["share"],
        y=class_["student"],
        mode="markers",
        error_x={
            "type": "data",
            "symmetric": False,
            "array": class_["high"] - class_["share"],
            "arrayminus": class_["share"] - class_["low"],
        },
    )
])
figure.add_vline(x=truth, line_dash="dash")
figure.update_layout(xaxis_title="share of spam", yaxis_title="student", height=500)
figure"""),
        md("""Most intervals hold the truth and some miss. "95%" promises about 38 of 40; here 34 of 40 hold it. The
simple ± formula is too narrow with 30 labels and a share near 12%: it assumes a bell curve, and a sample holding 1 to 9
spam messages is far from one (the Wilson interval, which `lw.agreement` uses for accuracy, does better; so do
more labels). Notice also how wide they are: with 30 labels the students' shares run from 3.3% to 30.0%.

## How many labels for a narrower interval?

The interval narrows with the square root of the number of labels: four times the labels, half the width.
`lw.labels_needed` answers before anyone labels."""),
        code("""{
    "±10 points (width 0.2), nothing known": lw.labels_needed(0.2),
    "±5 points, nothing known": lw.labels_needed(0.1),
    "±5 points, share near 12%": lw.labels_needed(0.1, prevalence=0.12),
    "±2 points, share near 12%": lw.labels_needed(0.04, prevalence=0.12),
}"""),
        md("""## A model's help, without its bias

A model can label all 500 messages in seconds, but it makes mistakes, and its share of spam is off by its
mistakes: no interval describes that. Prediction-powered inference uses both: the model's share over all 500,
corrected by how it erred on *your* 30. The interval stays honest however bad the model is, and is narrower
than yours alone when the model is good. Here the "model" is a rule that looks for words such as *free* or
*call*."""),
        code("""SPAMMY = r"\\b(?:call|free|txt|text|win|won|prize|claim|now|reply|urgent)\\b|£"
sms["rule"] = np.where(sms["text"].str.lower().str.contains(SPAMMY), "spam", "ham")
sms["label"] = None
sms.loc[mine.index, "label"] = mine["label"]  # your 30 labels; the other 470 are unlabeled
table = lw.estimate(sms, label="label", suggestion="rule", of="spam", noun="messages")
print(table["sentence"][0])
print(
    f"the rule is right on {(sms['rule'] == sms['gold']).mean():.1%} of all 500 messages, "
    f"and wrong on {(sms.loc[mine.index, 'rule'] != mine['label']).sum()} of your 30"
)
table[["method", "estimate", "low", "high"]].round(3)"""),
        md("""The rule alone (the *model only* row: 24.8%, twice the truth) is a number without an interval. Combined
with your 30, the interval is narrower than yours alone (2.6% to 26.1% against 3.3% to 30.0% for seed 7), but only a
little: the rule is a weak model, wrong on 6 of your 30 messages, and the correction for those mistakes is what
keeps the interval wide; a model with fewer mistakes on your 30 narrows it more. And it still covers the truth about
95 times in 100, however bad the model (the package's tests check this over 1,000 simulated samples).

## Labels you chose are not a sample

Now suppose you had labeled the messages a model was *least sure* about, or those with the word "free":
the messages a tool shows first so that your time counts most. Their share of spam is nothing like the share in
all 500, and an interval computed from them as if they were a random sample is confidently wrong."""),
        code("""chosen = sms[sms["text"].str.lower().str.contains("free")]
p = (chosen["gold"] == "spam").mean()
h = 1.96 * np.sqrt(p * (1 - p) / len(chosen))
print(
    f"from the {len(chosen)} messages with 'free': {p:.1%} ({max(p - h, 0):.1%} to {min(p + h, 1):.1%}); "
    f"the truth: {truth:.1%}"
)"""),
        md("""The interval is far from the truth: no number of such labels fixes it. A Labeler knows the order it
showed you the items in: with `order="uncertain"` (or `"disagreement"`, `"stratified"`), `lw.estimate` marks the
interval *not valid* and says the fix: label a random audit sample (a Labeler with `order="random"` on the same
store) for the next few dozen items. Only those make the interval; the ones you chose count as known messages,
not as a sample.

## What to remember

* A number from a sample comes with an interval; without one it is a guess of unknown quality.
* The width shrinks with the square root of the labels: plan it with `lw.labels_needed`.
* A model's labels on everything can narrow the interval honestly (`lw.estimate`), never replace the random
  sample it is corrected by.
* Labels you chose (hard cases first) answer "what are the hard cases like", not "how common is X"."""),
        code("""labeler.close()"""),
    ]


if __name__ == "__main__":
    target = Path(sys.argv[1])
    notebook = nbformat.v4.new_notebook(cells=cells())
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    with tempfile.TemporaryDirectory() as folder:
        NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": folder}}).execute()
    nbformat.write(notebook, target)
    # The cells as `ruff format --check` (the test command) wants them; it never changes what they print.
    subprocess.run([sys.executable, "-m", "ruff", "format", str(target)], check=True)
