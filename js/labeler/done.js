// @ts-check
/** "All done": every item is decided. What is left to do (review skipped items) and, when teaching, the score. */

import { h } from "../dom.js";

/**
 * The lines of the done screen, as [class, text].
 * @param {{n: number, skipped: number, back: string, teaching: {feedback: string | null} | null, scored: boolean,
 *   scoreSays: string}} what back: how to go back ("← or Back"); scored: answers were checked against the key
 * @returns {[string, string][]}
 */
export function doneLines({ n, skipped, back, teaching, scored, scoreSays }) {
  /** @type {[string, string][]} */
  const lines = [["lw-done-title", `All ${n.toLocaleString()} items decided.`]];
  if (skipped) lines.push(["", `${skipped} skipped: use ${back} to review them.`]);
  if (teaching && scored) lines.push(["lw-done-score", `${scoreSays} Use ${back} to see each answer.`]);
  else if (teaching && teaching.feedback === null) {
    lines.push(["", "Your answers are in: your teacher will go through them with the class."]);
  }
  return lines;
}

export function createDone() {
  const box = h("div", "lw-done");
  box.hidden = true;
  return {
    node: box,
    /** @param {boolean} done */
    setDone(done) {
      box.hidden = !done;
    },
    /** @param {[string, string][]} lines */
    paint(lines) {
      box.replaceChildren(...lines.map(([cls, text]) => h("div", cls, text)));
    },
  };
}
