// @ts-check
/**
 * Teaching (gold=): the running score, and what the answer key says of the item answered last, shown while the next
 * item is on screen. The gold label of an item only ever arrives with that item's feedback, after the answer is in.
 */

import { h } from "../dom.js";

/**
 * @typedef {import("./decide.js").Feedback} Feedback
 * @typedef {import("./decide.js").Item} Item
 * @typedef {{scored: number, correct: number, accuracy: number | null, kappa: number | null, kappa_note: string,
 *   revised: number, practice: number, chance: string, feedback: string | null, jaccard?: number | null}} Score
 * @typedef {{feedback: string | null}} Teaching config.teaching: feedback "after" each answer, at the "end", or null
 */

/** The score line's sentence. @param {Score} score */
export function scoreSentence(score) {
  if (!score.scored) return "Score: no answers checked yet.";
  const share = `(${Math.round((score.accuracy ?? 0) * 100)}%)`;
  const revised = score.revised ? ` · ${score.revised} changed after feedback` : "";
  if (typeof score.jaccard === "number") {
    // several labels per item: no one kappa for a whole set; the note has the mean Jaccard and each label's kappa
    return `Score: ${score.correct} of ${score.scored} exactly right ${share} · ${score.kappa_note}${revised}. `;
  }
  const kappa = score.kappa === null ? "undefined" : score.kappa.toFixed(2);
  return `Score: ${score.correct} of ${score.scored} right ${share} · Cohen's kappa ${kappa}` +
    (score.kappa_note ? ` (${score.kappa_note})` : "") + `${revised}. `;
}

/** Several labels per item: which of the student's labels were right, missed, extra, and the overlap; "" for one label.
 * @param {Feedback} feedback */
export function setFeedbackSentence(feedback) {
  if (!(feedback.right || feedback.missed || feedback.extra)) return "";
  const parts = [];
  if (feedback.right?.length) parts.push(`right: ${feedback.right.join(", ")}`);
  if (feedback.missed?.length) parts.push(`missed: ${feedback.missed.join(", ")}`);
  if (feedback.extra?.length) parts.push(`extra: ${feedback.extra.join(", ")}`);
  if (typeof feedback.jaccard === "number") parts.push(`overlap (Jaccard) ${feedback.jaccard.toFixed(2)}`);
  return parts.join(" · ");
}

/** One sentence of feedback, as text nodes. @param {Feedback} feedback @param {HTMLElement} into */
export function describeFeedback(feedback, into) {
  into.classList.toggle("lw-right", !!feedback.correct);
  into.classList.toggle("lw-wrong", !feedback.correct);
  into.append(h("span", "lw-verdict", feedback.correct ? "✓ Right" : "✗ Not quite"));
  const gold = h("span", "lw-gold", ` · the answer is ${feedback.gold}`);
  gold.dir = "auto";
  into.append(gold);
  if (!feedback.correct && feedback.answer) into.append(h("span", "", ` (you said ${feedback.answer})`));
  if (feedback.right || feedback.missed || feedback.extra) {
    const sets = h("div", "lw-set-feedback", setFeedbackSentence(feedback));
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

/** @param {{teaching: Teaching | null, reveal: number}} options reveal: the status's reveal count when the view opened */
export function createTeaching({ teaching, reveal }) {
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
  let revealSeen = reveal;

  return {
    teaching,
    scoreLine,
    feedbackBox,
    /** The rank whose feedback the strip shows (-1: none yet). */
    get lastAnswered() {
      return lastAnswered;
    },
    /** This view answered `rank` (not a revision after its answer was shown): its feedback comes next. @param {number} rank */
    answered(rank) {
      if (teaching) lastAnswered = rank;
    },
    /** Whether every answer was just checked (feedback at the "end"): what the view holds has no feedback yet. @param {number} reveal */
    revealed(reveal) {
      const changed = reveal !== revealSeen;
      revealSeen = reveal;
      return changed;
    },
    /** @param {Score | null} score */
    paintScore(score) {
      scoreLine.hidden = !score;
      if (!score) return;
      scoreText.textContent = scoreSentence(score);
      chanceText.textContent = score.chance;
    },
    /** The score as the score line says it (the done screen repeats it). */
    scoreSays: () => scoreText.textContent ?? "",
    /**
     * The strip about the item answered last, while another one is on screen.
     * @param {number} shownRank @param {Item | undefined} item the item answered last, if known
     * @param {boolean} waiting whether its answer, or any, is still on its way to the kernel
     */
    paintFeedback(shownRank, item, waiting) {
      feedbackBox.replaceChildren();
      feedbackBox.className = "lw-feedback";
      if (!teaching || lastAnswered < 0 || lastAnswered === shownRank || !item || teaching.feedback !== "after") {
        feedbackBox.hidden = true;
        return;
      }
      feedbackBox.hidden = false;
      feedbackBox.append(h("span", "lw-feedback-title", `Item ${(lastAnswered + 1).toLocaleString()}: `));
      const feedback = item.feedback ?? null;
      if (feedback?.practice) feedbackBox.append(h("span", "", "a practice item, without an answer key."));
      else if (feedback) describeFeedback(feedback, feedbackBox);
      else if (waiting) feedbackBox.append(h("span", "lw-checking", "checking…"));
      else feedbackBox.hidden = true;
    },
  };
}
