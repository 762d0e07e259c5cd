import test from "node:test";
import assert from "node:assert/strict";
import { hasFocusWithin } from "../labeler/focus.js";

/** A tree of fake nodes: enough of the DOM for `getRootNode` and `contains`. */
function node(root, parent = null) {
  const self = {
    parent,
    getRootNode: () => root,
    contains(other) {
      for (let n = other; n; n = n.parent) if (n === self) return true;
      return false;
    },
  };
  return self;
}

test("in a document, the focused element of the document counts", () => {
  const document = { activeElement: null };
  const widget = node(document);
  const button = node(document, widget);
  const elsewhere = node(document);
  assert.equal(hasFocusWithin(widget), false);
  document.activeElement = widget;
  assert.equal(hasFocusWithin(widget), true);
  document.activeElement = button;
  assert.equal(hasFocusWithin(widget), true);
  document.activeElement = elsewhere;
  assert.equal(hasFocusWithin(widget), false);
});

test("in a shadow root (marimo), its focused element counts, not the document's (the shadow host)", () => {
  const document = { activeElement: null };
  const host = node(document);
  document.activeElement = host; // what marimo's page says while the widget inside has the keyboard
  const shadow = { activeElement: null };
  const widget = node(shadow);
  const note = node(shadow, widget);
  assert.equal(hasFocusWithin(widget), false); // the host has focus, nothing inside the shadow root does
  shadow.activeElement = widget;
  assert.equal(hasFocusWithin(widget), true);
  shadow.activeElement = note;
  assert.equal(hasFocusWithin(widget), true);
  shadow.activeElement = null;
  assert.equal(hasFocusWithin(widget), false);
});
