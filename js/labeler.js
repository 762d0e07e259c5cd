// @ts-check
/**
 * The labeler view. The browser owns the pace: a key press shows the next item from a
 * local window at once, then tells Python. Python answers with acknowledgements, item
 * updates and suggestions as custom messages; only a window of items is ever held here.
 *
 * Item text and every label, field and note are set with textContent, never as HTML.
 */

/**
 * @typedef {{name: string, description: string, key: string | null}} Label
 * @typedef {{action: string, label: string | null, annotator?: string, note?: string | null}} DecisionView
 * @typedef {{label: string | null, confidence: number | null, confidence_source: string | null,
 *   rationale: string | null, model: string | null, raw: string | null, error: string | null}} SuggestionView
 * @typedef {{rank: number, key: string, text: string | null, length: number, fields: Record<string, string>,
 *   decision: DecisionView | null, stale: DecisionView | null, suggestion_status: string,
 *   suggestion: SuggestionView | null}} Item
 * @typedef {{seq: number, message: Record<string, any>, sentAt: number, rank: number | null}} Pending
 * @typedef {{
 *   get: (name: string) => any, set: (name: string, value: any) => void, save_changes: () => void,
 *   send: (content: any) => void, on: (event: string, cb: (...args: any[]) => void) => void,
 *   off: (event: string, cb: (...args: any[]) => void) => void
 * }} Model
 */

const RESEND_AFTER_MS = 2500;
const CACHE_LIMIT = 600;

/** @param {string} tag @param {string} [cls] @param {string} [text] */
function h(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {{model: Model, el: HTMLElement}} ctx */
function render({ model, el }) {
  const clientId = Math.random().toString(36).slice(2) + Date.now().toString(36);
  /** @type {Label[]} */
  const labels = model.get("labels");
  const config = model.get("config");
  const n = model.get("n_items");
  const keyToLabel = new Map(labels.filter((l) => l.key).map((l) => [/** @type {string} */ (l.key), l.name]));

  /** @type {Map<number, Item>} */
  const cache = new Map();
  /** rank -> decision shown before Python confirmed it */
  /** @type {Map<number, DecisionView>} */
  const overlay = new Map();
  /** @type {Map<number, Pending>} */
  const pending = new Map();
  /** ranks decided in this view, newest last, for an undo that shows at once */
  /** @type {number[]} */
  const decidedHere = [];
  /** @type {number[]} */
  let upcoming = [];
  /** @type {number | null} */
  let firstUndecided = null;
  let rank = model.get("position");
  let seq = 0;
  let requestId = 0;
  let shownAt = performance.now();
  let lastError = "";
  let notice = "";
  let expanded = false;
  let firstWindow = true;

  // ----- layout -------------------------------------------------------------------
  const root = h("div", "lw-labeler");
  root.tabIndex = 0;
  root.setAttribute("role", "application");
  root.setAttribute("aria-label", "Labeler: number keys label, Enter accepts, x rejects, Space skips, z undoes");
  // Lumino (JupyterLab, Notebook 7) skips its shortcuts for events from inside this element.
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.setAttribute("data-p-suppress-shortcuts", "true");

  const header = h("div", "lw-header");
  const position = h("span", "lw-position");
  const progress = h("div", "lw-progress");
  const progressBar = h("div", "lw-progress-bar");
  progress.append(progressBar);
  const saveState = h("span", "lw-save");
  const focusHint = h("span", "lw-focus-hint", "click to label with the keyboard");
  header.append(position, progress, saveState, focusHint);

  const guidelines = /** @type {HTMLDetailsElement} */ (h("details", "lw-guidelines"));
  if (config.guidelines) {
    guidelines.append(h("summary", "", "Guidelines"), h("div", "lw-guidelines-text", config.guidelines));
  } else {
    guidelines.hidden = true;
  }

  const banner = h("div", "lw-banner");
  const fields = h("div", "lw-fields");
  const textBox = h("div", "lw-text");
  textBox.setAttribute("data-testid", "lw-text");
  const expander = /** @type {HTMLButtonElement} */ (h("button", "lw-btn lw-expand"));
  expander.type = "button";
  const state = h("div", "lw-state");

  const suggestionBox = h("div", "lw-suggestion");
  suggestionBox.hidden = !config.has_suggester;
  const suggestionLabel = h("span", "lw-suggestion-label");
  const confidence = h("span", "lw-confidence");
  const confidenceBar = h("span", "lw-confidence-bar");
  confidence.append(confidenceBar);
  const confidenceText = h("span", "lw-confidence-text");
  const suggestionHelp = h("span", "lw-suggestion-help", "Enter accept · x reject · number correct");
  const rationale = h("div", "lw-rationale");
  suggestionBox.append(h("span", "lw-suggestion-title", "Suggested"), suggestionLabel, confidence, confidenceText,
    suggestionHelp, rationale);

  const buttons = h("div", "lw-labels");
  /** @type {Map<string, HTMLButtonElement>} */
  const labelButtons = new Map();
  for (const label of labels.filter((l) => l.key)) {
    const button = /** @type {HTMLButtonElement} */ (h("button", "lw-btn lw-label"));
    button.type = "button";
    button.append(h("kbd", "lw-key", /** @type {string} */ (label.key)), h("span", "lw-label-name", label.name));
    if (label.description) button.title = label.description;
    button.addEventListener("click", () => chooseLabel(label.name));
    labelButtons.set(label.name, button);
    buttons.append(button);
  }
  const picker = h("div", "lw-picker");
  const pickerInput = /** @type {HTMLInputElement} */ (h("input", "lw-picker-input"));
  pickerInput.placeholder = `Type to find one of ${labels.length} labels, Enter to choose (/)`;
  pickerInput.setAttribute("aria-label", "Find a label");
  const pickerList = h("div", "lw-picker-list");
  picker.append(pickerInput, pickerList);
  picker.hidden = labels.every((l) => l.key);
  let pickerIndex = 0;

  const actions = h("div", "lw-actions");
  /** @param {string} text @param {string} key @param {() => void} onClick */
  const actionButton = (text, key, onClick) => {
    const button = /** @type {HTMLButtonElement} */ (h("button", "lw-btn lw-action"));
    button.type = "button";
    button.append(h("span", "", text), h("kbd", "lw-key", key));
    button.addEventListener("click", onClick);
    actions.append(button);
    return button;
  };
  const acceptButton = actionButton("Accept", "↵", () => act("accept"));
  const rejectButton = actionButton("Reject", "x", () => act("reject"));
  acceptButton.hidden = rejectButton.hidden = !config.has_suggester;
  actionButton("Back", "←", () => move(rank - 1));
  actionButton("Skip", "space", () => act("skip"));
  actionButton("Undo", "z", () => undo());
  actionButton("Forward", "→", () => move(rank + 1));
  const note = /** @type {HTMLInputElement} */ (h("input", "lw-note"));
  note.placeholder = "Note (optional)";
  note.setAttribute("aria-label", "Note for this item");
  actions.append(note);

  const footer = h("div", "lw-footer");
  const doneBox = h("div", "lw-done");
  doneBox.hidden = true;

  root.append(header, guidelines, banner, fields, textBox, expander, state, suggestionBox, buttons, picker, actions,
    doneBox, footer);
  el.append(root);

  // ----- state helpers ----------------------------------------------------------------
  /** @param {number} r */
  const decisionOf = (r) => overlay.get(r) ?? cache.get(r)?.decision ?? null;
  /** @param {number} r */
  const isDecided = (r) => decisionOf(r) !== null;

  /** @param {number} after */
  function nextRank(after) {
    for (const r of upcoming) if (r > after && !isDecided(r)) return r;
    if (firstUndecided !== null && firstUndecided !== after && !isDecided(firstUndecided)) return firstUndecided;
    if (upcoming.length && upcoming[upcoming.length - 1] < n - 1) return after + 1 < n ? after + 1 : null;
    return null;
  }

  /** @param {Item} item */
  function remember(item) {
    cache.set(item.rank, item);
    if (cache.size > CACHE_LIMIT) {
      for (const r of cache.keys()) {
        if (Math.abs(r - rank) > CACHE_LIMIT / 2) cache.delete(r);
        if (cache.size <= CACHE_LIMIT * 0.8) break;
      }
    }
  }

  /** @param {number} r */
  function requestWindow(r) {
    requestId += 1;
    model.send({ type: "window", rank: r, request: requestId });
  }

  /** @param {Record<string, any>} message */
  function sendTracked(message) {
    seq += 1;
    const full = { ...message, seq, client: clientId };
    pending.set(seq, { seq, message: full, sentAt: performance.now(), rank: message.rank ?? null });
    model.send(full);
    renderSave();
    return seq;
  }

  // ----- actions --------------------------------------------------------------------
  /** @param {string} name */
  function chooseLabel(name) {
    act("label", name);
  }

  /** @param {string} intent @param {string} [label] */
  function act(intent, label) {
    const item = cache.get(rank);
    if (!item || !doneBox.hidden) return; // nothing shown, or "all done": keys must not relabel the last item
    const suggestion = item.suggestion_status === "ready" ? item.suggestion : null;
    if ((intent === "accept" || intent === "reject") && !suggestion) {
      flash(config.has_suggester ? "No suggestion to " + intent + " yet: press a number key to label." :
        "No suggester attached: press a number key to label.");
      return;
    }
    /** @type {DecisionView} */
    let view;
    if (intent === "skip") view = { action: "skipped", label: null };
    else if (intent === "reject") view = { action: "rejected", label: null };
    else if (intent === "accept") view = { action: "accepted", label: suggestion?.label ?? null };
    else view = { action: !suggestion ? "labeled" : label === suggestion.label ? "accepted" : "corrected", label: label ?? null };
    const seconds = (performance.now() - shownAt) / 1000;
    overlay.set(rank, view);
    decidedHere.push(rank);
    sendTracked({
      type: "decide", intent, label: label ?? null, rank, seconds, note: note.value || null,
      suggestion_visible: !!suggestion,
    });
    note.value = "";
    const next = nextRank(rank);
    if (next === null) {
      showDone();
    } else {
      show(next);
    }
    if (upcoming.filter((r) => r > rank && !isDecided(r)).length < config.window_ahead / 2) requestWindow(rank);
    tellPosition();
  }

  function undo() {
    const last = decidedHere.pop();
    sendTracked({ type: "undo" });
    if (last !== undefined) {
      overlay.delete(last);
      const item = cache.get(last);
      if (item) item.decision = null;
      show(last);
      tellPosition();
    }
  }

  /** @param {number} r */
  function move(r) {
    if (!doneBox.hidden) r = rank; // from "all done", Back shows the last item again
    if (r < 0 || r >= n) return;
    show(r);
    tellPosition();
    if (!cache.has(r + 1) || !cache.has(r - 1)) requestWindow(r);
  }

  function tellPosition() {
    model.set("position", rank);
    model.save_changes();
  }

  // ----- rendering ------------------------------------------------------------------
  /** @param {number} r */
  function show(r) {
    if (r !== rank) {
      shownAt = performance.now();
      expanded = false;
    }
    rank = r;
    doneBox.hidden = true;
    textBox.hidden = false;
    paint();
    if (!cache.has(r)) requestWindow(r);
  }

  function paint() {
    const item = cache.get(rank);
    position.textContent = `${(rank + 1).toLocaleString()} / ${n.toLocaleString()}`;
    renderProgress();
    fields.replaceChildren();
    if (!item) {
      textBox.textContent = "Loading…";
      textBox.classList.add("lw-empty");
      expander.hidden = true;
      state.textContent = "";
      paintSuggestion(null);
      return;
    }
    for (const [name, value] of Object.entries(item.fields)) {
      const field = h("span", "lw-field");
      field.append(h("span", "lw-field-name", `${name}: `), h("span", "lw-field-value", value));
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
    if (truncated && !expanded) {
      expander.textContent = `Show all (${item.length.toLocaleString()} characters)`;
    }
    const decision = decisionOf(rank);
    state.replaceChildren();
    if (decision) {
      const what = decision.label ? `${decision.label} (${decision.action})` : decision.action;
      state.append(h("span", "lw-decided", `Decided: ${what}`));
      if (pending.size && overlay.has(rank)) state.append(h("span", "lw-unsaved", " · saving"));
    }
    if (item.stale && !decision) {
      state.append(h("span", "lw-stale",
        `Labeled "${item.stale.label ?? item.stale.action}" before its text changed: please review.`));
    }
    for (const [name, button] of labelButtons) {
      button.classList.toggle("lw-chosen", !!decision && decision.label === name);
    }
    paintSuggestion(item);
  }

  /** @param {Item | null} item */
  function paintSuggestion(item) {
    if (!config.has_suggester) return;
    const status = item?.suggestion_status ?? "none";
    const suggestion = item?.suggestion ?? null;
    suggestionBox.classList.toggle("lw-waiting", status === "pending" || status === "none" || status === "hidden");
    suggestionBox.classList.toggle("lw-invalid", status === "invalid");
    rationale.textContent = "";
    confidence.hidden = true;
    confidenceText.textContent = "";
    for (const [name, button] of labelButtons) button.classList.toggle("lw-suggested", false);
    acceptButton.disabled = rejectButton.disabled = status !== "ready";
    if (status === "ready" && suggestion) {
      suggestionLabel.textContent = suggestion.label ?? "";
      labelButtons.get(suggestion.label ?? "")?.classList.add("lw-suggested");
      if (suggestion.confidence !== null && suggestion.confidence !== undefined) {
        confidence.hidden = false;
        confidenceBar.style.width = `${Math.round(suggestion.confidence * 100)}%`;
        confidenceText.textContent = `${Math.round(suggestion.confidence * 100)}%` +
          (suggestion.confidence_source ? ` (${suggestion.confidence_source})` : "");
      }
      if (suggestion.rationale) rationale.textContent = suggestion.rationale;
      suggestionHelp.hidden = false;
    } else if (status === "hidden") {
      suggestionLabel.textContent = "hidden for a blind check: label it yourself";
      suggestionHelp.hidden = true;
    } else if (status === "invalid" && suggestion) {
      suggestionLabel.textContent = "invalid";
      rationale.textContent = (suggestion.error ?? "") + (suggestion.raw ? ` — model said: ${suggestion.raw}` : "");
      suggestionHelp.hidden = true;
    } else {
      suggestionLabel.textContent = "waiting…";
      suggestionHelp.hidden = true;
    }
  }

  function renderProgress() {
    const status = model.get("status");
    let newlyDecided = 0;
    for (const [r] of overlay) if (!cache.get(r)?.decision) newlyDecided += 1;
    const decided = Math.min(n, status.decided + newlyDecided);
    progressBar.style.width = `${(100 * decided) / n}%`;
    progress.title = `${decided.toLocaleString()} of ${n.toLocaleString()} decided`;
  }

  function renderSave() {
    const status = model.get("status");
    saveState.classList.toggle("lw-memory", !status.durable);
    saveState.classList.toggle("lw-pending", pending.size > 0);
    saveState.classList.toggle("lw-failed", !!lastError);
    if (lastError) saveState.textContent = `Not saved: ${lastError}`;
    else if (pending.size) saveState.textContent = `Saving ${pending.size}…`;
    else if (!status.durable) saveState.textContent = "Memory only: not saved to disk";
    else saveState.textContent = "Saved ✓";
    saveState.title = status.durable ? `Store: ${status.store} · annotator: ${status.annotator}` :
      "store=None: decisions live in this kernel only and are lost when it stops";
    const counts = status.counts ?? {};
    const parts = [`${status.decided.toLocaleString()} decided`];
    for (const name of ["labeled", "accepted", "corrected", "rejected", "skipped"]) {
      if (counts[name]) parts.push(`${counts[name]} ${name}`);
    }
    parts.push(`annotator ${status.annotator}`, status.durable ? `store ${status.store}` : "memory only");
    if (status.tokens) parts.push(`${status.tokens.toLocaleString()} tokens`);
    if (status.cost) parts.push(`$${status.cost.toFixed(4)}`);
    footer.textContent = parts.join(" · ");
    const errors = status.errors ?? [];
    banner.replaceChildren();
    if (notice) banner.append(h("div", "lw-notice", notice));
    for (const error of errors) banner.append(h("div", "lw-error", error));
  }

  function showDone() {
    const status = model.get("status");
    textBox.hidden = true;
    expander.hidden = true;
    fields.replaceChildren();
    state.replaceChildren();
    paintSuggestion(null);
    doneBox.hidden = false;
    const skipped = status.counts?.skipped ?? 0;
    doneBox.replaceChildren(h("div", "lw-done-title", `All ${n.toLocaleString()} items decided.`));
    if (skipped) doneBox.append(h("div", "", `${skipped} skipped: use ← or Back to review them.`));
  }

  /** @param {string} message */
  function flash(message) {
    notice = message;
    renderSave();
    setTimeout(() => {
      if (notice === message) {
        notice = "";
        renderSave();
      }
    }, 2500);
  }

  function renderPicker() {
    const query = pickerInput.value.trim().toLowerCase();
    const matches = labels.filter((l) => l.name.toLowerCase().includes(query)).slice(0, 12);
    pickerIndex = Math.max(0, Math.min(pickerIndex, matches.length - 1));
    pickerList.replaceChildren(...matches.map((l, i) => {
      const option = h("div", "lw-picker-option" + (i === pickerIndex ? " lw-active" : ""), l.name);
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pickerInput.value = "";
        root.focus();
        chooseLabel(l.name);
      });
      return option;
    }));
    return matches;
  }

  // ----- keyboard ---------------------------------------------------------------------
  /** @param {KeyboardEvent} event */
  function onKeydown(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return; // Shift+Enter and friends stay Jupyter's
    const target = /** @type {HTMLElement} */ (event.target);
    if (target === pickerInput) {
      event.stopPropagation();
      const matches = renderPicker();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        pickerIndex += event.key === "ArrowDown" ? 1 : -1;
        renderPicker();
        event.preventDefault();
      } else if (event.key === "Enter" && matches.length) {
        event.preventDefault();
        const chosen = matches[pickerIndex].name;
        pickerInput.value = "";
        renderPicker();
        root.focus();
        chooseLabel(chosen);
      } else if (event.key === "Escape") {
        root.focus();
      }
      return;
    }
    if (target === note) {
      event.stopPropagation();
      if (event.key === "Enter" || event.key === "Escape") {
        event.preventDefault();
        root.focus();
      }
      return;
    }
    if (event.shiftKey && event.key === "Enter") return;
    if (event.key === "Tab") return;
    if (event.key === "Escape") {
      root.blur();
      return;
    }
    // From here on the key is ours: Jupyter must not see it (no "1" heading, no "a"/"b" cell, no "x" cut).
    event.stopPropagation();
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    let handled = true;
    if (keyToLabel.has(key)) chooseLabel(/** @type {string} */ (keyToLabel.get(key)));
    else if (key === "Enter" || key === "a") act("accept");
    else if (key === "x") act("reject");
    else if (key === " ") act("skip");
    else if (key === "Backspace" || key === "z") undo();
    else if (key === "ArrowLeft") move(rank - 1);
    else if (key === "ArrowRight") move(rank + 1);
    else if (key === "/" && !picker.hidden) pickerInput.focus();
    else handled = event.key.length === 1 || key === "ArrowUp" || key === "ArrowDown";
    if (handled) event.preventDefault();
  }

  /** @param {FocusEvent} _event */
  const onFocusChange = (_event) => root.classList.toggle("lw-focused", root.contains(document.activeElement));

  // ----- messages from Python -----------------------------------------------------------
  /** @param {any} message */
  function onMessage(message) {
    switch (message.type) {
      case "window": {
        for (const item of message.items) remember(item);
        upcoming = message.upcoming;
        firstUndecided = message.first_undecided;
        if (firstWindow && firstUndecided === null) showDone(); // everything was decided before this view opened
        else if (doneBox.hidden && message.items.some((/** @type {Item} */ i) => i.rank === rank)) paint();
        firstWindow = false;
        break;
      }
      case "item": {
        const item = /** @type {Item} */ (message.item);
        remember(item);
        if (item.rank === rank && doneBox.hidden) paint();
        break;
      }
      case "ack": {
        const entry = pending.get(message.seq);
        pending.delete(message.seq);
        if (entry?.rank !== null && entry?.rank !== undefined) {
          const hasOther = [...pending.values()].some((p) => p.rank === entry.rank);
          if (!hasOther) overlay.delete(entry.rank);
        }
        if (message.ok) {
          lastError = pending.size ? lastError : "";
        } else {
          lastError = message.error;
          const idx = entry ? decidedHere.lastIndexOf(/** @type {number} */ (entry.rank)) : -1;
          if (idx >= 0) decidedHere.splice(idx, 1);
        }
        renderSave();
        if (doneBox.hidden) paint();
        break;
      }
      case "suggestion": {
        const item = cache.get(message.rank);
        if (item) {
          item.suggestion = message.suggestion;
          item.suggestion_status = message.status;
          if (message.rank === rank && doneBox.hidden) paintSuggestion(item);
        }
        break;
      }
      case "text": {
        const item = cache.get(message.rank);
        if (item && message.rank === rank) {
          expanded = true;
          textBox.textContent = message.text;
          expander.hidden = message.length <= message.text.length;
          if (!expander.hidden) expander.textContent = `Showing the first ${message.text.length.toLocaleString()} characters`;
        }
        break;
      }
      case "notice":
        flash(message.message);
        break;
    }
  }

  const onPosition = () => {
    const r = model.get("position");
    if (r !== rank) show(r);
  };
  const onStatus = () => {
    renderSave();
    renderProgress();
    if (!doneBox.hidden) showDone(); // its counts come from Python and may have just arrived
  };

  // Re-send anything not acknowledged: covers a dropped connection; Python applies each (client, seq) once.
  const resendTimer = setInterval(() => {
    const now = performance.now();
    for (const entry of pending.values()) {
      if (now - entry.sentAt > RESEND_AFTER_MS) {
        entry.sentAt = now;
        model.send(entry.message);
      }
    }
    if (pending.size) renderSave();
  }, 1000);

  expander.addEventListener("click", () => model.send({ type: "text", rank }));
  pickerInput.addEventListener("focus", () => renderPicker());
  pickerInput.addEventListener("input", () => {
    pickerIndex = 0;
    renderPicker();
  });
  root.addEventListener("keydown", onKeydown);
  root.addEventListener("focusin", onFocusChange);
  root.addEventListener("focusout", onFocusChange);
  model.on("msg:custom", onMessage);
  model.on("change:position", onPosition);
  model.on("change:status", onStatus);

  renderSave();
  paint();
  requestWindow(rank);
  requestAnimationFrame(() => root.focus({ preventScroll: true }));

  return () => {
    clearInterval(resendTimer);
    model.off("msg:custom", onMessage);
    model.off("change:position", onPosition);
    model.off("change:status", onStatus);
    root.removeEventListener("keydown", onKeydown);
    root.removeEventListener("focusin", onFocusChange);
    root.removeEventListener("focusout", onFocusChange);
  };
}

export default { render };
