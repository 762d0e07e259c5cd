// @ts-check
/**
 * The labeler view. The browser owns the pace: a key press shows the next item from a
 * local window at once, then tells Python. Python answers with acknowledgements, item
 * updates and suggestions as custom messages; only a window of items is ever held here.
 *
 * What the view knows about which items are decided is one array, `known`, fed by every window,
 * item update and acknowledgement, with this view's unconfirmed actions on top (`overlay`). The next
 * item shown is always the first open one after the current position, so no item is ever skipped.
 * Undo means what the session means (this annotator's latest decision): the kernel tells every view
 * its undo target, this view's unconfirmed actions are newer than that, and the acknowledgement of an
 * undo says which item it reverted.
 *
 * Item text and every label, field and note are set with textContent, never as HTML.
 *
 * Every key comes from the keymap Python sends in `config.keymap` (labelwidgets/keymap.py), and what an answer
 * is comes from `config.kind`: one label, or a set of labels edited as a draft (number keys toggle, Enter commits).
 */

import {
  actionFor, describeAnswer, hasLabel, inLabelOrder, keyActions, keyHint, keyboardSummary, sameAnswer, toggled,
} from "./answers.js";
import { clip, h } from "./dom.js";

/**
 * @typedef {{name: string, description: string, key: string | null}} Label
 * @typedef {import("./answers.js").Answer} Answer
 * @typedef {import("./answers.js").KeyAction} KeyAction
 * @typedef {{action: string, label: Answer, annotator?: string, note?: string | null}} DecisionView
 * @typedef {{label: Answer, confidence: number | null, confidence_source: string | null,
 *   rationale: string | null, model: string | null, raw: string | null, error: string | null}} SuggestionView
 * @typedef {{rank: number, key: string, text: string | null, length: number, fields: Record<string, string>,
 *   decision: DecisionView | null, stale: DecisionView | null, suggestion_status: string,
 *   suggestion: SuggestionView | null, feedback?: Feedback | null}} Item
 * @typedef {{practice: boolean, gold?: string | null, answer?: string | null, final?: string | null,
 *   correct?: boolean, guideline?: string, model?: string | null, model_hidden?: boolean, right?: string[],
 *   missed?: string[], extra?: string[], jaccard?: number | null}} Feedback
 * @typedef {{scored: number, correct: number, accuracy: number | null, kappa: number | null, kappa_note: string,
 *   revised: number, practice: number, chance: string, feedback: string | null, jaccard?: number | null}} Score
 * @typedef {{type: string, client: string | null, request: number | null, anchor: number, items: Item[],
 *   upcoming: number[], through: number, first_undecided: number | null, undo_target: number | null,
 *   version: number}} Window
 * @typedef {"decide" | "undo"} OpKind
 * @typedef {{seq: number, message: Record<string, any>, sentAt: number, kind: OpKind, rank: number | null}} Pending
 * @typedef {{client: string, seq: number, kind: OpKind, rank: number | null}} Op
 * @typedef {{ops: Op[], applied: Map<string, number>, stack: number[], complete: boolean, lastEvent: number,
 *   views: number}} SharedLog
 * @typedef {{
 *   get: (name: string) => any, set: (name: string, value: any) => void, save_changes: () => void,
 *   send: (content: any) => void, on: (event: string, cb: (...args: any[]) => void) => void,
 *   off: (event: string, cb: (...args: any[]) => void) => void
 * }} Model
 */

const RESEND_AFTER_MS = 2500;
const CACHE_LIMIT = 600;
const UNKNOWN = 0;
const OPEN = 1;
const DECIDED = 2;
const RAW_CHARS = 300;

/**
 * What the views of one widget in this page share: the actions they sent that the kernel has not applied
 * yet, in the order sent (which is the order the kernel applies them), and what the kernel's undo would
 * revert: `stack` holds the ranks of the decisions in force, newest last, as far as this page has seen them
 * (the kernel's undo target, then every decision and undo it reported since); `complete` says there is
 * nothing under it.
 * @type {Map<string, SharedLog>}
 */
const logs = new Map();

const STACK_LIMIT = 10000;

/** The kernel says what its undo reverts now: keep what this page knows if it agrees, else start from that.
 * @param {SharedLog} log @param {number | null} target */
function agreeWith(log, target) {
  const top = log.stack.length ? log.stack[log.stack.length - 1] : null;
  if (target === null) {
    log.stack = [];
    log.complete = true;
  } else if (top !== target) {
    log.stack = [target];
    log.complete = false;
  }
}

/** A decision or undo the kernel applied (every view hears of it once per page).
 * @param {SharedLog} log @param {number} rank @param {string} action @param {number | null} target */
function followEvent(log, rank, action, target) {
  if (action === "undo") log.stack.pop();
  else log.stack.push(rank);
  if (log.stack.length > STACK_LIMIT) {
    log.stack.splice(0, log.stack.length - STACK_LIMIT);
    log.complete = false;
  }
  agreeWith(log, target);
}


/** @param {{model: Model, el: HTMLElement}} ctx */
function render({ model, el }) {
  const clientId = Math.random().toString(36).slice(2) + Date.now().toString(36);
  /** @type {Label[]} */
  const labels = model.get("labels");
  const config = model.get("config");
  const n = model.get("n_items");
  const keyToLabel = new Map(labels.filter((l) => l.key).map((l) => [/** @type {string} */ (l.key), l.name]));
  const multi = config.kind === "multi";
  const labelOrder = labels.map((l) => l.name);
  /** @type {KeyAction[]} */
  const keymap = config.keymap ?? [];
  const keyToAction = keyActions(keymap);
  /** A multi-label item's answer being edited: the labels toggled on, and whether the person changed them. */
  /** @type {{rank: number, names: string[], touched: boolean} | null} */
  let draft = null;
  const logId = String(config.id ?? "");
  /** @type {SharedLog} */
  const log = logs.get(logId) ?? { ops: [], applied: new Map(), stack: [], complete: false, lastEvent: 0, views: 0 };
  logs.set(logId, log);
  log.views += 1;
  if (log.views === 1) agreeUndo(model.get("status").undo_target ?? null);

  /** @type {Map<number, Item>} */
  const cache = new Map();
  /** rank -> UNKNOWN, OPEN or DECIDED, as far as this view knows (its own unconfirmed actions included) */
  const known = new Uint8Array(n);
  /** rank -> what this view did and the kernel has not confirmed: a decision, or null for an undo */
  /** @type {Map<number, DecisionView | null>} */
  const overlay = new Map();
  /** @type {Map<number, Pending>} */
  const pending = new Map();
  let rank = model.get("position");
  let seq = 0;
  let requestId = 0;
  /** the request id of the one top-up window on its way, and when it was asked for */
  /** @type {{id: number, at: number} | null} */
  let topUpRequest = null;
  /** the last item asked for because it was to be shown and not cached */
  let asked = { rank: -1, at: 0 };
  /** when the next open item lies beyond what this view knows: the rank to continue after, once a window says */
  /** @type {number | null} */
  let resolving = null;
  let shownAt = performance.now();
  let lastError = "";
  let notice = "";
  let expanded = false;
  let firstWindow = true;

  // ----- layout -------------------------------------------------------------------
  const root = h("div", "lw-labeler lw-themed");
  root.tabIndex = 0;
  root.setAttribute("role", "application");
  root.setAttribute("aria-label", keyboardSummary(keymap, multi));
  // Lumino (JupyterLab, Notebook 7) skips its shortcuts for events from inside this element.
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.setAttribute("data-p-suppress-shortcuts", "true");

  const header = h("div", "lw-header");
  const position = h("span", "lw-position");
  const progress = h("div", "lw-progress");
  progress.setAttribute("role", "progressbar");
  progress.setAttribute("aria-label", "Items decided");
  progress.setAttribute("aria-valuemin", "0");
  progress.setAttribute("aria-valuemax", String(n));
  const progressBar = h("div", "lw-progress-bar");
  progress.append(progressBar);
  const saveState = h("span", "lw-save");
  // Screen readers hear "Saving…" and "Saved ✓" as they happen, without the focus moving.
  saveState.setAttribute("role", "status");
  saveState.setAttribute("aria-live", "polite");
  const focusHint = h("span", "lw-focus-hint", "click to label with the keyboard");
  // In a team: how far everyone is, next to the person's own position
  const teamState = h("span", "lw-team");
  header.append(position, progress, teamState, saveState, focusHint);
  // Teaching (gold=): the running score, and what the answer key says of the item just answered. The gold label
  // of an item only ever arrives with that item's feedback, after the answer is in.
  const teaching = config.teaching ?? null;
  const scoreLine = h("div", "lw-score");
  scoreLine.hidden = true;
  const scoreText = h("span", "lw-score-text");
  const chanceText = h("span", "lw-chance");
  scoreLine.append(scoreText, chanceText);
  const feedbackBox = h("div", "lw-feedback");
  feedbackBox.setAttribute("role", "status");
  feedbackBox.setAttribute("data-testid", "lw-feedback");
  feedbackBox.hidden = true;
  /** the item this view answered last: its feedback shows while the next item is on screen */
  let lastAnswered = -1;
  let revealSeen = model.get("status").reveal ?? 0;

  const guidelines = /** @type {HTMLDetailsElement} */ (h("details", "lw-guidelines"));
  if (config.guidelines) {
    const text = h("div", "lw-guidelines-text", config.guidelines);
    text.dir = "auto";
    guidelines.append(h("summary", "", "Guidelines"), text);
  } else {
    guidelines.hidden = true;
  }

  const banner = h("div", "lw-banner");
  banner.setAttribute("role", "status");
  const fields = h("div", "lw-fields");
  const textBox = h("div", "lw-text");
  textBox.setAttribute("data-testid", "lw-text");
  textBox.dir = "auto"; // right-to-left text lays out right to left
  const expander = /** @type {HTMLButtonElement} */ (h("button", "lw-btn lw-expand"));
  expander.type = "button";
  const state = h("div", "lw-state");

  const suggestionBox = h("div", "lw-suggestion");
  suggestionBox.hidden = !config.has_suggester;
  const suggestionLabel = h("span", "lw-suggestion-label");
  suggestionLabel.dir = "auto";
  const invalidTag = h("span", "lw-invalid-tag", "not one of the labels");
  const confidence = h("span", "lw-confidence");
  const confidenceBar = h("span", "lw-confidence-bar");
  confidence.append(confidenceBar);
  const confidenceText = h("span", "lw-confidence-text");
  const suggestionHelp = h("span", "lw-suggestion-help",
    multi ? "↵ accept · number keys change · x reject" : "↵ accept · x reject · number correct");
  const suggestionError = h("div", "lw-suggestion-error");
  const rationale = h("div", "lw-rationale");
  rationale.dir = "auto";
  // Which suggester this suggestion came from (a learner with a prior switches), and what a learner says of itself.
  const suggestionSource = h("span", "lw-suggestion-source");
  const suggesterStatus = h("div", "lw-suggester-status");
  suggestionBox.append(h("span", "lw-suggestion-title", "Suggested"), suggestionLabel, invalidTag, confidence,
    confidenceText, suggestionSource, suggestionHelp, suggestionError, rationale, suggesterStatus);

  const buttons = h("div", "lw-labels");
  buttons.setAttribute("role", "group");
  buttons.setAttribute("aria-label", multi ? "Labels (toggle each that applies)" : "Labels");
  /** @type {Map<string, HTMLButtonElement>} */
  const labelButtons = new Map();
  for (const label of labels.filter((l) => l.key)) {
    const button = /** @type {HTMLButtonElement} */ (h("button", "lw-btn lw-label"));
    button.type = "button";
    const name = h("span", "lw-label-name", label.name);
    name.dir = "auto";
    button.append(h("kbd", "lw-key", /** @type {string} */ (label.key)), name);
    if (label.description) button.title = label.description;
    if (multi) button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => chooseLabel(label.name));
    labelButtons.set(label.name, button);
    buttons.append(button);
  }
  const picker = h("div", "lw-picker");
  const pickerInput = /** @type {HTMLInputElement} */ (h("input", "lw-picker-input"));
  pickerInput.placeholder = `Type to find one of ${labels.length} labels, Enter to choose (/)`;
  pickerInput.setAttribute("aria-label", "Find a label");
  const pickerList = h("div", "lw-picker-list");
  // The picker is a combobox over a listbox: arrow keys move the active option, which screen readers announce.
  const pickerListId = `lw-picker-${Math.random().toString(36).slice(2)}`;
  pickerList.id = pickerListId;
  pickerList.setAttribute("role", "listbox");
  pickerList.setAttribute("aria-label", "Labels found");
  pickerInput.setAttribute("role", "combobox");
  pickerInput.setAttribute("aria-controls", pickerListId);
  pickerInput.setAttribute("aria-autocomplete", "list");
  pickerInput.setAttribute("aria-expanded", "false");
  picker.append(pickerInput, pickerList);
  picker.hidden = labels.every((l) => l.key);
  let pickerIndex = 0;

  const actions = h("div", "lw-actions");
  /** What each action does; its key and button text come from the keymap. @type {Record<string, () => void>} */
  const handlers = {
    accept: () => act("accept"),
    commit: () => commit(),
    none: () => act("label", []),
    reject: () => act("reject"),
    skip: () => act("skip"),
    undo: () => undo(),
    back: () => move(rank - 1),
    forward: () => move(rank + 1),
  };
  /** @type {Map<string, HTMLButtonElement>} */
  const actionButtons = new Map();
  for (const action of keymap) {
    const onClick = handlers[action.name];
    if (!action.button || !onClick) continue;
    const button = /** @type {HTMLButtonElement} */ (h("button", "lw-btn lw-action"));
    button.type = "button";
    button.append(h("span", "", action.button), h("kbd", "lw-key", keyHint(action)));
    button.title = action.does.replaceAll("*", "");
    button.addEventListener("click", onClick);
    actions.append(button);
    actionButtons.set(action.name, button);
  }
  const spare = () => /** @type {HTMLButtonElement} */ (h("button")); // an action this kind has no button for
  const acceptButton = actionButtons.get("accept") ?? spare();
  const rejectButton = actionButtons.get("reject") ?? spare();
  acceptButton.hidden = rejectButton.hidden = !config.has_suggester;
  const note = /** @type {HTMLInputElement} */ (h("input", "lw-note"));
  note.placeholder = "Note (optional)";
  note.dir = "auto";
  note.setAttribute("aria-label", "Note for this item");
  actions.append(note);

  const footer = h("div", "lw-footer");
  const doneBox = h("div", "lw-done");
  doneBox.hidden = true;

  root.append(header, scoreLine, guidelines, banner, feedbackBox, fields, textBox, expander, state, suggestionBox,
    buttons, picker, actions, doneBox, footer);
  el.append(root);

  // ----- what this view knows ---------------------------------------------------------
  /** @param {number} r */
  const decisionOf = (r) => (overlay.has(r) ? overlay.get(r) ?? null : cache.get(r)?.decision ?? null);

  /** The kernel says whether `r` is decided; this view's own unconfirmed action on it still stands.
   * @param {number} r @param {boolean} decided */
  function learn(r, decided) {
    if (!overlay.has(r)) known[r] = decided ? DECIDED : OPEN;
  }

  /** No action of this view on `r` awaits the kernel any more: the kernel's word on it stands.
   * @param {number} r @param {number} fallback what to assume when the item is not in the cache */
  function settle(r, fallback) {
    for (const p of pending.values()) if (p.rank === r) return;
    overlay.delete(r);
    const item = cache.get(r);
    known[r] = item ? (item.decision ? DECIDED : OPEN) : fallback;
  }

  /** The first rank in [start, stop) that is open or not known yet, or null.
   * @param {number} start @param {number} stop */
  function firstOpen(start, stop) {
    if (start >= stop) return null;
    const unknownAt = known.indexOf(UNKNOWN, start);
    const end = unknownAt < 0 || unknownAt > stop ? stop : unknownAt;
    const openAt = known.subarray(start, end).indexOf(OPEN);
    if (openAt >= 0) return start + openAt;
    return unknownAt >= 0 && unknownAt < stop ? unknownAt : null;
  }

  /** The first open (or not yet known) item after `after`, then from the start. @param {number} after */
  const nextOpen = (after) => firstOpen(after + 1, n) ?? firstOpen(0, after);

  /** @param {Item} item */
  function remember(item) {
    cache.set(item.rank, item);
    learn(item.rank, item.decision !== null);
    if (cache.size > CACHE_LIMIT) {
      for (const r of cache.keys()) {
        if (Math.abs(r - rank) > CACHE_LIMIT / 2 && !overlay.has(r)) cache.delete(r); // `known` keeps what it knew
        if (cache.size <= CACHE_LIMIT * 0.8) break;
      }
    }
  }

  /** @param {Window} w */
  function applyWindow(w) {
    if (w.first_undecided === null) known.fill(DECIDED);
    else known.fill(DECIDED, 0, w.first_undecided);
    known.fill(DECIDED, w.anchor + 1, w.through + 1); // every rank in (anchor, through] not in upcoming
    for (const item of w.items) remember(/** @type {Item} */ (item));
    for (const r of w.upcoming) known[r] = OPEN;
    if (w.first_undecided !== null) known[w.first_undecided] = OPEN;
    for (const [r, view] of overlay) known[r] = view ? DECIDED : OPEN;
    agreeUndo(w.undo_target);
  }

  /** @param {number | null} target */
  function agreeUndo(target) {
    agreeWith(log, target);
  }

  /**
   * The rank an undo from this view reverts: the top of the kernel's stack of decisions in force as this page
   * knows it, with the actions sent from this page that the kernel has not applied yet on top (they are newer).
   * Null when there is nothing to undo; undefined when that goes deeper than this page knows: then the
   * acknowledgement says.
   * @returns {number | null | undefined}
   */
  function undoTarget() {
    const stack = log.stack.slice();
    for (const op of log.ops) {
      if (op.seq <= (log.applied.get(op.client) ?? 0)) continue; // applied: in the stack already
      if (op.kind === "decide" && op.rank !== null) stack.push(op.rank);
      else if (op.kind === "undo") {
        if (stack.length) stack.pop();
        else if (!log.complete) return undefined;
      }
    }
    if (stack.length) return stack[stack.length - 1];
    return log.complete ? null : undefined;
  }

  /** Ask for the window around `r` unless it is cached or was just asked for. @param {number} r */
  function ask(r) {
    if (cache.has(r)) return;
    if (asked.rank === r && performance.now() - asked.at < RESEND_AFTER_MS) return;
    asked = { rank: r, at: performance.now() };
    requestWindow(r);
  }

  /** @param {number} r */
  function requestWindow(r) {
    requestId += 1;
    model.send({ type: "window", rank: r, request: requestId, client: clientId });
    return requestId;
  }

  /** Keep the next open items known ahead of the current one: one window request on its way at a time. */
  function topUp() {
    if (resolving !== null) return;
    if (topUpRequest && performance.now() - topUpRequest.at < RESEND_AFTER_MS) return;
    const want = config.window_ahead / 2;
    let count = 0;
    let from = rank + 1;
    while (count < want) {
      const r = firstOpen(from, n);
      if (r === null) return; // everything after this item is known
      if (known[r] === UNKNOWN) break;
      count += 1;
      from = r + 1;
    }
    if (count < want) topUpRequest = { id: requestWindow(rank), at: performance.now() };
  }

  /** @param {Record<string, any>} message @param {OpKind} kind @param {number | null} target */
  function sendTracked(message, kind, target) {
    seq += 1;
    const full = { ...message, seq, client: clientId };
    pending.set(seq, { seq, message: full, sentAt: performance.now(), kind, rank: target });
    log.ops.push({ client: clientId, seq, kind, rank: target });
    model.send(full);
    renderSave();
    return seq;
  }

  /** @param {number} s */
  function forgetOp(s) {
    const i = log.ops.findIndex((op) => op.client === clientId && op.seq === s);
    if (i >= 0) log.ops.splice(i, 1);
  }

  // ----- actions --------------------------------------------------------------------
  /** A label key or button: one label answers at once; several labels toggle the draft. @param {string} name */
  function chooseLabel(name) {
    if (!multi) {
      act("label", name);
      return;
    }
    if (!cache.get(rank)) {
      flash("The item is still loading: press the key again once it shows.");
      return;
    }
    const current = currentDraft();
    draft = { rank, names: toggled(current.names, name, labelOrder), touched: true };
    paintChoices();
  }

  /** The labels toggled on for the item shown: the person's edits, else its answer, else the suggested set. */
  function currentDraft() {
    if (draft && draft.rank === rank && draft.touched) return draft; // untouched: follows a suggestion arriving
    const item = cache.get(rank);
    const decided = decisionOf(rank)?.label ?? null;
    const suggested = item?.suggestion_status === "ready" ? item.suggestion?.label ?? null : null;
    const start = Array.isArray(decided) ? decided : Array.isArray(suggested) ? suggested : [];
    draft = { rank, names: inLabelOrder(start, labelOrder), touched: false };
    return draft;
  }

  /** Enter on a multi-label item: nothing changed accepts the suggestion; else the labels toggled on are the answer. */
  function commit() {
    const item = cache.get(rank);
    const current = currentDraft();
    const suggestion = item?.suggestion_status === "ready" ? item.suggestion : null;
    const decided = decisionOf(rank);
    if (!current.touched && !decided && suggestion) {
      act("accept");
    } else if (!current.touched && !decided && !current.names.length) {
      flash("Toggle labels with the number keys, then Enter; or press 0 for none of these.");
    } else if (!current.touched && decided) {
      move(rank + 1); // reviewing, nothing changed: on to the next item
    } else {
      act("label", current.names);
    }
  }

  /** @param {string} intent @param {Answer} [label] */
  function act(intent, label) {
    const item = cache.get(rank);
    if (!doneBox.hidden) return; // "all done": keys must not relabel the last item
    if (!item) {
      flash("The item is still loading: nothing was decided; press the key again once it shows.");
      return; // nobody decides on an item they have not seen
    }
    if (isClosed()) return;
    const checked = revealedFeedback(item);
    if (checked && (intent === "skip" || intent === "reject")) {
      flash("The answer to this item has been shown: it cannot be skipped or rejected now. Press a label to change " +
        "your answer (recorded as a revision; your score keeps your first answer).");
      return;
    }
    if (checked) flash("Changed after seeing the answer: recorded as a revision (your score keeps your first answer).");
    const suggestion = item.suggestion_status === "ready" ? item.suggestion : null;
    if ((intent === "accept" || intent === "reject") && !suggestion) {
      flash(whyNoSuggestion(item, intent));
      return;
    }
    // An item that has an answer already is being reviewed: a new answer revises it (keeping the old one), a skip
    // leaves it, and the view goes on to the next item in order, the one the person means to look at next.
    const before = decisionOf(rank);
    const reviewing = !checked && !!before && before.label !== null;
    if (reviewing && intent === "reject") {
      flash("This item is decided already: press the label you want instead (a revision), or undo.");
      return;
    }
    const answer = intent === "accept" ? suggestion?.label ?? null : intent === "skip" || intent === "reject" ? null : label ?? null;
    if (reviewing && (intent === "skip" || sameAnswer(answer, before.label))) {
      move(rank + 1 < n ? rank + 1 : rank);
      return;
    }
    /** @type {DecisionView} */
    const view = {
      action: reviewing || checked ? "revised" : actionFor(intent, answer, suggestion ? suggestion.label : null),
      label: answer,
    };
    const seconds = (performance.now() - shownAt) / 1000;
    const decided = rank;
    const following = reviewing ? (decided + 1 < n ? decided + 1 : decided) : nextOpen(decided) ?? decided;
    overlay.set(decided, view);
    known[decided] = DECIDED;
    draft = null;
    sendTracked({
      type: "decide", intent, label: label ?? null, rank: decided, seconds, note: note.value || null,
      suggestion_visible: !!suggestion, then: following, // where this view goes next
      // what was on the screen: a learner may have sent Python a newer suggestion for this item meanwhile
      shown: suggestion ? { label: suggestion.label, model: suggestion.model ?? null } : null,
    }, "decide", decided);
    note.value = "";
    if (teaching && !checked) {
      lastAnswered = decided;
      paintFeedback(); // "checking…" until the kernel has the answer and sends the item's feedback
    }
    if (reviewing) show(following);
    else advance(decided);
    tellPosition();
    topUp();
  }

  /** @param {Item} item @param {string} intent */
  function whyNoSuggestion(item, intent) {
    if (!config.has_suggester) return "No suggester attached: press a number key to label.";
    if (item.suggestion_status === "invalid" && item.suggestion) {
      const raw = item.suggestion.raw;
      return raw ? `The suggestion “${clip(raw, 60)}” is not one of the labels: press a number key to label.` :
        "There is no usable suggestion for this item: press a number key to label.";
    }
    if (item.suggestion_status === "hidden") return "The suggestion is hidden for a blind check: press a number key to label.";
    return "No suggestion to " + intent + " yet: press a number key to label.";
  }

  /** Show the first open item after `after`; when that is beyond what this view knows, ask and continue then.
   * @param {number} after */
  function advance(after) {
    const r = nextOpen(after);
    if (r === null) {
      resolving = null;
      showDone();
      return;
    }
    resolving = known[r] === OPEN ? null : after;
    show(r); // an item not known yet shows "Loading…" and asks for its window
  }

  /** A closed session records nothing more: say so instead of pretending. */
  function isClosed() {
    const closed = model.get("status").closed;
    if (closed) flash(`This labeler is closed (${closed}): nothing more is recorded here.`);
    return !!closed;
  }

  function undo() {
    if (isClosed()) return;
    const target = undoTarget();
    const targetItem = typeof target === "number" ? cache.get(target) : undefined;
    if (targetItem && revealedFeedback(targetItem) && decisionOf(target ?? -1)?.action !== "revised") {
      flash("Your answer to that item has been checked against the answer key, so it cannot be undone: go back to " +
        "it and press the label you want (recorded as a revision).");
      return;
    }
    sendTracked({ type: "undo" }, "undo", typeof target === "number" ? target : null);
    if (typeof target === "number") {
      overlay.set(target, null);
      known[target] = OPEN;
      resolving = null;
      show(target);
      tellPosition();
    }
  }

  /** @param {number} r */
  function move(r) {
    if (!doneBox.hidden) r = rank; // from "all done", Back shows the last item again
    if (r < 0 || r >= n) return;
    resolving = null;
    show(r);
    tellPosition();
    const near = [r - 1, r + 1].filter((x) => x >= 0 && x < n);
    if (cache.has(r) && near.some((x) => !cache.has(x))) requestWindow(r);
  }

  function tellPosition() {
    if (model.get("position") === rank) return;
    model.set("position", rank);
    model.save_changes();
  }

  // ----- rendering ------------------------------------------------------------------
  /** @param {number} r */
  function show(r) {
    if (r !== rank) {
      shownAt = performance.now();
      expanded = false;
      draft = null;
    }
    rank = r;
    setDone(false);
    paint();
    ask(r);
  }

  /** The item's feedback when its answer has been shown (not a practice item), else null. @param {Item} item */
  function revealedFeedback(item) {
    const feedback = item.feedback ?? null;
    return feedback && !feedback.practice ? feedback : null;
  }

  /** One sentence of feedback, as text nodes. @param {Feedback} feedback @param {HTMLElement} into */
  function describeFeedback(feedback, into) {
    into.classList.toggle("lw-right", !!feedback.correct);
    into.classList.toggle("lw-wrong", !feedback.correct);
    into.append(h("span", "lw-verdict", feedback.correct ? "✓ Right" : "✗ Not quite"));
    const gold = h("span", "lw-gold", ` · the answer is ${feedback.gold}`);
    gold.dir = "auto";
    into.append(gold);
    if (!feedback.correct && feedback.answer) into.append(h("span", "", ` (you said ${feedback.answer})`));
    if (feedback.right || feedback.missed || feedback.extra) {
      // several labels per item: which of the student's labels were right, which they missed, which were extra
      const parts = [];
      if (feedback.right?.length) parts.push(`right: ${feedback.right.join(", ")}`);
      if (feedback.missed?.length) parts.push(`missed: ${feedback.missed.join(", ")}`);
      if (feedback.extra?.length) parts.push(`extra: ${feedback.extra.join(", ")}`);
      if (typeof feedback.jaccard === "number") parts.push(`overlap (Jaccard) ${feedback.jaccard.toFixed(2)}`);
      const sets = h("div", "lw-set-feedback", parts.join(" · "));
      sets.dir = "auto";
      into.append(sets);
    }
    if (feedback.final && feedback.final !== feedback.answer) {
      into.append(h("span", "lw-revised", ` · changed to ${feedback.final} after feedback`));
    }
    if (feedback.guideline) {
      const guideline = h("div", "lw-guideline", `${feedback.gold}: ${feedback.guideline}`);
      guideline.dir = "auto";
      into.append(guideline);
    }
    if (feedback.model) {
      into.append(h("div", "lw-model-said", feedback.model_hidden ?
        `The model would have said ${feedback.model} (hidden while you answered).` :
        `The model suggested ${feedback.model}.`));
    }
  }

  /** The strip about the item answered last, while the next one is on screen. */
  function paintFeedback() {
    feedbackBox.replaceChildren();
    feedbackBox.className = "lw-feedback";
    const item = lastAnswered >= 0 ? cache.get(lastAnswered) : undefined;
    if (!teaching || lastAnswered < 0 || lastAnswered === rank || !item || teaching.feedback !== "after") {
      feedbackBox.hidden = true;
      return;
    }
    feedbackBox.hidden = false;
    feedbackBox.append(h("span", "lw-feedback-title", `Item ${(lastAnswered + 1).toLocaleString()}: `));
    const feedback = item.feedback ?? null;
    if (feedback?.practice) feedbackBox.append(h("span", "", "a practice item, without an answer key."));
    else if (feedback) describeFeedback(feedback, feedbackBox);
    else if (overlay.has(lastAnswered) || pending.size) feedbackBox.append(h("span", "lw-checking", "checking…"));
    else feedbackBox.hidden = true;
  }

  function renderScore() {
    /** @type {Score | null} */
    const score = model.get("status").score ?? null;
    scoreLine.hidden = !score;
    if (!score) return;
    if (!score.scored) {
      scoreText.textContent = "Score: no answers checked yet.";
    } else if (typeof score.jaccard === "number") {
      // several labels per item: no one kappa for a whole set; the note has the mean Jaccard and each label's kappa
      scoreText.textContent = `Score: ${score.correct} of ${score.scored} exactly right ` +
        `(${Math.round((score.accuracy ?? 0) * 100)}%) · ${score.kappa_note}` +
        (score.revised ? ` · ${score.revised} changed after feedback` : "") + ". ";
    } else {
      const kappa = score.kappa === null ? "undefined" : score.kappa.toFixed(2);
      scoreText.textContent = `Score: ${score.correct} of ${score.scored} right ` +
        `(${Math.round((score.accuracy ?? 0) * 100)}%) · Cohen's kappa ${kappa}` +
        (score.kappa_note ? ` (${score.kappa_note})` : "") +
        (score.revised ? ` · ${score.revised} changed after feedback` : "") + ". ";
    }
    chanceText.textContent = score.chance;
  }

  function paint() {
    const item = cache.get(rank);
    position.textContent = `${(rank + 1).toLocaleString()} / ${n.toLocaleString()}`;
    renderProgress();
    fields.replaceChildren();
    if (!item) {
      textBox.textContent = "Loading…";
      textBox.classList.add("lw-empty");
      expander.hidden = true;
      state.textContent = "";
      paintSuggestion(null);
      paintFeedback();
      return;
    }
    for (const [name, value] of Object.entries(item.fields)) {
      const field = h("span", "lw-field");
      const shown = h("span", "lw-field-value", value);
      shown.dir = "auto";
      field.append(h("span", "lw-field-name", `${name}: `), shown);
      fields.append(field);
    }
    if (item.text === null || item.text === "") {
      textBox.textContent = "(empty)";
      textBox.classList.add("lw-empty");
    } else {
      textBox.textContent = item.text;
      textBox.classList.remove("lw-empty");
    }
    const truncated = item.text !== null && item.length > item.text.length;
    expander.hidden = !truncated || expanded;
    if (truncated && !expanded) {
      expander.textContent = `Show all (${item.length.toLocaleString()} characters)`;
    }
    const decision = decisionOf(rank);
    state.replaceChildren();
    if (decision) {
      const what = decision.label !== null ? `${describeAnswer(decision.label)} (${decision.action})` : decision.action;
      state.append(h("span", "lw-decided", `Decided: ${what}`));
      if (overlay.has(rank)) state.append(h("span", "lw-unsaved", " · saving"));
    }
    const feedback = item.feedback ?? null;
    if (teaching && feedback?.practice) {
      state.append(h("span", "lw-practice", " · Practice item: no answer key, no score."));
    } else if (teaching && feedback && decision) {
      const box = h("div", "lw-feedback lw-feedback-here");
      describeFeedback(feedback, box);
      state.append(box);
    }
    if (item.stale && !decision) {
      state.append(h("span", "lw-stale",
        `Labeled "${item.stale.label !== null ? describeAnswer(item.stale.label) : item.stale.action}" before its text changed: please review.`));
    }
    paintChoices();
    paintSuggestion(item);
    paintFeedback();
  }

  /** Which label buttons are on: the answer given, or (several labels) the draft being edited. */
  function paintChoices() {
    const decision = decisionOf(rank);
    const chosen = multi && cache.get(rank) ? currentDraft().names : decision?.label ?? null;
    for (const [name, button] of labelButtons) {
      const on = chosen !== null && hasLabel(chosen, name);
      button.classList.toggle("lw-chosen", on);
      if (multi) button.setAttribute("aria-pressed", String(on));
    }
  }

  /** @param {Item | null} item */
  function paintSuggestion(item) {
    if (!config.has_suggester) return;
    const status = item?.suggestion_status ?? "none";
    const suggestion = item?.suggestion ?? null;
    suggestionBox.classList.toggle("lw-waiting", status === "pending" || status === "none" || status === "hidden");
    suggestionBox.classList.toggle("lw-invalid", status === "invalid");
    rationale.textContent = "";
    suggestionError.textContent = "";
    invalidTag.hidden = true;
    confidence.hidden = true;
    confidenceText.textContent = "";
    suggestionSource.textContent = "";
    for (const [, button] of labelButtons) button.classList.toggle("lw-suggested", false);
    acceptButton.disabled = rejectButton.disabled = status !== "ready";
    if (status === "ready" && suggestion) {
      suggestionLabel.textContent = describeAnswer(suggestion.label);
      for (const [name, button] of labelButtons) {
        if (suggestion.label !== null && hasLabel(suggestion.label, name)) button.classList.add("lw-suggested");
      }
      if (suggestion.confidence !== null && suggestion.confidence !== undefined) {
        confidence.hidden = false;
        confidenceBar.style.width = `${Math.round(suggestion.confidence * 100)}%`;
        confidenceText.textContent = `${Math.round(suggestion.confidence * 100)}%` +
          (suggestion.confidence_source ? ` (${suggestion.confidence_source})` : "");
      }
      if (suggestion.rationale) rationale.textContent = suggestion.rationale;
      if (suggestion.model) suggestionSource.textContent = `from ${suggestion.model}`;
      suggestionHelp.hidden = false;
    } else if (status === "hidden") {
      suggestionLabel.textContent = "hidden for a blind check: label it yourself";
      suggestionHelp.hidden = true;
    } else if (status === "invalid" && suggestion) {
      // What the suggester said, as text; it is not a label, so it cannot be accepted.
      if (suggestion.raw) {
        suggestionLabel.textContent = `“${clip(suggestion.raw, RAW_CHARS)}”`;
        invalidTag.hidden = false;
        invalidTag.title = suggestion.error ?? "";
        suggestionError.textContent = "It cannot be accepted: press a number key to label.";
      } else {
        suggestionLabel.textContent = "no suggestion";
        suggestionError.textContent = `${suggestion.error ?? "the suggester gave no label"} · press a number key to label.`;
      }
      suggestionHelp.hidden = true;
    } else {
      suggestionLabel.textContent = "waiting…";
      suggestionHelp.hidden = true;
    }
  }

  function renderProgress() {
    const status = model.get("status");
    let change = 0;
    for (const [r, view] of overlay) {
      const confirmed = !!cache.get(r)?.decision;
      if (view && !confirmed) change += 1;
      else if (!view && confirmed) change -= 1;
    }
    const decided = Math.max(0, Math.min(n, status.decided + change));
    progressBar.style.width = `${(100 * decided) / n}%`;
    progress.title = `${decided.toLocaleString()} of ${n.toLocaleString()} decided`;
    progress.setAttribute("aria-valuenow", String(decided));
    progress.setAttribute("aria-valuetext", progress.title);
  }

  function renderSave() {
    const status = model.get("status");
    saveState.classList.toggle("lw-memory", !status.durable);
    saveState.classList.toggle("lw-pending", pending.size > 0);
    saveState.classList.toggle("lw-failed", !!lastError);
    if (lastError) saveState.textContent = `Not saved: ${lastError}`;
    else if (pending.size) saveState.textContent = `Saving ${pending.size}…`;
    else if (!status.durable) saveState.textContent = "Memory only: not saved to disk";
    else saveState.textContent = "Saved ✓";
    saveState.title = status.durable ? `Store: ${status.store} · annotator: ${status.annotator}` :
      "store=None: decisions live in this kernel only and are lost when it stops";
    const counts = status.counts ?? {};
    const parts = [`${status.decided.toLocaleString()} decided`];
    for (const [name, count] of Object.entries(counts)) {
      if (count) parts.push(`${count} ${name}`);
    }
    parts.push(`annotator ${status.annotator}`, status.durable ? `store ${status.store}` : "memory only");
    teamState.textContent = status.team_status ?? "";
    if (status.tokens) parts.push(`${status.tokens.toLocaleString()} tokens`);
    if (status.cost) parts.push(`$${status.cost.toFixed(4)}`);
    footer.textContent = parts.join(" · ");
    // Only what concerns the whole session: one item's invalid suggestion is shown with that item.
    const errors = status.errors ?? [];
    banner.replaceChildren();
    if (status.closed) {
      banner.append(h("div", "lw-error", `Closed: ${status.closed}. This view records no more decisions; ` +
        "use the newest labeler."));
    }
    if (notice) banner.append(h("div", "lw-notice", notice));
    for (const error of errors) banner.append(h("div", "lw-error", error));
  }

  /** "All done" hides what belongs to an item (its text, suggestion and label buttons); Back and Undo stay.
   * @param {boolean} done */
  function setDone(done) {
    doneBox.hidden = !done;
    textBox.hidden = done;
    buttons.hidden = done;
    suggestionBox.hidden = done || !config.has_suggester;
    acceptButton.disabled = rejectButton.disabled = done || acceptButton.disabled;
    if (done) picker.hidden = true;
    else picker.hidden = labels.every((l) => l.key);
  }

  function showDone() {
    const status = model.get("status");
    setDone(true);
    expander.hidden = true;
    fields.replaceChildren();
    state.replaceChildren();
    const skipped = status.counts?.skipped ?? 0;
    doneBox.replaceChildren(h("div", "lw-done-title", `All ${n.toLocaleString()} items decided.`));
    if (skipped) doneBox.append(h("div", "", `${skipped} skipped: use ← or Back to review them.`));
    /** @type {Score | null} */
    const score = status.score ?? null;
    if (teaching && score && score.scored) {
      doneBox.append(h("div", "lw-done-score", `${scoreText.textContent} Use ← or Back to see each answer.`));
    } else if (teaching && teaching.feedback === null) {
      doneBox.append(h("div", "", "Your answers are in: your teacher will go through them with the class."));
    }
  }

  /** @param {string} message */
  function flash(message) {
    notice = message;
    renderSave();
    setTimeout(() => {
      if (notice === message) {
        notice = "";
        renderSave();
      }
    }, 2500);
  }

  function renderPicker() {
    const query = pickerInput.value.trim().toLowerCase();
    const matches = labels.filter((l) => l.name.toLowerCase().includes(query)).slice(0, 12);
    pickerIndex = Math.max(0, Math.min(pickerIndex, matches.length - 1));
    pickerInput.setAttribute("aria-expanded", String(matches.length > 0));
    pickerInput.setAttribute("aria-activedescendant", matches.length ? `${pickerListId}-${pickerIndex}` : "");
    pickerList.replaceChildren(...matches.map((l, i) => {
      const option = h("div", "lw-picker-option" + (i === pickerIndex ? " lw-active" : ""), l.name);
      option.id = `${pickerListId}-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(i === pickerIndex));
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pickerInput.value = "";
        root.focus();
        chooseLabel(l.name);
      });
      return option;
    }));
    return matches;
  }

  // ----- keyboard ---------------------------------------------------------------------
  /** @param {KeyboardEvent} event */
  function onKeydown(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return; // Shift+Enter and friends stay Jupyter's
    const target = /** @type {HTMLElement} */ (event.target);
    if (target === pickerInput) {
      event.stopPropagation();
      const matches = renderPicker();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        pickerIndex += event.key === "ArrowDown" ? 1 : -1;
        renderPicker();
        event.preventDefault();
      } else if (event.key === "Enter" && matches.length) {
        event.preventDefault();
        const chosen = matches[pickerIndex].name;
        pickerInput.value = "";
        renderPicker();
        root.focus();
        chooseLabel(chosen);
      } else if (event.key === "Escape") {
        root.focus();
      }
      return;
    }
    if (target === note) {
      event.stopPropagation();
      if (event.key === "Enter" || event.key === "Escape") {
        event.preventDefault();
        root.focus();
      }
      return;
    }
    if (event.shiftKey && event.key === "Enter") return;
    if (event.key === "Tab") return;
    if (event.key === "Escape") {
      root.blur();
      return;
    }
    // From here on the key is ours: Jupyter must not see it (no "1" heading, no "a"/"b" cell, no "x" cut).
    event.stopPropagation();
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    let handled = true;
    const action = keyToAction.get(key);
    if (keyToLabel.has(key)) chooseLabel(/** @type {string} */ (keyToLabel.get(key)));
    else if (action === "find") {
      if (!picker.hidden) pickerInput.focus();
    } else if (action && handlers[action]) handlers[action]();
    else handled = event.key.length === 1 || key === "ArrowUp" || key === "ArrowDown";
    if (handled) event.preventDefault();
  }

  /** @param {FocusEvent} _event */
  const onFocusChange = (_event) => root.classList.toggle("lw-focused", root.contains(document.activeElement));

  /** A click on any of the widget's buttons leaves the keyboard with the widget, so the next key works.
   * @param {MouseEvent} event */
  const onClick = (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest("button")) root.focus({ preventScroll: true });
  };

  // ----- messages from Python -----------------------------------------------------------
  /** @param {any} message */
  function onMessage(message) {
    switch (message.type) {
      case "window": {
        const w = /** @type {Window} */ (message);
        applyWindow(w);
        const mine = w.client === clientId;
        if (mine && topUpRequest?.id === w.request) topUpRequest = null;
        if (resolving !== null) {
          advance(resolving);
        } else if (mine && firstWindow && w.first_undecided === null) {
          showDone(); // everything was decided before this view opened
        } else if (doneBox.hidden && w.items.some((i) => i.rank === rank)) {
          paint();
        }
        if (mine) firstWindow = false;
        topUp();
        break;
      }
      case "item": {
        const item = /** @type {Item} */ (message.item);
        if (typeof message.event === "number" && message.event > log.lastEvent) {
          log.lastEvent = message.event; // the first view of this page to hear of it keeps the stack
          followEvent(log, item.rank, message.action, message.undo_target ?? null);
          if (message.client) {
            log.applied.set(message.client, Math.max(log.applied.get(message.client) ?? 0, message.seq ?? 0));
          }
        }
        remember(item);
        if (item.rank === rank && doneBox.hidden) paint();
        else if (item.rank === lastAnswered) paintFeedback();
        break;
      }
      case "ack": {
        if (message.client !== clientId) break;
        if ("undo_target" in message) agreeUndo(message.undo_target);
        const entry = pending.get(message.seq);
        if (!entry) break;
        if (!message.ok && message.retry) {
          // The store cannot be reached for now: keep the decision here; the resend timer sends it again
          // until the kernel stores it (it applies each one once), and the view says so meanwhile.
          lastError = `${message.error} — kept here, sending again`;
          entry.sentAt = performance.now();
          renderSave();
          break;
        }
        pending.delete(message.seq);
        forgetOp(message.seq);
        if (message.ok) lastError = pending.size ? lastError : "";
        else lastError = message.error;
        if (entry.kind === "undo") {
          const undone = message.ok ? message.undone ?? null : null;
          if (entry.rank !== null) settle(entry.rank, DECIDED);
          if (undone !== null) settle(undone, OPEN);
          if (undone !== null && undone !== entry.rank) {
            resolving = null;
            show(undone); // the kernel reverted another item than this view expected: show that one
            tellPosition();
          }
        } else if (entry.rank !== null) {
          settle(entry.rank, message.ok ? DECIDED : UNKNOWN);
        }
        renderSave();
        if (doneBox.hidden) paint();
        break;
      }
      case "suggestion": {
        const item = cache.get(message.rank);
        if (item) {
          item.suggestion = message.suggestion;
          item.suggestion_status = message.status;
          if (message.rank === rank && doneBox.hidden) paintSuggestion(item);
        }
        break;
      }
      case "text": {
        if (message.client && message.client !== clientId) break;
        const item = cache.get(message.rank);
        if (item && message.rank === rank) {
          expanded = true;
          textBox.textContent = message.text;
          expander.hidden = message.length <= message.text.length;
          if (!expander.hidden) expander.textContent = `Showing the first ${message.text.length.toLocaleString()} characters`;
        }
        break;
      }
      case "notice":
        if (message.client && message.client !== clientId) break;
        flash(message.message);
        break;
    }
  }

  const onPosition = () => {
    const r = model.get("position");
    if (r !== rank) {
      resolving = null;
      show(r);
    }
  };
  const renderSuggesterStatus = () => {
    suggesterStatus.textContent = model.get("status").suggester_status ?? "";
  };
  const onStatus = () => {
    const reveal = model.get("status").reveal ?? 0;
    if (reveal !== revealSeen) {
      // feedback="end": every answer was just checked; what this view holds has no feedback yet
      revealSeen = reveal;
      for (const r of cache.keys()) if (!overlay.has(r)) cache.delete(r);
      requestWindow(rank);
    }
    renderScore();
    agreeUndo(model.get("status").undo_target ?? null);
    renderSuggesterStatus();
    renderSave();
    renderProgress();
    if (!doneBox.hidden) showDone(); // its counts come from Python and may have just arrived
  };

  // Re-send anything not acknowledged: covers a dropped connection; Python applies each (client, seq) once.
  const resendTimer = setInterval(() => {
    const now = performance.now();
    for (const entry of pending.values()) {
      if (now - entry.sentAt > RESEND_AFTER_MS) {
        entry.sentAt = now;
        model.send(entry.message);
      }
    }
    if (pending.size) renderSave();
  }, 1000);

  expander.addEventListener("click", () => model.send({ type: "text", rank, client: clientId }));
  pickerInput.addEventListener("focus", () => renderPicker());
  pickerInput.addEventListener("input", () => {
    pickerIndex = 0;
    renderPicker();
  });
  root.addEventListener("keydown", onKeydown);
  root.addEventListener("focusin", onFocusChange);
  root.addEventListener("focusout", onFocusChange);
  root.addEventListener("click", onClick);
  model.on("msg:custom", onMessage);
  model.on("change:position", onPosition);
  model.on("change:status", onStatus);

  // The first window comes with the widget's state: paint from it at once, unless something was decided since.
  /** @type {Window | null} */
  const initial = model.get("window");
  renderSave();
  renderSuggesterStatus();
  renderScore();
  if (initial && initial.items && initial.version === model.get("status").version) {
    applyWindow(initial);
    firstWindow = false;
    if (initial.first_undecided === null) showDone();
    else paint();
  } else {
    paint();
  }
  requestWindow(rank); // fresh suggestions and decisions, whatever the state said
  requestAnimationFrame(() => root.focus({ preventScroll: true }));

  return () => {
    clearInterval(resendTimer);
    for (const s of pending.keys()) forgetOp(s);
    log.views -= 1;
    if (log.views <= 0) logs.delete(logId);
    model.off("msg:custom", onMessage);
    model.off("change:position", onPosition);
    model.off("change:status", onStatus);
    root.removeEventListener("keydown", onKeydown);
    root.removeEventListener("focusin", onFocusChange);
    root.removeEventListener("focusout", onFocusChange);
    root.removeEventListener("click", onClick);
  };
}

export default { render };
