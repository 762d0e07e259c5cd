import test from "node:test";
import assert from "node:assert/strict";
import { routeKey } from "../labeler/keys.js";
import { readKeymap } from "../keymap.js";
import { HANDLED, partKey } from "../kinds/answer-part.js";

const KEYMAP = readKeymap({ keymap: [
  { name: "accept", keys: ["Enter", "a"], button: "Accept", does: "" },
  { name: "undo", keys: ["z"], button: "Undo", does: "" },
  { name: "edit", keys: ["e"], button: null, does: "" }, // a part's own action, as a spans kind would have
  { name: "release", keys: ["Escape"], button: null, does: "" },
] }, [{ name: "joy", description: "", key: "1" }]);
const LABELER = new Set(["accept", "undo"]);
const press = (key, mods = {}) => ({ key, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...mods });
const route = (key, part, mods) => routeKey(press(key, mods), part, KEYMAP, (a) => LABELER.has(a));

/** A part like a spans kind: "e" starts editing, which takes every key until Esc hands the keyboard back. */
function spansLike() {
  let editing = false;
  const typed = [];
  return {
    typed,
    mode: () => (editing ? "editing" : null),
    onKey(key) {
      if (editing) {
        if (key === "Escape") {
          editing = false;
          return HANDLED;
        }
        if (key === "ArrowRight" || key === "1") {
          typed.push(key);
          return HANDLED;
        }
        return null; // not the mode's: the labeler's keys apply
      }
      return partKey(KEYMAP, key, ["edit"], (name) => ({ do: "decide", intent: "label", answer: name }), () => {
        editing = true;
        return HANDLED;
      });
    },
  };
}

test("Jupyter keeps Ctrl/Meta/Alt keys, Tab and Shift+Enter; Esc hands the keyboard back", () => {
  const part = spansLike();
  assert.deepEqual(route("a", part, { ctrlKey: true }), { to: "host" });
  assert.deepEqual(route("Enter", part, { shiftKey: true }), { to: "host" });
  assert.deepEqual(route("Tab", part), { to: "host" });
  assert.deepEqual(route("Escape", part), { to: "release" });
});

test("label keys and the part's actions go to the part, the labeler's actions to the labeler, others stop", () => {
  const part = spansLike();
  assert.deepEqual(route("1", part), { to: "part", intent: { do: "decide", intent: "label", answer: "joy" }, prevent: true });
  assert.deepEqual(route("A", part), { to: "labeler", action: "accept", prevent: true }); // either case
  assert.deepEqual(route("q", part), { to: "nobody", prevent: true }); // Jupyter must not see it
  assert.deepEqual(route("ArrowDown", part), { to: "nobody", prevent: true }); // no scrolling
  assert.deepEqual(route("PageDown", part), { to: "nobody", prevent: false });
});

test("a part in a mode of its own gets every key first, Esc included, and hands the keyboard back with Esc", () => {
  const part = spansLike();
  assert.deepEqual(route("e", part), { to: "part", intent: HANDLED, prevent: true });
  assert.equal(part.mode(), "editing");
  assert.equal(route("1", part).to, "part"); // the mode's, not the label key
  assert.equal(route("ArrowRight", part).to, "part");
  assert.deepEqual(part.typed, ["1", "ArrowRight"]);
  assert.deepEqual(route("z", part), { to: "labeler", action: "undo", prevent: true }); // declined by the mode
  assert.deepEqual(route("Escape", part), { to: "part", intent: HANDLED, prevent: true }); // ends the mode only
  assert.equal(part.mode(), null);
  assert.deepEqual(route("Escape", part), { to: "release" }); // now Esc is Jupyter's again
});
