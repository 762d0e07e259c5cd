import test from "node:test";
import assert from "node:assert/strict";
import {
  graphemeBoundaries, onGrapheme, snapToWords, spansToCodePoints, spansToUtf16, stepGrapheme, stepWord,
  toCodePoints, toUtf16, wordRanges,
} from "../spans/offsets.js";

/** Python's `text.find(part)` in code points, and its length in code points. */
function pyFind(text, part) {
  const u = text.indexOf(part);
  const start = [...text.slice(0, u)].length;
  return [start, start + [...part].length];
}

const TEXTS = [
  ["Hi 👩🏽‍💻 Ana codes", "Ana"],
  ["Hi 👩🏽‍💻 Ana codes", "👩🏽‍💻"],
  ["Paris 🇫🇷 is in France", "France"],
  ["Paris 🇫🇷 is in France", "🇫🇷"],
  ["Jose\u0301 went home", "Jose\u0301"],
  ["Jose\u0301 went home", "home"],
  ["李明住在东京", "东京"],
  ["דוד גר בירושלים", "בירושלים"],
  ["𝒜lice and 😀 Bob é", "Bob"],
  ["𝒜lice and 😀 Bob é", "𝒜lice"],
];

test("code points and UTF-16 indices round-trip at every code point of mixed texts", () => {
  for (const [text] of TEXTS) {
    const points = [...text].length;
    for (let cp = 0; cp <= points; cp += 1) assert.equal(toCodePoints(text, toUtf16(text, cp)), cp);
    assert.equal(toUtf16(text, points), text.length);
    assert.equal(toUtf16(text, points + 5), text.length);
  }
});

test("a span Python finds at text.find() lands on the same characters in the browser and back", () => {
  for (const [text, part] of TEXTS) {
    const [s, e] = pyFind(text, part);
    const [[us, ue, label]] = spansToUtf16(text, [[s, e, "x"]]);
    assert.equal(text.slice(us, ue), part);
    assert.equal(label, "x");
    assert.deepEqual(spansToCodePoints(text, [[us, ue, "x"]]), [[s, e, "x"]]);
  }
});

test("astral characters count one code point and two UTF-16 units", () => {
  assert.equal(toUtf16("😀a", 1), 2);
  assert.equal(toCodePoints("😀a", 2), 1);
  assert.equal(toCodePoints("😀a", 1), 0); // inside the pair: the pair's code point
  assert.equal(toUtf16("👩🏽‍💻", 4), 7); // woman, skin tone, ZWJ, laptop
  assert.equal(toUtf16("🇫🇷x", 2), 4);
});

test("graphemes: an emoji sequence, a flag, a decomposed accent are each one step", () => {
  const text = "a👩🏽‍💻🇫🇷e\u0301b";
  const bounds = graphemeBoundaries(text);
  assert.deepEqual(bounds, [0, 1, 8, 12, 14, 15]);
  assert.equal(stepGrapheme(bounds, 1, 1), 8);
  assert.equal(stepGrapheme(bounds, 8, -1), 1);
  assert.equal(stepGrapheme(bounds, 0, -1), 0);
  assert.equal(stepGrapheme(bounds, 15, 1), 15);
  assert.equal(onGrapheme(bounds, 3, "start"), 1);
  assert.equal(onGrapheme(bounds, 3, "end"), 8);
});

test("words follow Python's labelwidgets/spans/words.py", () => {
  const asCodePoints = (text) => wordRanges(text).map(([s, e]) => [toCodePoints(text, s), toCodePoints(text, e)]);
  assert.deepEqual(asCodePoints("Hi 👩🏽‍💻 Ana"), [[0, 2], [3, 7], [8, 11]]);
  assert.deepEqual(asCodePoints("Paris 🇫🇷 ok"), [[0, 5], [6, 8], [9, 11]]);
  assert.deepEqual(asCodePoints("Jose\u0301 went"), [[0, 5], [6, 10]]);
  assert.deepEqual(asCodePoints("李明住在东京"), [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6]]);
  assert.deepEqual(asCodePoints("דוד גר בירושלים"), [[0, 3], [4, 6], [7, 15]]);
});

test("word steps and snapping to words", () => {
  const text = "Alice met Bob.";
  const words = wordRanges(text);
  assert.equal(stepWord(words, 0, 1, text.length), 5);
  assert.equal(stepWord(words, 5, 1, text.length), 9);
  assert.equal(stepWord(words, 9, -1, text.length), 6);
  assert.equal(stepWord(words, 0, -1, text.length), 0);
  assert.deepEqual(snapToWords(words, 1, 8), [0, 9]);
  assert.deepEqual(snapToWords(words, 5, 6), [5, 6]); // only a space: left as it is
  assert.deepEqual(snapToWords(words, 10, 11), [10, 13]);
});
