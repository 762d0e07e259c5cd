// @ts-check
/**
 * The labeler's core, without the DOM: the browser owns the pace. A key press shows the next item from a local
 * window at once, then tells Python; Python answers with acknowledgements, item updates and suggestions as custom
 * messages, and only a window of items is ever held here.
 *
 * What the view knows about which items are decided is one array, `known` (known.js), fed by every window, item
 * update and acknowledgement, with this view's unconfirmed actions on top (`overlay`). The next item shown is always
 * the first open one after the current position, so no item is ever skipped. Undo means what the session means
 * (this annotator's latest decision): the kernel tells every view its undo target, this view's unconfirmed actions
 * are newer than that (log.js), and the acknowledgement of an undo says which item it reverted. Every action is
 * sent with a (client, seq) and sent again until acknowledged; Python applies each once.
 *
 * The core keeps the cursor (the item shown, or "all done") and calls its view's hooks to paint; what a decision
 * may be is decide.js's.
 */

import { decidedCount, planDecision, readySuggestion, revealedFeedback } from "./decide.js";
import { DECIDED, OPEN, UNKNOWN, enoughAhead, markOpen, markWindow, nextOpen } from "./known.js";
import { agreeWith, followEvent, forgetOp, joinLog, leaveLog, undoTarget } from "./log.js";

/**
 * @typedef {import("../answers.js").Answer} Answer
 * @typedef {import("./decide.js").Item} Item
 * @typedef {import("./decide.js").DecisionView} DecisionView
 * @typedef {import("./decide.js").DecideIntent} DecideIntent
 * @typedef {import("./log.js").OpKind} OpKind
 * @typedef {import("../kinds/answer-part.js").Shown} Shown
 * @typedef {{type: string, client: string | null, request: number | null, anchor: number, items: Item[],
 *   upcoming: number[], through: number, first_undecided: number | null, undo_target: number | null,
 *   version: number}} Window
 * @typedef {{seq: number, message: Record<string, any>, sentAt: number, kind: OpKind, rank: number | null}} Pending
 * @typedef {{
 *   get: (name: string) => any, set: (name: string, value: any) => void, save_changes: () => void,
 *   send: (content: any) => void, on: (event: string, cb: (...args: any[]) => void) => void,
 *   off: (event: string, cb: (...args: any[]) => void) => void
 * }} Model
 * @typedef {{
 *   showItem: (fresh: boolean) => void, showDone: () => void, paint: () => void, paintSuggestion: () => void,
 *   paintSave: () => void, itemUpdated: (rank: number) => void, fullText: (text: string, length: number) => void,
 *   notice: (message: string) => void, decided: (rank: number, checked: boolean) => void
 * }} Hooks what the core asks of its view:
 *   showItem: the cursor is on an item (fresh: another one than before; the view drops what it edited): paint it;
 *   showDone: the cursor is on "all done"; paint: what is known of the item shown changed; paintSuggestion: only its
 *   suggestion did; paintSave: an action was sent, acknowledged or failed; itemUpdated: an item not shown changed;
 *   fullText: the whole text of the item shown arrived; notice: something to say; decided: this view just decided
 *   on `rank` (checked: as a revision after its answer was shown), before the cursor moves on
 */

const RESEND_AFTER_MS = 2500;
const CACHE_LIMIT = 600;

/**
 * @param {{model: Model, hooks: Hooks, schedule?: (task: () => void) => void}} options the widget's model (its
 *   traits: n_items, position, config, status, window), the view's hooks, and when to send what an action tells
 *   Python (`schedule`: the view passes "after the next paint", dom.js's afterPaint; by default at once)
 */
export function createCore({ model, hooks, schedule = (task) => task() }) {
  const clientId = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const config = model.get("config");
  /** @type {number} */
  const n = model.get("n_items");
  const logId = String(config.id ?? "");
  const log = joinLog(logId);
  if (log.views === 1) agreeWith(log, model.get("status").undo_target ?? null);

  /** @type {Map<number, Item>} */
  const cache = new Map();
  /** rank -> UNKNOWN, OPEN or DECIDED, as far as this view knows (its own unconfirmed actions included) */
  const known = new Uint8Array(n);
  /** rank -> what this view did and the kernel has not confirmed: a decision, or null for an undo */
  /** @type {Map<number, DecisionView | null>} */
  const overlay = new Map();
  /** @type {Map<number, Pending>} */
  const pending = new Map();
  /** @type {number} */
  let rank = model.get("position");
  let done = false;
  let seq = 0;
  let requestId = 0;
  /** the request id of the one top-up window on its way, and when it was asked for */
  /** @type {{id: number, at: number} | null} */
  let topUpRequest = null;
  /** the last item asked for because it was to be shown and not cached */
  let asked = { rank: -1, at: 0 };
  /** when the next open item lies beyond what this view knows: the rank to continue after, once a window says */
  /** @type {number | null} */
  let resolving = null;
  let shownAt = performance.now();
  let lastError = "";
  let firstWindow = true;
  /**
   * What this view tells Python, in order, sent together once the next frame is painted: the item a key shows
   * is never held back by sending (in marimo every widget message is an HTTP request, 0.5-1.6 ms of this thread
   * each). A decision and the position it moved to leave in the same task, in that order, as before.
   * @type {Array<() => void>}
   */
  let outgoing = [];
  /** @param {() => void} send */
  function post(send) {
    outgoing.push(send);
    if (outgoing.length === 1) schedule(flush);
  }
  function flush() {
    const now = outgoing;
    outgoing = [];
    for (const send of now) send();
  }

  // ----- what this view knows ---------------------------------------------------------
  /** @param {number} r */
  const decisionOf = (r) => (overlay.has(r) ? overlay.get(r) ?? null : cache.get(r)?.decision ?? null);

  /** The kernel says whether `r` is decided; this view's own unconfirmed action on it still stands.
   * @param {number} r @param {boolean} decided */
  function learn(r, decided) {
    if (!overlay.has(r)) known[r] = decided ? DECIDED : OPEN;
  }

  /** No action of this view on `r` awaits the kernel any more: the kernel's word on it stands.
   * @param {number} r @param {number} fallback what to assume when the item is not in the cache */
  function settle(r, fallback) {
    for (const p of pending.values()) if (p.rank === r) return;
    overlay.delete(r);
    const item = cache.get(r);
    known[r] = item ? (item.decision ? DECIDED : OPEN) : fallback;
  }

  /** @param {Item} item */
  function remember(item) {
    cache.set(item.rank, item);
    learn(item.rank, item.decision !== null);
    if (cache.size > CACHE_LIMIT) {
      for (const r of cache.keys()) {
        if (Math.abs(r - rank) > CACHE_LIMIT / 2 && !overlay.has(r)) cache.delete(r); // `known` keeps what it knew
        if (cache.size <= CACHE_LIMIT * 0.8) break;
      }
    }
  }

  /** @param {Window} w */
  function applyWindow(w) {
    markWindow(known, w);
    for (const item of w.items) remember(item);
    markOpen(known, w);
    for (const [r, view] of overlay) known[r] = view ? DECIDED : OPEN;
    agreeWith(log, w.undo_target);
  }

  /** Ask for the window around `r` unless it is cached or was just asked for. @param {number} r */
  function ask(r) {
    if (cache.has(r)) return;
    if (asked.rank === r && performance.now() - asked.at < RESEND_AFTER_MS) return;
    asked = { rank: r, at: performance.now() };
    requestWindow(r);
  }

  /** @param {number} r */
  function requestWindow(r) {
    requestId += 1;
    const message = { type: "window", rank: r, request: requestId, client: clientId };
    post(() => model.send(message));
    return requestId;
  }

  /** Keep the next open items known ahead of the current one: one window request on its way at a time. */
  function topUp() {
    if (resolving !== null) return;
    if (topUpRequest && performance.now() - topUpRequest.at < RESEND_AFTER_MS) return;
    if (!enoughAhead(known, rank, config.window_ahead / 2)) topUpRequest = { id: requestWindow(rank), at: performance.now() };
  }

  /** @param {Record<string, any>} message @param {OpKind} kind @param {number | null} target */
  function sendTracked(message, kind, target) {
    seq += 1;
    const full = { ...message, seq, client: clientId };
    pending.set(seq, { seq, message: full, sentAt: performance.now(), kind, rank: target });
    log.ops.push({ client: clientId, seq, kind, rank: target });
    post(() => model.send(full));
    hooks.paintSave();
    return seq;
  }

  // ----- the cursor -------------------------------------------------------------------
  /** @param {number} r */
  function show(r) {
    const fresh = r !== rank;
    if (fresh) shownAt = performance.now();
    rank = r;
    done = false;
    hooks.showItem(fresh);
    ask(r);
  }

  function finish() {
    done = true;
    hooks.showDone();
  }

  /** Show the first open item after `after`; when that is beyond what this view knows, ask and continue then.
   * @param {number} after */
  function advance(after) {
    const r = nextOpen(known, after);
    if (r === null) {
      resolving = null;
      finish();
      return;
    }
    resolving = known[r] === OPEN ? null : after;
    show(r); // an item not known yet shows "Loading…" and asks for its window
  }

  /** @param {number} r */
  function move(r) {
    if (done) r = rank; // from "all done", Back shows the last item again
    if (r < 0 || r >= n) return;
    resolving = null;
    show(r);
    tellPosition();
    const near = [r - 1, r + 1].filter((x) => x >= 0 && x < n);
    if (cache.has(r) && near.some((x) => !cache.has(x))) requestWindow(r);
  }

  function tellPosition() {
    if (model.get("position") === rank) return;
    model.set("position", rank);
    post(() => model.save_changes());
  }

  /** A closed session records nothing more: say so instead of pretending. */
  function isClosed() {
    const closed = model.get("status").closed;
    if (closed) hooks.notice(`This labeler is closed (${closed}): nothing more is recorded here.`);
    return !!closed;
  }

  // ----- actions ----------------------------------------------------------------------
  /**
   * Decide on the item shown. @param {DecideIntent} intent @param {Answer | undefined} label the answer given (intent
   * "label") @param {string | null} note
   */
  function decide(intent, label, note) {
    const item = cache.get(rank);
    if (done) return; // "all done": keys must not relabel the last item
    if (!item) {
      hooks.notice("The item is still loading: nothing was decided; press the key again once it shows.");
      return; // nobody decides on an item they have not seen
    }
    if (isClosed()) return;
    const plan = planDecision({ intent, label, item, before: decisionOf(rank), hasSuggester: !!config.has_suggester });
    if ("refuse" in plan) {
      hooks.notice(plan.refuse);
      return;
    }
    if (plan.notice) hooks.notice(plan.notice);
    if (plan.next) {
      move(rank + 1 < n ? rank + 1 : rank);
      return;
    }
    const seconds = (performance.now() - shownAt) / 1000;
    const decided = rank;
    const following = plan.reviewing ? (decided + 1 < n ? decided + 1 : decided) : nextOpen(known, decided) ?? decided;
    overlay.set(decided, plan.view);
    known[decided] = DECIDED;
    const suggestion = plan.suggestion;
    sendTracked({
      type: "decide", intent, label: label ?? null, rank: decided, seconds, note,
      suggestion_visible: !!suggestion, then: following, // where this view goes next
      // what was on the screen: a learner may have sent Python a newer suggestion for this item meanwhile
      shown: suggestion ? { label: suggestion.label, model: suggestion.model ?? null } : null,
    }, "decide", decided);
    hooks.decided(decided, plan.checked);
    if (plan.reviewing) show(following);
    else advance(decided);
    // The trait goes with the decision, in the same flush of the outbox: sent a frame after it, it could reach
    // Python after a cell run just after the key, and move Python's cursor back to where the view was
    // (tests/test_browser.py, the kernel's threads test, under load).
    tellPosition();
    topUp();
  }

  function undo() {
    if (isClosed()) return;
    const target = undoTarget(log);
    const targetItem = typeof target === "number" ? cache.get(target) : undefined;
    if (targetItem && revealedFeedback(targetItem) && decisionOf(target ?? -1)?.action !== "revised") {
      hooks.notice("Your answer to that item has been checked against the answer key, so it cannot be undone: go " +
        "back to it and press the label you want (recorded as a revision).");
      return;
    }
    sendTracked({ type: "undo" }, "undo", typeof target === "number" ? target : null);
    if (typeof target === "number") {
      overlay.set(target, null);
      known[target] = OPEN;
      resolving = null;
      show(target);
      tellPosition();
    }
  }

  // ----- messages from Python -----------------------------------------------------------
  /** @param {any} message */
  function onMessage(message) {
    switch (message.type) {
      case "window": {
        const w = /** @type {Window} */ (message);
        applyWindow(w);
        const mine = w.client === clientId;
        if (mine && topUpRequest?.id === w.request) topUpRequest = null;
        if (resolving !== null) {
          advance(resolving);
        } else if (mine && firstWindow && w.first_undecided === null) {
          finish(); // everything was decided before this view opened
        } else if (!done && w.items.some((i) => i.rank === rank)) {
          hooks.paint();
        }
        if (mine) firstWindow = false;
        topUp();
        break;
      }
      case "item": {
        const item = /** @type {Item} */ (message.item);
        if (typeof message.event === "number" && message.event > log.lastEvent) {
          log.lastEvent = message.event; // the first view of this page to hear of it keeps the stack
          followEvent(log, item.rank, message.action, message.undo_target ?? null);
          if (message.client) {
            log.applied.set(message.client, Math.max(log.applied.get(message.client) ?? 0, message.seq ?? 0));
          }
        }
        remember(item);
        if (item.rank === rank && !done) hooks.paint();
        else hooks.itemUpdated(item.rank);
        break;
      }
      case "ack": {
        if (message.client !== clientId) break;
        if ("undo_target" in message) agreeWith(log, message.undo_target);
        const entry = pending.get(message.seq);
        if (!entry) break;
        if (!message.ok && message.retry) {
          // The store cannot be reached for now: keep the decision here; the resend timer sends it again
          // until the kernel stores it (it applies each one once), and the view says so meanwhile.
          lastError = `${message.error} — kept here, sending again`;
          entry.sentAt = performance.now();
          hooks.paintSave();
          break;
        }
        pending.delete(message.seq);
        forgetOp(log, clientId, message.seq);
        if (message.ok) lastError = pending.size ? lastError : "";
        else lastError = message.error;
        if (entry.kind === "undo") {
          const undone = message.ok ? message.undone ?? null : null;
          if (entry.rank !== null) settle(entry.rank, DECIDED);
          if (undone !== null) settle(undone, OPEN);
          if (undone !== null && undone !== entry.rank) {
            resolving = null;
            show(undone); // the kernel reverted another item than this view expected: show that one
            tellPosition();
          }
        } else if (entry.rank !== null) {
          settle(entry.rank, message.ok ? DECIDED : UNKNOWN);
        }
        hooks.paintSave();
        if (!done) hooks.paint();
        break;
      }
      case "suggestion": {
        const item = cache.get(message.rank);
        if (item) {
          item.suggestion = message.suggestion;
          item.suggestion_status = message.status;
          if (message.rank === rank && !done) hooks.paintSuggestion();
        }
        break;
      }
      case "text": {
        if (message.client && message.client !== clientId) break;
        if (cache.get(message.rank) && message.rank === rank) hooks.fullText(message.text, message.length);
        break;
      }
      case "notice":
        if (message.client && message.client !== clientId) break;
        hooks.notice(message.message);
        break;
    }
  }

  const onPosition = () => {
    const r = model.get("position");
    if (r !== rank) {
      resolving = null;
      show(r);
    }
  };
  const onStatus = () => agreeWith(log, model.get("status").undo_target ?? null);

  // Re-send anything not acknowledged: covers a dropped connection; Python applies each (client, seq) once.
  const resendTimer = setInterval(() => {
    const now = performance.now();
    for (const entry of pending.values()) {
      if (now - entry.sentAt > RESEND_AFTER_MS) {
        entry.sentAt = now;
        model.send(entry.message);
      }
    }
    if (pending.size) hooks.paintSave();
  }, 1000);

  model.on("msg:custom", onMessage);
  model.on("change:position", onPosition);
  model.on("change:status", onStatus);

  return {
    n,
    clientId,
    /** The rank of the item shown (the last one shown, on "all done"). */
    get rank() {
      return rank;
    },
    /** Whether the view shows "all done". */
    get done() {
      return done;
    },
    /** @param {number} r */
    item: (r) => cache.get(r),
    decisionOf,
    /** Whether this view's action on `r` awaits the kernel. @param {number} r */
    unconfirmed: (r) => overlay.has(r),
    pendingCount: () => pending.size,
    lastError: () => lastError,
    /** @returns {Shown} */
    shown() {
      const item = cache.get(rank) ?? null;
      return { rank, item, decision: decisionOf(rank), suggestion: readySuggestion(item) };
    },
    /** How many items are decided, this view's unconfirmed actions included. */
    decidedCount: () => decidedCount(model.get("status").decided, n, overlay, (r) => !!cache.get(r)?.decision),
    decide,
    undo,
    move,
    /** Ask Python for the whole text of the item shown. */
    askFullText: () => model.send({ type: "text", rank, client: clientId }),
    /** Every answer was just checked (teaching, feedback at the end): drop what this view holds and ask again. */
    reload() {
      for (const r of cache.keys()) if (!overlay.has(r)) cache.delete(r);
      requestWindow(rank);
    },
    /** Paint from the window that came with the widget's state, unless something was decided since; then ask. */
    start() {
      /** @type {Window | null} */
      const initial = model.get("window");
      if (initial && initial.items && initial.version === model.get("status").version) {
        applyWindow(initial);
        firstWindow = false;
        if (initial.first_undecided === null) finish();
        else hooks.paint();
      } else {
        hooks.paint();
      }
      requestWindow(rank); // fresh suggestions and decisions, whatever the state said
    },
    destroy() {
      flush(); // what a key just decided still goes to Python
      clearInterval(resendTimer);
      leaveLog(logId, log, clientId, pending.keys());
      model.off("msg:custom", onMessage);
      model.off("change:position", onPosition);
      model.off("change:status", onStatus);
    },
  };
}

/** @typedef {ReturnType<typeof createCore>} Core */
