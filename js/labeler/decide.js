// @ts-check
/**
 * The rules of a decision, without the DOM and without sending anything: what a key press on an item means given
 * what is known of it (its answer, its suggestion, whether its answer key was shown), and what the view says when it
 * refuses. The labeler's core (core.js) carries out what these decide. Unit-tested with `node --test js/tests`.
 */

import { actionFor, sameAnswer } from "../answers.js";
import { clip } from "../dom.js";

/**
 * @typedef {import("../answers.js").Answer} Answer
 * @typedef {{action: string, label: Answer, annotator?: string, note?: string | null}} DecisionView
 * @typedef {{label: Answer, confidence: number | null, confidence_source: string | null,
 *   rationale: string | null, model: string | null, raw: string | null, error: string | null}} SuggestionView
 * @typedef {{practice: boolean, gold?: string | null, answer?: string | null, final?: string | null,
 *   correct?: boolean, guideline?: string, model?: string | null, model_hidden?: boolean, right?: string[],
 *   missed?: string[], extra?: string[], jaccard?: number | null}} Feedback
 * @typedef {{rank: number, key: string, text: string | null, length: number, fields: Record<string, string>,
 *   decision: DecisionView | null, stale: DecisionView | null, suggestion_status: string,
 *   suggestion: SuggestionView | null, feedback?: Feedback | null, view?: any}} Item
 *   view: what the item's kind shows besides its text, laid out for this person (a pair's outputs: kinds/pair.js)
 * @typedef {"label" | "accept" | "reject" | "skip"} DecideIntent
 * @typedef {{refuse: string}
 *   | {notice: null, next: true}
 *   | {notice: string | null, next: false, view: DecisionView, reviewing: boolean, checked: boolean,
 *      suggestion: SuggestionView | null}} Plan
 */

const RAW_SHORT = 60;

/** The item's suggestion when it can be accepted, else null. @param {Item | null | undefined} item */
export function readySuggestion(item) {
  return item?.suggestion_status === "ready" ? item.suggestion : null;
}

/** The item's feedback when its answer has been shown (not a practice item), else null. @param {Item} item */
export function revealedFeedback(item) {
  const feedback = item.feedback ?? null;
  return feedback && !feedback.practice ? feedback : null;
}

/** Why a suggestion cannot be accepted or rejected. @param {Item} item @param {string} intent @param {boolean} hasSuggester */
export function whyNoSuggestion(item, intent, hasSuggester) {
  if (!hasSuggester) return "No suggester attached: press a number key to label.";
  if (item.suggestion_status === "invalid" && item.suggestion) {
    const raw = item.suggestion.raw;
    return raw ? `The suggestion “${clip(raw, RAW_SHORT)}” is not one of the labels: press a number key to label.` :
      "There is no usable suggestion for this item: press a number key to label.";
  }
  if (item.suggestion_status === "hidden") return "The suggestion is hidden for a blind check: press a number key to label.";
  return "No suggestion to " + intent + " yet: press a number key to label.";
}

/**
 * What `intent` on the item shown does: refuse (with what to say), go on to the next item in order (reviewing an
 * answered item, nothing changed), or decide. An item that has an answer already is being reviewed: a new answer
 * revises it (keeping the old one), a skip leaves it. An item whose answer key was shown takes only a new label,
 * recorded as a revision.
 * @param {{intent: DecideIntent, label: Answer | undefined, item: Item, before: DecisionView | null, hasSuggester: boolean}} what
 * @returns {Plan}
 */
export function planDecision({ intent, label, item, before, hasSuggester }) {
  const checked = !!revealedFeedback(item);
  if (checked && (intent === "skip" || intent === "reject")) {
    return {
      refuse: "The answer to this item has been shown: it cannot be skipped or rejected now. Press a label to change " +
        "your answer (recorded as a revision; your score keeps your first answer).",
    };
  }
  const suggestion = readySuggestion(item);
  if ((intent === "accept" || intent === "reject") && !suggestion) {
    return { refuse: whyNoSuggestion(item, intent, hasSuggester) };
  }
  const reviewing = !checked && !!before && before.label !== null;
  if (reviewing && intent === "reject") {
    return { refuse: "This item is decided already: press the label you want instead (a revision), or undo." };
  }
  const answer = intent === "accept" ? suggestion?.label ?? null : intent === "skip" || intent === "reject" ? null : label ?? null;
  if (reviewing && before && (intent === "skip" || sameAnswer(answer, before.label))) return { notice: null, next: true };
  return {
    notice: checked ? "Changed after seeing the answer: recorded as a revision (your score keeps your first answer)." : null,
    next: false,
    view: {
      action: reviewing || checked ? "revised" : actionFor(intent, answer, suggestion ? suggestion.label : null),
      label: answer,
    },
    reviewing,
    checked,
    suggestion,
  };
}

/**
 * How many items are decided, as this view shows it: the kernel's count, with this view's unconfirmed decisions
 * (counted once the item is not decided in the kernel's copy) and undos (once it is) on top.
 * @param {number} decided the kernel's count @param {number} n
 * @param {Iterable<[number, DecisionView | null]>} overlay this view's unconfirmed actions: a decision, or null for an undo
 * @param {(rank: number) => boolean} confirmed whether the kernel's copy of the item has a decision
 */
export function decidedCount(decided, n, overlay, confirmed) {
  let change = 0;
  for (const [r, view] of overlay) {
    const isConfirmed = confirmed(r);
    if (view && !isConfirmed) change += 1;
    else if (!view && isConfirmed) change -= 1;
  }
  return Math.max(0, Math.min(n, decided + change));
}
