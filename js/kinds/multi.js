// @ts-check
/**
 * Several labels per item, edited as a draft: label keys toggle labels on and off (starting from the item's answer,
 * else from the suggested set), Enter commits them, 0 answers "none of these". The answer part for
 * `config.kind === "multi"`; the interface is in answer-part.js.
 */

import { inLabelOrder, toggled } from "../answers.js";
import { HANDLED, partKey } from "./answer-part.js";
import { createLabelControls } from "./labels.js";

/**
 * @typedef {import("./answer-part.js").PartContext} PartContext
 * @typedef {import("./answer-part.js").AnswerPart} AnswerPart
 * @typedef {import("./answer-part.js").Intent} Intent
 * @typedef {import("./answer-part.js").Shown} Shown
 * @typedef {{rank: number, names: string[], touched: boolean}} Draft the labels toggled on, and whether the person
 *   changed them (untouched, the draft follows a suggestion arriving)
 */

const ACTIONS = ["commit", "none", "find"];

/** The draft an item starts from: its answer, else the suggested set, else nothing. @param {Shown} shown @param {string[]} order @returns {Draft} */
export function startingDraft(shown, order) {
  const decided = shown.decision?.label ?? null;
  const suggested = shown.suggestion?.label ?? null;
  const start = Array.isArray(decided) ? decided : Array.isArray(suggested) ? suggested : [];
  return { rank: shown.rank, names: inLabelOrder(start, order), touched: false };
}

/**
 * What Enter does: nothing changed accepts the suggestion; nothing changed on an answered item goes on; else the
 * labels toggled on are the answer. @param {Draft} draft @param {Shown} shown @param {string} nothingToCommit
 * @returns {Intent}
 */
export function commitIntent(draft, shown, nothingToCommit) {
  if (!draft.touched && !shown.decision && shown.suggestion) return { do: "decide", intent: "accept" };
  if (!draft.touched && !shown.decision && !draft.names.length) return { do: "notice", message: nothingToCommit };
  if (!draft.touched && shown.decision) return { do: "next" }; // reviewing, nothing changed: on to the next item
  return { do: "decide", intent: "label", answer: draft.names };
}

/** @param {PartContext} ctx @returns {AnswerPart} */
export function create({ labels, keymap, shown, perform, focus }) {
  const order = labels.map((l) => l.name);
  /** @type {Draft | null} */
  let draft = null;
  const nothingToCommit = `Toggle labels with the number keys, then ${keymap.key("commit")}; or press ` +
    `${keymap.key("none")} for none of these.`;

  /** The labels toggled on for the item shown: the person's edits, else its answer, else the suggested set. @param {Shown} now */
  function current(now) {
    if (draft && draft.rank === now.rank && draft.touched) return draft;
    draft = startingDraft(now, order);
    return draft;
  }

  /** A label key, button or the picker: toggles the label in the draft. @param {string} name @returns {Intent} */
  function choose(name) {
    const now = shown();
    if (!now.item) return { do: "notice", message: "The item is still loading: press the key again once it shows." };
    draft = { rank: now.rank, names: toggled(current(now).names, name, order), touched: true };
    controls.mark(draft.names);
    return HANDLED;
  }

  /** @param {string} name @returns {Intent | null} */
  function act(name) {
    if (name === "commit") {
      const now = shown();
      return commitIntent(current(now), now, nothingToCommit);
    }
    if (name === "none") return { do: "decide", intent: "label", answer: [] };
    if (name === "find") {
      controls.find();
      return HANDLED;
    }
    return null;
  }

  const controls = createLabelControls({ labels, toggles: true, onChoose: (name) => perform(choose(name)), focus });

  return {
    nodes: [controls.group, controls.picker],
    keysSay: "number keys toggle labels",
    suggestionKeys: `${keymap.hint("commit")} accept · number keys change · ${keymap.hint("reject")} reject`,
    actions: ACTIONS,
    act,
    onKey: (key) => partKey(keymap, key, ACTIONS, choose, act),
    paint: (now) => controls.mark(now.item ? current(now).names : now.decision?.label ?? null),
    suggest: (now) => controls.suggest(now.suggestion?.label ?? null),
    reset() {
      draft = null;
    },
    setDone: (done) => controls.setDone(done),
  };
}
