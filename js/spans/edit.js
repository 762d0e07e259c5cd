// @ts-check
/**
 * Editing the spans of one item, without the DOM: a draft (the spans, which one is selected, the caret and the
 * selection, the edits to undo) and what each edit does to it. Offsets here are UTF-16 indices of the shown text
 * (offsets.js converts at the edges). Every function returns a new draft, or a refusal saying why. Unit-tested with
 * `node --test js/tests`.
 */

/**
 * @typedef {{start: number, end: number, label: string, suggested: boolean}} Span
 * @typedef {{rank: number, spans: Span[], selected: number | null, caret: number, anchor: number | null,
 *   touched: boolean, history: Span[][]}} Draft
 *   selected: the index of the selected span; anchor: where a selection began (the selection is anchor..caret)
 * @typedef {{draft: Draft, said: string} | {refuse: string}} Edit
 */

/** Spans in text order (start, then end). @param {Span[]} spans */
export function ordered(spans) {
  return [...spans].sort((a, b) => a.start - b.start || a.end - b.end || a.label.localeCompare(b.label));
}

/** A new draft. @param {number} rank @param {Span[]} spans */
export function newDraft(rank, spans) {
  return { rank, spans: ordered(spans), selected: null, caret: 0, anchor: null, touched: false, history: [] };
}

/** The selection as [start, end) (empty when nothing is selected). @param {Draft} draft @returns {[number, number]} */
export function selection(draft) {
  if (draft.anchor === null) return [draft.caret, draft.caret];
  return [Math.min(draft.anchor, draft.caret), Math.max(draft.anchor, draft.caret)];
}

/** The span of `spans` (other than `except`) that `span` would overlap, if any.
 * @param {Span[]} spans @param {{start: number, end: number}} span @param {number | null} except */
export function overlapping(spans, span, except) {
  return spans.find((s, i) => i !== except && s.start < span.end && span.start < s.end) ?? null;
}

/** @param {string} text @param {Span} span */
export function describeSpan(text, span) {
  return `“${text.slice(span.start, span.end)}” (${span.label})`;
}

/** `draft` with `spans` as its spans (the old ones kept for undo), `selectedSpan` selected.
 * @param {Draft} draft @param {Span[]} spans @param {Span | null} selectedSpan */
function changed(draft, spans, selectedSpan) {
  const next = ordered(spans);
  return {
    ...draft, spans: next, touched: true, history: [...draft.history, draft.spans],
    selected: selectedSpan ? next.indexOf(selectedSpan) : null,
  };
}

/**
 * A label key: relabels the selected span, or marks the selection with the label.
 * @param {Draft} draft @param {string} text @param {string} label @param {boolean} overlap whether spans may overlap
 * @returns {Edit}
 */
export function mark(draft, text, label, overlap) {
  if (draft.selected !== null) {
    const old = draft.spans[draft.selected];
    const span = { ...old, label, suggested: false };
    const spans = draft.spans.map((s) => (s === old ? span : s));
    return { draft: changed(draft, spans, span), said: `${describeSpan(text, old)} relabeled ${label}` };
  }
  const [start, end] = selection(draft);
  if (start === end) return { refuse: "Select some text first (Shift+arrows, or drag), then press a label key." };
  const span = { start, end, label, suggested: false };
  const clash = overlap ? null : overlapping(draft.spans, span, null);
  if (clash) return { refuse: `Not marked: it would overlap ${describeSpan(text, clash)}, and this labeler refuses overlapping spans.` };
  if (draft.spans.some((s) => s.start === start && s.end === end && s.label === label)) {
    return { refuse: `${describeSpan(text, span)} is marked already.` };
  }
  const next = changed(draft, [...draft.spans, span], span);
  return { draft: { ...next, anchor: null, caret: end }, said: `Marked ${describeSpan(text, span)}` };
}

/**
 * Move the selected span's start or end to `to`. @param {Draft} draft @param {string} text
 * @param {"start" | "end"} side @param {number} to @param {boolean} overlap @returns {Edit}
 */
export function moveEdge(draft, text, side, to, overlap) {
  if (draft.selected === null) return { refuse: "Select a span first (Tab goes to the next one)." };
  const old = draft.spans[draft.selected];
  const span = { ...old, [side]: to, suggested: false };
  if (span.start >= span.end) return { refuse: `A span cannot be empty: ${describeSpan(text, old)} kept.` };
  if (span.start === old.start && span.end === old.end) return { refuse: `${describeSpan(text, old)} cannot go further.` };
  const clash = overlap ? null : overlapping(draft.spans, span, draft.selected);
  if (clash) return { refuse: `Not moved: it would overlap ${describeSpan(text, clash)}, and this labeler refuses overlapping spans.` };
  const spans = draft.spans.map((s) => (s === old ? span : s));
  const next = changed(draft, spans, span);
  return { draft: { ...next, caret: span.end }, said: `Now ${describeSpan(text, span)}` };
}

/** Delete the selected span. @param {Draft} draft @param {string} text @returns {Edit} */
export function remove(draft, text) {
  if (draft.selected === null) return { refuse: "Select a span first (Tab goes to the next one)." };
  const old = draft.spans[draft.selected];
  const next = changed(draft, draft.spans.filter((s) => s !== old), null);
  return { draft: { ...next, caret: old.start }, said: `Deleted ${describeSpan(text, old)}${old.suggested ? " (a suggested span: rejected)" : ""}` };
}

/** Keep the selected suggested span (it is no longer dashed). @param {Draft} draft @param {string} text @returns {Edit} */
export function keep(draft, text) {
  if (draft.selected === null || !draft.spans[draft.selected].suggested) return { refuse: "No suggested span selected." };
  const old = draft.spans[draft.selected];
  const span = { ...old, suggested: false };
  return { draft: changed(draft, draft.spans.map((s) => (s === old ? span : s)), span), said: `Kept ${describeSpan(text, span)}` };
}

/** Take someone's spans whole (an adjudicator takes a member's): they replace the draft's, an edit like any other
 * (undone with the others). @param {Draft} draft @param {string} text @param {[number, number, string][]} spans in
 * UTF-16 positions of `text` @param {string} whose @returns {Edit} */
export function take(draft, text, spans, whose) {
  const taken = spans.map(([start, end, label]) => ({ start, end, label, suggested: false }));
  const next = changed(draft, taken, null);
  const listed = next.spans.map((s) => describeSpan(text, s)).join(", ");
  return {
    draft: { ...next, anchor: null, caret: 0 },
    said: `Took ${whose}'s spans: ${listed || "no spans"}. Enter commits them; Tab edits them first.`,
  };
}

/** Undo the last edit of the spans. @param {Draft} draft @returns {Edit} */
export function undoEdit(draft) {
  if (!draft.history.length) return { refuse: "No edit of these spans to undo." };
  const spans = draft.history[draft.history.length - 1];
  return {
    draft: { ...draft, spans, history: draft.history.slice(0, -1), selected: null, anchor: null },
    said: `Undone: ${spans.length} span${spans.length === 1 ? "" : "s"} now`,
  };
}

/** Select the next (by 1) or previous (by -1) span, from the selected one or from the caret.
 * @param {Draft} draft @param {string} text @param {number} by @returns {Edit} */
export function selectNext(draft, text, by) {
  const n = draft.spans.length;
  if (!n) return { refuse: "No spans yet: select some text and press a label key." };
  let index;
  if (draft.selected !== null) index = (draft.selected + by + n) % n;
  else if (by > 0) index = Math.max(0, draft.spans.findIndex((s) => s.start >= draft.caret));
  else {
    index = n - 1;
    for (let i = n - 1; i >= 0; i -= 1) if (draft.spans[i].start < draft.caret) { index = i; break; }
  }
  const span = draft.spans[index];
  return {
    draft: { ...draft, selected: index, anchor: null, caret: span.end },
    said: `${describeSpan(text, span)}${span.suggested ? ", suggested: Enter keeps it, Delete rejects it" : ""}, span ${index + 1} of ${n}`,
  };
}

/** Move the caret (extend: grow the selection) to `to`; nothing is selected after, but a selection being extended.
 * @param {Draft} draft @param {number} to @param {boolean} extend @returns {Draft} */
export function moveCaret(draft, to, extend) {
  const anchor = extend ? draft.anchor ?? draft.caret : null;
  return { ...draft, caret: to, anchor: anchor === to ? (extend ? anchor : null) : anchor, selected: null };
}

/** A selection made with the mouse. @param {Draft} draft @param {number} start @param {number} end @returns {Draft} */
export function selectRange(draft, start, end) {
  return { ...draft, anchor: start, caret: end, selected: null };
}

/** The draft's spans as Python receives them, before conversion to code points. @param {Draft} draft
 * @returns {[number, number, string][]} */
export function answerOf(draft) {
  return draft.spans.map((s) => [s.start, s.end, s.label]);
}
