import test from "node:test";
import assert from "node:assert/strict";
import {
  actionFor, describeAnswer, hasLabel, inLabelOrder, sameAnswer, toggled,
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

test("spans answers compare by value, as sets, and read as their labels", () => {
  assert.equal(sameAnswer([[0, 5, "person"], [9, 12, "place"]], [[9, 12, "place"], [0, 5, "person"]]), true);
  assert.equal(sameAnswer([[0, 5, "person"]], [[0, 4, "person"]]), false);
  assert.equal(describeAnswer([[0, 5, "person"], [9, 12, "place"]]), "2 spans: person, place");
});
