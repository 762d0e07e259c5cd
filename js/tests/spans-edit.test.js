import test from "node:test";
import assert from "node:assert/strict";
import { answerOf, keep, mark, moveCaret, moveEdge, newDraft, remove, selectNext, take, undoEdit } from "../spans/edit.js";

const TEXT = "Alice met Bob in Paris.";

test("mark a selection, move its edges, relabel, delete, undo", () => {
  let draft = moveCaret(moveCaret(newDraft(0, []), 0, false), 5, true);
  let edit = mark(draft, TEXT, "person", false);
  assert.ok("draft" in edit);
  draft = edit.draft;
  assert.deepEqual(answerOf(draft), [[0, 5, "person"]]);
  assert.equal(draft.selected, 0);
  edit = moveEdge(draft, TEXT, "start", 1, false);
  draft = edit.draft;
  assert.deepEqual(answerOf(draft), [[1, 5, "person"]]);
  draft = mark(draft, TEXT, "place", false).draft;
  assert.deepEqual(answerOf(draft), [[1, 5, "place"]]);
  assert.deepEqual("refuse" in moveEdge(draft, TEXT, "end", 1, false), true); // empty
  draft = remove(draft, TEXT).draft;
  assert.deepEqual(answerOf(draft), []);
  draft = undoEdit(draft).draft;
  assert.deepEqual(answerOf(draft), [[1, 5, "place"]]);
});

test("overlap is refused unless allowed, and says with what", () => {
  let draft = newDraft(0, [{ start: 0, end: 5, label: "person", suggested: false }]);
  draft = moveCaret(moveCaret(draft, 3, false), 9, true);
  const refused = mark(draft, TEXT, "place", false);
  assert.ok("refuse" in refused && refused.refuse.includes("“Alice” (person)"));
  assert.ok("draft" in mark(draft, TEXT, "place", true));
});

test("Tab selects spans in order; a suggested span is kept with Enter", () => {
  let draft = newDraft(0, [
    { start: 17, end: 22, label: "place", suggested: true },
    { start: 10, end: 13, label: "person", suggested: true },
  ]);
  draft = selectNext(draft, TEXT, 1).draft;
  assert.equal(draft.spans[draft.selected].start, 10);
  draft = selectNext(draft, TEXT, 1).draft;
  assert.equal(draft.spans[draft.selected].start, 17);
  draft = keep(draft, TEXT).draft;
  assert.equal(draft.spans[draft.selected].suggested, false);
  assert.equal(draft.touched, true);
});

import { routeKey } from "../labeler/keys.js";
import { readKeymap } from "../keymap.js";
import { commitIntent, keyName, startingDraft } from "../kinds/spans.js";

test("keys inside the text are named as the editing keymap writes them", () => {
  const k = (key, mods = {}) => keyName({ key, ctrlKey: false, metaKey: false, shiftKey: false, ...mods });
  assert.equal(k("ArrowLeft", { ctrlKey: true, shiftKey: true }), "Control+Shift+ArrowLeft");
  assert.equal(k("Tab", { shiftKey: true }), "Shift+Tab");
  assert.equal(k("]", { metaKey: true }), "Control+]");
  assert.equal(k("Z"), "z");
});

test("the draft starts from the answer, else the suggestion (in UTF-16 of the text); Enter's intent", () => {
  const text = "👩🏽‍💻 Ana in 🇫🇷";
  const suggested = { rank: 3, item: {}, decision: null, suggestion: { label: [[5, 8, "person"]] } };
  const draft = startingDraft(suggested, text);
  assert.equal(text.slice(draft.spans[0].start, draft.spans[0].end), "Ana");
  assert.equal(draft.spans[0].suggested, true);
  assert.deepEqual(commitIntent(draft, suggested, text, "nothing"), { do: "decide", intent: "accept" });
  const edited = { ...draft, touched: true };
  assert.deepEqual(commitIntent(edited, suggested, text, "nothing"),
    { do: "decide", intent: "label", answer: [[5, 8, "person"]] });
  const answered = { rank: 3, item: {}, decision: { action: "labeled", label: [] }, suggestion: null };
  assert.deepEqual(commitIntent(startingDraft(answered, text), answered, text, "nothing"), { do: "next" });
  const open = { rank: 3, item: {}, decision: null, suggestion: null };
  assert.deepEqual(commitIntent(startingDraft(open, text), open, text, "nothing"), { do: "notice", message: "nothing" });
});

test("Tab goes into the text only where the kind gives it an action; Ctrl keys reach a part in its mode", () => {
  const keymap = readKeymap({ keymap: [{ name: "edit", keys: ["Tab"], button: null, does: "" }] }, []);
  let editing = false;
  const part = {
    mode: () => (editing ? "edit" : null),
    onKey: (key, event) => {
      if (!editing && key === "Tab") { editing = true; return { do: "handled" }; }
      if (editing && event.ctrlKey) return { do: "handled" };
      return null;
    },
  };
  const press = (key, mods = {}) => ({ key, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...mods });
  assert.equal(routeKey(press("Tab", { shiftKey: true }), part, keymap, () => false).to, "host");
  assert.equal(routeKey(press("Tab"), part, keymap, () => false).to, "part");
  assert.equal(routeKey(press("ArrowRight", { ctrlKey: true }), part, keymap, () => false).to, "part");
  editing = false;
  assert.equal(routeKey(press("ArrowRight", { ctrlKey: true }), part, keymap, () => false).to, "host");
  const plain = readKeymap({ keymap: [] }, []);
  assert.equal(routeKey(press("Tab"), part, plain, () => false).to, "host");
});

test("take: someone's spans replace the draft's, kept (not suggested), and undo brings the old ones back", () => {
  const text = "Ana flew to Paris";
  const draft = newDraft(0, [{ start: 0, end: 3, label: "person", suggested: true }]);
  const result = take(draft, text, [[12, 17, "location"], [0, 3, "person"]], "ben");
  assert.ok("draft" in result);
  assert.deepEqual(result.draft.spans.map((s) => [s.start, s.end, s.label, s.suggested]),
    [[0, 3, "person", false], [12, 17, "location", false]]);
  assert.equal(result.draft.touched, true);
  assert.match(result.said, /^Took ben's spans: “Ana” \(person\), “Paris” \(location\)/);
  const none = take(draft, text, [], "ana");
  assert.ok("draft" in none && none.draft.spans.length === 0 && /no spans/.test(none.said));
  const undone = undoEdit(result.draft);
  assert.ok("draft" in undone);
  assert.deepEqual(undone.draft.spans, draft.spans);
});
