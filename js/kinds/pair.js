// @ts-check
/**
 * Two outputs judged side by side: the answer part for `config.kind === "pair"` (the interface is in answer-part.js).
 *
 * Python sends each item's layout for this person (`item.view`: which output is on the left, which on the right,
 * drawn per item and per person) and the label set of outcomes in key order: the first output, the second, "tie",
 * and "both_bad" when asked for. Keys and buttons speak of sides ("1 left better"); the answer sent back names the
 * output shown on that side, never the side, so a person's answer means the same whichever way it was laid out.
 * Output names are not shown before the answer: a judgment is of the text, not of the system that wrote it.
 */

import { h } from "../dom.js";

/**
 * @typedef {import("./answer-part.js").PartContext} PartContext
 * @typedef {import("./answer-part.js").AnswerPart} AnswerPart
 * @typedef {import("./answer-part.js").ContentPart} ContentPart
 * @typedef {import("./answer-part.js").Intent} Intent
 * @typedef {import("./answer-part.js").Shown} Shown
 * @typedef {import("../labeler/decide.js").Item} Item
 * @typedef {{name: string, text: string, length: number}} Output
 * @typedef {{left: Output, right: Output, missing: string[], identical: boolean}} PairView
 */

/** The outcome a label of the set stands for, given the item's layout: the label set's first two labels are the
 * outputs in the order Python lists them; keys 1 and 2 choose by side. Pure: unit-tested.
 * @param {string[]} names the label names in key order @param {string} labelName the label a key or button chose
 * @param {PairView | null} view @returns {string | null} the answer to send (an output's name, "tie", ...), or null
 * while the item's layout is unknown */
export function outcomeOf(names, labelName, view) {
  const index = names.indexOf(labelName);
  if (index > 1) return labelName;
  if (!view) return null;
  return index === 0 ? view.left.name : index === 1 ? view.right.name : null;
}

/** Which button (by label position) shows an answer on this layout: 0 left, 1 right, 2.. the others; -1 none. Pure.
 * @param {string[]} names @param {unknown} answer @param {PairView | null} view */
export function positionOf(names, answer, view) {
  if (typeof answer !== "string") return -1;
  if (view && answer === view.left.name) return 0;
  if (view && answer === view.right.name) return 1;
  const index = names.indexOf(answer);
  return index > 1 ? index : -1;
}

/** What a button says, by label position. @param {number} index @param {string} name */
function buttonText(index, name) {
  if (index === 0) return "Left better";
  if (index === 1) return "Right better";
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** @returns {ContentPart} */
function createPairView() {
  const fields = h("div", "lw-fields");
  const prompt = h("div", "lw-text lw-pair-prompt");
  prompt.setAttribute("data-testid", "lw-text");
  prompt.dir = "auto";
  const notice = h("div", "lw-pair-notice");
  notice.setAttribute("role", "note");
  notice.hidden = true;
  const grid = h("div", "lw-pair");
  /** @param {string} side */
  function pane(side) {
    const box = h("section", "lw-pair-output");
    box.setAttribute("aria-label", `${side} output`);
    box.setAttribute("data-testid", `lw-pair-${side.toLowerCase()}`);
    const body = h("div", "lw-text lw-pair-text");
    body.dir = "auto";
    body.tabIndex = 0; // scrollable from the keyboard too
    box.append(h("div", "lw-pair-side", side), body);
    grid.append(box);
    return body;
  }
  const left = pane("Left");
  const right = pane("Right");

  /** @param {HTMLElement} body @param {Output} output */
  function fill(body, output) {
    const empty = !output.text.trim();
    body.textContent = empty ? "(empty: this output cannot win)" : output.text;
    body.classList.toggle("lw-empty", empty);
    if (output.length > output.text.length) body.append(h("div", "lw-pair-cut", `… cut at ${output.text.length.toLocaleString()} of ${output.length.toLocaleString()} characters`));
  }

  return {
    nodes: [fields, prompt, notice, grid],
    paint(item) {
      fields.replaceChildren();
      const view = /** @type {PairView | null} */ (item?.view ?? null);
      if (!item || !view) {
        prompt.textContent = "Loading…";
        left.textContent = right.textContent = "";
        notice.hidden = true;
        return;
      }
      for (const [name, value] of Object.entries(item.fields)) {
        const field = h("span", "lw-field");
        field.append(h("span", "lw-field-name", `${name}: `), h("span", "lw-field-value", value));
        fields.append(field);
      }
      prompt.textContent = item.text === null || item.text === "" ? "(no prompt)" : item.text;
      prompt.classList.toggle("lw-empty", !item.text);
      fill(left, view.left);
      fill(right, view.right);
      const says = [];
      if (view.identical) says.push("The two outputs are identical.");
      if (view.missing.length) says.push(`${view.missing.length === 2 ? "Both outputs are" : "One output is"} empty: it cannot be the better one.`);
      notice.textContent = says.join(" ");
      notice.hidden = !says.length;
    },
    showFull() {},
    reset() {},
    setDone(done) {
      prompt.hidden = grid.hidden = done;
      if (done) {
        notice.hidden = true;
        fields.replaceChildren();
      }
    },
  };
}

/** @param {PartContext} ctx @returns {AnswerPart} */
export function create({ labels, keymap, shown, perform }) {
  const names = labels.map((l) => l.name);
  const content = createPairView();
  const group = h("div", "lw-labels lw-pair-verdicts");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Verdict");
  /** @type {HTMLButtonElement[]} */
  const buttons = labels.map((label, index) => {
    const button = /** @type {HTMLButtonElement} */ (h("button", "lw-btn lw-label"));
    button.type = "button";
    button.append(h("kbd", "lw-key", label.key ?? ""), h("span", "lw-label-name", buttonText(index, label.name)));
    button.addEventListener("click", () => perform(choose(label.name)));
    group.append(button);
    return button;
  });

  const viewOf = () => /** @type {PairView | null} */ (shown().item?.view ?? null);

  /** @param {string} labelName @returns {Intent} */
  function choose(labelName) {
    const view = viewOf();
    const answer = outcomeOf(names, labelName, view);
    if (answer === null) return { do: "notice", message: "The item is still loading." };
    if (view && view.missing.includes(answer)) {
      return { do: "notice", message: "That output is empty, so it cannot be the better one: answer tie, or skip." };
    }
    return { do: "decide", intent: "label", answer };
  }

  /** @param {string} className @param {unknown} answer */
  function mark(className, answer) {
    const at = positionOf(names, answer, viewOf());
    buttons.forEach((button, index) => button.classList.toggle(className, index === at));
  }

  return {
    nodes: [group],
    content,
    keysSay: "1 left better, 2 right better, 3 tie",
    suggestionKeys: `${keymap.hint("accept")} accept · ${keymap.hint("reject")} reject · 1 2 3 judge`,
    actions: [],
    act: () => null,
    onKey(key) {
      const meaning = keymap.meaning(key);
      return meaning?.label != null ? choose(meaning.label) : null;
    },
    paint: (now) => mark("lw-chosen", now.decision?.label ?? null),
    suggest: (now) => mark("lw-suggested", now.suggestion?.label ?? null),
    reset() {},
    setDone(done) {
      group.hidden = done;
    },
  };
}

