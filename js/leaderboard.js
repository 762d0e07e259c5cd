// @ts-check
/**
 * The leaderboard view: a ranking table, the pairwise tests, and a disagreement explorer.
 *
 * Click an entry (or a pair) to step through the items where it disagrees with the human label (or with the
 * other entry): ←/→ step, number keys set the human label when the person was the one who was wrong (Python
 * records it as a correction, never a silent overwrite), Esc closes. Items arrive from Python in windows, on
 * request. Every text, label and name is set with textContent, never as HTML.
 */

import { h } from "./dom.js";
import { colours, isSpanList, markedText } from "./spans/paint.js";
import { hasFocusWithin } from "./labeler/focus.js";

/**
 * @typedef {{name: string, description: string, key: string | null}} Label
 * @typedef {{name: string, rank: number, kappa: number | null, kappa_low: number | null, kappa_high: number | null,
 *   accuracy: number | null, accuracy_low: number | null, accuracy_high: number | null, macro_f1: number | null,
 *   macro_f1_low: number | null, macro_f1_high: number | null, n: number, invalid: number, invalid_share: number,
 *   cost: number | null, cost_per_item: number | null, tokens_per_item: number | null,
 *   latency_per_item: number | null, tied_with: string[]}} Entry
 * @typedef {{a: string, b: string, n: number, disagree: number, a_only_correct: number, b_only_correct: number,
 *   mcnemar_p: number | null, kappa_diff: number | null, kappa_diff_low: number | null,
 *   kappa_diff_high: number | null, macro_f1_diff: number | null, macro_f1_diff_low: number | null,
 *   macro_f1_diff_high: number | null, accuracy_diff: number | null, distinguishable: boolean}} Pair
 * @typedef {string | string[] | [number, number, string][]} Answer an answer in one shape for the human and every
 *   suggester, as the kind sends it to the browser (AnswerKind.for_view): a label's name, a list of names, or spans
 *   [start, end, label] in code points of the item's text
 * @typedef {{name: string, label: Answer | null, confidence: number | null, error: string | null,
 *   raw: string | null, rationale: string | null}} Output
 * @typedef {{position: number, key: string, text: string, length: number, human: Answer, votes: string | null,
 *   corrected: boolean, outputs: Output[]}} Item
 * @typedef {{name: string, words: string}} Metric a quality column of the table (the kind's ranking metrics)
 * @typedef {{n: number, sort_by: string, tie_metric: string, ci: number, method: string, excluded: string[],
 *   notes: string[], corrections: number, metrics?: Metric[], relabel?: boolean, alt_tests?: string[]}} Summary
 * @typedef {{id: number, a: string, b: string | null, count: number, items: Map<number, Item>}} DisagreementList
 * @typedef {{
 *   get: (name: string) => any, set: (name: string, value: any) => void, save_changes: () => void,
 *   send: (content: any) => void, on: (event: string, cb: (...args: any[]) => void) => void,
 *   off: (event: string, cb: (...args: any[]) => void) => void
 * }} Model
 */

const WINDOW = 20;


/** @param {number | null | undefined} value @param {number} [digits] */
function num(value, digits = 3) {
  return value === null || value === undefined ? "n/a" : value.toFixed(digits);
}

/** @param {number | null} value @param {number | null} low @param {number | null} high */
function withInterval(value, low, high) {
  if (value === null) return "n/a";
  if (low === null || high === null) return num(value);
  return `${num(value)} [${num(low, 2)}, ${num(high, 2)}]`;
}

/** @param {number | null} value */
function money(value) {
  if (value === null) return "–";
  return value < 0.01 ? `$${value.toFixed(5)}` : `$${value.toFixed(3)}`;
}

/** @param {number | null} seconds */
function duration(seconds) {
  if (seconds === null) return "–";
  return seconds < 1 ? `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 0)} ms` : `${seconds.toFixed(2)} s`;
}

/** @param {number | null} p */
function pValue(p) {
  if (p === null) return "n/a";
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

/** @param {number} share */
function percent(share) {
  return `${(share * 100).toFixed(share > 0 && share < 0.01 ? 1 : 0)}%`;
}

/** An answer as text: a label, labels joined, or spans as "label “words”" on `text`. @param {Answer} answer
 * @param {string} text */
function answerText(answer, text) {
  if (isSpanList(answer)) {
    if (!answer.length) return "no spans";
    return answer.map(([s, e, label]) => `${label} “${[...text].slice(s, e).join("")}”`).join(", ");
  }
  if (Array.isArray(answer)) return answer.length ? answer.join(", ") : "none of these";
  return String(answer);
}

/** Whether two answers are the same answer (same label; same list, in the order Python sends it).
 * @param {Answer | null} a @param {Answer | null} b */
function sameAnswer(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** @typedef {{header: string, hint: string, cls: string, text: (e: Entry) => string, optional?: (e: Entry) => boolean}} Column */

/** What each quality metric's column says when hovered. @type {Record<string, string>} */
const HINTS = {
  kappa: "Cohen's kappa against the human labels, with its interval",
  accuracy: "share of items where it gives the human label",
  macro_f1: "mean F1 over the labels",
  strict_f1: "span F1 counting a span right only with the human's start, end and label",
  partial_f1: "span F1 counting overlapping boundaries half, whatever the label",
  exact_match: "share of items where it gives exactly the human's spans",
};

/** A quality metric's column: the value with its interval. @param {Metric} metric @returns {Column} */
function metricColumn({ name, words }) {
  const value = (/** @type {Entry} */ e, /** @type {string} */ suffix) => /** @type {any} */ (e)[name + suffix] ?? null;
  return {
    header: words, hint: HINTS[name] ?? words, cls: "lw-lb-num",
    text: (e) => withInterval(value(e, ""), value(e, "_low"), value(e, "_high")),
  };
}

/** The quality columns before the kind sent its own (one label per item). @type {Metric[]} */
const DEFAULT_METRICS = [{ name: "kappa", words: "kappa" }, { name: "accuracy", words: "accuracy" },
  { name: "macro_f1", words: "macro-F1" }];

/**
 * The leaderboard's columns after the quality metrics; an `optional` column shows only when some entry has a value.
 * @type {Column[]}
 */
const COLUMNS = [
  { header: "invalid", hint: "share of items with no usable label (counted as disagreements)", cls: "lw-lb-num",
    text: (e) => percent(e.invalid_share) },
  { header: "$/item", hint: "cost per item", cls: "lw-lb-num", text: (e) => money(e.cost_per_item),
    optional: (e) => e.cost_per_item !== null },
  { header: "tokens/item", hint: "input + output tokens per item", cls: "lw-lb-num",
    text: (e) => e.tokens_per_item === null ? "–" : Math.round(e.tokens_per_item).toLocaleString(),
    optional: (e) => e.tokens_per_item !== null },
  { header: "time/item", hint: "latency per item", cls: "lw-lb-num", text: (e) => duration(e.latency_per_item) },
  { header: "tied with", hint: "entries this sample cannot tell apart from this one", cls: "lw-lb-tied",
    text: (e) => e.tied_with.join(", ") || "–" },
];

/** @param {{model: Model, el: HTMLElement}} ctx */
function render({ model, el }) {
  const clientId = Math.random().toString(36).slice(2) + Date.now().toString(36);
  /** @type {Label[]} */
  const labels = model.get("labels");
  const keyToLabel = new Map(labels.filter((l) => l.key).map((l) => [/** @type {string} */ (l.key), l.name]));
  const colourOf = colours(labels.map((l) => l.name));

  /** @type {DisagreementList | null} */
  let list = null;
  let index = 0; // position within the open list
  let request = 0; // answers to an older request are ignored
  let seq = 0;
  let status = "";
  let statusIsError = false;
  /** @type {Set<number>} list starts asked for and not answered yet */
  const asked = new Set();
  /** relabels sent and not acknowledged yet, by seq, to revert the shown label if Python refuses */
  /** @type {Map<number, {position: number, before: Answer}>} */
  const pendingRelabels = new Map();

  // ----- layout -------------------------------------------------------------------
  const root = h("div", "lw-leaderboard lw-themed");
  root.tabIndex = 0;
  root.setAttribute("role", "application");
  root.setAttribute("aria-label", "Leaderboard: click an entry to see its disagreements; ← → step, numbers relabel");
  // Lumino (JupyterLab, Notebook 7) skips its shortcuts for events from inside this element.
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.setAttribute("data-p-suppress-shortcuts", "true");

  const title = h("div", "lw-lb-title");
  const notes = h("div", "lw-lb-notes");
  const table = h("table", "lw-lb-table");
  const thead = h("thead");
  const tbody = h("tbody");
  table.append(thead, tbody);
  const tableScroll = h("div", "lw-lb-scroll");
  tableScroll.append(table);
  const tableHint = h("div", "lw-lb-hint", "Click an entry to step through the items where it disagrees with the human label.");

  const pairsBox = /** @type {HTMLDetailsElement} */ (h("details", "lw-lb-pairs"));
  const pairsSummary = h("summary", "lw-lb-pairs-summary");
  const pairsTable = h("table", "lw-lb-table lw-lb-pairs-table");
  const pairsBody = h("tbody");
  const pairsHead = h("thead");
  pairsTable.append(pairsHead, pairsBody);
  const pairsScroll = h("div", "lw-lb-scroll");
  pairsScroll.append(pairsTable);
  pairsBox.append(pairsSummary, pairsScroll);

  const explorer = h("div", "lw-lb-explorer");
  explorer.hidden = true;
  const exHeader = h("div", "lw-lb-ex-header");
  const exTitle = h("span", "lw-lb-ex-title");
  const exPosition = h("span", "lw-lb-ex-position");
  const prevButton = /** @type {HTMLButtonElement} */ (h("button", "lw-lb-btn lw-lb-prev", "← previous"));
  const nextButton = /** @type {HTMLButtonElement} */ (h("button", "lw-lb-btn lw-lb-next", "next →"));
  const closeButton = /** @type {HTMLButtonElement} */ (h("button", "lw-lb-btn lw-lb-close", "close (Esc)"));
  for (const b of [prevButton, nextButton, closeButton]) b.type = "button";
  exHeader.append(exTitle, exPosition, prevButton, nextButton, closeButton);
  const exKey = h("div", "lw-lb-key");
  const exText = h("div", "lw-lb-text");
  const exOutputs = h("div", "lw-lb-outputs");
  const relabelBox = h("div", "lw-lb-relabel");
  relabelBox.append(h("span", "lw-lb-relabel-title", "The human label should be:"));
  /** @type {Map<string, HTMLButtonElement>} */
  const labelButtons = new Map();
  for (const label of labels) {
    const button = /** @type {HTMLButtonElement} */ (h("button", "lw-lb-btn lw-lb-label"));
    button.type = "button";
    if (label.key) button.append(h("kbd", "lw-lb-kbd", label.key));
    button.append(h("span", "lw-lb-label-name", label.name));
    if (label.description) button.title = label.description;
    button.addEventListener("click", () => relabel(label.name));
    labelButtons.set(label.name, button);
    relabelBox.append(button);
  }
  const exStatus = h("div", "lw-lb-status");
  const exHelp = h("div", "lw-lb-hint",
    "← → step · number keys set the human label (recorded as a correction) · Esc closes");
  explorer.append(exHeader, exKey, exText, exOutputs, relabelBox, exStatus, exHelp);

  const method = h("div", "lw-lb-method");
  root.append(title, notes, tableScroll, tableHint, pairsBox, explorer, method);
  el.append(root);

  // ----- table --------------------------------------------------------------------------
  function renderTable() {
    /** @type {Entry[]} */
    const entries = model.get("entries");
    /** @type {Summary} */
    const summary = model.get("summary");
    title.textContent = `${entries.length} suggesters vs human labels · ${summary.n.toLocaleString()} items · ` +
      `ranked by ${summary.sort_by}`;
    notes.replaceChildren();
    if (summary.excluded.length) {
      notes.append(h("div", "lw-lb-warning", `Left out of the comparison: ${summary.excluded.join("; ")}.`));
    }
    if (summary.corrections) notes.append(h("div", "lw-lb-corrected", `${summary.corrections} human label(s) corrected here.`));
    for (const note of summary.notes) notes.append(h("div", "lw-lb-warning", note));
    for (const verdict of summary.alt_tests ?? []) notes.append(h("div", "lw-lb-alt-test", verdict));
    // cost and tokens only where some entry reports them (a column of dashes says nothing)
    /** @type {Column[]} */
    const first = [
      { header: "#", hint: "rank", cls: "lw-lb-num", text: (e) => String(e.rank) },
      { header: "suggester", hint: "", cls: "lw-lb-name", text: (e) => e.name },
    ];
    const quality = (summary.metrics ?? DEFAULT_METRICS).map(metricColumn);
    const columns = [...first, ...quality, ...COLUMNS].filter((c) => !c.optional || entries.some((e) => c.optional?.(e)));
    const headRow = h("tr");
    for (const column of columns) {
      const cell = h("th", "", column.header);
      if (column.hint) cell.title = column.hint;
      headRow.append(cell);
    }
    thead.replaceChildren(headRow);
    tbody.replaceChildren(...entries.map((entry) => {
      const row = h("tr", "lw-lb-row");
      row.dataset.name = entry.name;
      row.classList.toggle("lw-lb-selected", !!list && list.a === entry.name && list.b === null);
      for (const column of columns) {
        row.append(column.cls === "lw-lb-name"
          ? openCell(column.text(entry), `Show where ${entry.name} disagrees with the human labels`)
          : h("td", column.cls, column.text(entry)));
      }
      row.addEventListener("click", () => open(entry.name, null));
      return row;
    }));
    method.textContent = summary.method;
  }

  /** A row's name as a button, so that a row opens from the keyboard (Tab to it, Enter or Space) as by a click.
   * @param {string} text @param {string} label */
  function openCell(text, label) {
    const cell = h("td", "lw-lb-name");
    const button = /** @type {HTMLButtonElement} */ (h("button", "lw-lb-open", text));
    button.type = "button";
    button.setAttribute("aria-label", label);
    cell.append(button);
    return cell;
  }

  function renderPairs() {
    /** @type {Pair[]} */
    const pairs = model.get("pairs");
    /** @type {Summary} */
    const summary = model.get("summary");
    pairsBox.hidden = pairs.length === 0;
    const tied = pairs.filter((p) => !p.distinguishable).length;
    pairsSummary.textContent = `Pairs: ${pairs.length} compared on the same items, ${tied} not distinguishable ` +
      `(${summary.tie_metric === "accuracy" ? "McNemar exact test" : `paired bootstrap of ${summary.tie_metric}`}). ` +
      "Click a pair to see where the two disagree.";
    // one difference column: the metric whose test decides "tied"
    const metric = summary.tie_metric;
    const words = (summary.metrics ?? DEFAULT_METRICS).find((m) => m.name === metric)?.words ?? metric;
    const deltaHeader = `Δ ${words}`;
    /** @param {Pair} pair */
    const delta = (pair) => {
      const diff = /** @type {Record<string, number | null | undefined>} */ (/** @type {any} */ (pair));
      const low = diff[`${metric}_diff_low`];
      return low === undefined ? num(diff[`${metric}_diff`] ?? null) :
        withInterval(diff[`${metric}_diff`] ?? null, low, diff[`${metric}_diff_high`] ?? null);
    };
    const headRow = h("tr");
    for (const text of ["pair", "disagree", "only a right", "only b right", "McNemar p", deltaHeader, "verdict"]) {
      headRow.append(h("th", "", text));
    }
    pairsHead.replaceChildren(headRow);
    pairsBody.replaceChildren(...pairs.map((pair) => {
      const row = h("tr", "lw-lb-row lw-lb-pair");
      row.dataset.a = pair.a;
      row.dataset.b = pair.b;
      row.classList.toggle("lw-lb-selected", !!list && list.a === pair.a && list.b === pair.b);
      for (const [text, cls] of [
        [pair.disagree.toLocaleString(), "lw-lb-num"],
        [pair.a_only_correct.toLocaleString(), "lw-lb-num"], [pair.b_only_correct.toLocaleString(), "lw-lb-num"],
        [pValue(pair.mcnemar_p), "lw-lb-num"], [delta(pair), "lw-lb-num"],
        [pair.distinguishable ? `${pair.a} better` : "tied", pair.distinguishable ? "lw-lb-verdict" : "lw-lb-tied"],
      ]) {
        row.append(h("td", cls, text));
      }
      row.prepend(openCell(`${pair.a} vs ${pair.b}`, `Show where ${pair.a} and ${pair.b} disagree`));
      row.addEventListener("click", () => open(pair.a, pair.b));
      return row;
    }));
  }

  // ----- explorer -------------------------------------------------------------------------
  /** @param {string} a @param {string | null} b */
  function open(a, b) {
    request += 1;
    list = { id: -1, a, b, count: -1, items: new Map() };
    index = 0;
    asked.clear();
    status = "";
    explorer.hidden = false;
    model.send({ type: "open", a, b, request });
    renderTable();
    renderPairs();
    paint();
    root.focus({ preventScroll: true });
  }

  function close() {
    list = null;
    explorer.hidden = true;
    renderTable();
    renderPairs();
  }

  /** @param {number} start */
  function requestWindow(start) {
    if (!list || list.id < 0 || asked.has(start)) return;
    asked.add(start);
    model.send({ type: "window", list: list.id, start, request });
  }

  /** @param {number} step */
  function move(step) {
    if (!list || list.count <= 0) return;
    index = Math.max(0, Math.min(list.count - 1, index + step));
    paint();
  }

  function current() {
    return list ? list.items.get(index) ?? null : null;
  }

  /** @param {string} label */
  function relabel(label) {
    const item = current();
    if (!item) return;
    if (sameAnswer(item.human, label)) {
      setStatus(`The human label is already ${label}.`, false);
      return;
    }
    seq += 1;
    const before = item.human;
    item.human = label; // shown at once; Python's answer confirms or reverts it
    item.corrected = true;
    pendingRelabels.set(seq, { position: item.position, before });
    setStatus(`Relabeling: ${answerText(before, item.text)} → ${label}…`, false);
    model.send({ type: "relabel", client: clientId, seq, position: item.position, label });
    paint();
  }

  /** @param {string} text @param {boolean} isError */
  function setStatus(text, isError) {
    status = text;
    statusIsError = isError;
    exStatus.textContent = status;
    exStatus.classList.toggle("lw-lb-error", statusIsError);
  }

  /** Whether a label key sets the human answer (not for spans: a label alone is no list of spans). */
  const canRelabel = () => /** @type {Summary} */ (model.get("summary")).relabel !== false;

  /** An answer as the explorer shows it: spans marked on the item's text (label names after each), else its words.
   * @param {Answer} answer @param {string} text */
  function answerNode(answer, text) {
    if (!isSpanList(answer)) return h("span", "lw-lb-out-label", answerText(answer, text));
    const node = h("span", "lw-lb-out-label lw-lb-spans");
    node.dir = "auto";
    node.setAttribute("aria-label", answerText(answer, text));
    if (!answer.length) node.textContent = "no spans";
    else node.append(...markedText(text, answer, colourOf));
    return node;
  }

  function paint() {
    if (!list) return;
    exHelp.textContent = canRelabel() ? "← → step · number keys set the human label (recorded as a correction) · Esc closes"
      : "← → step · Esc closes · the human's spans are changed in the Labeler";
    const against = list.b === null ? "the human label" : list.b;
    exTitle.textContent = `${list.a} vs ${against}`;
    exStatus.textContent = status;
    exStatus.classList.toggle("lw-lb-error", statusIsError);
    if (list.count < 0) {
      exPosition.textContent = "loading…";
      exText.textContent = "";
      exKey.textContent = "";
      exOutputs.replaceChildren();
      relabelBox.hidden = true;
      return;
    }
    if (list.count === 0) {
      exPosition.textContent = "no disagreements";
      exText.textContent = `${list.a} agrees with ${against} on every item.`;
      exKey.textContent = "";
      exOutputs.replaceChildren();
      relabelBox.hidden = true;
      prevButton.disabled = nextButton.disabled = true;
      return;
    }
    exPosition.textContent = `${(index + 1).toLocaleString()} / ${list.count.toLocaleString()} disagreements`;
    prevButton.disabled = index === 0;
    nextButton.disabled = index >= list.count - 1;
    const item = current();
    const windowStart = Math.floor(index / WINDOW) * WINDOW;
    if (!item) {
      exText.textContent = "Loading…";
      exKey.textContent = "";
      exOutputs.replaceChildren();
      relabelBox.hidden = true;
      requestWindow(windowStart);
      return;
    }
    if (index + 5 >= windowStart + WINDOW && windowStart + WINDOW < list.count) requestWindow(windowStart + WINDOW);
    exKey.textContent = `item ${item.key}`;
    exText.textContent = item.text + (item.length > item.text.length ? ` … (${item.length.toLocaleString()} characters)` : "");
    exOutputs.replaceChildren();
    const humanRow = h("div", "lw-lb-out lw-lb-human");
    humanRow.append(h("span", "lw-lb-out-name", "human"), answerNode(item.human, item.text));
    if (item.votes) humanRow.append(h("span", "lw-lb-out-extra", `votes: ${item.votes}`));
    if (item.corrected) humanRow.append(h("span", "lw-lb-badge", "corrected"));
    exOutputs.append(humanRow);
    for (const output of item.outputs) {
      const row = h("div", "lw-lb-out");
      row.dataset.name = output.name;
      const focus = output.name === list.a || output.name === list.b;
      row.classList.toggle("lw-lb-focus", focus);
      row.classList.toggle("lw-lb-agrees", sameAnswer(output.label, item.human));
      row.classList.toggle("lw-lb-differs", !sameAnswer(output.label, item.human));
      row.append(h("span", "lw-lb-out-name", output.name));
      if (output.label === null) {
        row.classList.add("lw-lb-invalid");
        row.append(h("span", "lw-lb-out-label", "invalid"), h("span", "lw-lb-out-extra",
          (output.error ?? "") + (output.raw ? ` — said: ${output.raw}` : "")));
      } else {
        row.append(answerNode(output.label, item.text));
        if (output.confidence !== null) row.append(h("span", "lw-lb-out-extra", `${Math.round(output.confidence * 100)}%`));
        if (output.rationale) row.append(h("span", "lw-lb-out-extra lw-lb-rationale", output.rationale));
      }
      exOutputs.append(row);
    }
    relabelBox.hidden = !canRelabel();
    for (const [name, button] of labelButtons) button.classList.toggle("lw-lb-chosen", sameAnswer(name, item.human));
  }

  // ----- keyboard --------------------------------------------------------------------------
  /** @param {KeyboardEvent} event */
  function onKeydown(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return; // Shift+Enter and friends stay Jupyter's
    if (event.shiftKey && event.key === "Enter") return;
    if (event.key === "Tab") return;
    if (event.key === "Escape") {
      if (list) close();
      else root.blur();
      event.stopPropagation();
      return;
    }
    // From here on the key is ours: Jupyter must not see it (no "1" heading, no "a"/"b" cell, no "x" cut).
    event.stopPropagation();
    const target = /** @type {HTMLElement} */ (event.target);
    if ((event.key === "Enter" || event.key === " ") && target.closest("button")) return; // the button acts on it
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    let handled = true;
    if (key === "ArrowLeft") move(-1);
    else if (key === "ArrowRight") move(1);
    else if (keyToLabel.has(key) && canRelabel()) relabel(/** @type {string} */ (keyToLabel.get(key)));
    else handled = event.key.length === 1 || key === "ArrowUp" || key === "ArrowDown" || key === "Enter";
    if (handled) event.preventDefault();
  }

  /** @param {FocusEvent} _event */
  const onFocusChange = (_event) => root.classList.toggle("lw-lb-focused", hasFocusWithin(root));

  // ----- messages from Python ----------------------------------------------------------------
  /** @param {Item} item */
  function remember(item) {
    if (!list) return;
    for (const cached of list.items.values()) {
      if (cached.position === item.position) Object.assign(cached, item);
    }
  }

  /** @param {any} message */
  function onMessage(message) {
    switch (message.type) {
      case "list":
        if (!list || message.request !== request) return;
        list.id = message.list;
        list.count = message.count;
        asked.add(0);
        paint();
        break;
      case "window":
        if (!list || message.request !== request || message.list !== list.id) return;
        asked.delete(message.start);
        message.items.forEach((/** @type {Item} */ item, /** @type {number} */ i) => {
          list?.items.set(message.start + i, item);
        });
        paint();
        break;
      case "expired":
        if (list && message.list === list.id) open(list.a, list.b);
        break;
      case "item":
        remember(message.item);
        paint();
        break;
      case "ack": {
        if (message.client !== clientId) return;
        const pending = pendingRelabels.get(message.seq);
        pendingRelabels.delete(message.seq);
        if (message.ok) {
          // Python says where the change went; only a durable store is "saved"
          setStatus(typeof message.status === "string" ? message.status : "Recorded.", false);
        } else {
          if (pending && list) {
            for (const cached of list.items.values()) {
              if (cached.position === pending.position) cached.human = pending.before;
            }
          }
          setStatus(`Not changed: ${message.error}`, true);
        }
        paint();
        break;
      }
    }
  }

  const onEntries = () => renderTable();
  const onPairs = () => renderPairs();
  prevButton.addEventListener("click", () => move(-1));
  nextButton.addEventListener("click", () => move(1));
  closeButton.addEventListener("click", () => close());
  root.addEventListener("keydown", onKeydown);
  root.addEventListener("focusin", onFocusChange);
  root.addEventListener("focusout", onFocusChange);
  model.on("msg:custom", onMessage);
  model.on("change:entries", onEntries);
  model.on("change:summary", onEntries);
  model.on("change:pairs", onPairs);

  renderTable();
  renderPairs();

  return () => {
    model.off("msg:custom", onMessage);
    model.off("change:entries", onEntries);
    model.off("change:summary", onEntries);
    model.off("change:pairs", onPairs);
    root.removeEventListener("keydown", onKeydown);
    root.removeEventListener("focusin", onFocusChange);
    root.removeEventListener("focusout", onFocusChange);
  };
}

export default { render };
