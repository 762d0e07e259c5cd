// @ts-check
/**
 * The row of action buttons, one for each action of the keymap that has a button and something to do it, in the
 * keymap's order, each showing its key; and the note for the item, sent with the next decision.
 */

import { h } from "../dom.js";

/** @typedef {import("../keymap.js").Keymap} Keymap */

/**
 * @param {{keymap: Keymap, handlers: Record<string, () => void>, suggestions: boolean, focus: () => void}} options
 *   handlers: what each action does (actions without one get no button); suggestions: a suggester is attached
 *   (else Accept and Reject are hidden); focus: give the keyboard back to the labeler
 */
export function createActions({ keymap, handlers, suggestions, focus }) {
  const row = h("div", "lw-actions");
  /** @type {Map<string, HTMLButtonElement>} */
  const buttons = new Map();
  for (const action of keymap.actions) {
    const onClick = handlers[action.name];
    if (!action.button || !onClick) continue;
    const button = /** @type {HTMLButtonElement} */ (h("button", "lw-btn lw-action"));
    button.type = "button";
    button.append(h("span", "", action.button), h("kbd", "lw-key", keymap.hint(action.name)));
    button.title = action.does.replaceAll("*", "");
    button.addEventListener("click", onClick);
    row.append(button);
    buttons.set(action.name, button);
  }
  const spare = () => /** @type {HTMLButtonElement} */ (h("button")); // an action this kind has no button for
  const accept = buttons.get("accept") ?? spare();
  const reject = buttons.get("reject") ?? spare();
  accept.hidden = reject.hidden = !suggestions;

  const note = /** @type {HTMLInputElement} */ (h("input", "lw-note"));
  note.placeholder = "Note (optional)";
  note.dir = "auto";
  note.setAttribute("aria-label", "Note for this item");
  // Typing a note is not labeling: its keys stay in it; Enter or Esc hands the keyboard back to the labeler.
  note.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    event.stopPropagation();
    if (event.key === "Enter" || event.key === "Escape") {
      event.preventDefault();
      focus();
    }
  });
  row.append(note);

  return {
    node: row,
    /** The note typed for the item shown, null when none. */
    note: () => note.value || null,
    clearNote() {
      note.value = "";
    },
    /** Accept and Reject work only on a suggestion that can be accepted. @param {boolean} ready */
    suggestionReady(ready) {
      accept.disabled = reject.disabled = !ready;
    },
    /** @param {boolean} done */
    setDone(done) {
      accept.disabled = reject.disabled = done || accept.disabled;
    },
  };
}
