import test from "node:test";
import assert from "node:assert/strict";
import { keyShown, normalKey, readKeymap } from "../keymap.js";

// As labelwidgets/keymap.py sends it for several labels per item (a part of it).
const MULTI = {
  keymap: [
    { name: "commit", keys: ["Enter"], button: "Done", does: "" },
    { name: "accept", keys: ["a"], button: "Accept", does: "" },
    { name: "none", keys: ["0"], button: "None of these", does: "" },
    { name: "undo", keys: ["z", "Backspace"], button: "Undo", does: "" },
    { name: "skip", keys: [" "], button: "Skip", does: "" },
    { name: "back", keys: ["ArrowLeft"], button: "Back", does: "" },
    { name: "find", keys: ["/"], button: null, does: "" },
    { name: "release", keys: ["Escape"], button: null, does: "" },
  ],
};
const LABELS = [
  { name: "joy", description: "", key: "1" },
  { name: "anger", description: "", key: "b" },
  { name: "rare", description: "", key: null },
];

test("a key chooses a label or takes an action, as the keymap and the label set say", () => {
  const keys = readKeymap(MULTI, LABELS);
  assert.deepEqual(keys.meaning("1"), { label: "joy", action: null });
  assert.deepEqual(keys.meaning("b"), { label: "anger", action: null });
  assert.deepEqual(keys.meaning("Backspace"), { label: null, action: "undo" });
  assert.deepEqual(keys.meaning("0"), { label: null, action: "none" });
  assert.deepEqual(keys.meaning("Escape"), { label: null, action: "release" });
  assert.equal(keys.meaning("q"), null);
  assert.equal(keys.meaning("x"), null); // this keymap has no reject
});

test("letters match in either case; other keys keep their names", () => {
  assert.equal(normalKey("A"), "a");
  assert.equal(normalKey(" "), " ");
  assert.equal(normalKey("Enter"), "Enter");
  assert.equal(readKeymap(MULTI, LABELS).meaning(normalKey("Z"))?.action, "undo");
});

test("the keys as buttons and sentences show them", () => {
  const keys = readKeymap(MULTI, LABELS);
  assert.equal(keys.hint("commit"), "↵");
  assert.equal(keys.hint("skip"), "space");
  assert.equal(keys.hint("back"), "←");
  assert.equal(keys.hint("reject"), ""); // not in this kind
  assert.equal(keys.key("commit"), "Enter");
  assert.equal(keys.key("none"), "0");
  assert.equal(keys.action("find")?.button, null);
  assert.equal(keyShown("Escape"), "Esc");
  assert.deepEqual(keys.actions.map((a) => a.name), MULTI.keymap.map((a) => a.name)); // button order is Python's
});

test("the aria label says what every key does, without find and release", () => {
  const keys = readKeymap(MULTI, LABELS);
  assert.equal(keys.summary("number keys toggle labels"),
    "Labeler: number keys toggle labels, ↵ commit, a accept, 0 none of these, z or ⌫ undo, space skip, ← back");
});

test("a config without a keymap has no actions, and its labels' keys still choose them", () => {
  const keys = readKeymap({}, LABELS);
  assert.deepEqual(keys.actions, []);
  assert.equal(keys.meaning("1")?.label, "joy");
  assert.equal(keys.summary("number keys label"), "Labeler: number keys label");
});
