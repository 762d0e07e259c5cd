// @ts-check
/**
 * The labeler view: the parts put together. Its modules, each small and on its own:
 *
 *   labeler/core.js       the window of items and its cache, the cursor, actions sent / acknowledged / resent, undo,
 *                         messages from Python (no DOM; its rules in decide.js, known.js, log.js)
 *   kinds/                one answer part per kind of answer (single.js, multi.js, spans.js), behind the interface
 *                         written in kinds/answer-part.js; kinds/index.js finds the one for `config.kind`
 *   spans/                the spans part's pure rules: offsets.js (code points <-> UTF-16, graphemes, words), edit.js
 *   labeler/text.js       the item as text (fields, text, "Show all"): the content of every kind that shows one text
 *   labeler/image.js      the item's image (image=), beside the content; the next ones asked for and decoded ahead
 *   labeler/status.js     position, progress, save status, team line, banner, footer
 *   labeler/suggestion.js the suggestion line        labeler/teaching.js  score line and feedback strip
 *   labeler/decided.js    the line under the item    labeler/done.js      "all done"
 *   labeler/actions.js    action buttons and note    labeler/help.js      guidelines, the root and its aria label
 *   labeler/keys.js       where a key goes: Jupyter, the answer part (first, in a mode of its own), the labeler
 *   keymap.js             the keymap Python sends (labelwidgets/keymap.py), read there and nowhere else
 *
 * Item text and every label, field and note are set with textContent, never as HTML.
 */

import { afterPaint } from "./dom.js";
import { createAnswerPart } from "./kinds/index.js";
import { readKeymap } from "./keymap.js";
import { createActions } from "./labeler/actions.js";
import { createCore } from "./labeler/core.js";
import { createDecisionLine } from "./labeler/decided.js";
import { createDone, doneLines } from "./labeler/done.js";
import { hasFocusWithin } from "./labeler/focus.js";
import { createGuidelines, createRoot } from "./labeler/help.js";
import { createImageView } from "./labeler/image.js";
import { routeKey } from "./labeler/keys.js";
import { createStatus } from "./labeler/status.js";
import { createSuggestionLine } from "./labeler/suggestion.js";
import { createTeaching } from "./labeler/teaching.js";
import { createTextView } from "./labeler/text.js";

/**
 * @typedef {import("./keymap.js").Label} Label
 * @typedef {import("./labeler/core.js").Model} Model
 * @typedef {import("./kinds/answer-part.js").Intent} Intent
 * @typedef {import("./labeler/decide.js").DecideIntent} DecideIntent
 * @typedef {import("./answers.js").Answer} Answer
 * @typedef {import("./labeler/teaching.js").Score} Score
 */

/** @param {{model: Model, el: HTMLElement}} ctx */
function render({ model, el }) {
  /** @type {Label[]} */
  const labels = model.get("labels");
  const config = model.get("config");
  const hasSuggester = !!config.has_suggester;
  const keymap = readKeymap(config, labels);
  let notice = "";

  const core = createCore({
    model,
    schedule: afterPaint, // the next item painted first, then Python told
    hooks: {
      showItem(fresh) {
        if (fresh) {
          content.reset();
          part.reset();
        }
        setDone(false);
        paint();
      },
      showDone,
      paint: () => paint(),
      paintSuggestion: () => paintSuggestion(),
      paintSave: () => paintSave(),
      itemUpdated(rank) {
        if (rank === teaching.lastAnswered) paintFeedback();
      },
      fullText: (text, length) => content.showFull(text, length),
      notice: (message) => flash(message),
      decided(rank, checked) {
        part.reset();
        actions.clearNote();
        if (teaching.teaching && !checked) {
          teaching.answered(rank);
          paintFeedback(); // "checking…" until the kernel has the answer and sends the item's feedback
        }
      },
    },
  });
  const n = core.n;

  // ----- the parts, in the order they show -------------------------------------------
  const focus = () => root.focus();
  const part = createAnswerPart(config.kind, {
    labels, keymap, shown: () => core.shown(), perform, focus, config, showAll: () => core.askFullText(),
  });
  const root = createRoot(keymap.summary(part.keysSay));
  const status = createStatus({ n });
  const teaching = createTeaching({
    teaching: config.teaching ?? null, reveal: model.get("status").reveal ?? 0, labels: labels.map((l) => l.name),
  });
  const guidelines = createGuidelines(config.guidelines);
  const content = part.content ?? createTextView({ showAll: () => core.askFullText() });
  const image = createImageView({ request: (ranks) => model.send({ type: "image", ranks }) });
  /** With images (image=), the image and the item's content side by side (stacked when narrow; a pair below it). */
  const itemNodes = config.images
    ? [box(`lw-with-image lw-with-image-${config.kind}`, [box("lw-image-side", image.nodes),
      box("lw-content-side", content.nodes)])]
    : content.nodes;
  const decisionLine = createDecisionLine();
  const suggestion = createSuggestionLine({ shown: hasSuggester, keys: part.suggestionKeys });
  /** What each of the labeler's own actions does; its key and button text come from the keymap. @type {Record<string, () => void>} */
  const handlers = {
    accept: () => decide("accept"),
    reject: () => decide("reject"),
    skip: () => decide("skip"),
    undo: () => core.undo(),
    back: () => core.move(core.rank - 1),
    forward: () => core.move(core.rank + 1),
  };
  /** Every action with a button: the labeler's, and the answer part's own ("commit", "none"). */
  const buttons = { ...handlers, ...Object.fromEntries(part.actions.map((name) => [name, () => perform(part.act(name))])) };
  const actions = createActions({ keymap, handlers: buttons, suggestions: hasSuggester, focus });
  const done = createDone();

  root.append(status.header, teaching.scoreLine, guidelines, status.banner, teaching.feedbackBox, ...itemNodes,
    decisionLine.node, suggestion.node, ...part.nodes, actions.node, done.node, status.footer);
  el.append(root);

  // ----- intents ------------------------------------------------------------------------
  /** @param {DecideIntent} intent @param {Answer} [answer] */
  function decide(intent, answer) {
    core.decide(intent, answer, actions.note());
  }

  /** Carry out what the answer part asks for. @param {Intent | null} intent */
  function perform(intent) {
    if (!intent) return;
    if (intent.do === "decide") decide(intent.intent, intent.answer);
    else if (intent.do === "next") core.move(core.rank + 1);
    else if (intent.do === "notice") flash(intent.message);
  }

  // ----- painting -------------------------------------------------------------------------
  function paint() {
    const shown = core.shown();
    status.paintPosition(shown.rank);
    status.paintProgress(core.decidedCount());
    content.paint(shown.item);
    if (config.images) paintImage(shown.rank, shown.item);
    decisionLine.paint(shown.item, shown.decision, core.unconfirmed(shown.rank), !!teaching.teaching);
    if (shown.item) part.paint(shown);
    paintSuggestion();
    paintFeedback();
  }

  /** The item shown's image, and the next open items' asked for and decoded ahead (and the one before, for Back).
   * @param {number} rank @param {import("./labeler/image.js").ImageItem | null} item */
  function paintImage(rank, item) {
    image.paint(item);
    root.classList.toggle("lw-image-only", !!item?.image && item.text === null);
    const near = [item, core.item(rank - 1)];
    const ahead = config.images_ahead; // Python's IMAGES_AHEAD
    for (let r = rank + 1, found = 0; r < n && found < ahead && r <= rank + 8 * ahead; r++) {
      const next = core.item(r);
      if (next && !core.decisionOf(r)) {
        near.push(next);
        found++;
      }
    }
    image.prefetch(near.filter((x) => !!x));
  }

  function paintSuggestion() {
    if (!hasSuggester) return;
    const shown = core.shown();
    suggestion.paint(shown.item);
    part.suggest(shown);
    actions.suggestionReady(shown.item?.suggestion_status === "ready");
  }

  function paintFeedback() {
    const last = teaching.lastAnswered;
    teaching.paintFeedback(core.rank, last >= 0 ? core.item(last) : undefined,
      core.unconfirmed(last) || core.pendingCount() > 0);
  }

  function paintSave() {
    status.paintSave(model.get("status"), core.pendingCount(), core.lastError(), notice);
  }

  /** "All done" hides what belongs to an item (its text, suggestion and answer controls); Back and Undo stay.
   * @param {boolean} isDone */
  function setDone(isDone) {
    done.setDone(isDone);
    content.setDone(isDone);
    image.setDone(isDone);
    part.setDone(isDone);
    suggestion.setDone(isDone);
    actions.setDone(isDone);
  }

  function showDone() {
    const now = model.get("status");
    setDone(true);
    decisionLine.clear();
    const back = keymap.action("back");
    /** @type {Score | null} */
    const score = now.score ?? null;
    done.paint(doneLines({
      n, skipped: now.counts?.skipped ?? 0, back: `${keymap.hint("back")} or ${back?.button ?? ""}`,
      teaching: teaching.teaching, scored: !!score?.scored, scoreSays: teaching.scoreSays(),
    }));
  }

  /** @param {string} message */
  function flash(message) {
    notice = message;
    paintSave();
    setTimeout(() => {
      if (notice === message) {
        notice = "";
        paintSave();
      }
    }, 2500);
  }

  // ----- keyboard ---------------------------------------------------------------------
  /** @param {KeyboardEvent} event */
  function onKeydown(event) {
    const route = routeKey(event, part, keymap, (action) => Object.hasOwn(handlers, action));
    if (route.to === "host") return;
    if (route.to === "release") {
      root.blur(); // the keyboard goes back to Jupyter
      return;
    }
    event.stopPropagation(); // from here on the key is ours: Jupyter must not see it
    if (route.to === "part") perform(route.intent);
    else if (route.to === "labeler") handlers[route.action]();
    if (route.prevent) event.preventDefault();
  }

  /** @param {FocusEvent} _event */
  const onFocusChange = (_event) => root.classList.toggle("lw-focused", hasFocusWithin(root));

  /** A click on any of the widget's buttons leaves the keyboard with the widget, so the next key works.
   * @param {MouseEvent} event */
  const onClick = (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest("button")) root.focus({ preventScroll: true });
  };

  // ----- the widget's state from Python ----------------------------------------------------
  const paintScore = () => teaching.paintScore(model.get("status").score ?? null);
  const paintSuggesterStatus = () => suggestion.paintStatus(model.get("status").suggester_status ?? "");
  const onStatus = () => {
    if (teaching.revealed(model.get("status").reveal ?? 0)) core.reload(); // feedback at the end: every answer checked
    paintScore();
    paintSuggesterStatus();
    paintSave();
    status.paintProgress(core.decidedCount());
    if (core.done) showDone(); // its counts come from Python and may have just arrived
  };

  root.addEventListener("keydown", onKeydown);
  root.addEventListener("focusin", onFocusChange);
  root.addEventListener("focusout", onFocusChange);
  root.addEventListener("click", onClick);
  model.on("change:status", onStatus);
  /** @param {any} msg @param {DataView[]} buffers */
  const onImage = (msg, buffers) => {
    if (msg?.type === "image") image.receive(msg, buffers);
  };
  model.on("msg:custom", onImage);

  paintSave();
  paintSuggesterStatus();
  paintScore();
  core.start();
  afterPaint(() => root.focus({ preventScroll: true })); // the item first: focusing wakes JupyterLab's handlers

  return () => {
    core.destroy();
    image.destroy();
    model.off("msg:custom", onImage);
    model.off("change:status", onStatus);
    root.removeEventListener("keydown", onKeydown);
    root.removeEventListener("focusin", onFocusChange);
    root.removeEventListener("focusout", onFocusChange);
    root.removeEventListener("click", onClick);
  };
}

/** A div of class `cls` holding `nodes`. @param {string} cls @param {HTMLElement[]} nodes */
function box(cls, nodes) {
  const div = document.createElement("div");
  div.className = cls;
  div.append(...nodes);
  return div;
}

export default { render };
