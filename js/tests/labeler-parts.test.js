import test from "node:test";
import assert from "node:assert/strict";
import { commitIntent, startingDraft } from "../kinds/multi.js";
import { findLabels } from "../kinds/labels.js";
import { partKey, HANDLED } from "../kinds/answer-part.js";
import { readKeymap } from "../keymap.js";
import { scoreSentence, setFeedbackSentence } from "../labeler/teaching.js";
import { footerSays, saveSays } from "../labeler/status.js";
import { suggestionSays } from "../labeler/suggestion.js";
import { doneLines } from "../labeler/done.js";
import { decisionSays } from "../labeler/decided.js";

const ORDER = ["anger", "joy", "fear"];
const ready = (label) => ({ label, confidence: null, confidence_source: null, rationale: null, model: null, raw: null,
  error: null });
const shown = (over = {}) => ({ rank: 2, item: { rank: 2 }, decision: null, suggestion: null, ...over });

test("several labels: the draft starts from the answer, else the suggested set, in label-set order", () => {
  assert.deepEqual(startingDraft(shown(), ORDER), { rank: 2, names: [], touched: false });
  assert.deepEqual(startingDraft(shown({ suggestion: ready(["joy", "anger"]) }), ORDER).names, ["anger", "joy"]);
  const answered = shown({ decision: { action: "labeled", label: ["fear"] }, suggestion: ready(["joy"]) });
  assert.deepEqual(startingDraft(answered, ORDER).names, ["fear"]);
});

test("several labels: what Enter does", () => {
  const untouched = { rank: 2, names: [], touched: false };
  assert.deepEqual(commitIntent(untouched, shown({ suggestion: ready(["joy"]) }), "say"), { do: "decide", intent: "accept" });
  assert.deepEqual(commitIntent(untouched, shown(), "say"), { do: "notice", message: "say" });
  const answered = shown({ decision: { action: "labeled", label: [] } });
  assert.deepEqual(commitIntent(untouched, answered, "say"), { do: "next" });
  const touched = { rank: 2, names: ["joy"], touched: true };
  assert.deepEqual(commitIntent(touched, answered, "say"), { do: "decide", intent: "label", answer: ["joy"] });
  assert.deepEqual(commitIntent({ ...touched, names: [] }, shown(), "say"), { do: "decide", intent: "label", answer: [] });
});

test("a part's keys: its labels, then its own actions; other keys are the labeler's", () => {
  const keymap = readKeymap({ keymap: [{ name: "commit", keys: ["Enter"], button: "Done", does: "" },
    { name: "undo", keys: ["z"], button: "Undo", does: "" }] }, [{ name: "joy", description: "", key: "1" }]);
  const choose = (name) => ({ do: "decide", intent: "label", answer: name });
  const act = (name) => (name === "commit" ? HANDLED : null);
  assert.deepEqual(partKey(keymap, "1", ["commit"], choose, act), choose("joy"));
  assert.equal(partKey(keymap, "Enter", ["commit"], choose, act), HANDLED);
  assert.equal(partKey(keymap, "z", ["commit"], choose, act), null);
  assert.equal(partKey(keymap, "q", ["commit"], choose, act), null);
});

test("the picker finds labels by a part of their name, in any case, at most twelve", () => {
  const labels = Array.from({ length: 30 }, (_, i) => ({ name: `Label ${i}`, description: "", key: null }));
  assert.deepEqual(findLabels(labels, " label 2").map((l) => l.name), ["Label 2", ...Array.from({ length: 10 }, (_, i) => `Label 2${i}`)]);
  assert.equal(findLabels(labels, "").length, 12);
  assert.deepEqual(findLabels(labels, "nothing"), []);
});

test("the score line: one label (kappa) and several (exact share and the note)", () => {
  const score = { scored: 4, correct: 3, accuracy: 0.75, kappa: 0.5, kappa_note: "", revised: 0, practice: 0,
    chance: "", feedback: "after" };
  assert.equal(scoreSentence({ ...score, scored: 0 }), "Score: no answers checked yet.");
  assert.equal(scoreSentence(score), "Score: 3 of 4 right (75%) · Cohen's kappa 0.50. ");
  assert.equal(scoreSentence({ ...score, kappa: null, kappa_note: "one label only", revised: 1 }),
    "Score: 3 of 4 right (75%) · Cohen's kappa undefined (one label only) · 1 changed after feedback. ");
  assert.equal(scoreSentence({ ...score, jaccard: 0.8, kappa_note: "mean Jaccard 0.80" }),
    "Score: 3 of 4 exactly right (75%) · mean Jaccard 0.80. ");
  assert.equal(setFeedbackSentence({ practice: false, right: ["joy"], missed: [], extra: ["fear"], jaccard: 0.5 }),
    "right: joy · extra: fear · overlap (Jaccard) 0.50");
  assert.equal(setFeedbackSentence({ practice: false, gold: "a" }), "");
});

test("the save status and the footer", () => {
  const status = { decided: 1234, durable: true, store: "s.db", annotator: "ann", counts: { labeled: 3, skipped: 0 } };
  assert.deepEqual(saveSays(status, 0, ""), { text: "Saved ✓", title: "Store: s.db · annotator: ann", memory: false,
    pending: false, failed: false });
  assert.equal(saveSays(status, 2, "").text, "Saving 2…");
  assert.equal(saveSays(status, 2, "disk full").text, "Not saved: disk full");
  assert.equal(saveSays({ ...status, durable: false }, 0, "").text, "Memory only: not saved to disk");
  assert.equal(footerSays(status), "1,234 decided · 3 labeled · annotator ann · store s.db");
  assert.equal(footerSays({ ...status, durable: false, tokens: 1500, cost: 0.01234 }),
    "1,234 decided · 3 labeled · annotator ann · memory only · 1,500 tokens · $0.0123");
});

test("the suggestion line says what it has", () => {
  assert.deepEqual(suggestionSays("none", null), { label: "waiting…", help: false, error: "", invalidTitle: null,
    confidence: null, confidenceText: "", rationale: "", source: "" });
  const says = suggestionSays("ready", { ...ready(["anger", "joy"]), confidence: 0.834, confidence_source: "calibrated",
    model: "learner" });
  assert.deepEqual([says.label, says.confidenceText, says.source, says.help], ["anger + joy", "83% (calibrated)",
    "from learner", true]);
  assert.equal(suggestionSays("hidden", null).label, "hidden for a blind check: label it yourself");
  const invalid = suggestionSays("invalid", { ...ready(null), raw: "maybe spam", error: "not a label" });
  assert.deepEqual([invalid.label, invalid.invalidTitle], ["“maybe spam”", "not a label"]);
  assert.equal(suggestionSays("invalid", { ...ready(null), error: "timed out" }).error,
    "timed out · press a number key to label.");
});

test("the done screen and the decision line", () => {
  assert.deepEqual(doneLines({ n: 1000, skipped: 2, back: "← or Back", teaching: null, scored: false, scoreSays: "" }),
    [["lw-done-title", "All 1,000 items decided."], ["", "2 skipped: use ← or Back to review them."]]);
  assert.deepEqual(doneLines({ n: 4, skipped: 0, back: "← or Back", teaching: { feedback: "end" }, scored: true,
    scoreSays: "Score: 4 of 4 right (100%). " })[1], ["lw-done-score", "Score: 4 of 4 right (100%).  Use ← or Back to see each answer."]);
  assert.deepEqual(doneLines({ n: 4, skipped: 0, back: "", teaching: { feedback: null }, scored: false, scoreSays: "" })[1],
    ["", "Your answers are in: your teacher will go through them with the class."]);
  assert.equal(decisionSays({ action: "corrected", label: ["anger", "joy"] }), "anger + joy (corrected)");
  assert.equal(decisionSays({ action: "skipped", label: null }), "skipped");
});
