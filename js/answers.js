// @ts-check
/**
 * Answers and keys, without the DOM: what the labeler view needs to know about the kind of answer it edits and
 * about the keymap Python sends it. Pure functions, unit-tested with `node --test js/tests`.
 *
 * An answer is what Python's kind sends for the view: a label name (one label per item) or a list of names in
 * label-set order (several labels per item; the empty list is "none of these"). `null` is no answer.
 */

/**
 * @typedef {string | string[] | null} Answer
 * @typedef {{name: string, keys: string[], button: string | null, does: string}} KeyAction
 */

/** Whether two answers are the same answer (lists compare as sets). @param {Answer} a @param {Answer} b */
export function sameAnswer(a, b) {
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    const inB = new Set(b);
    return a.every((name) => inB.has(name));
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

/** Key -> action name, from the keymap Python sends (letters match in either case). @param {KeyAction[]} keymap */
export function keyActions(keymap) {
  /** @type {Map<string, string>} */
  const byKey = new Map();
  for (const action of keymap) for (const key of action.keys) byKey.set(key, action.name);
  return byKey;
}

const SHOWN = /** @type {Record<string, string>} */ ({ " ": "space", ArrowLeft: "←", ArrowRight: "→", Enter: "↵", Escape: "Esc", Backspace: "⌫" });

/** The first key of an action as its button shows it. @param {KeyAction} action */
export function keyHint(action) {
  const key = action.keys[0] ?? "";
  return SHOWN[key] ?? key;
}

/** One sentence for screen readers: what the keys do. @param {KeyAction[]} keymap @param {boolean} multi */
export function keyboardSummary(keymap, multi) {
  const parts = [multi ? "number keys toggle labels" : "number keys label"];
  for (const action of keymap) {
    if (action.name === "find" || action.name === "release") continue;
    parts.push(`${action.keys.map((k) => SHOWN[k] ?? k).join(" or ")} ${action.name === "none" ? "none of these" : action.name}`);
  }
  return `Labeler: ${parts.join(", ")}`;
}
