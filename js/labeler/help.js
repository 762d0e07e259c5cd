// @ts-check
/** What the person can read about the task: the guidelines (folded), and what each key does for screen readers. */

import { h } from "../dom.js";

/** @param {string | null | undefined} text the guidelines, as text; none: the box is hidden */
export function createGuidelines(text) {
  const guidelines = /** @type {HTMLDetailsElement} */ (h("details", "lw-guidelines"));
  if (text) {
    const body = h("div", "lw-guidelines-text", text);
    body.dir = "auto";
    guidelines.append(h("summary", "", "Guidelines"), body);
  } else {
    guidelines.hidden = true;
  }
  return guidelines;
}

/**
 * The labeler's root: focusable, an application for screen readers whose label says every key, and one whose keys
 * Lumino (JupyterLab, Notebook 7) leaves alone. @param {string} keysSay the keymap's sentence (keymap.summary)
 */
export function createRoot(keysSay) {
  const root = h("div", "lw-labeler lw-themed");
  root.tabIndex = 0;
  root.setAttribute("role", "application");
  root.setAttribute("aria-label", keysSay);
  // Lumino skips its shortcuts for events from inside this element.
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.setAttribute("data-p-suppress-shortcuts", "true");
  return root;
}
