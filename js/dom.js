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

/**
 * Run `task` once the next frame has been painted. Work that forces a layout or wakes the host's handlers
 * (focusing the widget makes JupyterLab select the cell, redraw its toolbar and lay the page out: about 20 ms
 * on a slow machine), or that costs the page's thread time (a widget message in marimo is an HTTP request), goes
 * here, so that it never holds back the first paint of an item. A page that paints no frames (a background tab)
 * runs it after `latestMs` all the same.
 * @param {() => void} task @param {number} [latestMs]
 */
export function afterPaint(task, latestMs = 100) {
  let ran = false;
  const run = () => {
    if (ran) return;
    ran = true;
    clearTimeout(timer);
    task();
  };
  const timer = setTimeout(run, latestMs);
  requestAnimationFrame(() => {
    const channel = new MessageChannel(); // a task, unclamped: runs right after the frame, unlike setTimeout
    channel.port1.onmessage = () => {
      channel.port1.close();
      run();
    };
    channel.port2.postMessage(null);
  });
}
