"""Spans in a real browser: marking, moving, relabeling, deleting and undoing spans from the keyboard and the mouse;
accepting, adjusting and rejecting suggested spans; and, on emoji, flag, decomposed, CJK and Hebrew texts, offsets
that are Python's (code points) after every commit. One notebook, one labeler, one item per case."""

from __future__ import annotations

import re
import textwrap

import pytest
from jupyter_browser import NotebookPage
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TEXTS = [
    "Alice met Bob in Paris.",
    "Hi 👩🏽\u200d💻 Ana codes",
    "Paris 🇫🇷 is nice",
    "Jose\u0301 lives in 李明住在东京",
    "דוד גר בירושלים",
    "Nothing here.",
    "Carol and Dave.",
    "word " * 1000 + "in Oslo",
]
GUESSES = [
    [{"text": "Alice", "label": "person"}],
    None,
    [{"text": "Paris", "label": "place"}],
    [{"text": "Jose\u0301", "label": "person"}, {"text": "京", "label": "place"}],
    [{"text": "דוד", "label": "person"}],
    None,
    [{"text": "Carol", "label": "person"}],
    None,
]

CELL = textwrap.dedent(
    f"""
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({{"text": {TEXTS!r}, "guess": {GUESSES!r}}})
    labeler = lw.Labeler(df, text="text", labels=["person", "place"], kind="spans", store="spans_browser.db",
                         suggester=lw.FromColumn("guess"), annotator="ana")
    labeler
    """
)


def at(text: str, part: str, label: str) -> list[object]:
    """A span as Python counts it: code points, from ``text.find``."""
    start = text.find(part)
    assert start >= 0
    return [start, start + len(part), label]


def stored(nb: NotebookPage, row: int) -> list[list[object]] | None:
    """The spans stored for ``row``, once the view says every decision is saved."""
    expect(nb.page.locator(".lw-labeler .lw-save").first).to_have_text("Saved ✓")
    value = nb.evaluate_json(
        f"[[s['start'], s['end'], s['label']] for s in df['label'].iat[{row}]] "
        f"if isinstance(df['label'].iat[{row}], list) else None"
    )
    return value


def action(nb: NotebookPage, row: int) -> str | None:
    return nb.evaluate_json(f"df['decision'].iat[{row}]")


def keys(nb: NotebookPage, *names: str) -> None:
    for name in names:
        nb.page.keyboard.press(name)


def char_box(nb: NotebookPage, needle: str, index: int) -> tuple[float, float]:
    """The centre of character ``index`` (UTF-16) of ``needle`` in the text shown."""
    box = nb.page.evaluate(
        """([needle, index]) => {
            const root = document.querySelector('.lw-labeler .lw-span-text');
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.textContent.indexOf(needle);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at + index);
                range.setEnd(node, at + index + 1);
                const box = root.getBoundingClientRect();  // a long text scrolls in its box: bring the character in
                root.scrollTop += range.getBoundingClientRect().top - box.top - box.height / 2;
                const r = range.getBoundingClientRect();
                return [r.left + r.width / 2, r.top + r.height / 2];
            }
            return null;
        }""",
        [needle, index],
    )
    assert box is not None, f"{needle!r} is not in the text shown"
    return box[0], box[1]


def drag(nb: NotebookPage, needle: str, first: int, last: int, *, alt: bool = False) -> None:
    x1, y1 = char_box(nb, needle, first)
    x2, y2 = char_box(nb, needle, last)
    mouse = nb.page.mouse
    if alt:
        nb.page.keyboard.down("Alt")
    mouse.move(x1, y1)
    mouse.down()
    mouse.move(x2, y2, steps=5)
    mouse.up()
    if alt:
        nb.page.keyboard.up("Alt")


def test_spans_from_the_keyboard_and_the_mouse_with_python_offsets(jupyter_server, browser_context):
    nb = NotebookPage.open(browser_context, jupyter_server, "spans_browser.ipynb", [CELL])
    nb.run_all()
    try:
        page = nb.page
        root = page.locator(".lw-labeler").first
        position = root.locator(".lw-position")
        text = root.locator(".lw-span-text")
        live = root.locator(".lw-span-live")
        spans = root.locator(".lw-span-list li")
        expect(text).to_contain_text(" met Bob in Paris.", timeout=60_000)  # after "Alice", its label
        # the suggested span is shown dashed, with its label as text, and in the list
        expect(root.locator("mark.lw-span-suggested")).to_have_text("Alice", timeout=30_000)
        expect(spans).to_have_text(["person Alice (suggested)"])
        expect(root.locator(".lw-span-legend .lw-label")).to_have_text(["1person", "2place"])
        root.locator(".lw-state").click()  # the keyboard to the labeler (not on the text: no mouse selection)
        expect(root).to_have_class(re.compile("lw-focused"))

        # ---- item 1: keyboard only -------------------------------------------------------------------------
        keys(nb, "Tab")  # into the text
        expect(text).to_have_class(re.compile("lw-editing"))
        keys(nb, "Control+ArrowRight", "Control+ArrowRight", "ArrowRight", "Control+Shift+ArrowRight")
        expect(root.locator(".lw-sel")).to_have_text("Bob")
        keys(nb, "1")
        expect(live).to_contain_text("Marked “Bob” (person)")
        keys(nb, "Home", "Control+Shift+ArrowRight", "2")  # "Alice" again, as a place: it would overlap
        expect(live).to_contain_text("overlap")
        keys(nb, "End", "ArrowLeft", "ArrowLeft", *["Shift+ArrowLeft"] * 5, "1")  # " Pari"
        expect(live).to_contain_text("Marked “ Pari” (person)")
        keys(nb, "]")  # its start a character right: "Pari"
        keys(nb, "Shift+ArrowRight")  # its end a character right: "Paris"
        expect(live).to_contain_text("Now “Paris” (person)")
        keys(nb, "2")  # relabel
        expect(live).to_contain_text("relabeled place")
        keys(nb, "Tab")  # from Paris, the next span wraps to Alice (suggested)
        expect(live).to_contain_text("“Alice” (person), suggested")
        keys(nb, "Enter")  # keep it
        expect(root.locator("mark.lw-span-suggested")).to_have_count(0)
        keys(nb, "Home", "Control+ArrowRight", "ArrowRight", "Control+Shift+ArrowRight", "2")  # "met"
        expect(spans).to_have_count(4)
        keys(nb, "Delete")
        expect(live).to_contain_text("Deleted “met” (place)")
        keys(nb, "z")  # undo the delete
        expect(spans).to_have_count(4)
        keys(nb, "z")  # and the marking
        expect(spans).to_have_text(["person Alice", "person Bob", "place Paris"])
        keys(nb, "Escape")
        expect(text).not_to_have_class(re.compile("lw-editing"))
        expect(position).to_have_text("1 / 8")
        keys(nb, "Enter")  # commit
        expect(position).to_have_text("2 / 8")
        t = TEXTS[0]
        assert stored(nb, 0) == [at(t, "Alice", "person"), at(t, "Bob", "person"), at(t, "Paris", "place")]
        assert action(nb, 0) == "corrected"

        # ---- item 2: an emoji with a skin tone and ZWJ, by keys (one grapheme) and by mouse (snapped to the word)
        t = TEXTS[1]
        expect(text).to_contain_text("Ana codes")
        keys(nb, "Tab", "Control+ArrowRight", "ArrowRight", "Shift+ArrowRight")
        expect(root.locator(".lw-sel")).to_have_text("👩🏽\u200d💻")
        keys(nb, "2")
        drag(nb, "Ana", 1, 2)  # inside the word: the whole word
        expect(root.locator(".lw-sel")).to_have_text("Ana")
        keys(nb, "1", "Escape", "Enter")
        expect(position).to_have_text("3 / 8")
        assert stored(nb, 1) == [at(t, "👩🏽\u200d💻", "place"), at(t, "Ana", "person")]
        assert action(nb, 1) == "labeled"

        # ---- item 3: a flag; `a` accepts exactly the suggestion, whatever the draft
        expect(text).to_contain_text("is nice")
        keys(nb, "a")
        expect(position).to_have_text("4 / 8")
        assert stored(nb, 2) == [at(TEXTS[2], "Paris", "place")]
        assert action(nb, 2) == "accepted"

        # ---- item 4: a decomposed accent and CJK: keep one suggested span, widen the other by one character
        t = TEXTS[3]
        expect(text).to_contain_text("lives in 李明住在东")
        keys(nb, "Tab", "Tab", "Enter", "Tab", "[")
        expect(live).to_contain_text("Now “东京” (place)")
        keys(nb, "Enter")  # no suggested span selected: commit
        expect(position).to_have_text("5 / 8")
        assert stored(nb, 3) == [at(t, "Jose\u0301", "person"), at(t, "东京", "place")]
        assert action(nb, 3) == "corrected"

        # ---- item 5: Hebrew (right to left): reject the suggested span, mark another by words from the end
        t = TEXTS[4]
        expect(text).to_contain_text("בירושלים")
        keys(nb, "Tab", "Tab", "Delete", "End", "Control+Shift+ArrowLeft", "2", "Escape", "Enter")
        expect(position).to_have_text("6 / 8")
        assert stored(nb, 4) == [at(t, "בירושלים", "place")]

        # ---- item 6: no spans
        expect(text).to_contain_text("Nothing here.")
        keys(nb, "0")
        expect(position).to_have_text("7 / 8")
        assert stored(nb, 5) == []
        assert action(nb, 5) == "labeled"

        # ---- item 7: click a suggested span, delete it, drag another; then undo the decision and accept instead
        t = TEXTS[6]
        expect(text).to_contain_text(" and Dave.")
        root.locator("mark.lw-span", has_text="Carol").click()
        expect(live).to_contain_text("“Carol” (person) selected")
        keys(nb, "Delete")
        drag(nb, "Dave", 0, 3)
        expect(root.locator(".lw-sel")).to_have_text("Dave")
        keys(nb, "1", "Enter")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        assert stored(nb, 6) == [at(t, "Dave", "person")]
        keys(nb, "z")  # undo the decision (item mode): the item shows its suggestion again
        expect(root.locator("mark.lw-span-suggested")).to_have_text("Carol")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        assert stored(nb, 6) is None
        keys(nb, "Enter")  # the suggestion untouched: accepted
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        assert stored(nb, 6) == [at(t, "Carol", "person")]
        assert action(nb, 6) == "accepted"

        # ---- item 8: a text longer than the preview: "Show all", then a span at its very end
        t = TEXTS[7]
        expect(position).to_have_text("8 / 8")
        expect(text).not_to_contain_text("Oslo")
        root.locator(".lw-expand").click()
        expect(text).to_contain_text("in Oslo")
        drag(nb, "Oslo", 1, 3, alt=True)  # Alt: characters, not the whole word
        expect(root.locator(".lw-sel")).to_have_text(re.compile(r"^(sl|slo|l|lo)$"))
        keys(nb, "Tab", "End", "Control+Shift+ArrowLeft", "2", "Escape", "Enter")
        assert stored(nb, 7) == [at(t, "Oslo", "place")]
        # Esc in the text leaves it; Esc again hands the keyboard back to Jupyter
        keys(nb, "ArrowLeft")
        keys(nb, "Tab", "Escape", "Escape")
        expect(root).not_to_have_class(re.compile("lw-focused"))
    finally:
        nb.close()


LONG = "\n".join(f"line {i} of a long post" for i in range(300))

SCROLL_CELL = textwrap.dedent(
    f"""
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({{"text": [{LONG!r}, "short"]}})
    labeler = lw.Labeler(df, text="text", labels=["person", "place"], kind="spans", store="spans_scroll.db",
                         annotator="ana")
    labeler
    """
)


def test_a_drag_past_the_bottom_of_the_text_box_scrolls_it_and_extends_the_selection(jupyter_server, browser_context):
    nb = NotebookPage.open(browser_context, jupyter_server, "spans_scroll.ipynb", [SCROLL_CELL])
    nb.run_all()
    try:
        page = nb.page
        root = page.locator(".lw-labeler").first
        text = root.locator(".lw-span-text")
        expect(text).to_contain_text("line 0 of a long post", timeout=60_000)
        box = text.bounding_box()
        assert box is not None
        # the box scrolls: "line 60" lies below its bottom edge, out of sight
        assert text.evaluate("el => el.scrollHeight > el.clientHeight + 200 && el.scrollTop === 0")
        below = page.evaluate(
            """() => {
                const root = document.querySelector('.lw-labeler .lw-span-text');
                const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
                const node = walker.nextNode();
                const at = node.textContent.indexOf('line 60 ');
                const range = document.createRange();
                range.setStart(node, at); range.setEnd(node, at + 4);
                return range.getBoundingClientRect().top - root.getBoundingClientRect().bottom;
            }"""
        )
        assert below > 0
        x1, y1 = char_box(nb, "line 2 of", 1)  # inside the word "line" of line 2
        mouse = page.mouse
        mouse.move(x1, y1)
        mouse.down()
        mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] + 60, steps=8)  # past the bottom edge
        # the box scrolls while the button is held there, without the mouse moving, until line 60 is in sight
        page.wait_for_function(
            """() => {
                const root = document.querySelector('.lw-labeler .lw-span-text');
                return root.scrollTop > 0 && [...root.querySelectorAll('.lw-sel')].some(
                    (el) => el.textContent.includes('line 61 '));
            }""",
            timeout=30_000,
        )
        mouse.up()
        assert text.evaluate("el => el.scrollTop") > below
        selected = root.locator(".lw-span-live")
        expect(selected).to_contain_text("Selected “line 2 of a long post")
        expect(selected).to_contain_text("line 60 of a long post")  # what was out of sight is in the selection
        keys(nb, "2", "Escape", "Enter")
        expect(root.locator(".lw-position")).to_have_text("2 / 2")
        spans = stored(nb, 0)
        assert spans is not None and len(spans) == 1
        start, end, label = spans[0]
        assert (start, label) == (LONG.find("line 2 of"), "place")
        assert end > LONG.find("line 60 of") and LONG[end - 1] != " "  # snapped to a whole word
    finally:
        nb.close()
