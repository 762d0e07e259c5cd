// @ts-check
/**
 * One label per item: a label key (or button, or the picker) answers at once, and the view goes on. The answer
 * part for `config.kind === "single"`; the interface is in answer-part.js.
 */

import { HANDLED, partKey } from "./answer-part.js";
import { createLabelControls } from "./labels.js";

/**
 * @typedef {import("./answer-part.js").PartContext} PartContext
 * @typedef {import("./answer-part.js").AnswerPart} AnswerPart
 * @typedef {import("./answer-part.js").Intent} Intent
 */

const ACTIONS = ["find"];

/** @param {PartContext} ctx @returns {AnswerPart} */
export function create({ labels, keymap, perform, focus }) {
  /** @param {string} name @returns {Intent} */
  const choose = (name) => ({ do: "decide", intent: "label", answer: name });
  const controls = createLabelControls({ labels, toggles: false, onChoose: (name) => perform(choose(name)), focus });

  /** @param {string} name @returns {Intent | null} */
  function act(name) {
    if (name !== "find") return null;
    controls.find();
    return HANDLED;
  }

  return {
    nodes: [controls.group, controls.picker],
    keysSay: "number keys label",
    suggestionKeys: `${keymap.hint("accept")} accept · ${keymap.hint("reject")} reject · number correct`,
    actions: ACTIONS,
    act,
    onKey: (key) => partKey(keymap, key, ACTIONS, choose, act),
    paint: (shown) => controls.mark(shown.decision?.label ?? null),
    suggest: (shown) => controls.suggest(shown.suggestion?.label ?? null),
    reset() {},
    setDone: (done) => controls.setDone(done),
  };
}
