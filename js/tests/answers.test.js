import test from "node:test";
import assert from "node:assert/strict";
import {
  actionFor, describeAnswer, hasLabel, inLabelOrder, keyActions, keyHint, keyboardSummary, sameAnswer, toggled,
} from "../answers.js";

const ORDER = ["anger", "disgust", "fear", "joy"];

test("answers compare as the kernel compares them: names exactly, lists as sets", () => {
  assert.equal(sameAnswer("spam", "spam"), true);
  assert.equal(sameAnswer("spam", "Spam"), false);
  assert.equal(sameAnswer(["joy", "anger"], ["anger", "joy"]), true);
  assert.equal(sameAnswer(["joy"], ["joy", "anger"]), false);
  assert.equal(sameAnswer([], []), true);
  assert.equal(sameAnswer([], null), false); // none of these is an answer; null is none
  assert.equal(sameAnswer(null, null), true);
});

test("toggling keeps label-set order and removes what was on", () => {
  let draft = toggled([], "joy", ORDER);
  draft = toggled(draft, "anger", ORDER);
  assert.deepEqual(draft, ["anger", "joy"]);
  assert.deepEqual(toggled(draft, "joy", ORDER), ["anger"]);
  assert.deepEqual(inLabelOrder(new Set(["joy", "fear", "joy"]), ORDER), ["fear", "joy"]);
});

test("a decision's action: accepted exactly when the answer is the suggestion shown", () => {
  assert.equal(actionFor("label", ["joy", "anger"], ["anger", "joy"]), "accepted");
  assert.equal(actionFor("label", ["joy"], ["anger", "joy"]), "corrected");
  assert.equal(actionFor("label", [], null), "labeled");
  assert.equal(actionFor("label", "spam", "ham"), "corrected");
  assert.equal(actionFor("skip", null, "ham"), "skipped");
  assert.equal(actionFor("reject", null, "ham"), "rejected");
});

test("answers read as text", () => {
  assert.equal(describeAnswer(["anger", "joy"]), "anger + joy");
  assert.equal(describeAnswer([]), "none of these");
  assert.equal(describeAnswer("spam"), "spam");
  assert.equal(describeAnswer(null), "");
  assert.equal(hasLabel(["anger"], "anger"), true);
  assert.equal(hasLabel("anger", "anger"), true);
  assert.equal(hasLabel(null, "anger"), false);
});

test("the keymap from Python becomes the key handler, the hints and the aria label", () => {
  const keymap = [
    { name: "commit", keys: ["Enter"], button: "Done", does: "" },
    { name: "none", keys: ["0"], button: "None of these", does: "" },
    { name: "undo", keys: ["z", "Backspace"], button: "Undo", does: "" },
    { name: "skip", keys: [" "], button: "Skip", does: "" },
  ];
  const byKey = keyActions(keymap);
  assert.equal(byKey.get("Backspace"), "undo");
  assert.equal(byKey.get("0"), "none");
  assert.equal(byKey.get("x"), undefined);
  assert.equal(keyHint(keymap[0]), "↵");
  assert.equal(keyHint(keymap[3]), "space");
  assert.equal(keyboardSummary(keymap, true),
    "Labeler: number keys toggle labels, ↵ commit, 0 none of these, z or ⌫ undo, space skip");
});
