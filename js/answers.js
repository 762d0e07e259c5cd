// @ts-check
/**
 * Answers, without the DOM: what the labeler view needs to know about the answers it shows and sends (the keys are
 * keymap.js's). Pure functions, unit-tested with `node --test js/tests`.
 *
 * An answer is what Python's kind sends for the view: a label name (one label per item) or a list of names in
 * label-set order (several labels per item; the empty list is "none of these"). `null` is no answer.
 */

/**
 * @typedef {string | string[] | null} Answer
 */

/** Whether two answers are the same answer (lists compare as sets). @param {Answer} a @param {Answer} b */
export function sameAnswer(a, b) {
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    const inB = new Set(b.map((x) => JSON.stringify(x))); // names, or spans ([start, end, label]) compared by value
    return a.every((x) => inB.has(JSON.stringify(x)));
  }
  return a === b;
}

/** `names` in the order of `order` (the label set), each once. @param {Iterable<string>} names @param {string[]} order */
export function inLabelOrder(names, order) {
  const chosen = new Set(names);
  return order.filter((name) => chosen.has(name));
}

/** `draft` with `name` toggled, in label-set order. @param {string[]} draft @param {string} name @param {string[]} order */
export function toggled(draft, name, order) {
  const chosen = new Set(draft);
  if (chosen.has(name)) chosen.delete(name);
  else chosen.add(name);
  return inLabelOrder(chosen, order);
}

/** An answer as a person reads it. @param {Answer} answer */
export function describeAnswer(answer) {
  if (answer === null) return "";
  if (Array.isArray(answer) && answer.some((x) => Array.isArray(x))) {
    const labels = answer.map((x) => String(/** @type {unknown[]} */ (/** @type {unknown} */ (x))[2]));
    return `${answer.length} span${answer.length === 1 ? "" : "s"}: ${labels.join(", ")}`;
  }
  if (Array.isArray(answer)) return answer.length ? answer.join(" + ") : "none of these";
  return answer;
}

/** Whether `answer` contains (a list) or is (a name) the label `name`. @param {Answer} answer @param {string} name */
export function hasLabel(answer, name) {
  return Array.isArray(answer) ? answer.includes(name) : answer === name;
}

/**
 * What a decision is called, as Python names it: accepted when the answer is the suggestion shown.
 * @param {string} intent @param {Answer} answer @param {Answer} suggested null when none was shown
 */
export function actionFor(intent, answer, suggested) {
  if (intent === "skip") return "skipped";
  if (intent === "reject") return "rejected";
  if (intent === "accept") return "accepted";
  if (suggested === null) return "labeled";
  return sameAnswer(answer, suggested) ? "accepted" : "corrected";
}
