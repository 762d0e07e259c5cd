// @ts-check
/**
 * The controls of the kinds whose answers are labels (single, multi): a button per label that has a key, and, when
 * some labels have none, a picker to find one by typing. A combobox over a listbox: arrow keys move the active
 * option, which screen readers announce. Text is set as text, never as HTML.
 */

import { hasLabel } from "../answers.js";
import { h } from "../dom.js";

/**
 * @typedef {import("../answers.js").Answer} Answer
 * @typedef {import("../keymap.js").Label} Label
 */

const PICKER_SHOWS = 12;

/** The labels whose names contain `query` (any case), at most `limit`. @param {Label[]} labels @param {string} query @param {number} limit */
export function findLabels(labels, query, limit = PICKER_SHOWS) {
  const wanted = query.trim().toLowerCase();
  return labels.filter((l) => l.name.toLowerCase().includes(wanted)).slice(0, limit);
}

/**
 * @param {{labels: Label[], toggles: boolean, onChoose: (name: string) => void, focus: () => void}} options
 *   toggles: each button is a toggle (aria-pressed), as for several labels per item; focus: back to the labeler
 */
export function createLabelControls({ labels, toggles, onChoose, focus }) {
  const group = h("div", "lw-labels");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", toggles ? "Labels (toggle each that applies)" : "Labels");
  /** @type {Map<string, HTMLButtonElement>} */
  const buttons = new Map();
  for (const label of labels.filter((l) => l.key)) {
    const button = /** @type {HTMLButtonElement} */ (h("button", "lw-btn lw-label"));
    button.type = "button";
    const name = h("span", "lw-label-name", label.name);
    name.dir = "auto";
    button.append(h("kbd", "lw-key", /** @type {string} */ (label.key)), name);
    if (label.description) button.title = label.description;
    if (toggles) button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => onChoose(label.name));
    buttons.set(label.name, button);
    group.append(button);
  }

  const everyLabelHasAKey = labels.every((l) => l.key);
  const picker = h("div", "lw-picker");
  const input = /** @type {HTMLInputElement} */ (h("input", "lw-picker-input"));
  input.placeholder = `Type to find one of ${labels.length} labels, Enter to choose (/)`;
  input.setAttribute("aria-label", "Find a label");
  const list = h("div", "lw-picker-list");
  const listId = `lw-picker-${Math.random().toString(36).slice(2)}`;
  list.id = listId;
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Labels found");
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-controls", listId);
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  picker.append(input, list);
  picker.hidden = everyLabelHasAKey;
  let active = 0;

  /** @param {string} name */
  function pick(name) {
    input.value = "";
    focus();
    onChoose(name);
  }

  function renderPicker() {
    const matches = findLabels(labels, input.value);
    active = Math.max(0, Math.min(active, matches.length - 1));
    input.setAttribute("aria-expanded", String(matches.length > 0));
    input.setAttribute("aria-activedescendant", matches.length ? `${listId}-${active}` : "");
    list.replaceChildren(...matches.map((l, i) => {
      const option = h("div", "lw-picker-option" + (i === active ? " lw-active" : ""), l.name);
      option.id = `${listId}-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(i === active));
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pick(l.name);
      });
      return option;
    }));
    return matches;
  }

  // The picker's keys are its own: the labeler and Jupyter never see them (Ctrl, Meta and Alt keys excepted).
  input.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    event.stopPropagation();
    const matches = renderPicker();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      active += event.key === "ArrowDown" ? 1 : -1;
      renderPicker();
      event.preventDefault();
    } else if (event.key === "Enter" && matches.length) {
      event.preventDefault();
      const chosen = matches[active].name;
      input.value = "";
      renderPicker();
      focus();
      onChoose(chosen);
    } else if (event.key === "Escape") {
      focus();
    }
  });
  input.addEventListener("focus", () => renderPicker());
  input.addEventListener("input", () => {
    active = 0;
    renderPicker();
  });

  return {
    group,
    picker,
    /** The buttons of the labels in `chosen` (a name or a list; null: none) shown as chosen. @param {Answer} chosen */
    mark(chosen) {
      for (const [name, button] of buttons) {
        const on = chosen !== null && hasLabel(chosen, name);
        button.classList.toggle("lw-chosen", on);
        if (toggles) button.setAttribute("aria-pressed", String(on));
      }
    },
    /** The buttons of the labels suggested (null: no suggestion) marked as such. @param {Answer} suggested */
    suggest(suggested) {
      for (const [name, button] of buttons) button.classList.toggle("lw-suggested", suggested !== null && hasLabel(suggested, name));
    },
    /** The picker's key (/): into the picker, when it shows. */
    find() {
      if (!picker.hidden) input.focus();
    },
    /** @param {boolean} done */
    setDone(done) {
      group.hidden = done;
      picker.hidden = done || everyLabelHasAKey;
    },
  };
}
