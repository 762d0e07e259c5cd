// @ts-check
/**
 * Offsets in a text, without the DOM: Python counts code points (its `str` indices: what spans are stored in and
 * sent in), the browser's strings count UTF-16 code units. The one place where one becomes the other, and where the
 * text is cut into graphemes (what a reader sees as one character: "👩🏽‍💻", "🇫🇷", "é" written "e" + U+0301) and
 * words (the rule of Python's labelwidgets/spans/words.py: runs of word characters with what attaches to them, any
 * other visible character alone, whitespace in none, and each character alone in scripts written without spaces).
 * Pure functions, unit-tested with `node --test js/tests`.
 */

/** The UTF-16 index of code point `offset` of `text` (past the end: the text's length).
 * @param {string} text @param {number} offset */
export function toUtf16(text, offset) {
  let units = 0;
  for (let cp = 0; cp < offset && units < text.length; cp += 1) {
    const code = text.charCodeAt(units);
    units += code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
  }
  return units;
}

/** The code point offset of UTF-16 index `index` of `text` (inside a surrogate pair: the pair's code point).
 * @param {string} text @param {number} index */
export function toCodePoints(text, index) {
  let cp = 0;
  const end = Math.min(index, text.length);
  for (let units = 0; units < end; cp += 1) {
    const code = text.charCodeAt(units);
    units += code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
    if (units > end) break; // `index` is inside this surrogate pair
  }
  return cp;
}

/**
 * @typedef {[number, number, string]} SpanTuple a span as Python sends and receives it: [start, end, label]
 */

/** Spans from code points (Python's) to UTF-16 indices of `text`. @param {string} text @param {SpanTuple[]} spans
 * @returns {SpanTuple[]} */
export function spansToUtf16(text, spans) {
  return spans.map(([s, e, label]) => [toUtf16(text, s), toUtf16(text, e), label]);
}

/** Spans from UTF-16 indices of `text` to code points (what goes to Python). @param {string} text
 * @param {SpanTuple[]} spans @returns {SpanTuple[]} */
export function spansToCodePoints(text, spans) {
  return spans.map(([s, e, label]) => [toCodePoints(text, s), toCodePoints(text, e), label]);
}

/** The UTF-16 indices where a grapheme starts, and the text's length: every place a caret may stand.
 * @param {string} text @returns {number[]} */
export function graphemeBoundaries(text) {
  const bounds = [];
  const Segmenter = /** @type {any} */ (Intl).Segmenter;
  if (Segmenter) {
    for (const part of new Segmenter(undefined, { granularity: "grapheme" }).segment(text)) bounds.push(part.index);
  } else {
    for (let i = 0; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      if (!(code >= 0xdc00 && code <= 0xdfff && i > 0)) bounds.push(i); // never inside a surrogate pair
    }
  }
  bounds.push(text.length);
  return bounds;
}

const SPACE = /^\s/u;
const WORD = /^[\p{L}\p{N}\p{M}_]/u;
const NO_SPACES = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Bopomofo}\u3005-\u3007]/u;

/** The words of `text` as [start, end) UTF-16 ranges, in order, each made of whole graphemes.
 * @param {string} text @returns {[number, number][]} */
export function wordRanges(text) {
  const bounds = graphemeBoundaries(text);
  /** @type {[number, number][]} */
  const words = [];
  let inWord = false;
  for (let i = 0; i + 1 < bounds.length; i += 1) {
    const start = bounds[i];
    const end = bounds[i + 1];
    const grapheme = text.slice(start, end);
    if (SPACE.test(grapheme)) {
      inWord = false;
    } else if (WORD.test(grapheme) && !NO_SPACES.test(grapheme)) {
      if (inWord) words[words.length - 1][1] = end;
      else words.push([start, end]);
      inWord = true;
    } else {
      words.push([start, end]);
      inWord = false;
    }
  }
  return words;
}

/** The grapheme boundary next to `index`, moving `by` (-1 or 1), in `bounds` (graphemeBoundaries).
 * @param {number[]} bounds @param {number} index @param {number} by */
export function stepGrapheme(bounds, index, by) {
  if (by > 0) return bounds.find((b) => b > index) ?? bounds[bounds.length - 1];
  for (let i = bounds.length - 1; i >= 0; i -= 1) if (bounds[i] < index) return bounds[i];
  return 0;
}

/** Ctrl+arrow: to the end of the word at or after `index` (by 1), to the start of the word before it (by -1).
 * @param {[number, number][]} words @param {number} index @param {number} by @param {number} length the text's */
export function stepWord(words, index, by, length) {
  if (by > 0) return words.find(([, e]) => e > index)?.[1] ?? length;
  for (let i = words.length - 1; i >= 0; i -= 1) if (words[i][0] < index) return words[i][0];
  return 0;
}

/** A selection [a, b) grown to the whole words it touches and trimmed of the spaces at its ends (a selection of
 * spaces only stays as it is). @param {[number, number][]} words @param {number} a @param {number} b
 * @returns {[number, number]} */
export function snapToWords(words, a, b) {
  const touched = words.filter(([s, e]) => s < b && e > a);
  if (!touched.length) return [a, b];
  return [touched[0][0], touched[touched.length - 1][1]];
}

/** `index` moved to the nearest grapheme boundary at or before it (start) or at or after it (end).
 * @param {number[]} bounds @param {number} index @param {"start" | "end"} side */
export function onGrapheme(bounds, index, side) {
  if (side === "end") return bounds.find((b) => b >= index) ?? bounds[bounds.length - 1];
  let best = 0;
  for (const b of bounds) if (b <= index) best = b;
  return best;
}
