// @ts-check
/**
 * The item as text: its fields, its text (cut by Python when long, with a button to ask for all of it). The
 * labeler's content part for every kind whose item is one text (see kinds/answer-part.js: ContentPart).
 */

import { h } from "../dom.js";

/**
 * @typedef {import("./decide.js").Item} Item
 * @typedef {import("../kinds/answer-part.js").ContentPart} ContentPart
 */

/** @param {{showAll: () => void}} options showAll: ask Python for the whole text of the item shown @returns {ContentPart} */
export function createTextView({ showAll }) {
  const fields = h("div", "lw-fields");
  const textBox = h("div", "lw-text");
  textBox.setAttribute("data-testid", "lw-text");
  textBox.dir = "auto"; // right-to-left text lays out right to left
  const expander = /** @type {HTMLButtonElement} */ (h("button", "lw-btn lw-expand"));
  expander.type = "button";
  expander.addEventListener("click", showAll);
  /** whether the item shown has its whole text (asked for with the expander) */
  let expanded = false;

  return {
    nodes: [fields, textBox, expander],
    paint(item) {
      fields.replaceChildren();
      if (!item) {
        textBox.textContent = "Loading…";
        textBox.classList.add("lw-empty");
        expander.hidden = true;
        return;
      }
      for (const [name, value] of Object.entries(item.fields)) {
        const field = h("span", "lw-field");
        const shown = h("span", "lw-field-value", value);
        shown.dir = "auto";
        field.append(h("span", "lw-field-name", `${name}: `), shown);
        fields.append(field);
      }
      if (item.text === null || item.text === "") {
        textBox.textContent = "(empty)";
        textBox.classList.add("lw-empty");
      } else {
        textBox.textContent = item.text;
        textBox.classList.remove("lw-empty");
      }
      const truncated = item.text !== null && item.length > item.text.length;
      expander.hidden = !truncated || expanded;
      if (truncated && !expanded) expander.textContent = `Show all (${item.length.toLocaleString()} characters)`;
    },
    showFull(text, length) {
      expanded = true;
      textBox.textContent = text;
      expander.hidden = length <= text.length;
      if (!expander.hidden) expander.textContent = `Showing the first ${text.length.toLocaleString()} characters`;
    },
    reset() {
      expanded = false;
    },
    setDone(done) {
      textBox.hidden = done;
      if (done) {
        expander.hidden = true;
        fields.replaceChildren();
      }
    },
  };
}
