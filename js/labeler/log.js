// @ts-check
/**
 * What the views of one labeler in a page share: the actions they sent that the kernel has not applied yet, in the
 * order sent (which is the order the kernel applies them), and what the kernel's undo would revert. `stack` holds
 * the ranks of the decisions in force, newest last, as far as this page has seen them (the kernel's undo target,
 * then every decision and undo it reported since); `complete` says there is nothing under it. No DOM; unit-tested.
 */

/**
 * @typedef {"decide" | "undo"} OpKind
 * @typedef {{client: string, seq: number, kind: OpKind, rank: number | null}} Op
 * @typedef {{ops: Op[], applied: Map<string, number>, stack: number[], complete: boolean, lastEvent: number,
 *   views: number}} SharedLog
 */

export const STACK_LIMIT = 10000;

/** @type {Map<string, SharedLog>} one per labeler (its config.id) in this page */
const logs = new Map();

/** The log of labeler `id`, for one more view of it. @param {string} id */
export function joinLog(id) {
  /** @type {SharedLog} */
  const log = logs.get(id) ?? { ops: [], applied: new Map(), stack: [], complete: false, lastEvent: 0, views: 0 };
  logs.set(id, log);
  log.views += 1;
  return log;
}

/** A view of labeler `id` is gone: its unapplied ops from `client` go, and the log with its last view.
 * @param {string} id @param {SharedLog} log @param {string} client @param {Iterable<number>} seqs */
export function leaveLog(id, log, client, seqs) {
  for (const seq of seqs) forgetOp(log, client, seq);
  log.views -= 1;
  if (log.views <= 0) logs.delete(id);
}

/** An op the kernel acknowledged (or that is given up). @param {SharedLog} log @param {string} client @param {number} seq */
export function forgetOp(log, client, seq) {
  const i = log.ops.findIndex((op) => op.client === client && op.seq === seq);
  if (i >= 0) log.ops.splice(i, 1);
}

/** The kernel says what its undo reverts now: keep what this page knows if it agrees, else start from that.
 * @param {SharedLog} log @param {number | null} target */
export function agreeWith(log, target) {
  const top = log.stack.length ? log.stack[log.stack.length - 1] : null;
  if (target === null) {
    log.stack = [];
    log.complete = true;
  } else if (top !== target) {
    log.stack = [target];
    log.complete = false;
  }
}

/** A decision or undo the kernel applied (every view hears of it once per page).
 * @param {SharedLog} log @param {number} rank @param {string} action @param {number | null} target */
export function followEvent(log, rank, action, target) {
  if (action === "undo") log.stack.pop();
  else log.stack.push(rank);
  if (log.stack.length > STACK_LIMIT) {
    log.stack.splice(0, log.stack.length - STACK_LIMIT);
    log.complete = false;
  }
  agreeWith(log, target);
}

/**
 * The rank an undo from this page reverts: the top of the kernel's stack of decisions in force as this page knows
 * it, with the actions sent from this page that the kernel has not applied yet on top (they are newer). Null when
 * there is nothing to undo; undefined when that goes deeper than this page knows: then the acknowledgement says.
 * @param {SharedLog} log @returns {number | null | undefined}
 */
export function undoTarget(log) {
  const stack = log.stack.slice();
  for (const op of log.ops) {
    if (op.seq <= (log.applied.get(op.client) ?? 0)) continue; // applied: in the stack already
    if (op.kind === "decide" && op.rank !== null) stack.push(op.rank);
    else if (op.kind === "undo") {
      if (stack.length) stack.pop();
      else if (!log.complete) return undefined;
    }
  }
  if (stack.length) return stack[stack.length - 1];
  return log.complete ? null : undefined;
}
