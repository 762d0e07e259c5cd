// @ts-check
/**
 * Where a key pressed in the labeler goes, without the DOM: to the host (Jupyter keeps Ctrl/Meta/Alt keys, Tab and
 * Shift+Enter), back to the host for good (the keymap's "release", Esc), to the answer part (its label keys and its
 * own actions, and every key while it is in a mode of its own), or to one of the labeler's actions. Keys that go
 * nowhere stop there too, so that Jupyter never sees them (no "1" heading, no "a"/"b" cell, no "x" cut).
 * Unit-tested with `node --test js/tests`.
 */

import { normalKey } from "../keymap.js";

/**
 * @typedef {import("../keymap.js").Keymap} Keymap
 * @typedef {import("../kinds/answer-part.js").AnswerPart} AnswerPart
 * @typedef {import("../kinds/answer-part.js").Intent} Intent
 * @typedef {{key: string, shiftKey: boolean, ctrlKey: boolean, metaKey: boolean, altKey: boolean}} KeyPress
 * @typedef {{to: "host"} | {to: "release"} | {to: "part", intent: Intent, prevent: true}
 *   | {to: "labeler", action: string, prevent: true} | {to: "nobody", prevent: boolean}} Route
 *   host: not the labeler's (nothing stops it); release: hand the keyboard back (blur, nothing stops it); the others
 *   stop at the labeler, and `prevent` says whether the browser's default goes too
 */

/**
 * @param {KeyPress & Partial<KeyboardEvent>} press the keydown event
 * @param {Pick<AnswerPart, "onKey" | "mode">} part @param {Keymap} keymap
 * @param {(action: string) => boolean} labelerDoes whether the labeler itself carries out `action`
 * @returns {Route}
 */
export function routeKey(press, part, keymap, labelerDoes) {
  const key = normalKey(press.key);
  const event = /** @type {KeyboardEvent} */ (press);
  const moded = !!part.mode?.();
  if (moded) {
    // The answer part has the keyboard (a mode of its own): its keys first, Esc, Tab and Ctrl keys included; it
    // hands the keyboard back with Esc.
    const intent = part.onKey(key, event);
    if (intent) return { to: "part", intent, prevent: true };
  }
  if (press.ctrlKey || press.metaKey || press.altKey) return { to: "host" }; // Shift+Enter and friends stay Jupyter's
  if (press.shiftKey && press.key === "Enter") return { to: "host" };
  // Tab is Jupyter's (focus moves on), unless the kind gives it an action (spans: into the text)
  if (press.key === "Tab" && (moded || press.shiftKey || !keymap.meaning("Tab")?.action)) return { to: "host" };
  const meaning = keymap.meaning(key);
  if (meaning?.action === "release") return { to: "release" };
  const intent = moded ? null : part.onKey(key, event);
  if (intent) return { to: "part", intent, prevent: true };
  if (meaning?.action && labelerDoes(meaning.action)) return { to: "labeler", action: meaning.action, prevent: true };
  return { to: "nobody", prevent: press.key.length === 1 || key === "ArrowUp" || key === "ArrowDown" };
}
