import test from "node:test";
import assert from "node:assert/strict";
import { outcomeOf, positionOf } from "../kinds/pair.js";

const NAMES = ["reply_a", "reply_b", "tie", "both_bad"];
const out = (name) => ({ name, text: name, length: name.length });
const SWAPPED = { left: out("reply_b"), right: out("reply_a"), missing: [], identical: false };
const STRAIGHT = { left: out("reply_a"), right: out("reply_b"), missing: [], identical: false };

test("keys 1 and 2 choose by side: the answer names the output shown there", () => {
  assert.equal(outcomeOf(NAMES, "reply_a", SWAPPED), "reply_b"); // key 1: left, which shows reply_b
  assert.equal(outcomeOf(NAMES, "reply_b", SWAPPED), "reply_a");
  assert.equal(outcomeOf(NAMES, "reply_a", STRAIGHT), "reply_a");
  assert.equal(outcomeOf(NAMES, "tie", SWAPPED), "tie");
  assert.equal(outcomeOf(NAMES, "both_bad", null), "both_bad"); // needs no layout
  assert.equal(outcomeOf(NAMES, "reply_a", null), null); // a side means nothing while the layout is unknown
});

test("an answer is marked on the side its output is shown on", () => {
  assert.equal(positionOf(NAMES, "reply_b", SWAPPED), 0);
  assert.equal(positionOf(NAMES, "reply_a", SWAPPED), 1);
  assert.equal(positionOf(NAMES, "tie", SWAPPED), 2);
  assert.equal(positionOf(NAMES, "both_bad", STRAIGHT), 3);
  assert.equal(positionOf(NAMES, null, STRAIGHT), -1);
  assert.equal(positionOf(NAMES, "reply_a", null), -1);
});
