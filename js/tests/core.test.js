import test from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../labeler/core.js";

/** A widget model as anywidget gives it, without a kernel: traits, sent messages, and a way to send to the view. */
function fakeModel(n, { config = {}, status = {} } = {}) {
  const traits = {
    n_items: n, position: 0, window: null,
    config: { id: `w${Math.random()}`, window_ahead: 4, has_suggester: false, ...config },
    status: { decided: 0, durable: true, undo_target: null, version: 0, ...status },
  };
  const listeners = new Map();
  const sent = [];
  return {
    sent,
    get: (name) => traits[name],
    set: (name, value) => { traits[name] = value; },
    save_changes() {},
    send: (content) => sent.push(content),
    on: (event, cb) => listeners.set(event, [...(listeners.get(event) ?? []), cb]),
    off: (event, cb) => listeners.set(event, (listeners.get(event) ?? []).filter((f) => f !== cb)),
    /** Python sends the view a custom message. */
    receive: (message) => (listeners.get("msg:custom") ?? []).forEach((cb) => cb(message)),
  };
}

const item = (rank, decision = null) => ({ rank, key: String(rank), text: `item ${rank}`, length: 6, fields: {}, decision,
  stale: null, suggestion_status: "none", suggestion: null, feedback: null });

/** A core with hooks that record what the view was asked to do. */
function coreOn(model) {
  const calls = [];
  const record = (name) => (...args) => calls.push([name, ...args]);
  const core = createCore({ model, hooks: { showItem: record("showItem"), showDone: record("showDone"),
    paint: record("paint"), paintSuggestion: record("paintSuggestion"), paintSave: record("paintSave"),
    itemUpdated: record("itemUpdated"), fullText: record("fullText"), notice: record("notice"),
    decided: record("decided") } });
  return { core, calls };
}

const window0 = (items, over = {}) => ({ type: "window", client: null, request: null, anchor: 0, items,
  upcoming: items.filter((i) => !i.decision).map((i) => i.rank), through: items.length - 1, first_undecided: 0,
  undo_target: null, version: 0, ...over });

test("a decision shows the next open item at once, is sent with a seq, and is settled by its acknowledgement", () => {
  const model = fakeModel(4);
  const { core, calls } = coreOn(model);
  core.start();
  assert.deepEqual(model.sent.at(-1), { type: "window", rank: 0, request: 1, client: core.clientId });
  model.receive(window0([item(0), item(1, { action: "labeled", label: "a" }), item(2), item(3)]));
  assert.equal(core.shown().item?.text, "item 0");
  core.decide("label", "b", "a note");
  const sent = model.sent.find((m) => m.type === "decide");
  assert.deepEqual([sent.rank, sent.label, sent.note, sent.then, sent.seq, sent.client], [0, "b", "a note", 2, 1, core.clientId]);
  assert.equal(core.rank, 2); // item 1 was decided already: skipped over, never shown
  assert.deepEqual(calls.find((c) => c[0] === "decided"), ["decided", 0, false]);
  assert.deepEqual(core.decisionOf(0), { action: "labeled", label: "b" });
  assert.equal(core.unconfirmed(0), true);
  assert.equal(core.pendingCount(), 1);
  assert.equal(core.decidedCount(), 1);
  model.receive({ type: "ack", client: core.clientId, seq: 1, ok: true, undo_target: 0 });
  assert.equal(core.pendingCount(), 0);
  core.destroy();
});

test("undo reverts this view's latest decision before the kernel confirms it, and shows that item", () => {
  const model = fakeModel(3);
  const { core } = coreOn(model);
  core.start();
  model.receive(window0([item(0), item(1), item(2)]));
  core.decide("label", "a", null);
  core.decide("label", "b", null);
  assert.equal(core.rank, 2);
  core.undo();
  assert.deepEqual(model.sent.at(-1), { type: "undo", seq: 3, client: core.clientId });
  assert.equal(core.rank, 1);
  assert.equal(core.decisionOf(1), null);
  core.destroy();
});

test("the last open item decided: all done; keys decide nothing more; Back shows the last item again", () => {
  const model = fakeModel(2);
  const { core, calls } = coreOn(model);
  core.start();
  model.receive(window0([item(0, { action: "labeled", label: "a" }), item(1)], { first_undecided: 1 }));
  core.move(1);
  core.decide("label", "a", null);
  assert.equal(core.done, true);
  assert.ok(calls.some((c) => c[0] === "showDone"));
  const sentBefore = model.sent.length;
  core.decide("label", "b", null);
  assert.equal(model.sent.length, sentBefore);
  core.move(core.rank - 1);
  assert.deepEqual([core.done, core.rank], [false, 1]);
  core.destroy();
});

test("an item not loaded yet is never decided; a closed labeler records nothing", () => {
  const model = fakeModel(3, { status: { closed: "a newer labeler took over" } });
  const { core, calls } = coreOn(model);
  core.start();
  core.decide("label", "a", null);
  assert.match(calls.find((c) => c[0] === "notice")[1], /still loading/);
  model.receive(window0([item(0), item(1), item(2)]));
  core.decide("label", "a", null);
  assert.match(calls.filter((c) => c[0] === "notice").at(-1)[1], /closed \(a newer labeler took over\)/);
  assert.equal(model.sent.filter((m) => m.type === "decide").length, 0);
  core.destroy();
});

test("messages for the item shown repaint it; others reach the view as updates", () => {
  const model = fakeModel(3);
  const { core, calls } = coreOn(model);
  core.start();
  model.receive(window0([item(0), item(1), item(2)]));
  calls.length = 0;
  model.receive({ type: "suggestion", rank: 0, status: "ready", suggestion: { label: "a" } });
  model.receive({ type: "item", item: item(2, { action: "labeled", label: "a" }) });
  model.receive({ type: "text", rank: 0, text: "the whole text", length: 14, client: core.clientId });
  model.receive({ type: "notice", message: "hello", client: "someone else" });
  assert.deepEqual(calls, [["paintSuggestion"], ["itemUpdated", 2], ["fullText", "the whole text", 14]]);
  assert.equal(core.shown().suggestion?.label, "a");
  core.destroy();
});

test("what a key tells Python leaves after the next paint, in order: the decision, then the position", () => {
  const model = fakeModel(4);
  const order = [];
  const send = model.send;
  model.send = (message) => { order.push(message.type); send(message); };
  model.save_changes = () => order.push(`position ${model.get("position")}`);
  const tasks = [];
  const runTasks = () => tasks.splice(0).forEach((task) => task());
  const noop = () => {};
  const core = createCore({ model, schedule: (task) => tasks.push(task), hooks: { showItem: noop, showDone: noop,
    paint: noop, paintSuggestion: noop, paintSave: noop, itemUpdated: noop, fullText: noop, notice: noop,
    decided: noop } });
  core.start();
  assert.deepEqual(order, []); // nothing leaves before the frame is painted
  runTasks();
  assert.deepEqual(order, ["window"]);
  model.receive(window0([item(0), item(1), item(2), item(3)]));
  core.decide("label", "b", null);
  assert.equal(core.rank, 1); // the next item is shown at once
  assert.equal(core.pendingCount(), 1);
  assert.deepEqual(order, ["window"]);
  assert.equal(tasks.length, 1); // one flush for everything the key tells Python
  runTasks();
  assert.deepEqual(order.slice(1, 3), ["decide", "position 1"]);
  core.decide("label", "a", null);
  core.destroy(); // a view closed before its next frame still sends what was decided
  const second = order.lastIndexOf("decide");
  assert.ok(second > order.indexOf("decide"));
  assert.equal(order[second + 1], "position 2");
});
