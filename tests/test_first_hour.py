"""A new user's first hour: mistakes caught when a Labeler, lw.suggest or lw.compare is created, not item by item."""

from __future__ import annotations

import io
import warnings

import pandas as pd
import pytest

import labelwidgets as lw

STANCE_CSV = """text,gold,chatgpt
we must act on climate now,favor,Favor
this policy is a disaster,against,Against
the meeting is at noon,None,None
i love the new plan,favor,Favor
taxes again? no thanks,against,against
weather report for tuesday,None,Favor
"""
STANCE_LABELS = ["against", "favor", "None"]


def stance(**read_csv) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(STANCE_CSV), **read_csv)


def test_a_string_instead_of_a_suggester_is_refused_by_suggest_and_compare() -> None:
    df = stance(keep_default_na=False)
    with pytest.raises(lw.InputError, match=r"suggester='chatgpt' is a string.*lw.FromColumn\('chatgpt'\)"):
        lw.suggest(df, "chatgpt", labels=STANCE_LABELS, progress=False)  # type: ignore[arg-type]
    with pytest.raises(lw.InputError, match=r"suggesters\['chatgpt'\]='chatgpt' is a string"):
        lw.compare(df, human="gold", labels=STANCE_LABELS, suggesters={"chatgpt": "chatgpt"}, progress=False)


def test_a_typo_in_a_from_column_name_offers_the_close_match() -> None:
    df = stance(keep_default_na=False)
    with pytest.raises(lw.InputError, match=r"FromColumn\('chatGPT'.*does not have\. Did you mean 'chatgpt'\?"):
        lw.compare(df, human="gold", labels=STANCE_LABELS, suggesters=[lw.FromColumn("chatGPT")], progress=False)


def test_values_differing_only_in_case_are_mapped_with_a_note_not_scored_as_invalid() -> None:
    df = stance(keep_default_na=False)
    with pytest.warns(UserWarning, match=r"differ from a label only in case.*'Favor' → 'favor'"):
        board = lw.compare(df, human="gold", labels=STANCE_LABELS, suggesters=[lw.FromColumn("chatgpt")],
                           progress=False, n_boot=0)  # fmt: skip
    row = board.table.iloc[0]
    assert row["invalid"] == 0.0  # before: every 'Favor' and 'Against' was an invalid suggestion
    assert row["accuracy"] == pytest.approx(5 / 6)


def test_values_outside_the_label_set_are_warned_about_with_counts() -> None:
    df = stance(keep_default_na=False)
    df["chatgpt"] = ["favour", "favour", "None", "maybe", "against", "None"]
    with pytest.warns(UserWarning, match=r"3 of 6 values of FromColumn\('chatgpt'.*are not labels \('favour' ×2, "
                                         r"'maybe' ×1\): those rows will be invalid suggestions"):  # fmt: skip
        lw.suggest(df, lw.FromColumn("chatgpt"), labels=STANCE_LABELS, progress=False,
                   columns={"suggestion": "s", "confidence": "c", "confidence_source": None,
                            "suggestion_error": None})  # fmt: skip


def test_a_label_pandas_reads_as_missing_is_flagged_at_once_with_how_to_read_the_file() -> None:
    df = stance()  # a plain read_csv: the label "None" became NaN
    assert df["gold"].isna().sum() == 2
    with pytest.warns(UserWarning, match=r"the label 'None' is a name pandas reads as missing.*keep_default_na=False"):
        lw.compare(df, human="gold", labels=STANCE_LABELS, suggesters=[lw.FromColumn("chatgpt")], progress=False,
                   n_boot=0)  # fmt: skip


def test_read_correctly_nothing_is_flagged() -> None:
    df = stance(keep_default_na=False)
    df["chatgpt"] = df["chatgpt"].str.lower().replace({"none": "None"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # an unclosed connection of an earlier test, collected now, is not what this checks
        warnings.simplefilter("ignore", ResourceWarning)
        lw.compare(df, human="gold", labels=STANCE_LABELS, suggesters=[lw.FromColumn("chatgpt")], progress=False,
                   n_boot=0)  # fmt: skip


def test_labels_given_as_a_set_are_refused_because_order_decides_the_keys() -> None:
    with pytest.raises(lw.InputError, match=r"labels is a set.*labels=\['ham', 'spam'\]"):
        lw.LabelSet.parse({"spam", "ham"})


def test_a_missing_api_key_is_named_as_such_and_not_retried(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from labelwidgets.suggesters.base import Item
    from labelwidgets.suggesters.llm._litellm import get_litellm

    for name in ("OPENAI_API_KEY", "OPENAI_ADMIN_KEY"):
        monkeypatch.delenv(name, raising=False)
    litellm = get_litellm()
    calls = []
    original = litellm.completion

    def counted(**kwargs):
        calls.append(kwargs.get("model"))
        return original(**kwargs)

    monkeypatch.setattr(litellm, "completion", counted)
    llm = lw.LLM("gpt-4o-mini", instructions="Stance?", cache=False, max_retries=3)
    (suggestion,) = llm.suggest([Item(key="1", text="we must act now")], lw.LabelSet.parse(STANCE_LABELS))
    assert suggestion.error is not None
    assert suggestion.error.startswith("no API key for gpt-4o-mini: set the provider's key variable")
    assert "HTTP 500" not in suggestion.error
    assert len(calls) == 1  # before: the "HTTP 500" was retried max_retries times with backoff


def _frames(error: BaseException) -> list[str]:
    import traceback

    return [frame.name for frame in traceback.extract_tb(error.__traceback__)]


@pytest.mark.parametrize(
    "call",
    [
        lambda df: lw.Labeler(df, text="txt", labels=["a", "b"], store=None),
        lambda df: lw.Labeler(df, text="text", labels="ab", store=None),
        lambda df: lw.Labeler(df, text="text", labels=["a", "b"], store=None).relabel(0, "a"),
        lambda df: lw.Labeler(df, text="text", labels=["a", "b"], store=None).label("c"),
        lambda df: lw.suggest(df, lw.FromColumn("nope"), labels=["a", "b"], progress=False),
        lambda df: lw.compare(df, human="nope", labels=["a", "b"], suggesters=[lw.FromColumn("text")], progress=False),
        lambda df: lw.agreement(df, label="nope"),
    ],
)
def test_an_input_error_comes_from_the_public_call_without_the_package_frames(call) -> None:
    df = pd.DataFrame({"text": ["x", "y"]})
    with pytest.raises(lw.LabelwidgetsError) as caught:
        call(df)
    frames = _frames(caught.value)
    # this test's lambda, then the public entry point; before, 5 to 15 frames inside the package followed
    assert len(frames) <= 3, frames
    assert not any(name.startswith("_") and name != "__init__" for name in frames[2:]), frames


def test_a_mostly_invalid_entry_says_why_on_the_board() -> None:
    df = stance(keep_default_na=False)
    df["yesno"] = ["yes", "no", "yes", "yes", "no", "against"]
    with pytest.warns(UserWarning, match="are not labels"):
        board = lw.compare(df, human="gold", labels=STANCE_LABELS, suggesters=[lw.FromColumn("yesno")],
                           progress=False, n_boot=0)  # fmt: skip
    note = board.notes[0]
    assert note.startswith("column:yesno: 5 of 6 outputs are invalid, 3 of them because 'yes' is not one of")
    assert note in board.widget.summary["notes"]  # shown on the board, not only in Python


def _sms(n: int) -> pd.DataFrame:
    return lw.datasets.sms_spam().head(n).reset_index(drop=True)


def test_a_labeler_checks_its_suggester_up_front(tmp_path) -> None:
    df = _sms(4)
    df["chatgpt"] = ["Ham", " SPAM ", "ham", "maybe"]
    with pytest.raises(lw.InputError, match=r"suggester='chatgpt' is a string"):
        lw.Labeler(df, labels=["ham", "spam"], store=None, suggester="chatgpt")  # type: ignore[arg-type]
    with pytest.raises(lw.InputError, match=r"Did you mean 'chatgpt'\?"):
        lw.Labeler(df, labels=["ham", "spam"], store=None, suggester=lw.FromColumn("chatGPT"))
    with pytest.warns(UserWarning, match=r"1 of 4 values .* \('maybe' ×1\).*'Ham' → 'ham'"):
        labeler = lw.Labeler(df, labels=["ham", "spam"], store=None, suggester=lw.FromColumn("chatgpt"))
    labeler.accept()
    assert labeler.df["label"].iloc[0] == "ham"  # 'Ham' was mapped, and only the label itself is written
    labeler.close()


def test_show_as_a_string_is_one_column() -> None:
    df = _sms(2)
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=None, show="gold")
    assert labeler.session.show == ["gold"]
    labeler.close()


def test_another_annotator_in_the_store_is_named_with_counts(tmp_path) -> None:
    store = tmp_path / "labels.db"
    df = _sms(5)
    first = lw.Labeler(df, labels=["ham", "spam"], store=store)  # the default annotator: the OS user
    for _ in range(5):
        first.label("ham")
    who = first.session.annotator
    first.close()
    with pytest.warns(UserWarning, match=rf"holds decisions \(5 by '{who}'\) but none by 'ana'.*annotator='{who}'"):
        second = lw.Labeler(_sms(5), labels=["ham", "spam"], store=store, annotator="ana")
    assert "(the OS user" not in repr(second) and "annotator='ana'" in repr(second)
    second.close()


def test_a_second_dataset_in_the_same_store_is_called_that_not_changed_text(tmp_path) -> None:
    store = tmp_path / "labels.db"
    first = lw.Labeler(_sms(5), labels=["ham", "spam"], store=store, annotator="ana")
    for _ in range(5):
        first.label("spam")
    first.close()
    other = pd.DataFrame({"text": [f"a completely different text {i}" for i in range(5)]})
    with pytest.warns(
        UserWarning, match=r"looks like another dataset labeled into the same store.*store='my-dataset.db'"
    ):
        labeler = lw.Labeler(other, labels=["ham", "spam"], store=store, annotator="ana")
    assert labeler.stats["decided"] == 0
    labeler.close()


def test_a_second_task_with_other_labels_in_the_default_store_says_to_give_it_its_own(tmp_path) -> None:
    store = tmp_path / "labels.db"
    lw.Labeler(_sms(2), labels=["ham", "spam"], store=store, annotator="ana").close()
    with pytest.raises(lw.StoreError, match=r"another labeling task, give it its own store"):
        lw.Labeler(_sms(2), labels=["against", "favor", "None"], store=store, annotator="ana")
