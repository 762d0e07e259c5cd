"""Build notebooks/interchange.ipynb with its outputs, which nbval compares.

python scripts/build_interchange_notebook.py notebooks/interchange.ipynb

Offline and fast (seconds): a team of two labels 12 messages of the bundled SMS spam sample (their answers are
planted, so every number is the same everywhere); the labels go to JSONL and Parquet, a Hugging Face dataset, a
spaCy DocBin, Label Studio and Argilla, and come back from the two servers as decisions a Team reads. Nothing that
changes from run to run (times, seconds) is printed.
"""

import subprocess
import sys
import tempfile

import nbformat
from nbclient import NotebookClient

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell

cells = [
    md("""# Labels out and back in: files, Hugging Face, spaCy, Label Studio and Argilla

Labels made in a notebook rarely stay there: they feed a fine-tuning run, or go to colleagues on a labeling server
and come back for review. `lw.export` writes them with where each answer came from (who decided, how a team's gold
was settled); `lw.read_labels`, `lw.read_label_studio` and `lw.read_argilla` bring them back.

The items are 12 messages of the SMS Spam Collection (Almeida et al. 2011, CC BY 4.0) bundled with the package.
Two people label them; their answers are planted here so that the notebook runs on its own."""),
    code("""import json
import os
import tempfile
import warnings

import labelwidgets as lw

os.chdir(tempfile.mkdtemp(prefix="labels-out-"))  # a fresh folder each run: every file below is made anew there
df = lw.datasets.sms_spam().head(12)[["text"]]
team = lw.Team("team.db", df, labels=["ham", "spam"], overlap=2)
planted = {
    "ana": ["spam", "ham", "ham", "ham", "spam", "ham", "ham", "spam", "ham", "ham", "spam", "ham"],
    "bo": ["spam", "ham", "ham", "spam", "spam", "ham", "ham", "ham", "ham", "ham", "spam", "ham"],
}
for name, answers in planted.items():
    member = team.labeler(name)
    for answer in answers:
        member.label(answer)
team.conflicts"""),
    md("""## A file that keeps the provenance: JSONL, Parquet, CSV

One row per item: its text, the gold answer, how it was settled (unanimous, majority, adjudicated, unresolved)
and each member's answer. `lw.read_labels` gives back the same frame, dtypes and item keys included."""),
    code("""path = lw.export(team, "labels.jsonl")
back = lw.read_labels(path)
back[["gold", "gold_how", "annotators"]].head(5)"""),
    code("""again = lw.read_labels(lw.export(team, "labels.parquet"))
again.drop(columns=["decided_at", "seconds"]).equals(back.drop(columns=["decided_at", "seconds"]))"""),
    md("""## A Hugging Face dataset and a spaCy DocBin

`lw.to_dataset` makes a `DatasetDict` with a `ClassLabel` (split stratified by label where datasets can);
`lw.to_spacy` writes `doc.cats` (spans go to `doc.spans["sc"]`) for `spacy train`. The two unresolved items (the
members disagree, and nobody has settled them) have no answer and are left out."""),
    code("""with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # 10 items: too few for every class in both splits
    dataset = lw.to_dataset(team, split={"train": 0.7, "test": 0.3}, seed=0)
dataset["train"].features["label"], {name: part.num_rows for name, part in dataset.items()}"""),
    code("""import spacy
from spacy.tokens import DocBin

summary = lw.to_spacy(team, "train.spacy")
docs = list(DocBin().from_disk("train.spacy").get_docs(spacy.blank("en").vocab))
summary.docs, summary.left_out, docs[0].cats"""),
    md("""## Label Studio: tasks and a labeling config out, an export back in

`format="label-studio"` writes the tasks (each member's answer an annotation with `completed_by`, `lead_time` and
`was_cancelled`; a model's suggestion would be a prediction with `model_version` and `score`) and, beside them,
the labeling config that shows them."""),
    code("""lw.export(team, "tasks.json", format="label-studio")
tasks = json.load(open("tasks.json"))
[(a["completed_by"], a["result"][0]["value"]) for a in tasks[3]["annotations"]]"""),
    code("""print(open("tasks.label_config.xml").read())"""),
    md("""On the server a third person, cy, reviews every message (here: added to the tasks as Label Studio would
export them). `lw.read_label_studio` reads the export into a store, one annotator per Label Studio user, and
`imported.team()` is a `lw.Team` on it: agreement, conflicts, gold and an adjudicator work as for a team that
labeled here."""),
    code("""cy = ["spam", "ham", "ham", "ham", "spam", "ham", "ham", "ham", "ham", "ham", "spam", "ham"]
for task, answer in zip(tasks, cy, strict=True):
    task["annotations"].append({
        "completed_by": {"email": "cy@example.org"},
        "lead_time": 3.5,
        "was_cancelled": False,
        "result": [{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": [answer]}}],
    })
json.dump(tasks, open("export.json", "w"))

imported = lw.read_label_studio("export.json", store="from_label_studio.db", config="tasks.label_config.xml")
imported"""),
    code("""reviewed = imported.team()
reviewed.gold["how"].value_counts()"""),
    code("""reviewed.agreement(n_boot=200)[["metric", "annotator", "other", "value", "n"]].round(3)"""),
    md("""## Argilla: records as its SDK logs them, its export back in

`format="argilla"` writes flat records (`fields`, `label.responses` with `.users` and `.status`, and
`label.suggestion` with `.score` and `.agent` when a model suggested) and the dataset's settings beside them, as
`rg.Settings.to_json` writes them. `lw.read_argilla` reads such records (a file, or
`dataset.records.to_list(flatten=True)`) back."""),
    code("""lw.export(team, "records.jsonl", format="argilla")
first = json.loads(open("records.jsonl").readline())
{k: v for k, v in first.items() if k != "label.responses.users"}"""),
    code("""from_argilla = lw.read_argilla("records.jsonl", store="from_argilla.db")
from_argilla.annotators, from_argilla.decisions, from_argilla.team().gold.equals(team.gold)"""),
]
nb = nbformat.v4.new_notebook()
nb.cells = cells
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
work = tempfile.mkdtemp()
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": work}}).execute()
nbformat.write(nb, sys.argv[1])
# The cells as `ruff format --check` (the test command) wants them; it never changes what they print.
subprocess.run([sys.executable, "-m", "ruff", "format", sys.argv[1]], check=True)
