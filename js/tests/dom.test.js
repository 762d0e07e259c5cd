import test from "node:test";
import assert from "node:assert/strict";
import { clip } from "../dom.js";

test("clip cuts long text with an ellipsis and leaves short text alone", () => {
  assert.equal(clip("hello", 10), "hello");
  assert.equal(clip("hello world", 5), "hello…");
  assert.equal(clip("", 0), "");
});
