// @ts-check
/**
 * Whether the keyboard is inside a widget's element. The focused element is asked of the element's own root, its
 * document or the shadow root it lives in: inside a shadow root (marimo shows widgets in one) `document.activeElement`
 * is the shadow host, never the widget, and a test against it says "not focused" while keys work.
 * Unit-tested with `node --test js/tests`.
 */

/**
 * @param {{getRootNode(): object, contains(other: unknown): boolean}} element the widget's root element
 * @returns {boolean} the focused element of the element's root is the element or inside it
 */
export function hasFocusWithin(element) {
  const active = /** @type {{activeElement?: unknown}} */ (element.getRootNode()).activeElement;
  return active != null && element.contains(active);
}
