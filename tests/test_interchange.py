"""Labels out and back in (#23): export -> read_labels gives the same frame, a Labeler resumes on it; Hugging Face
datasets and spaCy DocBins are checked by loading them back with those libraries."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.errors import InputError

FORMATS = ("jsonl", "csv", "parquet")
PROVENANCE = ["suggestion_visible", "suggester", "prompt_id"]

# ----- one Labeler of each kind, some items decided, one skipped, one left ----------------------------------------

TEXTS = ["Ana met Bo in Rome.", "Paris in May, with Ana.", "Nothing here at all.", "Rome again."]


def _options(kind: str) -> dict[str, Any]:
    if kind == "pair":
        return {"kind": "pair", "prompt": "question", "outputs": ("reply_a", "reply_b")}
    labels = {"single": ["pos", "neg"], "multi": ["billing", "urgent", "other"], "spans": ["person", "place"]}[kind]
    return {"kind": kind, "labels": labels}


def _items(kind: str) -> pd.DataFrame:
    index = pd.Index([101, 7, 55, 3], name="ticket")
    if kind == "pair":
        return pd.DataFrame(
            {"question": ["q1?", "q2?", "q3?", "q4?"], "reply_a": ["a1", "a2", "a3", "a4"],
             "reply_b": ["b1", "b2", "b3", "b4"]},
            index=index,
        )  # fmt: skip
    return pd.DataFrame({"text": TEXTS, "source": ["mail", "chat", "mail", "chat"]}, index=index)


ANSWERS: dict[str, list[Any]] = {
    "single": ["pos", "neg"],
    "multi": [["billing", "urgent"], []],
    "spans": [[(0, 3, "person"), (14, 18, "place")], [(0, 5, "place"), (20, 23, "person")]],
    "pair": ["reply_a", "tie"],
}


def _labeled(kind: str, store: Path) -> lw.Labeler:
    labeler = lw.Labeler(_items(kind), store=str(store), annotator="ana", **_options(kind))
    first, second = ANSWERS[kind]
    labeler.label(first)
    labeler.label(second)
    labeler.skip()
    return labeler


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["single", "multi", "spans", "pair"])
def test_export_reads_back_as_the_same_frame_and_a_labeler_resumes_on_it(tmp_path, kind, fmt):
    store = tmp_path / "labels.db"
    labeler = _labeled(kind, store)
    expected = labeler.df.copy()
    path = lw.export(labeler, tmp_path / f"labels.{fmt}")
    back = lw.read_labels(path)

    # the Labeler's own frame, column for column (dtypes, tz-aware UTC times, the index), then the provenance
    pd.testing.assert_frame_equal(back.drop(columns=PROVENANCE), expected)
    assert str(back["decided_at"].dtype) == "datetime64[ns, UTC]"
    assert back["decision"].tolist()[:3] == ["labeled", "labeled", "skipped"]
    assert back["suggestion_visible"].isna().all() and back["suggester"].isna().all()  # no suggester here
    if kind == "spans":
        assert back["label"].iloc[0] == [
            {"start": 0, "end": 3, "label": "person", "text": "Ana"},
            {"start": 14, "end": 18, "label": "place", "text": "Rome"},
        ]
    labeler.close()

    # the result columns are the Labeler's own: it resumes (today's refusal was "already has a label column")
    resumed = lw.Labeler(back, store=str(store), annotator="ana", **_options(kind))
    assert resumed.session.n_decided == 3 and resumed.position == 3
    resumed.label([(0, 4, "place")] if kind == "spans" else ANSWERS[kind][0])
    assert back["decision"].iloc[3] == "labeled"
    # and exports again: the provenance columns the file brought are replaced, not refused as the user's own
    four = lw.read_labels(lw.export(resumed, tmp_path / f"again.{fmt}"))
    assert four["decision"].tolist() == ["labeled", "labeled", "skipped", "labeled"]
    resumed.close()

    # with another store, the answers in the file are kept, with the warning a Labeler gives for them
    again = lw.read_labels(path)
    with pytest.warns(UserWarning, match="hold 3 decision"):
        other = lw.Labeler(again, store=str(tmp_path / "other.db"), annotator="bo", **_options(kind))
    assert again["decision"].tolist()[:3] == ["labeled", "labeled", "skipped"]
    other.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_texts_with_newlines_quotes_commas_and_emoji_read_back(tmp_path, fmt):
    texts = ['two\nlines, "quoted"', "tab\there; ü 👍🏽", "=1+1", "   spaces   "]
    labeler = lw.Labeler(pd.DataFrame({"text": texts}), labels=["a", "b"], store=None, annotator="ana")
    labeler.label("a")
    back = lw.read_labels(lw.export(labeler, tmp_path / f"texts.{fmt}"))
    pd.testing.assert_frame_equal(back.drop(columns=PROVENANCE), labeler.df)


KEYS = {
    "int": pd.Index([10, 20, 30], name="id"),
    "float": pd.Index([1.5, 2.5, -0.25]),
    "str": pd.Index(["a", "5", 'ü "q"'], name="k"),
    "bool": pd.Index([True, False]),
    "timestamp_utc": pd.DatetimeIndex(["2024-01-01 10:00", "2024-01-02", "2024-03-03"], tz="UTC", name="at"),
    "timestamp_naive": pd.DatetimeIndex(["2024-01-01", "2024-01-02 12:30:01.5", "2024-01-03"]),
    "date": pd.Index([dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(1999, 12, 31)]),
    "tuple": pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)], names=["group", "n"]),
    "mixed": pd.Index([1, "1", 2.5], dtype=object),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_item_keys_of_every_type_encode_key_handles_read_back(tmp_path, fmt):
    labeler = lw.Labeler(pd.DataFrame({"text": ["x", "y", "z"]}), labels=["a", "b"], store=None, annotator="ana")
    labeler.label("a")
    for name, index in KEYS.items():
        frame = labeler.df.iloc[: len(index)].copy()  # a DataFrame a Labeler wrote (df.attrs say which columns)
        frame.index = index
        path = lw.export(frame, tmp_path / f"{name}.{fmt}")
        back = lw.read_labels(path)
        pd.testing.assert_frame_equal(back, frame, obj=f"{name} keys")
        assert back.index.tolist() == index.tolist()


def test_provenance_of_suggestions_and_leaving_out_what_a_model_alone_labeled(tmp_path):
    items = {"text": [f"t{i}" for i in range(6)], "suggestion": ["pos", "neg", "pos", "neg", "pos", None],
             "confidence": [0.9, 0.8, 0.7, 0.6, 0.5, None]}  # fmt: skip
    df = pd.DataFrame(items)
    labeler = lw.Labeler(
        df, labels=["pos", "neg"], store=str(tmp_path / "s.db"), annotator="ana",
        suggester=lw.FromColumn("suggestion", confidence="confidence"),
    )  # fmt: skip
    labeler.accept()
    labeler.correct("pos")
    labeler.reject()
    path = lw.export(labeler, tmp_path / "all.parquet")
    back = lw.read_labels(path)
    assert back["decision"].tolist()[:3] == ["accepted", "corrected", "rejected"]
    assert back["suggestion_visible"].tolist()[:3] == [True, True, True]
    assert back["suggester"].iloc[0] == labeler.decisions["suggester"].iloc[0] and back["suggester"].notna()[:3].all()
    assert back["confidence"].tolist()[:2] == [0.9, 0.8]

    # items 3 and 4 have a suggestion and no decision by a person: a model alone labeled them; item 5 has neither
    people = lw.read_labels(lw.export(labeler, tmp_path / "people.jsonl", model_only=False))
    assert people.index.tolist() == [0, 1, 2, 5]
    assert len(back) == 6
    labeler.close()

    # blind: the suggestion was recorded but hidden on a seeded share of items
    blind = lw.Labeler(
        pd.DataFrame(items), labels=["pos", "neg"], store=str(tmp_path / "blind.db"), annotator="bo", blind=0.5,
        seed=1, suggester=lw.FromColumn("suggestion", confidence="confidence"),
    )  # fmt: skip
    for _ in range(5):
        blind.label("neg")
    shown = lw.read_labels(lw.export(blind, tmp_path / "blind.csv"))["suggestion_visible"].tolist()[:5]
    assert shown == [not blind.session.is_blind(row) for row in range(5)] and False in shown and True in shown
    blind.close()


def test_a_teams_gold_how_it_was_settled_and_each_members_answer(tmp_path):
    df = pd.DataFrame({"text": ["good day", "bad day", "meh"]}, index=pd.Index(["d1", "d2", "d3"], name="doc"))
    team = lw.Team(str(tmp_path / "team.db"), df, labels=["pos", "neg"], overlap=2)
    ana, bo = team.labeler("ana"), team.labeler("bo")
    for answer in ("pos", "neg", "pos"):
        ana.label(answer)
    for answer in ("pos", "pos", "neg"):
        bo.label(answer)
    team.adjudicator("cy").label("neg")  # settles d2 (the first conflict)
    for fmt in FORMATS:
        path = lw.export(team, tmp_path / f"gold.{fmt}", events=True)
        back = lw.read_labels(path)
        assert back["gold"].tolist() == ["pos", "neg", None]
        assert back["gold_how"].tolist() == ["unanimous", "adjudicated", "unresolved"]
        assert back["gold_adjudicator"].tolist()[1] == "cy"
        assert [[(a["annotator"], a["label"], a["action"]) for a in item] for item in back["answers"]] == [
            [("ana", "pos", "labeled"), ("bo", "pos", "labeled")],
            [("ana", "neg", "labeled"), ("bo", "pos", "labeled")],
            [("ana", "pos", "labeled"), ("bo", "neg", "labeled")],
        ]
        assert back["annotators"].tolist() == [["ana", "bo"]] * 3
        assert str(back["decided_at"].dtype) == "datetime64[ns, UTC]" and back["decided_at"].notna().all()
        assert back.index.tolist() == ["d1", "d2", "d3"] and back.index.name == "doc"
        events = lw.read_labels(tmp_path / f"gold.events.{fmt}")
        assert Counter(events["annotator"]) == {"ana": 3, "bo": 3, "cy": 1}
        # the re-read frame is a source too: exported again, it reads back the same
        pd.testing.assert_frame_equal(lw.read_labels(lw.export(back, tmp_path / f"again.{fmt}")), back)
    team.close()


def test_the_event_log_beside_the_file_is_labeler_decisions(tmp_path):
    labeler = _labeled("multi", tmp_path / "m.db")
    labeler.undo()
    lw.export(labeler, tmp_path / "labels.jsonl", events=True)
    assert (tmp_path / "labels.events.jsonl").exists() and (tmp_path / "labels.jsonl.meta.json").exists()
    pd.testing.assert_frame_equal(lw.read_labels(tmp_path / "labels.events.jsonl"), labeler.decisions)


def test_nothing_decided_gives_the_header_a_warning_and_reads_back_empty(tmp_path):
    labeler = lw.Labeler(_items("single"), labels=["pos", "neg"], store=None, annotator="ana")
    for fmt in FORMATS:
        with pytest.warns(UserWarning, match="nothing was decided yet"):
            path = lw.export(labeler, tmp_path / f"empty.{fmt}")
        back = lw.read_labels(path)
        assert len(back) == 0
        assert back.dtypes.to_dict() == {**labeler.df.dtypes.to_dict(), "suggestion_visible": "boolean",
                                         "suggester": "string", "prompt_id": "string"}  # fmt: skip
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8").startswith("ticket,text,source,label,decision")


def test_an_existing_file_is_refused_unless_overwrite(tmp_path):
    labeler = _labeled("single", tmp_path / "o.db")
    lw.export(labeler, tmp_path / "labels.csv")
    with pytest.raises(InputError, match="already exist"):
        lw.export(labeler, tmp_path / "labels.csv")
    (tmp_path / "labels.csv").unlink()
    with pytest.raises(InputError, match=r"meta\.json"):  # its header is there still
        lw.export(labeler, tmp_path / "labels.csv")
    lw.export(labeler, tmp_path / "labels.csv", overwrite=True)
    assert lw.read_labels(tmp_path / "labels.csv")["label"].tolist()[:2] == ["pos", "neg"]


def test_bad_input(tmp_path):
    labeler = _labeled("single", tmp_path / "b.db")
    path = lw.export(labeler, tmp_path / "labels.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], lines[1][:-5], *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"labels\.jsonl, line 2: not JSON"):
        lw.read_labels(path)
    path.write_text("\n".join([lines[0], "[1, 2]"]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: a JSON list, not an object"):
        lw.read_labels(path)
    with pytest.raises(InputError, match="must end in one of"):
        lw.export(labeler, tmp_path / "labels.xlsx")
    with pytest.raises(InputError, match="no result columns a Labeler wrote"):
        lw.export(pd.DataFrame({"text": ["a"], "label": ["x"]}), tmp_path / "plain.jsonl")
    with pytest.raises(InputError, match="events=True"):
        lw.export(labeler.df, tmp_path / "frame.jsonl", events=True)
    with pytest.raises(InputError, match="sum to"):
        lw.to_dataset(labeler, split={"train": 0.8, "test": 0.3})
    # a JSONL file from elsewhere (no header beside it) is read as plain rows, with a warning
    plain = tmp_path / "plain.jsonl"
    plain.write_text(json.dumps({"text": "a", "label": "x"}) + "\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="no labelwidgets header"):
        assert lw.read_labels(plain).to_dict("records") == [{"text": "a", "label": "x"}]


# ----- Hugging Face datasets ------------------------------------------------------------------------------------


def _single_labeler(n_pos: int, n_neg: int, n_left: int) -> lw.Labeler:
    n = n_pos + n_neg + n_left
    labeler = lw.Labeler(pd.DataFrame({"text": [f"text {i}" for i in range(n)]}), labels=["pos", "neg"], store=None,
                         annotator="ana")  # fmt: skip
    for i in range(n_pos + n_neg):
        labeler.label("pos" if i % 5 < 3 else "neg")  # 3 pos : 2 neg
    return labeler


def test_to_dataset_single_class_labels_split_sizes_and_stratification():
    import datasets

    labeler = _single_labeler(30, 20, 5)
    dd = lw.to_dataset(labeler, split={"train": 0.8, "test": 0.2}, seed=3)
    assert isinstance(dd, datasets.DatasetDict) and set(dd) == {"train", "test"}
    assert dd["train"].features["label"] == datasets.ClassLabel(names=["pos", "neg"])
    assert (dd["train"].num_rows, dd["test"].num_rows) == (40, 10)
    # stratified: each split keeps 3 pos : 2 neg exactly
    assert Counter(dd["train"]["label"]) == {0: 24, 1: 16} and Counter(dd["test"]["label"]) == {0: 6, 1: 4}
    texts = {t: lab for t, lab in zip(labeler.df["text"], labeler.df["label"], strict=True)}
    for row in dd["train"]:
        assert dd["train"].features["label"].int2str(row["label"]) == texts[row["text"]]
    assert json.loads(dd["test"][0]["key"]) in range(55)  # the item key, as encode_key writes it

    three = lw.to_dataset(labeler, split={"train": 0.6, "validation": 0.2, "test": 0.2}, keep_undecided=True)
    assert [three[s].num_rows for s in ("train", "validation", "test")] == [33, 11, 11]
    assert sum(list(three[s]["label"]).count(-1) for s in three) == 5  # undecided kept as -1


def test_to_dataset_sets_spans_and_pairs(tmp_path):
    import datasets

    multi = _labeled("multi", tmp_path / "m.db")
    with pytest.warns(UserWarning, match="stratifies a single class column only"):
        dd = lw.to_dataset(multi, split={"train": 0.5, "test": 0.5})
    assert dd["train"].features["label"] == datasets.List(datasets.ClassLabel(names=["billing", "urgent", "other"]))
    assert sorted(map(tuple, list(dd["train"]["label"]) + list(dd["test"]["label"]))) == [(), (0, 1)]

    spans = _labeled("spans", tmp_path / "s.db")
    dd = lw.to_dataset(spans, split={"train": 1.0})
    feature = dd["train"].features["label"]
    assert isinstance(feature, datasets.List) and feature.feature["label"] == datasets.ClassLabel(
        names=["person", "place"]
    )
    by_text = dict(zip(dd["train"]["text"], dd["train"]["label"], strict=True))
    assert by_text[TEXTS[0]] == [{"start": 0, "end": 3, "label": 0}, {"start": 14, "end": 18, "label": 1}]
    assert by_text[TEXTS[1]] == [{"start": 0, "end": 5, "label": 1}, {"start": 20, "end": 23, "label": 0}]

    pair = _labeled("pair", tmp_path / "p.db")
    dd = lw.to_dataset(pair, split={"train": 1.0}, keep_undecided=True)
    assert dd["train"].features["label"] == datasets.ClassLabel(names=["reply_a", "reply_b", "tie"])
    assert set(dd["train"].column_names) == {"key", "question", "reply_a", "reply_b", "label"}
    rows = {r["question"]: r["label"] for r in dd["train"]}
    assert rows == {"q1?": 0, "q2?": 2, "q3?": -1, "q4?": -1}

    # a DataFrame a Labeler wrote: the kind and labels are read from its answers
    assert lw.to_dataset(spans.df, split={"train": 1.0})["train"].features == dd_features(spans)
    # a file export wrote is a source too, with its label set from the header
    path = lw.export(spans, tmp_path / "spans.parquet")
    assert lw.to_dataset(path, split={"train": 1.0})["train"].features == dd_features(spans)


def dd_features(labeler: lw.Labeler) -> Any:
    return lw.to_dataset(labeler, split={"train": 1.0})["train"].features


def test_to_dataset_a_teams_gold(tmp_path):
    df = pd.DataFrame({"text": ["a", "b", "c", "d"]})
    team = lw.Team(str(tmp_path / "team.db"), df, labels=["x", "y"], overlap=2)
    ana, bo = team.labeler("ana"), team.labeler("bo")
    for answer in ("x", "y", "x", "x"):
        ana.label(answer)
    for answer in ("x", "y", "y", "x"):
        bo.label(answer)
    with pytest.warns(UserWarning, match="could not be stratified"):  # one "y" item: too few to stratify
        dd = lw.to_dataset(team, split={"train": 0.5, "test": 0.5})
    rows = [*dd["train"], *dd["test"]]
    gold = sorted((row["text"], row["label"]) for row in rows)
    assert gold == [("a", 0), ("b", 1), ("d", 0)]  # c is unresolved: no answer, left out
    team.close()


# ----- spaCy ------------------------------------------------------------------------------------------------------


def test_to_spacy_spans_load_back_at_their_offsets_and_misaligned_ones_are_counted(tmp_path):
    import spacy
    from spacy.tokens import DocBin

    df = pd.DataFrame({"text": ["Ana met Bo in Rome.", "New York is big.", "Nobody."]})
    labeler = lw.Labeler(df, labels=["person", "place", "city"], kind=lw.SpanAnswers(overlap=True), store=None,
                         annotator="ana")  # fmt: skip
    labeler.label([(0, 3, "person"), (14, 18, "place"), (1, 3, "person")])  # "na" cuts through "Ana"
    labeler.label([(0, 8, "place"), (4, 8, "city")])  # overlapping
    with pytest.warns(UserWarning, match="1 span.* do not start and end on 'en' token boundaries"):
        summary = lw.to_spacy(labeler, tmp_path / "train.spacy", lang="en")
    assert (summary.docs, summary.spans, summary.misaligned, summary.overlapping_docs, summary.left_out) == (
        2, 4, 1, 1, 1,
    )  # fmt: skip
    assert summary.misaligned_examples == [(0, 1, 3, "person")]

    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(tmp_path / "train.spacy").get_docs(nlp.vocab))
    stored = labeler.df["label"].tolist()
    first = [(s.start_char, s.end_char, s.label_) for s in docs[0].spans["sc"]]
    assert first == [(s["start"], s["end"], s["label"]) for s in stored[0] if (s["start"], s["end"]) != (1, 3)]
    assert [(e.start_char, e.end_char, e.label_) for e in docs[0].ents] == first
    second = [(s.start_char, s.end_char, s.label_) for s in docs[1].spans["sc"]]
    assert second == [(s["start"], s["end"], s["label"]) for s in stored[1]] and docs[1].ents == ()
    assert [d.text for d in docs] == df["text"].tolist()[:2]

    with pytest.raises(InputError, match="already exists"):
        lw.to_spacy(labeler, tmp_path / "train.spacy")


def test_to_spacy_whole_item_answers_are_cats(tmp_path):
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    single = _single_labeler(3, 2, 1)
    summary = lw.to_spacy(single, tmp_path / "single.spacy")
    docs = list(DocBin().from_disk(tmp_path / "single.spacy").get_docs(nlp.vocab))
    assert summary.docs == 5 and summary.left_out == 1
    assert [d.cats for d in docs] == [
        {"pos": 1.0, "neg": 0.0} if lab == "pos" else {"pos": 0.0, "neg": 1.0} for lab in single.df["label"][:5]
    ]
    multi = _labeled("multi", tmp_path / "m.db")
    lw.to_spacy(multi, tmp_path / "multi.spacy")
    docs = list(DocBin().from_disk(tmp_path / "multi.spacy").get_docs(nlp.vocab))
    assert [d.cats for d in docs] == [
        {"billing": 1.0, "urgent": 1.0, "other": 0.0},
        {"billing": 0.0, "urgent": 0.0, "other": 0.0},
    ]


def test_import_labelwidgets_loads_none_of_the_interchange_libraries():
    code = (
        "import sys; heavy = ('pyarrow', 'datasets', 'spacy'); import labelwidgets as lw; "
        "print(sorted(m for m in heavy if m in sys.modules)); lw.export, lw.read_labels, lw.to_dataset, lw.to_spacy; "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # pyarrow comes with pandas itself once the package's pandas code loads (pandas 3's strings); datasets and
    # spacy only when a conversion runs
    assert out.stdout.split("\n")[0] == "[]"
    assert "datasets" not in out.stdout and "spacy" not in out.stdout


def test_warnings_are_not_raised_when_decisions_exist(tmp_path):
    labeler = _labeled("single", tmp_path / "w.db")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # an unclosed connection of an earlier test, collected now, is not what this checks
        warnings.simplefilter("ignore", ResourceWarning)
        lw.export(labeler, tmp_path / "labels.parquet")
