// @ts-check
/**
 * Teaching (gold=): the running score, and what the answer key says of the item answered last, shown while the next
 * item is on screen. The gold label of an item only ever arrives with that item's feedback, after the answer is in.
 */

import { h } from "../dom.js";
import { colours, markedText } from "../spans/paint.js";

/**
 * @typedef {import("./decide.js").Feedback} Feedback
 * @typedef {import("./decide.js").Item} Item
 * @typedef {{scored: number, correct: number, accuracy: number | null, kappa: number | null, kappa_note: string,
 *   revised: number, practice: number, chance: string, feedback: string | null, jaccard?: number | null,
 *   f1?: number | null, partial_f1?: number | null}} Score
 * @typedef {{start: number, end: number, label: string, text: string | null}} ShownSpan a span as teaching sends it
 *   (code points, with its words)
 * @typedef {{gold_spans: ShownSpan[], right: ShownSpan[], missed: ShownSpan[], extra: ShownSpan[], f1: number | null,
 *   summary: string | null}} SpanFeedback the feedback on an answer of spans (teaching/span_key.py)
 * @typedef {{feedback: string | null}} Teaching config.teaching: feedback "after" each answer, at the "end", or null
 */

/** The score line's sentence. @param {Score} score */
export function scoreSentence(score) {
  if (!score.scored) return "Score: no answers checked yet.";
  const share = `(${Math.round((score.accuracy ?? 0) * 100)}%)`;
  const revised = score.revised ? ` · ${score.revised} changed after feedback` : "";
  if ("partial_f1" in score) {
    // spans: no kappa (no chance agreement over positions in a text); the note says the strict span F1
    const partial = typeof score.partial_f1 === "number" ? ` · partial F1 ${score.partial_f1.toFixed(2)}` : "";
    return `Score: ${score.correct} of ${score.scored} exactly right ${share} · ${score.kappa_note}${partial}${revised}. `;
  }
  if (typeof score.jaccard === "number") {
    // several labels per item: no one kappa for a whole set; the note has the mean Jaccard and each label's kappa
    return `Score: ${score.correct} of ${score.scored} exactly right ${share} · ${score.kappa_note}${revised}. `;
  }
  const kappa = score.kappa === null ? "undefined" : score.kappa.toFixed(2);
  return `Score: ${score.correct} of ${score.scored} right ${share} · Cohen's kappa ${kappa}` +
    (score.kappa_note ? ` (${score.kappa_note})` : "") + `${revised}. `;
}

/** The feedback on an answer of spans, or null for another kind. @param {Feedback} feedback
 * @returns {SpanFeedback | null} */
export function spanFeedback(feedback) {
  const spans = /** @type {any} */ (feedback);
  return Array.isArray(spans.gold_spans) ? /** @type {SpanFeedback} */ (spans) : null;
}

/** Spans: the item's span F1 and which of the student's spans were right, missed and extra, in words.
 * @param {SpanFeedback} feedback */
export function spanFeedbackSentence(feedback) {
  const f1 = typeof feedback.f1 === "number" ? `span F1 ${feedback.f1.toFixed(2)}` : "no span on either side, no span F1";
  return `${feedback.summary ?? ""} · ${f1}`;
}

/**
 * The item's text with the gold spans marked (those the student missed flagged), then the student's extra spans in
 * words: shown only after the answer, like everything in the feedback.
 * @param {SpanFeedback} feedback @param {string} text the item's text (as shown) @param {string[]} labelNames
 */
export function spanFeedbackNodes(feedback, text, labelNames) {
  const box = h("div", "lw-span-feedback");
  box.append(h("div", "lw-span-fb-sentence", spanFeedbackSentence(feedback)));
  const colourOf = colours(labelNames);
  const same = (/** @type {ShownSpan} */ a, /** @type {ShownSpan} */ b) => a.start === b.start && a.end === b.end && a.label === b.label;
  const gold = feedback.gold_spans;
  if (text && gold.length) {
    const answerKey = h("div", "lw-span-fb-gold");
    answerKey.dir = "auto";
    answerKey.append(h("span", "lw-span-fb-name", "Answer key: "));
    const tuples = gold.map((s) => /** @type {[number, number, string]} */ ([s.start, s.end, s.label]));
    answerKey.append(...markedText(text, tuples, colourOf, (j) => (feedback.missed.some((m) => same(m, gold[j])) ? "lw-span-missed" : "lw-span-found")));
    box.append(answerKey);
  }
  const lists = /** @type {[string, string, ShownSpan[]][]} */ ([
    ["lw-span-found", "right", feedback.right], ["lw-span-missed", "missed", feedback.missed], ["lw-span-extra", "extra", feedback.extra],
  ]);
  const chips = h("ul", "lw-span-fb-list");
  chips.setAttribute("aria-label", "Your spans against the answer key");
  for (const [cls, word, spans] of lists) {
    for (const s of spans) {
      const chip = h("li", `lw-span-fb-chip ${cls}`);
      chip.append(h("span", "lw-span-fb-word", `${word}: `), h("span", `lw-span-tag lw-span-c${colourOf.get(s.label) ?? 0}`, s.label), " ");
      const words = h("span", "lw-span-quote", `“${s.text ?? `${s.start}–${s.end}`}”`);
      words.dir = "auto";
      chip.append(words);
      chips.append(chip);
    }
  }
  if (chips.childElementCount) box.append(chips);
  return box;
}

/** Several labels per item: which of the student's labels were right, missed, extra, and the overlap; "" for one label.
 * @param {Feedback} feedback */
export function setFeedbackSentence(feedback) {
  if (spanFeedback(feedback)) return "";
  if (!(feedback.right || feedback.missed || feedback.extra)) return "";
  const parts = [];
  if (feedback.right?.length) parts.push(`right: ${feedback.right.join(", ")}`);
  if (feedback.missed?.length) parts.push(`missed: ${feedback.missed.join(", ")}`);
  if (feedback.extra?.length) parts.push(`extra: ${feedback.extra.join(", ")}`);
  if (typeof feedback.jaccard === "number") parts.push(`overlap (Jaccard) ${feedback.jaccard.toFixed(2)}`);
  return parts.join(" · ");
}

/** One sentence of feedback, as text nodes. @param {Feedback} feedback @param {HTMLElement} into
 * @param {{text: string, labels: string[]} | null} [about] the item's text and the label names (spans mark the gold
 *   spans on it) */
export function describeFeedback(feedback, into, about = null) {
  into.classList.toggle("lw-right", !!feedback.correct);
  into.classList.toggle("lw-wrong", !feedback.correct);
  into.append(h("span", "lw-verdict", feedback.correct ? "✓ Right" : "✗ Not quite"));
  const gold = h("span", "lw-gold", ` · the answer is ${feedback.gold}`);
  gold.dir = "auto";
  into.append(gold);
  if (!feedback.correct && feedback.answer) into.append(h("span", "", ` (you said ${feedback.answer})`));
  const spans = spanFeedback(feedback);
  if (spans) {
    into.append(spanFeedbackNodes(spans, about?.text ?? "", about?.labels ?? []));
  } else if (feedback.right || feedback.missed || feedback.extra) {
    const sets = h("div", "lw-set-feedback", setFeedbackSentence(feedback));
    sets.dir = "auto";
    into.append(sets);
  }
  if (feedback.final && feedback.final !== feedback.answer) {
    into.append(h("span", "lw-revised", ` · changed to ${feedback.final} after feedback`));
  }
  if (feedback.guideline) {
    // spans: the guideline names each label itself ("person: …; location: …")
    const guideline = h("div", "lw-guideline", spans ? feedback.guideline : `${feedback.gold}: ${feedback.guideline}`);
    guideline.dir = "auto";
    into.append(guideline);
  }
  if (feedback.model) {
    into.append(h("div", "lw-model-said", feedback.model_hidden ?
      `The model would have said ${feedback.model} (hidden while you answered).` :
      `The model suggested ${feedback.model}.`));
  }
}

/** @param {{teaching: Teaching | null, reveal: number, labels?: string[]}} options reveal: the status's reveal count
 * when the view opened; labels: the label names, in order (spans are coloured by them) */
export function createTeaching({ teaching, reveal, labels = [] }) {
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
      else if (feedback) describeFeedback(feedback, feedbackBox, { text: item.text ?? "", labels });
      else if (waiting) feedbackBox.append(h("span", "lw-checking", "checking…"));
      else feedbackBox.hidden = true;
    },
  };
}
