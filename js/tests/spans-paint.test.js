import test from "node:test";
import assert from "node:assert/strict";
import { colours, isSpanList, segments } from "../spans/paint.js";

test("segments cut the text at every span's edges, each with the spans covering it, spans past the end cut", () => {
  assert.deepEqual(segments(10, [[2, 5, "a"], [4, 8, "b"], [9, 30, "c"]]), [
    { start: 0, end: 2, covering: [] },
    { start: 2, end: 4, covering: [0] },
    { start: 4, end: 5, covering: [0, 1] },
    { start: 5, end: 8, covering: [1] },
    { start: 8, end: 9, covering: [] },
    { start: 9, end: 10, covering: [2] },
  ]);
  assert.deepEqual(segments(3, []), [{ start: 0, end: 3, covering: [] }]);
});

test("spans lists are told from labels and sets of labels; colours repeat after eight labels", () => {
  assert.equal(isSpanList([[0, 3, "person"]]), true);
  assert.equal(isSpanList([]), true);
  assert.equal(isSpanList(["joy", "anger"]), false);
  assert.equal(isSpanList("spam"), false);
  const names = Array.from({ length: 10 }, (_, i) => `l${i}`);
  assert.equal(colours(names).get("l9"), 1);
});
