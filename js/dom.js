// @ts-check
/** DOM helpers shared by the widgets. Text is always set as text (textContent), never parsed as HTML. */

/** An element with a class and text. @param {string} tag @param {string} [cls] @param {string} [text] */
export function h(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** `text` cut to `limit` characters, with an ellipsis when cut. @param {string} text @param {number} limit */
export function clip(text, limit) {
  return text.length > limit ? text.slice(0, limit) + "…" : text;
}
