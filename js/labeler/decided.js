// @ts-check
/**
 * The line under the item: its answer and how it was given ("Decided: joy (corrected)"), whether this view's action
 * on it is still on its way, a practice item or the answer key's feedback (teaching), and an answer given before the
 * item's text changed.
 */

import { describeAnswer } from "../answers.js";
import { h } from "../dom.js";
import { describeFeedback } from "./teaching.js";

/**
 * @typedef {import("./decide.js").Item} Item
 * @typedef {import("./decide.js").DecisionView} DecisionView
 */

/** "joy (corrected)", or the action alone when there is no answer ("skipped"). @param {DecisionView} decision */
export function decisionSays(decision) {
  return decision.label !== null ? `${describeAnswer(decision.label)} (${decision.action})` : decision.action;
}

export function createDecisionLine() {
  const line = h("div", "lw-state");
  return {
    node: line,
    /**
     * @param {Item | null} item null while it loads
     * @param {DecisionView | null} decision @param {boolean} saving whether this view's action on it awaits the kernel
     * @param {boolean} teaching
     */
    paint(item, decision, saving, teaching) {
      if (!item) {
        line.textContent = "";
        return;
      }
      line.replaceChildren();
      if (decision) {
        line.append(h("span", "lw-decided", `Decided: ${decisionSays(decision)}`));
        if (saving) line.append(h("span", "lw-unsaved", " · saving"));
      }
      const feedback = item.feedback ?? null;
      if (teaching && feedback?.practice) {
        line.append(h("span", "lw-practice", " · Practice item: no answer key, no score."));
      } else if (teaching && feedback && decision) {
        const box = h("div", "lw-feedback lw-feedback-here");
        describeFeedback(feedback, box);
        line.append(box);
      }
      if (item.stale && !decision) {
        line.append(h("span", "lw-stale",
          `Labeled "${item.stale.label !== null ? describeAnswer(item.stale.label) : item.stale.action}" before its text changed: please review.`));
      }
    },
    clear() {
      line.replaceChildren();
    },
  };
}
