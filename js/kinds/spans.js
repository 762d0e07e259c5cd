// @ts-check
/**
 * Spans of the item's text, each with a label: the answer part for `config.kind === "spans"` (the interface is in
 * answer-part.js). It shows the item itself (its `content`): the text with its spans highlighted (a colour and the
 * label's name per span; suggested spans dashed until kept or edited), the legend of label keys, the list of spans
 * below, and a live region saying what changed.
 *
 * Two keymaps, both Python's (labelwidgets/keymap.py): on the item (`keymap`: Tab edits, Enter commits, 0 answers
 * "no spans", the labeler's own keys), and inside the text (`config.edit_keymap`, a mode that owns the keyboard until
 * Esc: caret, selection, label keys mark, Tab goes from span to span). The draft starts from the item's answer, else
 * from the suggested spans. The mouse selects (snapped to words unless Alt is held) and a click selects a span.
 *
 * An item with others' answers beside it (`item.layers`: a team's adjudicator sees each member's) shows one layer per
 * member under the text, that member's spans marked; ↓ / ↑ (the keymap's "layer") or a click takes a member's spans
 * into the draft, to commit with Enter or edit first.
 *
 * Offsets: Python sends and receives code points; the draft is in UTF-16 indices of the shown text; spans/offsets.js
 * converts, in one place.
 */

import { h } from "../dom.js";
import { normalKey } from "../keymap.js";
import {
  answerOf, describeSpan, keep, mark, moveCaret, moveEdge, newDraft, remove, selectNext, selectRange, selection, take,
  undoEdit,
} from "../spans/edit.js";
import {
  graphemeBoundaries, onGrapheme, snapToWords, spansToCodePoints, spansToUtf16, stepGrapheme, stepWord, wordRanges,
} from "../spans/offsets.js";
import { isSpanList, markedText } from "../spans/paint.js";
import { HANDLED, partKey } from "./answer-part.js";
import { createLabelControls } from "./labels.js";

/**
 * @typedef {import("./answer-part.js").PartContext} PartContext
 * @typedef {import("./answer-part.js").AnswerPart} AnswerPart
 * @typedef {import("./answer-part.js").Intent} Intent
 * @typedef {import("./answer-part.js").Shown} Shown
 * @typedef {import("../labeler/decide.js").Item} Item
 * @typedef {import("../spans/edit.js").Draft} Draft
 * @typedef {import("../spans/edit.js").Span} Span
 * @typedef {import("../spans/edit.js").Edit} Edit
 * @typedef {import("../spans/offsets.js").SpanTuple} SpanTuple
 */

const ACTIONS = ["edit", "commit", "none", "find"];
const COLOURS = 8;

/** A key press as the editing keymap spells it: "Control+Shift+ArrowLeft", "Shift+Tab", "]", "z".
 * @param {{key: string, ctrlKey: boolean, metaKey: boolean, shiftKey: boolean}} event */
export function keyName(event) {
  const parts = [];
  if (event.ctrlKey || event.metaKey) parts.push("Control");
  if (event.shiftKey && event.key.length > 1) parts.push("Shift");
  parts.push(normalKey(event.key));
  return parts.join("+");
}

/** Spans as Python sent them ([start, end, label] in code points), or null when `answer` is not a list of spans.
 * @param {unknown} answer @returns {SpanTuple[] | null} */
function spanTuples(answer) {
  if (!Array.isArray(answer)) return null;
  return answer.every((s) => Array.isArray(s) && s.length === 3) ? /** @type {SpanTuple[]} */ (answer) : null;
}

/** The draft an item starts from: its answer, else the suggested spans (dashed), else none.
 * @param {Shown} shown @param {string} text @returns {Draft} */
export function startingDraft(shown, text) {
  const decided = spanTuples(shown.decision?.label);
  const suggested = spanTuples(shown.suggestion?.label);
  const from = decided ?? suggested ?? [];
  const spans = spansToUtf16(text, from).map(([start, end, label]) => ({ start, end, label, suggested: !decided }));
  return newDraft(shown.rank, spans);
}

/** What Enter does: the suggestion untouched accepts it; an answered item untouched goes on; else the spans shown
 * (in code points) are the answer. @param {Draft} draft @param {Shown} shown @param {string} text
 * @param {string} nothingToCommit @returns {Intent} */
export function commitIntent(draft, shown, text, nothingToCommit) {
  if (!draft.touched && !shown.decision && shown.suggestion) return { do: "decide", intent: "accept" };
  if (!draft.touched && shown.decision) return { do: "next" };
  if (!draft.touched && !draft.spans.length) return { do: "notice", message: nothingToCommit };
  return { do: "decide", intent: "label", answer: /** @type {any} */ (spansToCodePoints(text, answerOf(draft))) };
}

/** What a node of the text shows (its tag, classes, data and text): two nodes with one signature look the same. */
/** @type {WeakMap<Node, string>} */
const signatures = new WeakMap();

/** @param {HTMLElement} node */
function signature(node) {
  return `${node.tagName}|${node.className}|${node.dataset.start ?? ""}|${node.dataset.at ?? ""}|${node.dataset.span ?? ""}|${node.textContent}`;
}

/**
 * Make `parent`'s children `nodes`, keeping the children at the start and at the end that look the same: a key that
 * moves the caret or the selection changes a few nodes around it, and the browser then lays out (and shapes) again
 * only what changed, not a 4,000-character text on every key. @param {HTMLElement} parent @param {HTMLElement[]} nodes
 */
function patchChildren(parent, nodes) {
  const old = Array.from(parent.childNodes);
  const wanted = nodes.map((node) => {
    const sig = signature(node);
    signatures.set(node, sig);
    return sig;
  });
  let head = 0;
  while (head < old.length && head < nodes.length && signatures.get(old[head]) === wanted[head]) head += 1;
  let tail = 0;
  while (tail < old.length - head && tail < nodes.length - head &&
    signatures.get(old[old.length - 1 - tail]) === wanted[nodes.length - 1 - tail]) tail += 1;
  const before = tail ? old[old.length - tail] : null;
  for (const node of old.slice(head, old.length - tail)) node.remove();
  for (const node of nodes.slice(head, nodes.length - tail)) parent.insertBefore(node, before);
}

/** @param {PartContext} ctx @returns {AnswerPart} */
export function create({ labels, keymap, shown, perform, focus, config, showAll }) {
  const overlap = !!config?.overlap;
  /** @type {Map<string, string>} key (as keyName spells it) -> the editing action */
  const editActions = new Map();
  for (const action of config?.edit_keymap ?? []) for (const key of action.keys) editActions.set(key, action.name);
  const colourOf = new Map(labels.map((l, i) => [l.name, i % COLOURS]));
  const nothingToCommit = `Press ${keymap.key("edit") || "Tab"} to mark spans in the text, then ` +
    `${keymap.hint("commit")}; or press ${keymap.key("none")} for no spans in this text.`;

  /** @type {Draft | null} */
  let draft = null;
  let editing = false;
  /** @type {Item | null} */
  let item = null;
  /** the whole text, once asked for with "Show all" */
  /** @type {string | null} */
  let full = null;
  /** @type {{text: string, bounds: number[], words: [number, number][]} | null} */
  let cut = null;
  /** the layer taken last on the item shown (its index in item.layers), or null */
  /** @type {number | null} */
  let taken = null;

  // ----- the DOM ------------------------------------------------------------------------
  const fields = h("div", "lw-fields");
  const controls = createLabelControls({ labels, toggles: false, onChoose: (name) => perform(choose(name)), focus });
  controls.group.setAttribute("aria-label", "Labels: select text, then press a label's key or click it");
  controls.group.classList.add("lw-span-legend");
  const keyed = labels.filter((l) => l.key);
  Array.from(controls.group.children).forEach((button, i) => {
    const swatch = h("span", `lw-swatch lw-span-c${colourOf.get(keyed[i]?.name ?? "") ?? 0}`);
    swatch.setAttribute("aria-hidden", "true");
    button.prepend(swatch);
  });
  const textBox = h("div", "lw-text lw-span-text");
  textBox.setAttribute("data-testid", "lw-text");
  textBox.setAttribute("role", "region");
  textBox.setAttribute("aria-label", "Text to mark spans in (Tab: edit spans from the keyboard)");
  textBox.dir = "auto";
  const expander = /** @type {HTMLButtonElement} */ (h("button", "lw-btn lw-expand"));
  expander.type = "button";
  expander.addEventListener("click", () => showAll?.());
  const listHead = h("div", "lw-span-list-head", "Spans");
  const list = h("ul", "lw-span-list");
  list.setAttribute("aria-label", "Spans marked");
  const layersBox = h("div", "lw-span-layers");
  layersBox.setAttribute("role", "list");
  layersBox.setAttribute("aria-label", "Each member's spans: ↓ or ↑ takes one, Enter commits it");
  const live = h("div", "lw-span-live");
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");

  /** @param {string} message */
  const say = (message) => {
    live.textContent = message;
  };

  const text = () => full ?? item?.text ?? "";

  /** The text's graphemes and words, computed once per text. */
  function cuts() {
    const t = text();
    if (!cut || cut.text !== t) cut = { text: t, bounds: graphemeBoundaries(t), words: wordRanges(t) };
    return cut;
  }

  /** The draft of the item shown: the person's edits, else its answer, else its suggestion. @param {Shown} now */
  function current(now) {
    if (draft && draft.rank === now.rank && draft.touched) return draft;
    const fresh = startingDraft(now, text());
    if (draft && draft.rank === now.rank) {
      const selected = draft.selected !== null && draft.selected < fresh.spans.length ? draft.selected : null;
      draft = { ...fresh, caret: draft.caret, anchor: draft.anchor, selected };
    } else {
      draft = fresh;
    }
    return draft;
  }

  // ----- painting -------------------------------------------------------------------------
  /** what the list of spans shows now (see render) */
  let listShows = "";

  /** The spans listed under the text. @param {string} t @param {Draft | null} d @param {Span[]} spans */
  function renderList(t, d, spans) {
    list.replaceChildren(...(spans.length ? spans.map((s, j) => {
      const li = h("li", "lw-span-item" + (s.suggested ? " lw-span-suggested" : "") + (d?.selected === j ? " lw-span-selected" : ""));
      const name = h("span", `lw-span-tag lw-span-c${colourOf.get(s.label) ?? 0}`, s.label);
      const quoted = h("span", "lw-span-quote", t.slice(s.start, s.end));
      quoted.dir = "auto";
      li.append(name, " ", quoted);
      if (s.suggested) li.append(h("span", "lw-span-note", " (suggested)"));
      li.addEventListener("click", () => {
        pick(j);
      });
      return li;
    }) : [h("li", "lw-span-item lw-empty", d && !d.touched && shown().decision ? "No spans in this text" : "No spans marked")]));
  }

  function render() {
    const t = text();
    textBox.classList.toggle("lw-editing", editing);
    if (!item) {
      textBox.textContent = "Loading…";
      textBox.classList.add("lw-empty");
      list.replaceChildren();
      listShows = "";
      return;
    }
    if (!t) {
      textBox.textContent = "(empty)";
      textBox.classList.add("lw-empty");
    } else {
      textBox.classList.remove("lw-empty");
    }
    const d = draft && draft.rank === shown().rank ? draft : null;
    const spans = d?.spans ?? [];
    const [selStart, selEnd] = d ? selection(d) : [0, 0];
    const cutsAt = new Set([0, t.length, selStart, selEnd]);
    if (d && editing) cutsAt.add(d.caret);
    for (const s of spans) {
      cutsAt.add(Math.min(s.start, t.length));
      cutsAt.add(Math.min(s.end, t.length));
    }
    const points = [...cutsAt].sort((a, b) => a - b);
    /** @type {HTMLElement[]} */
    const nodes = [];
    for (let i = 0; i < points.length; i += 1) {
      const a = points[i];
      if (d && editing && a === d.caret && selStart === selEnd) {
        const caret = h("span", "lw-caret");
        caret.setAttribute("aria-hidden", "true");
        caret.dataset.at = String(a);
        nodes.push(caret);
      }
      if (i + 1 < points.length && points[i + 1] > a) {
        const b = points[i + 1];
        const covering = spans.map((s, j) => [s, j]).filter(([s]) => /** @type {Span} */ (s).start <= a && b <= /** @type {Span} */ (s).end);
        /** @type {HTMLElement} */
        let node;
        if (covering.length) {
          const [span, j] = /** @type {[Span, number]} */ (covering[covering.length - 1]);
          node = h("mark", `lw-span lw-span-c${colourOf.get(span.label) ?? 0}`);
          node.dataset.span = String(j);
          if (span.suggested) node.classList.add("lw-span-suggested");
          if (d?.selected === j) node.classList.add("lw-span-selected");
          if (covering.length > 1) node.classList.add("lw-span-nested");
        } else {
          node = h("span", "lw-seg");
        }
        if (a >= selStart && b <= selEnd && selStart < selEnd) node.classList.add("lw-sel");
        node.dataset.start = String(a);
        node.textContent = t.slice(a, b);
        nodes.push(node);
        spans.forEach((s, j) => {
          if (Math.min(s.end, t.length) !== b) return;
          const tag = h("span", `lw-span-tag lw-span-c${colourOf.get(s.label) ?? 0}`, s.label + (s.suggested ? "?" : ""));
          tag.dataset.at = String(b);
          tag.dataset.span = String(j);
          tag.setAttribute("aria-hidden", "true"); // the list below says it in words
          nodes.push(tag);
        });
      }
    }
    if (t) patchChildren(textBox, nodes);
    if (editing && t && !drag) {
      // keep the caret (or what is selected) in sight in a long text, scrolling as little as possible (a drag
      // scrolls by itself, following the mouse)
      const sel = textBox.querySelectorAll(".lw-sel");
      const inSight = textBox.querySelector(".lw-caret") ?? textBox.querySelector("mark.lw-span-selected") ??
        (sel.length ? sel[sel.length - 1] : null);
      inSight?.scrollIntoView?.({ block: "nearest", inline: "nearest" });
    }
    renderLayers(t);
    // the list changes only with the spans or the one selected, not with the caret: rebuilt only then
    const listed = JSON.stringify([shown().rank, t.length, d?.selected ?? null, !!d?.touched, !!shown().decision, spans]);
    if (listed !== listShows) {
      listShows = listed;
      renderList(t, d, spans);
    }
    const truncated = item.text !== null && item.length > t.length;
    expander.hidden = !truncated;
    if (truncated) expander.textContent = full ? `Showing the first ${t.length.toLocaleString()} characters` :
      `Show all (${item.length.toLocaleString()} characters)`;
  }

  /** Others' answers on the item shown, one per member (an adjudicator's), as spans; [] for none. */
  function layers() {
    // `layers` is sent only beside an adjudicator's items (LabelerWidget.item_payload)
    const all = /** @type {{name: string, answer: unknown}[]} */ (/** @type {any} */ (item)?.layers ?? []);
    return all.map((l) => ({ name: l.name, spans: isSpanList(l.answer) ? l.answer : [] }));
  }

  /** what the layers show now: they are rebuilt only when it changes, not on every key in the text */
  let layersShow = "";

  /** Each member's spans under the text, the one taken outlined. @param {string} t */
  function renderLayers(t) {
    const shownLayers = layers();
    const show = `${item?.rank}|${taken}|${t.length}|${shownLayers.length}`;
    if (show === layersShow) return;
    layersShow = show;
    layersBox.hidden = !shownLayers.length;
    layersBox.replaceChildren(...shownLayers.map((layer, i) => {
      const row = h("div", "lw-span-layer" + (taken === i ? " lw-span-layer-taken" : ""));
      row.setAttribute("role", "listitem");
      row.dataset.member = layer.name;
      const words = layer.spans.map(([s, e, label]) => `${label} “${[...t].slice(s, e).join("")}”`).join(", ");
      row.setAttribute("aria-label", `${layer.name}: ${words || "no spans"}${taken === i ? " (taken)" : ""}`);
      const body = h("div", "lw-span-layer-text");
      body.dir = "auto";
      if (layer.spans.length) body.append(...markedText(t, layer.spans, colourOf));
      else body.append(h("span", "lw-empty", "no spans"));
      row.append(h("span", "lw-span-layer-name", layer.name), body);
      row.addEventListener("mousedown", (event) => event.preventDefault()); // the keyboard stays with the labeler
      row.addEventListener("click", () => {
        takeLayer(i);
        focus();
      });
      return row;
    }));
  }

  /** Take layer `i`'s spans into the draft. @param {number} i @returns {Intent} */
  function takeLayer(i) {
    const all = layers();
    const layer = all[i];
    if (!layer) return HANDLED;
    taken = i;
    const spans = /** @type {[number, number, string][]} */ (spansToUtf16(text(), layer.spans));
    return apply((d) => take(d, text(), spans, layer.name));
  }

  /** ↓ or ↑: the next or previous member's spans, or null when nobody's answers are beside the item.
   * @param {number} by @returns {Intent | null} */
  function stepLayer(by) {
    const n = layers().length;
    if (!n || !shown().item) return null;
    return takeLayer(taken === null ? (by > 0 ? 0 : n - 1) : (taken + by + n) % n);
  }

  // ----- edits ----------------------------------------------------------------------------
  /** Apply an edit to the draft: its result, or say why not. @param {(d: Draft) => Edit} edit @returns {Intent} */
  function apply(edit) {
    const now = shown();
    if (!now.item) return { do: "notice", message: "The item is still loading: press the key again once it shows." };
    const result = edit(current(now));
    if ("refuse" in result) {
      say(result.refuse);
    } else {
      draft = result.draft;
      say(result.said);
    }
    render();
    return HANDLED;
  }

  /** Move the caret, or grow the selection. @param {(d: Draft) => number} to @param {boolean} extend @returns {Intent} */
  function caret(to, extend) {
    const now = shown();
    if (!now.item) return HANDLED;
    const d = current(now);
    draft = moveCaret(d, to(d), extend);
    const [a, b] = selection(draft);
    say(a < b ? `Selected “${text().slice(a, b)}”` : `Caret at ${draft.caret}`);
    render();
    return HANDLED;
  }

  /** Select span `j` (a click on it, or in the list). @param {number} j */
  function pick(j) {
    const now = shown();
    if (!now.item) return;
    const d = current(now);
    if (j >= d.spans.length) return;
    editing = true;
    draft = { ...d, selected: j, anchor: null, caret: d.spans[j].end };
    const span = d.spans[j];
    say(`${describeSpan(text(), span)} selected${span.suggested ? ": Enter keeps it, Delete rejects it" : ""}`);
    render();
    focus();
  }

  /** A label key or button: in the text, marks the selection or relabels the selected span. @param {string} name
   * @returns {Intent} */
  function choose(name) {
    const now = shown();
    const d = now.item ? current(now) : null;
    if (!d || (!editing && d.selected === null && d.anchor === null)) {
      return { do: "notice", message: `Press ${keymap.key("edit") || "Tab"} to go into the text, select, then press the label's key.` };
    }
    editing = true;
    return apply((x) => mark(x, text(), name, overlap));
  }

  /** @param {string} name @returns {Intent | null} */
  function act(name) {
    const now = shown();
    if (name === "edit") {
      if (!now.item) return { do: "notice", message: "The item is still loading." };
      editing = true;
      current(now);
      say("Editing the text: arrows move, Shift+arrows select, a label key marks, Tab goes from span to span, Esc leaves.");
      render();
      return HANDLED;
    }
    if (name === "commit") {
      if (!now.item) return { do: "notice", message: "The item is still loading." };
      return commitIntent(current(now), now, text(), nothingToCommit);
    }
    if (name === "none") return { do: "decide", intent: "label", answer: [] };
    if (name === "find") {
      controls.find();
      return HANDLED;
    }
    return null;
  }

  /** A key inside the text. @param {string} key @param {KeyboardEvent} event @returns {Intent | null} */
  function editKey(key, event) {
    const name = editActions.get(keyName(event));
    const c = cuts();
    const len = text().length;
    switch (name) {
      case "caret":
        return caret((d) => stepGrapheme(c.bounds, d.caret, event.key === "ArrowLeft" ? -1 : 1), false);
      case "caret-word":
        return caret((d) => stepWord(c.words, d.caret, event.key === "ArrowLeft" ? -1 : 1, len), false);
      case "caret-end":
        return caret(() => (event.key === "Home" ? 0 : len), false);
      case "extend":
      case "extend-word": {
        const by = event.key === "ArrowLeft" ? -1 : 1;
        /** @param {number} at */
        const step = (at) => (name === "extend" ? stepGrapheme(c.bounds, at, by) : stepWord(c.words, at, by, len));
        const now = shown();
        if (now.item && current(now).selected !== null) {
          return apply((d) => moveEdge(d, text(), "end", step(d.spans[/** @type {number} */ (d.selected)].end), overlap));
        }
        return caret((d) => step(d.caret), true);
      }
      case "start":
      case "start-word": {
        const by = event.key === "[" ? -1 : 1;
        return apply((d) => {
          if (d.selected === null) return { refuse: "Select a span first (Tab goes to the next one)." };
          const at = d.spans[d.selected].start;
          return moveEdge(d, text(), "start", name === "start" ? stepGrapheme(c.bounds, at, by) : stepWord(c.words, at, by, len), overlap);
        });
      }
      case "next-span":
        return apply((d) => selectNext(d, text(), event.shiftKey ? -1 : 1));
      case "keep": {
        const now = shown();
        const d = now.item ? current(now) : null;
        if (d && d.selected !== null && d.spans[d.selected].suggested) return apply((x) => keep(x, text()));
        return act("commit");
      }
      case "delete":
        return apply((d) => remove(d, text()));
      case "undo-edit":
        return apply(undoEdit);
      case "leave": {
        editing = false;
        if (draft) draft = { ...draft, anchor: null, selected: null };
        say("Left the text: keys act on the item again (Esc again hands the keyboard back to Jupyter).");
        render();
        return HANDLED;
      }
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return null;
    const meaning = keymap.meaning(key);
    if (meaning?.label != null) return choose(meaning.label);
    if (key.length === 1) {
      say(`“${key}” does nothing inside the text: Esc leaves it.`);
      return HANDLED;
    }
    return null;
  }

  // ----- the mouse ------------------------------------------------------------------------
  /** The text offset of a DOM position inside the text box. @param {Node} node @param {number} offset */
  function offsetOf(node, offset) {
    if (node.nodeType === Node.TEXT_NODE) {
      const el = /** @type {HTMLElement} */ (node.parentElement);
      if (el.dataset.start !== undefined) return Number(el.dataset.start) + offset;
      return Number(el.dataset.at ?? 0);
    }
    const el = /** @type {HTMLElement} */ (node);
    if (el === textBox) {
      const child = /** @type {HTMLElement | undefined} */ (textBox.childNodes[offset]);
      if (!child) return text().length;
      return Number(child.dataset.start ?? child.dataset.at ?? 0);
    }
    if (el.dataset.start !== undefined) return Number(el.dataset.start) + (offset > 0 ? (el.textContent ?? "").length : 0);
    return Number(el.dataset.at ?? 0);
  }

  /** The text offset at a point of the page, or null when it is not over the text. @param {number} x @param {number} y */
  function offsetAt(x, y) {
    const doc = /** @type {any} */ (document);
    /** @type {{node: Node, offset: number} | null} */
    let at = null;
    if (typeof doc.caretPositionFromPoint === "function") {
      const p = doc.caretPositionFromPoint(x, y);
      if (p) at = { node: p.offsetNode, offset: p.offset };
    } else if (typeof doc.caretRangeFromPoint === "function") {
      const r = doc.caretRangeFromPoint(x, y);
      if (r) at = { node: r.startContainer, offset: r.startOffset };
    }
    if (!at || !textBox.contains(at.node)) return null;
    return offsetOf(at.node, at.offset);
  }

  /** The text offset under the mouse, or null when it is not over the text. @param {MouseEvent} event */
  const pointOffset = (event) => offsetAt(event.clientX, event.clientY);

  // The mouse selects in the draft, not with the browser's selection (which re-painting the text would drop): a drag
  // selects whole words (whole graphemes with Alt), a click on a span selects it. While the button is down the page's
  // moves and release are followed (not only the box's), and a drag past the box's top or bottom edge scrolls a long
  // text, faster the further past, extending the selection to the text at that edge.
  /** @type {{from: number, to: number, x: number, y: number, speed: number, frame: number | null} | null} */
  let drag = null;
  const EDGE = 24; // px from the box's edge where scrolling starts
  const FASTEST = 40; // px scrolled per frame at most

  /** Extend the selection to the point (x, y), brought inside the box. */
  function dragTo(/** @type {number} */ x, /** @type {number} */ y) {
    if (!drag) return;
    const box = textBox.getBoundingClientRect();
    const inX = Math.min(Math.max(x, box.left + 2), box.right - 2);
    const inY = Math.min(Math.max(y, box.top + 2), box.bottom - 2);
    const to = offsetAt(inX, inY);
    if (to === null || to === drag.to) return;
    drag.to = to;
    const now = shown();
    if (!now.item) return;
    draft = selectRange(current(now), Math.min(drag.from, to), Math.max(drag.from, to));
    render();
  }

  function scrollStep() {
    if (!drag || !drag.speed) {
      if (drag) drag.frame = null;
      return;
    }
    const before = textBox.scrollTop;
    textBox.scrollTop += drag.speed;
    if (textBox.scrollTop !== before) dragTo(drag.x, drag.y);
    drag.frame = requestAnimationFrame(scrollStep);
  }

  /** @param {MouseEvent} event */
  function onDragMove(event) {
    if (!drag) return;
    drag.x = event.clientX;
    drag.y = event.clientY;
    const box = textBox.getBoundingClientRect();
    const above = box.top + EDGE - event.clientY;
    const below = event.clientY - (box.bottom - EDGE);
    const past = above > 0 ? -above : below > 0 ? below : 0;
    drag.speed = Math.max(-FASTEST, Math.min(FASTEST, Math.round(past / 2)));
    if (drag.speed && drag.frame === null && textBox.scrollHeight > textBox.clientHeight) {
      drag.frame = requestAnimationFrame(scrollStep);
    }
    dragTo(event.clientX, event.clientY);
  }

  /** @param {MouseEvent} event */
  function onDragEnd(event) {
    window.removeEventListener("mousemove", onDragMove, true);
    window.removeEventListener("mouseup", onDragEnd, true);
    const was = drag;
    drag = null;
    if (was?.frame != null) cancelAnimationFrame(was.frame);
    const now = shown();
    if (!was || !now.item) return;
    const over = pointOffset(event);
    const to = over ?? was.to;
    if (to !== was.from) {
      const c = cuts();
      let a = onGrapheme(c.bounds, Math.min(was.from, to), "start");
      let b = onGrapheme(c.bounds, Math.max(was.from, to), "end");
      if (!event.altKey) [a, b] = snapToWords(c.words, a, b);
      if (a < b) {
        editing = true;
        draft = selectRange(current(now), a, b);
        say(`Selected “${text().slice(a, b)}”: press a label's key to mark it`);
      }
      render();
      return;
    }
    const target = /** @type {HTMLElement} */ (event.target);
    if (!textBox.contains(target)) return;
    const spanNode = target.closest?.("[data-span]");
    if (spanNode instanceof HTMLElement && spanNode.dataset.span !== undefined) pick(Number(spanNode.dataset.span));
  }

  textBox.addEventListener("mousedown", (event) => {
    if (event.button !== 0 || !shown().item || !text()) return;
    const from = pointOffset(event);
    if (from === null) return;
    event.preventDefault(); // no native selection; the keyboard stays with the labeler
    focus();
    drag = { from, to: from, x: event.clientX, y: event.clientY, speed: 0, frame: null };
    window.addEventListener("mousemove", onDragMove, true);
    window.addEventListener("mouseup", onDragEnd, true);
  });

  /** @type {import("./answer-part.js").ContentPart} */
  const content = {
    nodes: [fields, controls.group, textBox, expander, layersBox, listHead, list, live],
    paint(next) {
      item = next;
      fields.replaceChildren();
      for (const [name, value] of Object.entries(next?.fields ?? {})) {
        const field = h("span", "lw-field");
        const valueNode = h("span", "lw-field-value", value);
        valueNode.dir = "auto";
        field.append(h("span", "lw-field-name", `${name}: `), valueNode);
        fields.append(field);
      }
      if (next) current(shown());
      render();
    },
    showFull(whole) {
      full = whole;
      if (draft && !draft.touched) draft = null; // rebuilt on the whole text (spans past the preview)
      const now = shown();
      if (now.item) current(now);
      render();
    },
    reset() {
      full = null;
      editing = false;
      draft = null;
      taken = null;
      live.textContent = "";
    },
    setDone(done) {
      for (const node of [fields, controls.group, textBox, listHead, list, live]) node.hidden = done;
      layersBox.hidden = done || !layers().length;
      if (done) expander.hidden = true;
    },
  };

  return {
    nodes: [controls.picker],
    content,
    keysSay: "Tab edits the spans in the text",
    suggestionKeys: `${keymap.hint("commit")} accept · Tab change · ${keymap.hint("reject")} reject`,
    actions: ACTIONS,
    act,
    onKey: (key, event) => {
      if (editing) return editKey(key, event);
      if (keymap.meaning(key)?.action === "layer") return stepLayer(key === "ArrowUp" ? -1 : 1);
      return partKey(keymap, key, ACTIONS, choose, act);
    },
    paint(now) {
      if (now.item) current(now);
      render();
    },
    suggest(now) {
      if (now.item) current(now);
      render();
    },
    reset() {
      draft = null;
      editing = false;
      taken = null;
    },
    setDone(done) {
      controls.setDone(done);
      if (done) editing = false;
    },
    mode: () => (editing ? "edit" : null),
  };
}
