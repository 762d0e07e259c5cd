"""Teaching mode in a real browser: nothing the front end receives carries an item's gold label before the
student's answer on it (every WebSocket frame is read), then the feedback and the running score show."""

from __future__ import annotations

import json
import textwrap
import time
from typing import Any

import pytest
from jupyter_browser import NotebookPage
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

STUDENT = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({"text": [f"creature sighting number {i}" for i in range(8)],
                       "expert": ["blicket", "wug", "wug", "blicket", None, "wug", "blicket", "wug"]})
    labels = {"wug": "small and round, it hums", "blicket": "it makes the machine light up"}
    labeler = lw.Labeler(df, labels=labels, gold="expert", store="teaching.db", annotator="sam", feedback="after")
    labeler
    """
)


def kernel_messages(payload: str | bytes) -> list[dict[str, Any]]:
    """The Jupyter messages in one WebSocket frame: JSON text, or the v1 binary protocol (offsets, then parts)."""
    if isinstance(payload, str):
        try:
            return [json.loads(payload)]
        except ValueError:
            return []
    data = bytes(payload)
    count = int.from_bytes(data[:8], "little")
    offsets = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    parts = [data[offsets[i] : offsets[i + 1] if i + 1 < count else len(data)] for i in range(count)]
    try:
        return [{"header": json.loads(parts[1]), "content": json.loads(parts[4])}]
    except (IndexError, ValueError):
        return []


def items_in(value: Any) -> list[dict[str, Any]]:
    """Every item payload (a dict with a rank and a feedback field) anywhere inside ``value``."""
    found = []
    if isinstance(value, dict):
        if "rank" in value and "feedback" in value:
            found.append(value)
        for inner in value.values():
            found.extend(items_in(inner))
    elif isinstance(value, list):
        for inner in value:
            found.extend(items_in(inner))
    return found


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_the_answer_reaches_the_browser_only_after_the_student_commits(jupyter_server, browser_context, ui):
    frames: list[tuple[float, str | bytes]] = []

    def watch(page: Any) -> None:
        page.on(
            "websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append((time.monotonic(), payload)))
        )

    browser_context.on("page", watch)
    try:
        nb = NotebookPage.open(
            browser_context,
            jupyter_server,
            f"teaching_{ui}.ipynb",
            [STUDENT.replace("teaching.db", f"{ui}.db")],
            ui=ui,
            workspace="teaching" if ui == "lab" else None,
        )
    finally:
        browser_context.remove_listener("page", watch)
    try:
        nb.run_all()
        root = nb.page.locator(".lw-labeler").first
        text = root.locator(".lw-text")
        expect(text).to_have_text("creature sighting number 0", timeout=60_000)
        expect(root.locator(".lw-score-text")).to_have_text("Score: no answers checked yet.")
        expect(root.locator(".lw-chance")).to_contain_text("0 is what answering at random")
        time.sleep(1.0)  # let every window the view asked for arrive
        answered_at: dict[int, float] = {}
        text.click()
        answered_at[0] = time.monotonic()
        nb.page.keyboard.press("1")  # wug; the answer is blicket
        expect(text).to_have_text("creature sighting number 1")
        strip = root.locator(".lw-feedback").first
        expect(strip).to_contain_text("Item 1: ✗ Not quite · the answer is blicket (you said wug)")
        expect(strip).to_contain_text("blicket: it makes the machine light up")
        answered_at[1] = time.monotonic()
        nb.page.keyboard.press("1")  # wug, right
        expect(text).to_have_text("creature sighting number 2")
        expect(strip).to_contain_text("Item 2: ✓ Right · the answer is wug")
        expect(root.locator(".lw-score-text")).to_contain_text("Score: 1 of 2 right (50%)")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")

        # Undo would take back an answer already checked: refused in the view, nothing sent
        nb.page.keyboard.press("z")
        expect(root.locator(".lw-notice")).to_contain_text("cannot be undone")
        expect(text).to_have_text("creature sighting number 2")
        # Going back and pressing the other label is a revision; the score keeps the first answer
        nb.page.keyboard.press("ArrowLeft")
        nb.page.keyboard.press("ArrowLeft")
        expect(text).to_have_text("creature sighting number 0")
        expect(root.locator(".lw-state")).to_contain_text("the answer is blicket")
        nb.page.keyboard.press("2")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        expect(root.locator(".lw-score-text")).to_contain_text("1 of 2 right (50%)")
        expect(root.locator(".lw-score-text")).to_contain_text("1 changed after feedback")
        last = nb.evaluate_json("labeler.decisions[['action', 'label', 'previous_label']]")
        assert last == [["labeled", "wug", None], ["labeled", "wug", None], ["revised", "blicket", "wug"]]

        # Everything the front end received: an item's feedback only ever after its answer was sent
        time.sleep(1.0)
        seen_feedback: dict[int, float] = {}
        n_items = 0
        for at, payload in frames:
            for message in kernel_messages(payload):
                for item in items_in(message.get("content", {})):
                    n_items += 1
                    feedback = item["feedback"]
                    if feedback is None or feedback == {"practice": True}:
                        continue
                    rank = item["rank"]
                    assert rank in answered_at, f"feedback for item {rank}, never answered: {feedback}"
                    assert at > answered_at[rank], f"feedback for item {rank} arrived before the answer"
                    seen_feedback.setdefault(rank, at)
        assert n_items > 8  # the frames were read: the first window alone holds the first items
        assert set(seen_feedback) == {0, 1}
        gold_texts = [
            json.dumps(message.get("content", {}))
            for at, payload in frames
            if at < answered_at[0]
            for message in kernel_messages(payload)
        ]
        assert gold_texts and not any('"gold"' in t for t in gold_texts)

        saved = nb.save()  # what a saved notebook keeps: outputs, and the widget state if JupyterLab saves it
        for item in items_in(saved.get("metadata", {})):
            assert item["feedback"] in (None, {"practice": True}) or item["rank"] in answered_at
        assert '"gold"' not in json.dumps([cell.get("outputs", []) for cell in saved["cells"]])
    finally:
        nb.close()


END = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({"text": [f"end-of-lesson item {i}" for i in range(4)],
                       "expert": ["blicket", "wug", "wug", "blicket"]})
    labeler = lw.Labeler(df, labels=["wug", "blicket"], gold="expert", store="teaching_end.db", annotator="sam",
                         feedback="end")
    labeler
    """
)


def test_feedback_at_the_end_shows_the_score_and_every_answer_once_the_last_item_is_decided(
    jupyter_server, browser_context
):
    nb = NotebookPage.open(browser_context, jupyter_server, "teaching_end.ipynb", [END], workspace="teaching-end")
    try:
        nb.run_all()
        root = nb.page.locator(".lw-labeler").first
        text = root.locator(".lw-text")
        expect(text).to_have_text("end-of-lesson item 0", timeout=60_000)
        expect(root.locator(".lw-score")).to_be_hidden()
        text.click()
        nb.page.keyboard.press("1")  # wug: wrong, but nothing says so yet
        expect(text).to_have_text("end-of-lesson item 1")
        expect(root.locator(".lw-feedback")).to_be_hidden()
        nb.page.keyboard.press("z")  # not shown yet: a plain undo
        expect(text).to_have_text("end-of-lesson item 0")
        for key in ["2", "1", "1", "2"]:
            nb.page.keyboard.press(key)
        expect(root.locator(".lw-done")).to_contain_text("All 4 items decided.")
        expect(root.locator(".lw-done")).to_contain_text("Score: 4 of 4 right (100%)", timeout=10_000)
        nb.page.keyboard.press("ArrowLeft")
        expect(text).to_have_text("end-of-lesson item 3")
        expect(root.locator(".lw-state")).to_contain_text("✓ Right · the answer is blicket")
    finally:
        nb.close()


SPANS_LESSON = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({"text": ["Ana flew to Paris with Ben", "nothing to see here", "Obama visited Berlin"],
                       "expert": [[(0, 3, "person"), (12, 17, "location")], [], [(0, 5, "person")]]})
    labeler = lw.Labeler(df, labels={"person": "a named person", "location": "a named place"}, kind="spans",
                         gold="expert", store="teaching_spans.db", annotator="sam", feedback="after")
    labeler
    """
)


def test_spans_feedback_shows_the_answer_key_on_the_text_and_span_f1_only_after_the_answer(
    jupyter_server, browser_context
):
    frames: list[tuple[float, str | bytes]] = []

    def watch(page: Any) -> None:
        page.on(
            "websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append((time.monotonic(), payload)))
        )

    browser_context.on("page", watch)
    try:
        nb = NotebookPage.open(
            browser_context, jupyter_server, "teaching_spans.ipynb", [SPANS_LESSON], workspace="teaching-spans"
        )
    finally:
        browser_context.remove_listener("page", watch)
    try:
        nb.run_all()
        page = nb.page
        root = page.locator(".lw-labeler").first
        text = root.locator(".lw-span-text")
        strip = root.locator(".lw-feedback").first
        expect(text).to_have_text("Ana flew to Paris with Ben", timeout=60_000)
        expect(root.locator(".lw-score-text")).to_have_text("Score: no answers checked yet.")
        time.sleep(1.0)  # let every window the view asked for arrive
        root.locator(".lw-state").click()
        answered_at: dict[int, float] = {}
        # item 1: "Ana" as a person (right), "Ben" as a location (extra); "Paris" missed
        for key in ["Tab", "Control+Shift+ArrowRight", "1", "End", "Control+Shift+ArrowLeft", "2", "Escape"]:
            page.keyboard.press(key)
        expect(root.locator(".lw-span-list li")).to_have_text(["person Ana", "location Ben"])
        expect(strip).to_be_hidden()
        answered_at[0] = time.monotonic()
        page.keyboard.press("Enter")
        expect(text).to_have_text("nothing to see here")
        expect(strip).to_contain_text("Item 1: ✗ Not quite")
        expect(strip.locator(".lw-span-fb-sentence")).to_have_text(
            "1 of 2 spans right; missed: location 'Paris'; extra: location 'Ben' · span F1 0.50"
        )
        # the answer key on the item's text: its two gold spans marked, the missed one said so
        gold = strip.locator(".lw-span-fb-gold")
        expect(gold).to_contain_text("Answer key: Ana")
        expect(gold.locator("mark.lw-span")).to_have_text(["Ana", "Paris"])
        expect(gold.locator("mark.lw-span-missed")).to_have_text("Paris")
        expect(strip.locator(".lw-span-fb-chip")).to_have_text(
            ["right: person “Ana”", "missed: location “Paris”", "extra: location “Ben”"]
        )
        expect(strip.locator(".lw-guideline")).to_have_text("person: a named person; location: a named place")
        assert "[object Object]" not in (strip.text_content() or "")
        expect(root.locator(".lw-score-text")).to_contain_text(
            "Score: 0 of 1 exactly right (0%) · spans: strict F1 0.50 (1 of 2 gold spans found, 2 marked)"
            " · partial F1 0.50"
        )
        expect(root.locator(".lw-chance")).to_contain_text("Span F1 has no chance level")
        # item 2: no spans, as in the answer key
        answered_at[1] = time.monotonic()
        page.keyboard.press("0")
        expect(text).to_have_text("Obama visited Berlin")
        expect(strip).to_contain_text("Item 2: ✓ Right")
        expect(strip.locator(".lw-span-fb-sentence")).to_have_text(
            "no spans, as in the answer key: right · no span on either side, no span F1"
        )
        expect(root.locator(".lw-score-text")).to_contain_text("Score: 1 of 2 exactly right (50%)")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        stored = nb.evaluate_json("[[s['start'], s['end'], s['label']] for s in df['label'].iat[0]], df['label'][1]")
        assert stored == [[[0, 3, "person"], [23, 26, "location"]], []]

        # every frame the page received: no item's feedback, and no gold span's words, before its answer
        time.sleep(1.0)
        seen: set[int] = set()
        for at, payload in frames:
            for message in kernel_messages(payload):
                content = json.dumps(message.get("content", {}))
                if at < answered_at[0]:
                    assert '"gold_spans": [' not in content and "location 'Paris'" not in content
                for item in items_in(message.get("content", {})):
                    if item["feedback"] in (None, {"practice": True}):
                        continue
                    rank = item["rank"]
                    assert rank in answered_at and at > answered_at[rank], f"feedback for item {rank} too early"
                    seen.add(rank)
        assert seen == {0, 1}
    finally:
        nb.close()
