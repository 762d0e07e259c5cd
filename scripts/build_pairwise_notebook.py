"""Build notebooks/pairwise.ipynb with its outputs, which nbval compares.

python scripts/build_pairwise_notebook.py notebooks/pairwise.ipynb

Offline: the replies are written by the bundled SmolLM2-135M (greedy, so the same on every run of this machine's
build of llama.cpp); the cell that shows them is marked ``nbval-ignore-output`` because another CPU's build may
word them differently. The people's verdicts are simulated from a planted, seeded preference, so every number
below them is the same everywhere.
"""

import subprocess
import sys
import tempfile

import nbformat
from nbclient import NotebookClient

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def ignore_output(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cell.metadata["tags"] = ["nbval-ignore-output"]
    return cell


cells = [
    md("""# Is prompt B better than prompt A? Two outputs judged side by side

A prompt comparison about generated text: two prompts answer the same questions, people see the two replies
side by side (which reply is on which side is drawn per item and per person, and recorded), and the numbers say
which prompt wins, how sure that is, and whether anyone simply preferred the left side.

The questions are 12 customer messages from the Banking77 test set (Casanueva et al. 2020, CC BY 4.0; one
message from each of 12 intents drawn at random). Everything runs offline: the replies come from the small model
bundled with the package."""),
    code("""import warnings

import numpy as np
import pandas as pd

import labelwidgets as lw

questions = pd.DataFrame({"question": [
    "What do I do with my card PIN?",
    "I like to Mastercard rather than Visa.",
    "Where can I obtain my virtual card?",
    "Would it be possible to get another card?",
    "When traveling, can I auto top-up my card at certain times?",
    "If I request that my funds be held, what currencies do you use?",
    "I think my card payment has been stopped",
    "I've tried my card a bunch of times and it never worked.",
    "how old do i need to be to get an account for myself",
    "I have a strange payment in my statement",
    "Is there a fee for using a European bank card to top up?",
    "I've tried numerous times to submit a transfer of funds. Why isn't it going through?",
]})
len(questions)"""),
    md("""## Two prompts, no outputs yet: `lw.generate`

`lw.generate(df, model, prompt=..., column=...)` writes a model's reply to each row's prompt into a column.
`prompt=` is a column name (its text is the prompt) or a template with `{column}` placeholders, as here; `system=`
adds a system message. With `lw.LLM("gpt-4o-mini")` (any litellm model) it prices the run first and asks above
`confirm_above` dollars, caches every reply, and keeps each failed row's error in `<column>_error`; `lw.LocalLLM()`
runs the bundled SmolLM2-135M on this machine, for free and offline. A 135M model writes short, often wrong
replies: it is here so that the notebook runs anywhere, not as a system worth comparing. `max_tokens` is kept small
so that it runs in about a minute; `<column>_finish` says `length` for a reply cut there."""),
    code("""local = lw.LocalLLM()
lw.generate(questions, local, prompt="Reply to this bank customer in one sentence: {question}",
            column="reply_brief", max_tokens=32, progress=False)
lw.generate(questions, local, prompt="{question}", column="reply_agent", max_tokens=32, progress=False,
            system="You are a friendly support agent at a bank. Tell the customer what to do next.")
questions[["reply_brief_error", "reply_agent_error"]].isna().all()"""),
    ignore_output(
        code("""pd.set_option("display.max_colwidth", 120)
questions[["question", "reply_brief", "reply_agent"]].head(4)""")
    ),
    md("""## Judging pairs: `kind="pair"`

The labeler shows the question above the two replies, side by side; `←`/`→` (or the keys shown) choose the better
side, another key says *tie*. The answer stored is the winning reply's **column**, never the side, and each
decision records which reply was on the left for that person."""),
    code("""def pair_labeler(annotator):
    return lw.Labeler(questions.copy(), kind="pair", prompt="question", outputs=("reply_brief", "reply_agent"),
                      store="pairs.db", annotator=annotator)


labeler = pair_labeler("ana")
labeler"""),
    md("""So that the notebook runs by itself, four simulated people judge every pair through `labeler.label(...)`, the
same code path as the keys. Three have a planted preference: the agent prompt's reply wins 70% of their decisive
verdicts, and 15% of their verdicts are ties. Ben clicks whatever is on the left, every time: an extreme position
bias, which the side randomisation lets us measure, and which turns his verdicts into noise rather than into a
preference for one prompt."""),
    code("""rng = np.random.default_rng(22)


def verdict(person, row):
    if person.session.annotator == "ben":
        return person.session.presentation(row)["left"]  # the column shown on the left, for this person
    if rng.random() < 0.15:
        return "tie"
    return "reply_agent" if rng.random() < 0.7 else "reply_brief"


with warnings.catch_warnings():  # each new person on a shared store is told that it holds others' labels
    warnings.simplefilter("ignore")
    people = [labeler, pair_labeler("ben"), pair_labeler("cy"), pair_labeler("dee")]
for person in people:
    for row in range(len(questions)):
        person.label(verdict(person, row))
judged = lw.judgments(labeler)
judged.groupby("annotator")["winner"].value_counts().unstack(fill_value=0)"""),
    md("""`lw.judgments(labeler)` is the table every pairwise statistic reads: one row per verdict in force, with the
systems (here the two output columns), the winner and the side each person saw on the left.

## Who wins, and how sure is that?

`lw.win_rates`: each system's share of wins among the decisive verdicts (ties are left out and shown beside it),
with an exact binomial (Clopper–Pearson) interval."""),
    code("""lw.win_rates(judged).round(3)"""),
    md("""`lw.bradley_terry`: strengths on a log-odds scale (a difference of 1 is odds of e ≈ 2.7 to 1) with bootstrap
intervals over the judgments; with more than two systems this is the ranking (Chatbot Arena's method). The
ranking is the order of the strengths; an interval that overlaps the next system's says the order is not settled."""),
    code("""strengths = lw.bradley_terry(judged, seed=0)
strengths.round(3)"""),
    md("""How many judgments would settle it? `judgments_needed` gives the decisive judgments per pair of systems that
detect a preference with 80% power (exact binomial test, 95%): about 210 for a 60/40 preference, 54 for 70/30.
The 44 decisive judgments here put the agent prompt's win rate at about two thirds with an interval that only
just clears 0.5: enough for a demo, not for a decision."""),
    code("""from labelwidgets.metrics.pairwise import judgments_needed

judgments_needed(0.6), judgments_needed(0.7)"""),
    md("""## Did anyone prefer the left side?

Because the side was drawn at random for each pair and person, a fair rater's left-win rate is near 0.5.
`lw.position_bias` tests it per rater against 0.5 (exact binomial); Ben's planted habit shows."""),
    code("""bias = lw.position_bias(judged)
bias[bias["metric"] == "left_win_rate"][["rater", "value", "low", "high", "n", "p_value"]].round(3)"""),
    md("""Ben's verdicts say where the replies were shown, not which was better; the side was random, so they only add
noise. Without them, the same statistics:"""),
    code("""careful = judged[judged["annotator"] != "ben"]
lw.win_rates(careful).round(3)[["system", "win_rate", "low", "high", "wins", "losses", "ties"]]"""),
    md("""The agent prompt's rate rises without Ben's noise, but it now rests on fewer judgments, so its interval is no
narrower: only more judgments settle it (about 54 decisive ones for a 70/30 preference)."""),
    md("""## And a judge?

`lw.Judge("gpt-4o-mini")` (any litellm model, a local server too) judges every pair in both orders and marks a
verdict that flips with the order as inconsistent; `lw.judge_agreement` then compares it with the people. The
bundled local model is not offered as a judge: on real pairs with a known better answer it did no better than a
coin, whatever the order (benchmarks/bench_local_judge.py; the measured numbers are in its refusal). So this
notebook shows the people's numbers only:"""),
    code("""try:
    lw.Labeler(questions.copy(), kind="pair", prompt="question", outputs=("reply_brief", "reply_agent"),
               suggester=local, store=None)
except lw.InputError as refusal:
    print(refusal)"""),
]
nb = nbformat.v4.new_notebook()
nb.cells = cells
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
work = tempfile.mkdtemp()
NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": work}}).execute()
nbformat.write(nb, sys.argv[1])
# The cells as `ruff format --check` (the test command) wants them; it never changes what they print.
subprocess.run([sys.executable, "-m", "ruff", "format", sys.argv[1]], check=True)
