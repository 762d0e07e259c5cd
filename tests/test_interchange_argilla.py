"""Argilla 2.x out and back in (#23): lw.export(format="argilla") writes records in the shape its SDK logs and the
dataset's settings, checked by building them with the argilla SDK's own classes (rg.Settings, rg.Record,
rg.Suggestion, rg.Response, the question classes) and flattening them as the SDK does; lw.read_argilla reads the
SDK's flat export back as decisions in a store. The SDK's classes want a client, which logs in once: a small HTTP
server on 127.0.0.1 answers that one request (no Argilla server is needed to build records)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from interchange_kinds import ANSWERS, KINDS, kind_options

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.interchange.given import user_id

TEXTS = ["Ana met Bo in Rome.", "Paris in May, with Ana.", "Nothing here at all.", "Rome again."]


class _Me(BaseHTTPRequestHandler):
    """Argilla's login check: GET /api/v1/me answers the user the client acts as."""

    def do_GET(self) -> None:
        body = json.dumps({"id": str(uuid.uuid4()), "username": "owner", "role": "owner"}).encode()
        self.send_response(200 if self.path == "/api/v1/me" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def rg() -> Iterator[Any]:
    import argilla

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Me)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    argilla.Argilla(api_url=f"http://127.0.0.1:{server.server_address[1]}", api_key="offline", retries=0)
    yield argilla
    server.shutdown()
    server.server_close()


SUGGESTED: dict[str, list[Any]] = {
    "single": ["neg", "neg", None, None],
    "multi": [["billing"], [], None, None],
    "spans": [[{"start": 0, "end": 3, "label": "person"}], [], None, None],
    "pair": ["reply_b", "tie", None, None],
}


def _items(kind: str) -> pd.DataFrame:
    index = pd.Index(["t1", "t2", "t3", "t4"], name="ticket")
    extra = {"model": pd.Series(SUGGESTED[kind], index=index, dtype=object), "conf": [0.8, 0.55, None, None]}
    if kind == "pair":
        return pd.DataFrame({"question": ["q1?", "q2?", "q3?", "q4?"], "reply_a": ["a1", "a2", "a3", "a4"],
                             "reply_b": ["b1", "b2", "b3", "b4"], **extra}, index=index)  # fmt: skip
    return pd.DataFrame({"text": TEXTS, "source": ["mail", "chat", "mail", "chat"], **extra}, index=index)


def _team(kind: str, tmp_path: Path) -> lw.Team:
    """Two people answering the first two items of ``kind`` (differently on the second), then one skip each."""
    team = lw.Team(str(tmp_path / f"{kind}.db"), _items(kind), overlap=2, **kind_options(kind))
    for name, answers in {"ana": ANSWERS[kind], "bo": [ANSWERS[kind][0], ANSWERS[kind][0]]}.items():
        member = team.labeler(name)
        for answer in answers:
            member.label(answer)
        member.skip()
    return team


def _as_argilla(record: dict[str, Any], settings: Any, rg: Any) -> Any:
    """The record built with the SDK's classes from what was exported."""
    fields = [f.name for f in settings.fields]
    question = settings.questions[0].name
    suggestions = []
    if f"{question}.suggestion" in record:
        suggestions.append(
            rg.Suggestion(question, record[f"{question}.suggestion"], score=record[f"{question}.suggestion.score"],
                          agent=record[f"{question}.suggestion.agent"])
        )  # fmt: skip
    responses = [
        rg.Response(question, value, user_id=uuid.UUID(user), status=status)
        for value, user, status in zip(record.get(f"{question}.responses", []),
                                       record.get(f"{question}.responses.users", []),
                                       record.get(f"{question}.responses.status", []), strict=True)
    ]  # fmt: skip
    own = {k for k in record if k.startswith(f"{question}.")} | {"id", *fields}
    metadata = {k: v for k, v in record.items() if k not in own}
    return rg.Record(id=record["id"], fields={f: record[f] for f in fields}, metadata=metadata,
                     suggestions=suggestions, responses=responses)  # fmt: skip


def _flat(record: Any) -> dict[str, Any]:
    """A record as the SDK flattens it for ``dataset.records.to_list(flatten=True)`` (and logs it back)."""
    from argilla.records._io._generic import GenericIO

    flat = GenericIO._record_to_dict(record, flatten=True)
    return {k: v for k, v in flat.items() if k not in ("status", "_server_id")}


@pytest.mark.parametrize("kind", KINDS)
def test_records_are_built_by_argillas_own_classes_and_read_back_as_the_same_decisions(tmp_path, rg, kind):
    team = _team(kind, tmp_path)
    path = lw.export(team, tmp_path / "records.jsonl", format="argilla")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    # the settings beside them are Argilla's: rg.Settings reads them, with the question that fits the kind
    settings = rg.Settings.from_json(str(tmp_path / "records.settings.json"))
    question = settings.questions[0]
    expected_class = {"single": rg.LabelQuestion, "multi": rg.MultiLabelQuestion, "spans": rg.SpanQuestion,
                      "pair": rg.LabelQuestion}[kind]  # fmt: skip
    assert type(question) is expected_class and question.name == "label"
    assert question.labels == (kind_options(kind).get("labels") or ["reply_a", "reply_b", "tie"])
    text_field = "question" if kind == "pair" else "text"
    assert [f.name for f in settings.fields] == [text_field, *(["reply_a", "reply_b"] if kind == "pair" else [])]
    if kind == "spans":
        assert question.field == "text"

    # each record, built with rg.Record / rg.Suggestion / rg.Response, flattens to exactly what was written
    assert len(records) == 4
    for record in records:
        assert _flat(_as_argilla(record, settings, rg)) == record
    first = records[0]
    assert first["label.responses.users"] == [str(user_id("ana")), str(user_id("bo"))]
    assert first["label.responses.status"] == ["submitted", "submitted"] and first["annotators"] == ["ana", "bo"]
    assert records[2]["label.responses.status"] == ["discarded", "discarded"]
    assert records[3].get("label.responses") is None  # nobody decided the last item

    # back: the same decisions, agreement and conflicts
    imported = lw.read_argilla(path, store=str(tmp_path / "back.db"))
    assert imported.labels.kind.name == kind and imported.annotators == ["ana", "bo"] and imported.decisions == 6
    back = imported.team()
    columns = ["key", "annotator", "label", "action"]
    ours, theirs = (
        f[columns].sort_values(["key", "annotator"]).reset_index(drop=True) for f in (team.decisions, back.decisions)
    )
    pd.testing.assert_frame_equal(theirs, ours)  # answers as the kind shows them: names, lists, spans with text
    assert back.conflicts["key"].tolist() == team.conflicts["key"].tolist() == ["t2"]
    pd.testing.assert_frame_equal(back.gold, team.gold)
    team.close()
    back.close()


@pytest.mark.parametrize("kind", KINDS)
def test_a_labelers_suggestions_go_with_score_and_agent_one_per_question(tmp_path, rg, kind):
    labeler = lw.Labeler(_items(kind), store=str(tmp_path / "l.db"), annotator="ana",
                         suggester=lw.FromColumn("model", confidence="conf"), **kind_options(kind))  # fmt: skip
    labeler.label(ANSWERS[kind][0])
    path = lw.export(labeler, tmp_path / "records.json", format="argilla")
    records = json.loads(path.read_text(encoding="utf-8"))
    settings = rg.Settings.from_json(str(tmp_path / "records.settings.json"))
    for record in records:
        assert _flat(_as_argilla(record, settings, rg)) == record
    assert (records[0]["label.suggestion.score"], records[0]["label.suggestion.agent"]) == (0.8, "column:model")
    assert records[0]["label.suggestion"] == SUGGESTED[kind][0]
    imported = lw.read_argilla(path, store=str(tmp_path / "back.db"))
    shown = imported.items["suggestion"].tolist()
    if kind == "spans":
        shown = [v if v is None else [{k: s[k] for k in ("start", "end", "label")} for s in v] for v in shown]
    assert shown == [SUGGESTED[kind][0], None, None, None]  # a Labeler's suggestion column: the items it showed
    assert imported.items["confidence"].tolist()[0] == 0.8
    labeler.close()


def test_argillas_own_flat_export_names_users_by_id_or_by_a_mapping_and_leaves_drafts_out(tmp_path, rg):
    ana, bo, cy = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    records = [
        rg.Record(id="r1", fields={"text": "great"}, responses=[
            rg.Response("sentiment", "positive", user_id=ana, status="submitted"),
            rg.Response("sentiment", "negative", user_id=bo, status="submitted"),
            rg.Response("sentiment", "positive", user_id=cy, status="draft"),
        ], suggestions=[rg.Suggestion("sentiment", "positive", score=0.7, agent="gpt")]),
        rg.Record(id="r2", fields={"text": "meh"}, responses=[
            rg.Response("sentiment", None, user_id=ana, status="discarded"),
            rg.Response("sentiment", "negative", user_id=bo, status="submitted"),
        ]),
    ]  # fmt: skip
    flat = [_flat(r) for r in records]
    with pytest.warns(UserWarning, match=r"1 draft response\(s\) were left out"):
        imported = lw.read_argilla(flat, store=str(tmp_path / "s.db"), labels=["positive", "negative"],
                                   users={str(ana): "ana"})  # fmt: skip
    assert imported.drafts == 1 and imported.annotators == ["ana", str(bo)]
    decided = imported.team().decisions
    assert sorted(zip(decided["key"], decided["annotator"], decided["label"].fillna("-"), decided["action"],
                      strict=True)) == sorted([("r1", "ana", "positive", "labeled"),
                                               ("r1", str(bo), "negative", "labeled"),
                                               ("r2", "ana", "-", "skipped"),
                                               ("r2", str(bo), "negative", "labeled")])  # fmt: skip
    assert imported.items.loc["r1", "suggestion"] == "positive" and imported.items.loc["r1", "suggester"] == "gpt"


def test_questions_of_other_types_are_skipped_and_counted_by_type(tmp_path, rg):
    team = _team("single", tmp_path)
    path = lw.export(team, tmp_path / "records.json", format="argilla")
    records = json.loads(path.read_text(encoding="utf-8"))
    settings = json.loads((tmp_path / "records.settings.json").read_text(encoding="utf-8"))
    rating = {"type": "rating", "options": [{"value": v} for v in range(1, 6)]}
    settings["questions"].append(
        {"name": "quality", "title": "quality", "description": None, "required": False, "settings": rating}
    )
    (tmp_path / "records.settings.json").write_text(json.dumps(settings), encoding="utf-8")
    records[0] |= {"quality.responses": [4, 5], "quality.responses.users": records[0]["label.responses.users"],
                   "quality.responses.status": ["submitted", "submitted"], "quality.suggestion": 3}  # fmt: skip
    path.write_text(json.dumps(records), encoding="utf-8")
    assert rg.Settings.from_json(str(tmp_path / "records.settings.json")).questions[1].name == "quality"
    with pytest.warns(UserWarning, match=r"skipped \(3 'rating'\)"):
        imported = lw.read_argilla(path, store=str(tmp_path / "back.db"))
    assert imported.unsupported == {"rating": 3} and imported.decisions == 6
    assert "quality.responses" not in imported.items.columns
    # without settings, two questions: which one to read must be named
    (tmp_path / "records.settings.json").unlink()
    with pytest.raises(InputError, match=r"\['label', 'quality'\] question\(s\).*question="):
        lw.read_argilla(path, store=str(tmp_path / "other.db"))
    with pytest.warns(UserWarning, match=r"skipped \(3 \"question 'quality'\"\)"):
        named = lw.read_argilla(path, store=str(tmp_path / "named.db"), question="label", labels=["pos", "neg"])
    assert named.decisions == 6
    team.close()


def test_spans_outside_the_text_are_dropped_and_counted(tmp_path):
    records = [{"id": "a", "text": "Ana met Bo.", "label.responses": [[{"start": 0, "end": 3, "label": "person"},
               {"start": 8, "end": 40, "label": "person"}]], "label.responses.users": ["u1"],
               "label.responses.status": ["submitted"]}]  # fmt: skip
    with pytest.warns(UserWarning, match=r"1 were dropped"):
        imported = lw.read_argilla(records, store=str(tmp_path / "s.db"), kind="spans", labels=["person"])
    assert imported.dropped == 1
    spans = imported.team(overlap=1).decisions["label"].iloc[0]
    assert [(s["start"], s["end"], s["text"]) for s in spans] == [(0, 3, "Ana")]


def test_bad_input(tmp_path, rg):
    nested = rg.Record(id="x", fields={"text": "a"}).to_dict()
    with pytest.raises(InputError, match="record 1 is nested"):
        lw.read_argilla([nested])
    path = tmp_path / "records.json"
    path.write_text(json.dumps({"text": "a"}), encoding="utf-8")
    with pytest.raises(InputError, match="is not Argilla records: a list of flat records"):
        lw.read_argilla(path)
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(InputError, match="is not JSON"):
        lw.read_argilla(path)
    team = _team("multi", tmp_path)
    lw.export(team, tmp_path / "out.jsonl", format="argilla")
    with pytest.raises(InputError, match="already exist"):
        lw.export(team, tmp_path / "out.jsonl", format="argilla")
    (tmp_path / "out.jsonl").unlink()
    with pytest.raises(InputError, match=r"out\.settings\.json"):
        lw.export(team, tmp_path / "out.jsonl", format="argilla")
    lw.export(team, tmp_path / "out.jsonl", format="argilla", overwrite=True)
    with pytest.raises(InputError, match="events=True"):
        lw.export(team, tmp_path / "out.jsonl", format="argilla", overwrite=True, events=True)
    team.close()
    clash = lw.Labeler(pd.DataFrame({"text": ["a"], "status": ["open"]}), labels=["x", "y"], store=None)
    clash.label("x")
    with pytest.raises(InputError, match=r"\['status'\], which an Argilla record uses"):
        lw.export(clash, tmp_path / "clash.json", format="argilla")


def test_import_labelwidgets_and_the_readers_load_no_argilla_datasets_or_spacy():
    import subprocess
    import sys

    code = (
        "import sys; import labelwidgets as lw; lw.read_argilla, lw.read_label_studio, lw.export; "
        "print(sorted(m for m in ('argilla', 'pyarrow', 'datasets', 'spacy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "argilla" not in out.stdout and "datasets" not in out.stdout and "spacy" not in out.stdout
