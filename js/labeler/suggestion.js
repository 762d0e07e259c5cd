// @ts-check
/**
 * The suggestion line: what the suggester says of the item shown (its label, confidence, rationale, which model),
 * that it is still coming, hidden for a blind check, or not one of the labels; and what the suggester says of itself.
 */

import { describeAnswer } from "../answers.js";
import { clip, h } from "../dom.js";

/**
 * @typedef {import("./decide.js").Item} Item
 * @typedef {import("./decide.js").SuggestionView} SuggestionView
 */

const RAW_CHARS = 300;

/**
 * What the line says for a suggestion in `status` ("ready", "pending", "none", "hidden", "invalid").
 * @param {string} status @param {SuggestionView | null} suggestion
 * @returns {{label: string, help: boolean, error: string, invalidTitle: string | null, confidence: number | null,
 *   confidenceText: string, rationale: string, source: string}} invalidTitle: null when the "not one of the labels"
 *   tag is hidden
 */
export function suggestionSays(status, suggestion) {
  const says = { label: "waiting…", help: false, error: "", invalidTitle: /** @type {string | null} */ (null),
    confidence: /** @type {number | null} */ (null), confidenceText: "", rationale: "", source: "" };
  if (status === "ready" && suggestion) {
    says.label = describeAnswer(suggestion.label);
    if (suggestion.confidence !== null && suggestion.confidence !== undefined) {
      says.confidence = suggestion.confidence;
      says.confidenceText = `${Math.round(suggestion.confidence * 100)}%` +
        (suggestion.confidence_source ? ` (${suggestion.confidence_source})` : "");
    }
    if (suggestion.rationale) says.rationale = suggestion.rationale;
    if (suggestion.model) says.source = `from ${suggestion.model}`;
    says.help = true;
  } else if (status === "hidden") {
    says.label = "hidden for a blind check: label it yourself";
  } else if (status === "invalid" && suggestion) {
    // What the suggester said, as text; it is not a label, so it cannot be accepted.
    if (suggestion.raw) {
      says.label = `“${clip(suggestion.raw, RAW_CHARS)}”`;
      says.invalidTitle = suggestion.error ?? "";
      says.error = "It cannot be accepted: press a number key to label.";
    } else {
      says.label = "no suggestion";
      says.error = `${suggestion.error ?? "the suggester gave no label"} · press a number key to label.`;
    }
  }
  return says;
}

/** @param {{shown: boolean, keys: string}} options shown: a suggester is attached; keys: what the keys do with a suggestion */
export function createSuggestionLine({ shown, keys }) {
  const box = h("div", "lw-suggestion");
  box.hidden = !shown;
  const label = h("span", "lw-suggestion-label");
  label.dir = "auto";
  const invalidTag = h("span", "lw-invalid-tag", "not one of the labels");
  const confidence = h("span", "lw-confidence");
  const confidenceBar = h("span", "lw-confidence-bar");
  confidence.append(confidenceBar);
  const confidenceText = h("span", "lw-confidence-text");
  const help = h("span", "lw-suggestion-help", keys);
  const error = h("div", "lw-suggestion-error");
  const rationale = h("div", "lw-rationale");
  rationale.dir = "auto";
  // Which suggester this suggestion came from (a learner with a prior switches), and what a learner says of itself.
  const source = h("span", "lw-suggestion-source");
  const suggesterStatus = h("div", "lw-suggester-status");
  box.append(h("span", "lw-suggestion-title", "Suggested"), label, invalidTag, confidence, confidenceText, source, help,
    error, rationale, suggesterStatus);

  return {
    node: box,
    /** @param {Item | null} item the item shown, null while it loads */
    paint(item) {
      const status = item?.suggestion_status ?? "none";
      const says = suggestionSays(status, item?.suggestion ?? null);
      box.classList.toggle("lw-waiting", status === "pending" || status === "none" || status === "hidden");
      box.classList.toggle("lw-invalid", status === "invalid");
      label.textContent = says.label;
      invalidTag.hidden = says.invalidTitle === null;
      if (says.invalidTitle !== null) invalidTag.title = says.invalidTitle;
      confidence.hidden = says.confidence === null;
      if (says.confidence !== null) confidenceBar.style.width = `${Math.round(says.confidence * 100)}%`;
      confidenceText.textContent = says.confidenceText;
      rationale.textContent = says.rationale;
      source.textContent = says.source;
      error.textContent = says.error;
      help.hidden = !says.help;
    },
    /** What the suggester says of itself (a learner: how far it has learned). @param {string} text */
    paintStatus(text) {
      suggesterStatus.textContent = text;
    },
    /** @param {boolean} done */
    setDone(done) {
      box.hidden = done || !shown;
    },
  };
}
