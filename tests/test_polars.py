"""polars everywhere (#23): the public API takes a polars DataFrame and answers in polars, with the same numbers as
on pandas. Every test runs on both kinds of frame (``frame_kind``); the numbers are held to the pandas run, which the
other test files hold to the reference packages. Real SQLite stores, real Labelers and Teams."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from fault_server import Reply
from llm_fixtures import fault_server  # noqa: F401

import labelwidgets as lw
from labelwidgets import metrics
from labelwidgets.errors import InputError

DATA = Path(__file__).parent / "data"
KINDS = ("pandas", "polars")


@pytest.fixture(params=KINDS)
def frame_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def given(frame: pd.DataFrame, kind: str) -> Any:
    """``frame`` as the kind of frame a user would pass: itself, or the polars frame polars makes of it."""
    return frame.copy() if kind == "pandas" else pl.from_pandas(frame)


def as_pandas(result: Any) -> pd.DataFrame:
    """A result as pandas with its index as columns: how a polars answer and a pandas one are compared."""
    if isinstance(result, pl.DataFrame):  # lists as Python lists, as a pandas frame of ours holds them
        return pd.DataFrame(result.to_dict(as_series=False), columns=result.columns)
    default = isinstance(result.index, pd.RangeIndex) and result.index.name is None and result.index.start == 0
    return result if default else result.reset_index()


def cells(column: pd.Series) -> list[Any]:
    """A column's values with every kind of missing value (None, NaN, pd.NA) as None."""
    return [None if not isinstance(v, list) and pd.isna(v) else v for v in column.tolist()]


def assert_kind(result: Any, kind: str) -> None:
    expected = pd.DataFrame if kind == "pandas" else pl.DataFrame
    assert isinstance(result, expected), f"{type(result).__name__} for a {kind} frame"


def assert_same(pandas_result: pd.DataFrame, result: Any) -> None:
    """The same values, a missing one (None, NaN, pd.NA) being the same missing value whatever the dtype."""

    def values(frame: pd.DataFrame) -> pd.DataFrame:
        frame = as_pandas(frame).astype(object)
        frame.columns = pd.Index([str(c) for c in frame.columns], dtype=object)
        return frame.where(frame.notna(), None)

    pd.testing.assert_frame_equal(values(result), values(pandas_result))


# ----- data ---------------------------------------------------------------------------------------------------------


def decided(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """A frame as a Labeler leaves it: human labels, suggestions with confidences, decisions and times."""
    rng = np.random.default_rng(seed)
    labels = np.array(["billing", "bug", "other"])
    human = rng.choice(labels, n)
    right = rng.random(n) < 0.7
    suggestion = np.where(right, human, rng.choice(labels, n))
    return pd.DataFrame(
        {
            "text": [f"ticket {i}" for i in range(n)],
            "label": human,
            "suggestion": suggestion,
            "decision": np.where(human == suggestion, "accepted", "corrected"),
            "confidence": np.round(rng.uniform(0.3, 1.0, n), 3),
            "decided_at": pd.date_range("2026-01-01", periods=n, freq="min", tz="UTC"),
            "team": rng.choice(["a", "b"], n),
        }
    )


def long_labels(n_items: int = 40, seed: int = 1) -> pd.DataFrame:
    """Three people's labels of the same items, in the long shape (item, annotator, label)."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(["x", "y"], n_items)
    rows = [
        (i, who, truth[i] if rng.random() < 0.8 else rng.choice(["x", "y"]))
        for i in range(n_items)
        for who in ("ana", "bo", "cy")
    ]
    return pd.DataFrame(rows, columns=["item", "annotator", "label"])


def judgments_table(seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    systems = ["gpt", "claude", "llama"]
    rows = []
    for item in range(60):
        a, b = rng.choice(systems, 2, replace=False)
        for who in ("judge", "ana", "bo"):
            rows.append((item, who, a, b, rng.choice([a, b, "tie"], p=[0.5, 0.35, 0.15]), rng.choice([a, b])))
    return pd.DataFrame(rows, columns=["item", "annotator", "system_a", "system_b", "winner", "left"])


ITEMS = pd.DataFrame(
    {
        "id": ["t1", "t2", "t3", "t4", "t5"],
        "text": ["refund please", "app crashes", "hello", "charged twice", "button broken"],
        "words": [2, 2, 1, 2, 2],
        "tags": [["money"], [], ["greeting", "short"], ["money"], []],
    }
)


# ----- a Labeler through its Python API ------------------------------------------------------------------------


def test_a_labeler_labels_and_undoes_and_reads_back_of_the_kind_given(tmp_path: Path, frame_kind: str) -> None:
    df = given(ITEMS, frame_kind)
    labeler = lw.Labeler(df, labels=["billing", "bug", "other"], key="id", store=tmp_path / "l.db", annotator="ana")
    assert labeler.label("billing").label == "billing"
    labeler.label("bug")
    labeler.label("other")
    labeler.undo()
    labeler.skip()
    out, results = labeler.df, labeler.results()
    assert_kind(out, frame_kind)
    assert_kind(results, frame_kind)
    frame = as_pandas(out)
    assert cells(frame["label"])[:3] == ["billing", "bug", None] and frame["decision"].tolist()[2] == "skipped"
    assert as_pandas(results)["id"].tolist() == ["t1", "t2", "t3"]
    assert list(frame.columns[:4]) == ["id", "text", "words", "tags"]  # the input's columns, as they were
    assert frame["tags"].tolist() == [["money"], [], ["greeting", "short"], ["money"], []]
    assert str(frame["decided_at"].dtype).endswith("UTC]")
    if frame_kind == "polars":
        assert df.columns == ["id", "text", "words", "tags"]  # the caller's frame never changes
        assert out.schema["words"] == pl.Int64 and out.schema["tags"] == pl.List(pl.String)
    else:
        assert out is df  # pandas: the very frame passed in, filled in place
    decisions = labeler.decisions  # the event log, of the kind given too
    assert_kind(decisions, frame_kind)
    assert as_pandas(decisions)["action"].tolist() == ["labeled", "labeled", "labeled", "undo", "skipped"]
    assert as_pandas(decisions)["key"].tolist()[:3] == ["t1", "t2", "t3"]
    labeler.close()


def test_the_event_log_and_stale_decisions_are_the_same_on_both_kinds(tmp_path: Path, frame_kind: str) -> None:
    store = tmp_path / f"{frame_kind}.db"
    first = lw.Labeler(given(ITEMS, frame_kind), labels=["a", "b"], key="id", store=store, annotator="ana")
    for answer in ("a", "b", "a"):
        first.label(answer)
    first.undo()
    reference = lw.Labeler(ITEMS.copy(), labels=["a", "b"], key="id", store=None)  # the same decisions, on pandas
    for answer in ("a", "b", "a"):
        reference.label(answer)
    reference.undo()
    timed = ["id", "decided_at", "seconds", "session_id", "undoes", "text_hash", "detail", "annotator"]
    assert_same(reference.decisions.drop(columns=timed), as_pandas(first.decisions).drop(columns=timed))
    assert_kind(first.decisions, frame_kind)
    first.close()
    reference.close()
    edited = ITEMS.assign(text=["a refund, please", *ITEMS["text"][1:]])  # the first item's text changed
    with pytest.warns(UserWarning, match="changed text"):
        again = lw.Labeler(given(edited, frame_kind), labels=["a", "b"], key="id", store=store, annotator="ana")
    stale = again.stale
    assert_kind(stale, frame_kind)
    assert as_pandas(stale)[["position", "key", "label", "decision"]].values.tolist() == [[0, "t1", "a", "labeled"]]
    again.close()


def test_polars_reads_are_rebuilt_only_after_a_decision(tmp_path: Path) -> None:
    labeler = lw.Labeler(pl.from_pandas(ITEMS), labels=["a", "b"], store=tmp_path / "l.db", annotator="ana")
    first, first_results = labeler.df, labeler.results()
    assert labeler.df is first and labeler.results() is first_results  # nothing new: the same frames
    labeler.label("a")
    second = labeler.df
    assert second is not first and second["label"].to_list()[0] == "a" and first["label"].null_count() == 5
    assert labeler.results().height == 1
    labeler.undo()
    assert labeler.df["label"].null_count() == 5 and labeler.results().height == 0
    labeler.close()


def test_a_labeler_on_polars_resumes_and_a_rerun_closes_the_old_one(tmp_path: Path) -> None:
    df = pl.from_pandas(ITEMS)
    store = tmp_path / "l.db"
    old = lw.Labeler(df, labels=["a", "b"], key="id", store=store, annotator="ana")
    old.label("a")
    old.label("b")
    # the cell runs again: a new pandas frame inside, the same store and annotator
    new = lw.Labeler(df, labels=["a", "b"], key="id", store=store, annotator="ana")
    assert old.closed and not new.closed
    with pytest.raises(lw.ClosedError):
        old.label("a")
    assert new.df["label"].to_list()[:2] == ["a", "b"] and new.position == 2
    with pytest.warns(UserWarning, match="decisions are kept per annotator"):
        other = lw.Labeler(df, labels=["a", "b"], key="id", store=store, annotator="bo")  # someone else: both live
    assert not new.closed and other.df["label"].null_count() == 5
    new.close()
    other.close()


@pytest.mark.parametrize("kind", ["multi", "spans"])
def test_lists_and_spans_come_back_as_polars_lists(tmp_path: Path, kind: str) -> None:
    labels = ["money", "urgent"] if kind == "multi" else ["thing"]
    answer: Any = ["money", "urgent"] if kind == "multi" else [(0, 6, "thing")]
    runs = {}
    for frame_kind in KINDS:
        labeler = lw.Labeler(
            given(ITEMS, frame_kind), kind=kind, labels=labels, key="id", store=tmp_path / f"{frame_kind}.db"
        )
        labeler.label(answer)
        labeler.label([])
        runs[frame_kind] = cells(as_pandas(labeler.df)["label"])
        labeler.close()
    assert runs["polars"] == runs["pandas"]
    assert runs["polars"][1] == [] and runs["polars"][2] is None


def test_functions_given_a_labeler_made_from_polars_answer_in_polars(frame_kind: str) -> None:
    frame = decided(60).drop(columns=["label", "decision", "confidence", "decided_at"])
    labeler = lw.Labeler(
        given(frame, frame_kind), labels=["billing", "bug", "other"], suggester=lw.FromColumn("suggestion"),
        columns={"suggestion": "shown"}, store=None,
    )  # fmt: skip
    for position in range(30):
        labeler.accept() if position % 4 else labeler.correct("other")
    result = lw.estimate(labeler)
    assert_kind(result, frame_kind)
    assert set(as_pandas(result)["n"]) == {30} and set(as_pandas(result)["N"]) == {60}
    board = lw.compare(labeler, suggesters={"column": lw.FromColumn("suggestion")}, progress=False, n_boot=50)
    assert_kind(board.table, frame_kind)
    assert as_pandas(board.predictions)["human"].notna().sum() == 30
    labeler.close()


@pytest.mark.filterwarnings("ignore:the gold column .* is in this DataFrame")  # the point here is the gold sets
def test_teaching_with_gold_sets_in_a_polars_list_column(frame_kind: str) -> None:
    items = ITEMS.assign(gold=[["money"], [], ["short"], ["money", "short"], []])
    labeler = lw.Labeler(given(items, frame_kind), kind="multi", labels=["money", "short"], gold="gold", store=None)
    for answer in (["money"], [], ["money"], ["money", "short"], ["short"]):
        labeler.label(answer)
    report = labeler.report()
    assert "mean Jaccard 0.60 against the gold sets over 5 items, 3 exactly right (60%)" in str(report)
    labeler.close()


# ----- a Team and a Classroom ----------------------------------------------------------------------------------


def team_tables(tmp_path: Path, frame_kind: str) -> dict[str, Any]:
    """Every table a Team hands back, after two members who disagree on two items and an adjudicator on one."""
    team = lw.Team(tmp_path / f"{frame_kind}.db", given(ITEMS, frame_kind), labels=["a", "b"], key="id")
    ana, bo = team.labeler("ana"), team.labeler("bo")
    for answer in ("a", "a", "b", "b", "a"):
        ana.label(answer)
    for answer in ("a", "b", "b", "a", "a"):
        bo.label(answer)
    assert_kind(ana.df, frame_kind)
    assert as_pandas(bo.df)["label"].tolist() == ["a", "b", "b", "a", "a"]
    judge = team.adjudicator("judge")
    judge.label("b")  # settles the first conflict (t2)
    tables = {
        "decisions": team.decisions, "gold": team.gold, "conflicts": team.conflicts,
        "agreement": team.agreement(n_boot=100), "agreement by label": team.agreement(by_label=True, n_boot=100),
        "progress": team.progress(), "with_gold": team.with_gold(),
    }  # fmt: skip
    team.close()
    return tables


TIMES = {"decisions": ["decided_at"]}  # when each run happened


def test_a_teams_tables_come_back_of_the_kind_given_with_the_same_values(tmp_path: Path, frame_kind: str) -> None:
    tables = team_tables(tmp_path, frame_kind)
    expected = team_tables(tmp_path, "pandas") if frame_kind == "polars" else tables
    for name, table in tables.items():
        assert_kind(table, frame_kind)
        drop = TIMES.get(name, [])
        assert_same(as_pandas(expected[name]).drop(columns=drop), as_pandas(table).drop(columns=drop))
    gold = as_pandas(tables["gold"])
    assert gold["how"].tolist() == ["unanimous", "adjudicated", "unanimous", "unresolved", "unanimous"]
    assert as_pandas(tables["with_gold"])["gold"].tolist()[:3] == ["a", "b", "b"]
    assert as_pandas(tables["progress"])["labeled"].tolist() == [5, 5, 5]  # ana, bo, the items with 2 answers
    assert list(as_pandas(tables["progress"]).columns) == ["annotator", "labeled", "decided"]  # polars: index first


def test_a_polars_team_is_what_lw_functions_read(tmp_path: Path, frame_kind: str) -> None:
    """The package reads a polars team's own pandas tables (estimate, alt_test, export), and answers in polars."""
    rng = np.random.default_rng(4)
    items = pd.DataFrame({"id": [f"t{i}" for i in range(40)], "text": [f"item {i}" for i in range(40)],
                          "model": rng.choice(["a", "b"], 40)})  # fmt: skip
    team = lw.Team(tmp_path / "t.db", given(items, frame_kind), labels=["a", "b"], key="id", overlap=3)
    for who in ("ana", "bo", "cy"):
        member = team.labeler(who)
        for position in range(40):
            member.label(items["model"][position] if rng.random() < 0.8 else rng.choice(["a", "b"]))
    estimate = lw.estimate(team, suggestion="model")
    assert_kind(estimate, frame_kind)
    result = lw.alt_test(team, llm=dict(zip(items["id"], items["model"], strict=True)), epsilon=0.2)
    assert_kind(result.annotators, frame_kind)
    assert as_pandas(result.annotators)["annotator"].tolist() == ["ana", "bo", "cy"]
    path = lw.export(team, tmp_path / "team.jsonl", events=True)
    assert lw.read_labels(path)["gold_how"].notna().all()
    team.close()


def test_a_classroom_takes_polars(tmp_path: Path) -> None:
    items = ITEMS.assign(gold=["billing", "bug", "other", "billing", "bug"])
    tables = {}
    for frame_kind in KINDS:
        store = tmp_path / f"{frame_kind}-ana.db"
        student = lw.Labeler(
            given(items.drop(columns="gold"), frame_kind), labels=["billing", "bug", "other"], key="id",
            store=store, annotator="ana",
        )  # fmt: skip
        for answer in ("billing", "bug", "bug", "billing"):
            student.label(answer)
        student.close()
        room = lw.Classroom(store, given(items, frame_kind), gold="gold", labels=["billing", "bug", "other"], key="id")
        tables[frame_kind] = {
            "table": room.table, "progress": room.progress, "hardest": room.hardest, "agreement": room.agreement,
            "sway": room.sway, "answers": room.answers, "handout": room.handout(),
        }  # fmt: skip
        room.close()
    timed = {"table": ["last_activity"], "progress": ["last_activity"], "answers": ["decided_at"]}  # each run's
    for name, table in tables["polars"].items():
        assert_kind(table, "polars")
        assert_kind(tables["pandas"][name], "pandas")
        drop = [c for c in timed.get(name, []) if c in as_pandas(table).columns]
        assert_same(as_pandas(tables["pandas"][name]).drop(columns=drop), as_pandas(table).drop(columns=drop))
    assert tables["polars"]["handout"].columns == ["id", "text", "words", "tags"]  # the gold column left out


def test_a_multi_label_classroom_on_polars_gold_sets(tmp_path: Path, frame_kind: str) -> None:
    items = ITEMS.assign(gold=[["money"], [], ["short"], ["money", "short"], []])
    tables = {}
    for kind in dict.fromkeys(["pandas", frame_kind]):  # the pandas run is the reference
        store = tmp_path / f"{kind}.db"
        student = lw.Labeler(given(ITEMS, kind), kind="multi", labels=["money", "short"], key="id", store=store,
                             annotator="ana")  # fmt: skip
        for answer in (["money"], [], ["money"], ["money", "short"], ["short"]):
            student.label(answer)
        student.close()
        room = lw.Classroom(store, given(items, kind), gold="gold", kind="multi", labels=["money", "short"], key="id",
                            n_boot=50)  # fmt: skip
        tables[kind] = {"by_label": room.by_label, "table": room.table, "hardest": room.hardest}
        room.close()
    for name, table in tables[frame_kind].items():
        assert_kind(table, frame_kind)
        drop = ["last_activity"] if name == "table" else []
        assert_same(as_pandas(tables["pandas"][name]).drop(columns=drop), as_pandas(table).drop(columns=drop))
    assert set(as_pandas(tables[frame_kind]["by_label"])["label"]) == {"money", "short"}


# ----- functions that take a frame ---------------------------------------------------------------------------------

ON_DECIDED: dict[str, Callable[[Any], Any]] = {
    "agreement": lambda df: lw.agreement(df, n_boot=200),
    "agreement by": lambda df: lw.agreement(df, by="team", n_boot=200),
    "confusion": lw.confusion,
    "calibration": lw.calibration,
    "agreement_over_time": lambda df: lw.agreement_over_time(df, window=30),
    "label_drift": lambda df: lw.label_drift(df, baseline=40, window=40),
    "estimate": lambda df: lw.estimate(df, suggestion="suggestion"),
    "estimate by": lambda df: lw.estimate(df, suggestion="suggestion", by="team"),
}


@pytest.mark.parametrize("name", list(ON_DECIDED))
def test_metrics_of_a_labelers_frame(name: str, frame_kind: str) -> None:
    call = ON_DECIDED[name]
    result = call(given(decided(), frame_kind))
    assert_kind(result, frame_kind)
    assert_same(call(decided()), result)


ON_LONG: dict[str, tuple[Callable[[Any], Any], Callable[[], pd.DataFrame]]] = {
    "annotator_agreement": (lw.annotator_agreement, long_labels),
    "team_agreement": (
        lambda df: lw.team_agreement(df, n_boot=200),
        lambda: long_labels().rename(columns={"item": "key"}),
    ),
}


@pytest.mark.parametrize("name", list(ON_LONG))
def test_agreement_between_people(name: str, frame_kind: str) -> None:
    call, data = ON_LONG[name]
    result = call(given(data(), frame_kind))
    assert_kind(result, frame_kind)
    assert_same(call(data()), result)


ON_JUDGMENTS: dict[str, Callable[[Any], Any]] = {
    "win_rates": lambda df: lw.win_rates(df),
    "bradley_terry": lambda df: lw.bradley_terry(df, n_boot=100),
    "judge_agreement": lambda df: lw.judge_agreement(df, "judge", n_boot=100),
    "position_bias": lambda df: lw.position_bias(df),
    "people_agreement": lambda df: metrics.people_agreement(df, n_boot=100),
    "pairwise_conflicts": lambda df: metrics.pairwise_conflicts(df),
}


@pytest.mark.parametrize("name", list(ON_JUDGMENTS))
def test_pairwise_statistics(name: str, frame_kind: str) -> None:
    call = ON_JUDGMENTS[name]
    result = call(given(judgments_table(), frame_kind))
    assert_kind(result, frame_kind)
    assert_same(call(judgments_table()), result)


def test_named_tuples_of_tables_come_back_table_by_table(frame_kind: str) -> None:
    expected = metrics.win_matrix(judgments_table())
    result = metrics.win_matrix(given(judgments_table(), frame_kind))
    assert type(result) is type(expected)
    for mine, theirs in zip(result, expected, strict=True):
        assert_kind(mine, frame_kind)
        assert_same(theirs, mine)


def test_counts_and_reliability_matrices(frame_kind: str) -> None:
    reliability = long_labels().pivot(index="annotator", columns="item", values="label")
    reliability.columns = [str(c) for c in reliability.columns]
    alpha = metrics.krippendorff_alpha(given(reliability.reset_index(drop=True), frame_kind))
    assert alpha == pytest.approx(metrics.krippendorff_alpha(reliability))
    counts = pd.DataFrame({"x": [3, 0, 2, 1], "y": [0, 3, 1, 2]})
    assert metrics.fleiss_kappa(given(counts, frame_kind)) == pytest.approx(metrics.fleiss_kappa(counts))
    before, after = pd.Series([10, 5, 5]), pd.Series([4, 8, 8])
    series = (before, after) if frame_kind == "pandas" else (pl.from_pandas(before), pl.from_pandas(after))
    assert metrics.psi(*series) == pytest.approx(metrics.psi(before, after))
    assert metrics.js_distance(*series) == pytest.approx(metrics.js_distance(before, after))


def test_alt_test_on_the_reference_data(frame_kind: str) -> None:
    run = json.loads((DATA / "alt_test_reference.json").read_text())["runs"][0]
    table = pd.read_csv(DATA / run["file"])
    result = lw.alt_test(given(table, frame_kind), llm="llm", epsilon=run["epsilon"], alpha=run["q_fdr"])
    assert result.winning_rate == run["winning_rate"]
    assert result.advantage_probability == pytest.approx(run["advantage_prob"], abs=1e-12)
    expected = lw.alt_test(table, llm="llm", epsilon=run["epsilon"], alpha=run["q_fdr"])
    for mine, theirs in ((result.annotators, expected.annotators), (result.verdict(), expected.verdict())):
        assert_kind(mine, frame_kind)
        assert_same(theirs, mine)


def test_pairs_to_judge_and_a_pair_labeler(tmp_path: Path, frame_kind: str) -> None:
    replies = pd.DataFrame(
        {"prompt": ["p1"] * 3 + ["p2"] * 3, "system": ["x", "y", "z"] * 2, "output": [f"o{i}" for i in range(6)]}
    )
    to_judge = lw.pairs(given(replies, frame_kind))
    assert_kind(to_judge, frame_kind)
    assert_same(lw.pairs(replies), to_judge)
    # the index that names each pair is the column "pair" in a frame without an index: the key to label by
    options = {"key": "pair"} if frame_kind == "polars" else {}
    labeler = lw.Labeler(
        to_judge, kind="pair", prompt="prompt", outputs=("output_a", "output_b"), store=tmp_path / "p.db", **options
    )
    labeler.label("output_a")
    judgments = lw.judgments(labeler)
    assert_kind(judgments, frame_kind)
    assert as_pandas(judgments)["winner"].tolist() == ["x"]
    labeler.close()


def test_suggest_returns_the_frame_with_its_suggestions(frame_kind: str) -> None:
    items = ITEMS.assign(model=["billing", "bug", "other", "billing", "bug"])
    result = lw.suggest(
        given(items, frame_kind), lw.FromColumn("model"), labels=["billing", "bug", "other"], progress=False
    )
    assert_kind(result, frame_kind)
    assert as_pandas(result)["suggestion"].tolist() == ["billing", "bug", "other", "billing", "bug"]


def test_generate_fills_a_column_of_replies_from_a_real_server(fault_server: Any, frame_kind: str) -> None:  # noqa: F811
    fault_server.default = lambda request: Reply.text("reply to " + request["messages"][-1]["content"])
    model = lw.LLM("openai/fake", api_base=fault_server.url, api_key="sk-test", cache=False, timeout=5, max_retries=1)
    result = lw.generate(given(ITEMS, frame_kind), model, prompt="text", column="reply", progress=False)
    assert_kind(result, frame_kind)
    assert as_pandas(result)["reply"].tolist() == [f"reply to {t}" for t in ITEMS["text"]]


def test_compare_ranks_the_same(frame_kind: str) -> None:
    rng = np.random.default_rng(3)
    human = rng.choice(["a", "b"], 80)
    frame = pd.DataFrame(
        {"text": [f"t{i}" for i in range(80)], "human": human,
         "good": np.where(rng.random(80) < 0.9, human, "a"), "poor": rng.choice(["a", "b"], 80)}
    )  # fmt: skip
    suggesters = {"good": lw.FromColumn("good"), "poor": lw.FromColumn("poor")}

    def board(df: Any) -> Any:
        return lw.compare(df, suggesters=suggesters, human="human", labels=["a", "b"], progress=False, n_boot=200)

    result, expected = board(given(frame, frame_kind)), board(frame)
    timed = ["latency_per_item"]  # seconds each run took
    for name in ("table", "pairwise", "predictions", "errors"):
        assert_kind(getattr(result, name), frame_kind)
        drop = [c for c in timed if c in as_pandas(getattr(result, name)).columns]
        assert_same(
            as_pandas(getattr(expected, name)).drop(columns=drop), as_pandas(getattr(result, name)).drop(columns=drop)
        )
    assert as_pandas(result.table)["suggester"].tolist()[0] == "good"  # the index is the first column in polars
    disagreements = result.disagreements("poor")
    assert_kind(disagreements, frame_kind)
    assert_same(expected.disagreements("poor"), disagreements)
    result.relabel(0, "b" if frame["human"][0] == "a" else "a")  # no key column: items are keyed by row position
    corrections = result.corrections
    assert_kind(corrections, frame_kind)
    assert as_pandas(corrections)["key"].tolist() == [0]
    if frame_kind == "polars":
        assert "polars frame is left as it is" in result.relabel_status
    assert "Leaderboard: 2 suggesters" in repr(result) and len(result.snapshot().table) == 2


def test_compare_on_a_long_table_gives_alt_tests_of_the_kind_given(frame_kind: str) -> None:
    rng = np.random.default_rng(5)
    truth = rng.choice(["a", "b"], 60)
    rows = [(i, f"text {i}", who, truth[i] if rng.random() < 0.85 else rng.choice(["a", "b"]))
            for i in range(60) for who in ("ana", "bo", "cy")]  # fmt: skip
    long = pd.DataFrame(rows, columns=["item", "text", "annotator", "label"])
    long["model"] = long["item"].map(dict(enumerate(np.where(rng.random(60) < 0.9, truth, "a"))))
    board = lw.compare(given(long, frame_kind), suggesters={"model": lw.FromColumn("model")}, human="label",
                       item="item", annotator="annotator", labels=["a", "b"], progress=False, n_boot=100)  # fmt: skip
    result = board.alt_tests["model"]
    assert not isinstance(result, str), result
    assert_kind(result.annotators, frame_kind)
    assert as_pandas(result.annotators)["annotator"].tolist() == ["ana", "bo", "cy"]
    assert "alt-test, model:" in repr(board)


def test_plots_draw_the_same_figure(frame_kind: str) -> None:
    figure = lw.plot_agreement(given(decided(), frame_kind), window=30)
    expected = lw.plot_agreement(decided(), window=30)
    assert figure.to_json() == expected.to_json()


# ----- out: files, datasets, spaCy ---------------------------------------------------------------------------------


def test_export_of_a_polars_labeler_reads_back_as_the_pandas_one_does(tmp_path: Path) -> None:
    frames = {}
    for frame_kind in KINDS:
        labeler = lw.Labeler(given(ITEMS, frame_kind), labels=["billing", "bug"], key="id", store=None)
        labeler.label("billing")
        labeler.label("bug")
        path = lw.export(labeler, tmp_path / f"{frame_kind}.jsonl")
        frames[frame_kind] = lw.read_labels(path).drop(columns=["decided_at", "seconds"])
        dataset = lw.to_dataset(labeler, split={"train": 1.0})
        assert dataset["train"].features["label"].names == ["billing", "bug"]
        assert sorted(dataset["train"]["label"]) == [0, 1]
        labeler.close()
    pd.testing.assert_frame_equal(frames["polars"], frames["pandas"], check_dtype=False)


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet", ".csv"])
def test_read_labels_gives_the_kind_asked_for(tmp_path: Path, suffix: str) -> None:
    labeler = lw.Labeler(ITEMS.copy(), labels=["billing", "bug"], key="id", store=None)
    labeler.label("billing")
    labeler.label("bug")
    path = lw.export(labeler, tmp_path / f"labels{suffix}")
    labeler.close()
    expected = lw.read_labels(path)
    assert_kind(expected, "pandas")
    for backend in ("polars", pl):
        frame = lw.read_labels(path, backend=backend)
        assert_kind(frame, "polars")
        assert_same(expected, frame)
        assert frame.schema["decided_at"] == pl.Datetime("us", "UTC") or frame.schema["decided_at"] == pl.Datetime(
            "ns", "UTC"
        )
    assert_kind(lw.read_labels(path, backend="pandas"), "pandas")
    # only the pandas frame says which columns a Labeler wrote: a Labeler resumes on it, and refuses the polars one
    with pytest.warns(UserWarning, match="result columns were kept in memory only"):  # taken as its own columns
        lw.Labeler(expected, labels=["billing", "bug"], key="id", store=None).close()
    with pytest.raises(InputError, match="already has column"):
        lw.Labeler(lw.read_labels(path, backend="polars"), labels=["billing", "bug"], key="id", store=None)
    with pytest.raises(InputError, match="no library of frames narwhals knows"):
        lw.read_labels(path, backend="numpy")
    with pytest.raises(InputError, match="not installed here"):
        lw.read_labels(path, backend="no_such_frames")


def test_to_spacy_of_a_polars_labeler(tmp_path: Path) -> None:
    import spacy
    from spacy.tokens import DocBin

    labeler = lw.Labeler(pl.from_pandas(ITEMS), kind="spans", labels=["thing"], key="id", store=None)
    labeler.label([(0, 6, "thing")])
    lw.to_spacy(labeler, tmp_path / "train.spacy", lang="en")
    docs = list(DocBin().from_disk(tmp_path / "train.spacy").get_docs(spacy.blank("en").vocab))
    assert [(e.text, e.label_) for e in docs[0].ents] == [("refund", "thing")]
    labeler.close()


def test_an_index_that_says_something_comes_back_as_columns() -> None:
    from labelwidgets.frames import Given

    back = Given(pl).back
    named = back(pd.DataFrame({"a": [1, 2]}, index=pd.Index(["x", "y"], name="a")))  # the name is taken
    assert named.columns == ["a_index", "a"] and named["a_index"].to_list() == ["x", "y"]
    nested = back(pd.DataFrame({"v": [1, 2]}, index=pd.MultiIndex.from_tuples([("x", 1), ("y", 2)])))
    assert nested.columns == ["level_0", "level_1", "v"]
    assert back(pd.Series([1, 2], name="n")).to_list() == [1, 2]  # positions only: a polars Series
    assert back(pd.Series([1, 2], index=["p", "q"], name="n")).columns == ["index", "n"]
    tuples = back(pd.DataFrame({"key": [("a", 1), ("b", 2)]}))  # no Arrow type: written as text
    assert tuples["key"].to_list() == ["('a', 1)", "('b', 2)"]


# ----- bad input -------------------------------------------------------------------------------------------------


def test_a_polars_text_column_that_is_not_text_says_how_to_cast_it(tmp_path: Path) -> None:
    numbers = pl.DataFrame({"text": [1, 2, 3]})
    with pytest.raises(InputError, match=r"'text' of this polars frame holds Int64, not text.*cast\(pl.String\)"):
        lw.Labeler(numbers, labels=["a", "b"], store=tmp_path / "l.db")
    with pytest.raises(InputError, match="holds Int64, not text"):
        lw.Team(tmp_path / "t.db", numbers, labels=["a", "b"])
    with pytest.raises(InputError, match="holds Int64, not text"):
        lw.suggest(numbers, lw.FromColumn("text"), labels=["a", "b"], progress=False)
    pairs = pl.DataFrame({"prompt": ["q"], "a": ["fine"], "b": [2.5]})
    with pytest.raises(InputError, match="'b' of this polars frame holds Float64"):
        lw.Labeler(pairs, kind="pair", prompt="prompt", outputs=("a", "b"), store=None)
    assert not (tmp_path / "l.db").exists()  # refused before the store was touched


def test_a_lazy_frame_or_a_list_is_refused_with_what_to_do() -> None:
    with pytest.raises(InputError, match=r"lazy frame .* collect it first"):
        lw.Labeler(pl.LazyFrame({"text": ["a"]}), labels=["a", "b"], store=None)
    with pytest.raises(InputError, match=r"expected a pandas DataFrame .*polars.* got list"):
        lw.Labeler(["a", "b"], labels=["a"], store=None)  # type: ignore[arg-type]


USER_CODE = """
import labelwidgets as lw
import polars as pl

df = pl.DataFrame({"text": ["a", "b"], "label": ["x", "y"]})
labeler = lw.Labeler(df, labels=["x", "y"], store=None)
team = lw.Team("t.db", df, labels=["x", "y"])
room = lw.Classroom("c.db", df, gold="label", labels=["x", "y"])
board = lw.compare(df, suggesters={"m": lw.FromColumn("label")}, labels=["x", "y"])
table = lw.agreement(df)
suggested = lw.suggest(df, lw.FromColumn("label"), labels=["x", "y"])
gold: pl.DataFrame = team.gold
read: pl.DataFrame = lw.read_labels("labels.parquet", backend="polars")
"""


def test_a_type_checker_takes_a_polars_frame_where_a_call_takes_a_frame(tmp_path: Path) -> None:
    """mypy with pandas' stubs, as a user runs it on their own code (it refused each call before `Frame`)."""
    (tmp_path / "user.py").write_text(USER_CODE)
    command = [sys.executable, "-m", "mypy", "--python-version", "3.11", "--follow-imports=silent",
               "--cache-dir", str(tmp_path / "cache"), str(tmp_path / "user.py")]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and "Success: no issues found in 1 source file" in run.stdout, run.stdout + run.stderr


def test_import_labelwidgets_loads_neither_narwhals_nor_polars() -> None:
    code = (
        "import sys, pandas as pd, labelwidgets as lw\n"
        "labeler = lw.Labeler(pd.DataFrame({'text': ['a', 'b']}), labels=['x', 'y'], store=None)\n"
        "labeler.label('x'); lw.agreement(labeler.df)\n"
        "print(sorted(m for m in ('narwhals', 'polars') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
