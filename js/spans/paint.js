// @ts-check
/**
 * A text with spans marked, read-only: what the span editor's text looks like, for the views that show spans without
 * editing them (teaching's gold spans after an answer, an adjudicator's layer per member, the leaderboard's human and
 * suggested spans). Spans arrive as Python sends them, in code points; offsets.js converts them to the text's UTF-16
 * positions. Each span is a <mark> tinted by its label's colour (`lw-span-c<i>`, eight repeating, the stylesheet's)
 * and followed by its label's name, so it reads without colour too. Every text is set as text, never as HTML.
 */

import { h } from "../dom.js";
import { spansToUtf16 } from "./offsets.js";

/**
 * @typedef {import("./offsets.js").SpanTuple} SpanTuple
 */

export const COLOURS = 8;

/** Label name -> colour index, in label-set order (the same colours as the editor's legend).
 * @param {string[]} names @returns {Map<string, number>} */
export function colours(names) {
  return new Map(names.map((name, i) => [name, i % COLOURS]));
}

/** Whether `value` is a list of spans as Python sends them ([start, end, label] each).
 * @param {unknown} value @returns {value is SpanTuple[]} */
export function isSpanList(value) {
  return Array.isArray(value) && value.every((s) => Array.isArray(s) && s.length === 3 && typeof s[0] === "number");
}

/**
 * The segments of `text` cut at every span's edges, each with the spans covering it (indices into `spans`), in text
 * order; spans past the text's end are cut to it. Pure, for tests.
 * @param {number} length the text's length (UTF-16) @param {SpanTuple[]} spans in UTF-16 positions
 * @returns {{start: number, end: number, covering: number[]}[]}
 */
export function segments(length, spans) {
  const cuts = new Set([0, length]);
  for (const [s, e] of spans) {
    cuts.add(Math.min(Math.max(s, 0), length));
    cuts.add(Math.min(Math.max(e, 0), length));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i + 1 < points.length; i += 1) {
    const [a, b] = [points[i], points[i + 1]];
    const covering = [];
    for (let j = 0; j < spans.length; j += 1) if (spans[j][0] <= a && b <= spans[j][1]) covering.push(j);
    out.push({ start: a, end: b, covering });
  }
  return out;
}

/**
 * `text` with `spans` (code points, as Python sends them) marked, as nodes to put in an element.
 * @param {string} text @param {SpanTuple[]} spans @param {Map<string, number>} colourOf
 * @param {(j: number) => string} [spanClass] extra classes of span j's mark and tag (e.g. missed or extra)
 * @returns {Node[]}
 */
export function markedText(text, spans, colourOf, spanClass) {
  const shown = spansToUtf16(text, spans);
  /** @type {Node[]} */
  const nodes = [];
  const tagged = new Set();
  for (const { start, end, covering } of segments(text.length, shown)) {
    if (!covering.length) {
      nodes.push(document.createTextNode(text.slice(start, end)));
    } else {
      const j = covering[covering.length - 1];
      const mark = h("mark", `lw-span lw-span-c${colourOf.get(shown[j][2]) ?? 0}`, text.slice(start, end));
      const extra = spanClass?.(j);
      if (extra) mark.classList.add(...extra.split(" "));
      if (covering.length > 1) mark.classList.add("lw-span-nested");
      nodes.push(mark);
    }
    // each span's label after its last character (a span cut off by the end of the text: after the text)
    for (let j = 0; j < shown.length; j += 1) {
      if (tagged.has(j) || Math.min(shown[j][1], text.length) !== end) continue;
      tagged.add(j);
      const extra = spanClass?.(j);
      const tag = h("span", `lw-span-tag lw-span-c${colourOf.get(shown[j][2]) ?? 0}${extra ? " " + extra : ""}`, shown[j][2]);
      nodes.push(tag);
    }
  }
  return nodes;
}
