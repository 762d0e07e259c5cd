import test from "node:test";
import assert from "node:assert/strict";
import { agreeWith, followEvent, forgetOp, joinLog, leaveLog, undoTarget } from "../labeler/log.js";
import { DECIDED, OPEN, UNKNOWN, enoughAhead, firstOpen, markOpen, markWindow, nextOpen } from "../labeler/known.js";
import { decidedCount, planDecision, readySuggestion, revealedFeedback, whyNoSuggestion } from "../labeler/decide.js";

/** An item as Python sends it for the view. */
const item = (over = {}) => ({
  rank: 3, key: "3", text: "t", length: 1, fields: {}, decision: null, stale: null, suggestion_status: "none",
  suggestion: null, feedback: null, ...over,
});
const suggested = (label) => ({ suggestion_status: "ready", suggestion: { label, confidence: 0.9, confidence_source: null,
  rationale: null, model: "m", raw: null, error: null } });

test("the undo stack follows the kernel: decisions push, undos pop, the kernel's target wins", () => {
  const log = joinLog("t1");
  agreeWith(log, null);
  assert.deepEqual([log.stack, log.complete], [[], true]);
  followEvent(log, 4, "labeled", 4);
  followEvent(log, 7, "accepted", 7);
  assert.deepEqual(log.stack, [4, 7]);
  followEvent(log, 7, "undo", 4);
  assert.deepEqual(log.stack, [4]);
  agreeWith(log, 9); // another kernel-side change this page did not see: start again from what it says
  assert.deepEqual([log.stack, log.complete], [[9], false]);
  leaveLog("t1", log, "c", []);
});

test("an undo reverts this page's newest unapplied decision first, and says when it cannot know", () => {
  const log = joinLog("t2");
  agreeWith(log, null);
  assert.equal(undoTarget(log), null); // nothing to undo
  log.ops.push({ client: "a", seq: 1, kind: "decide", rank: 5 }, { client: "a", seq: 2, kind: "decide", rank: 6 });
  assert.equal(undoTarget(log), 6);
  log.ops.push({ client: "a", seq: 3, kind: "undo", rank: 6 });
  assert.equal(undoTarget(log), 5);
  log.applied.set("a", 1); // the kernel applied seq 1: it is in the stack now, or not at all
  assert.equal(undoTarget(log), null);
  agreeWith(log, 2); // the stack below is not known: after undoing what it knows, an undo goes deeper than it knows
  log.ops.push({ client: "a", seq: 4, kind: "undo", rank: null }, { client: "a", seq: 5, kind: "undo", rank: null });
  assert.equal(undoTarget(log), undefined);
  forgetOp(log, "a", 5);
  assert.equal(log.ops.length, 4);
  leaveLog("t2", log, "a", [2, 3, 4]);
  assert.deepEqual(log.ops.map((op) => op.seq), [1]);
});

test("views of one labeler share its log until the last one goes", () => {
  const a = joinLog("t3");
  const b = joinLog("t3");
  assert.equal(a, b);
  assert.equal(a.views, 2);
  leaveLog("t3", a, "x", []);
  assert.equal(joinLog("t3"), a); // still there
  leaveLog("t3", a, "x", []);
  leaveLog("t3", a, "x", []);
  assert.notEqual(joinLog("t3"), a); // gone with the last view
});

test("the next item is the first open one after the current, then from the start; unknown ranks count as open", () => {
  const known = new Uint8Array([DECIDED, OPEN, DECIDED, DECIDED, UNKNOWN, OPEN]);
  assert.equal(firstOpen(known, 2, 6), 4); // unknown before open: it must be asked for, never skipped
  assert.equal(firstOpen(known, 2, 4), null);
  assert.equal(nextOpen(known, 1), 4);
  assert.equal(nextOpen(known, 5), 1);
  assert.equal(nextOpen(new Uint8Array([DECIDED, DECIDED]), 0), null);
});

test("a window marks what it says is decided and what is upcoming", () => {
  const known = new Uint8Array(10);
  const w = { anchor: 3, through: 7, upcoming: [5, 7], first_undecided: 2, items: [] };
  markWindow(known, w);
  markOpen(known, w);
  assert.deepEqual([...known], [DECIDED, DECIDED, OPEN, UNKNOWN, DECIDED, OPEN, DECIDED, OPEN, UNKNOWN, UNKNOWN]);
  assert.equal(enoughAhead(known, 3, 2), true); // 5 and 7
  assert.equal(enoughAhead(known, 3, 3), false); // 8 is not known yet
  markWindow(known, { ...w, first_undecided: null });
  assert.ok(known.every((k) => k === DECIDED));
  assert.equal(enoughAhead(known, 0, 5), true); // everything known
});

test("a label decides; with a suggestion shown it is accepted or corrected", () => {
  let plan = planDecision({ intent: "label", label: "spam", item: item(), before: null, hasSuggester: false });
  assert.deepEqual(plan.view, { action: "labeled", label: "spam" });
  assert.equal(plan.next, false);
  plan = planDecision({ intent: "label", label: "ham", item: item(suggested("spam")), before: null, hasSuggester: true });
  assert.deepEqual(plan.view, { action: "corrected", label: "ham" });
  plan = planDecision({ intent: "accept", label: undefined, item: item(suggested(["a", "b"])), before: null, hasSuggester: true });
  assert.deepEqual(plan.view, { action: "accepted", label: ["a", "b"] });
  assert.equal(plan.suggestion?.model, "m");
});

test("nothing to accept or reject: refused with the reason", () => {
  let plan = planDecision({ intent: "accept", label: undefined, item: item(), before: null, hasSuggester: false });
  assert.equal(plan.refuse, "No suggester attached: press a number key to label.");
  plan = planDecision({ intent: "reject", label: undefined, item: item({ suggestion_status: "hidden" }), before: null,
    hasSuggester: true });
  assert.match(plan.refuse, /hidden for a blind check/);
  const raw = "x".repeat(100);
  assert.equal(whyNoSuggestion(item({ suggestion_status: "invalid", suggestion: { raw } }), "accept", true),
    `The suggestion “${"x".repeat(60)}…” is not one of the labels: press a number key to label.`);
  assert.equal(whyNoSuggestion(item({ suggestion_status: "pending" }), "reject", true),
    "No suggestion to reject yet: press a number key to label.");
});

test("reviewing an answered item: a new answer revises it; the same one or a skip goes on; reject is refused", () => {
  const before = { action: "labeled", label: "spam" };
  let plan = planDecision({ intent: "label", label: "ham", item: item(), before, hasSuggester: false });
  assert.deepEqual([plan.view?.action, plan.reviewing], ["revised", true]);
  plan = planDecision({ intent: "label", label: "spam", item: item(), before, hasSuggester: false });
  assert.deepEqual(plan, { notice: null, next: true });
  plan = planDecision({ intent: "skip", label: undefined, item: item(), before, hasSuggester: false });
  assert.equal(plan.next, true);
  plan = planDecision({ intent: "reject", label: undefined, item: item(suggested("spam")), before, hasSuggester: true });
  assert.match(plan.refuse, /decided already/);
  // a skipped item has no answer: deciding it is not a review
  plan = planDecision({ intent: "label", label: "ham", item: item(), before: { action: "skipped", label: null },
    hasSuggester: false });
  assert.deepEqual([plan.view?.action, plan.reviewing], ["labeled", false]);
});

test("after its answer key was shown, an item takes only a revision, and says so", () => {
  const checked = item({ feedback: { practice: false, gold: "a", correct: false } });
  assert.ok(revealedFeedback(checked));
  assert.equal(revealedFeedback(item({ feedback: { practice: true } })), null);
  assert.match(planDecision({ intent: "skip", label: undefined, item: checked, before: null, hasSuggester: false }).refuse,
    /cannot be skipped or rejected now/);
  const plan = planDecision({ intent: "label", label: "b", item: checked, before: { action: "labeled", label: "a" },
    hasSuggester: false });
  assert.deepEqual([plan.view?.action, plan.checked, plan.reviewing], ["revised", true, false]);
  assert.match(plan.notice, /recorded as a revision/);
});

test("the progress counts this view's unconfirmed actions once", () => {
  const confirmed = new Set([2]);
  const overlay = new Map([[1, { action: "labeled", label: "a" }], [2, null], [3, { action: "labeled", label: "b" }]]);
  confirmed.add(3); // 3's decision is in the kernel's copy already
  assert.equal(decidedCount(10, 20, overlay, (r) => confirmed.has(r)), 10 + 1 - 1);
  assert.equal(decidedCount(0, 20, new Map([[5, null]]), () => true), 0); // never below 0
  assert.equal(decidedCount(20, 20, new Map([[5, { action: "labeled", label: "a" }]]), () => false), 20); // nor above n
  assert.equal(readySuggestion(item({ suggestion_status: "pending", suggestion: { label: "a" } })), null);
});
