// @ts-check
/**
 * Which items a view knows to be decided: one byte per rank, fed by every window, item update and acknowledgement.
 * The next item shown is always the first open one after the current position, so no item is ever skipped. No DOM;
 * unit-tested.
 */

/**
 * @typedef {{type: string, client: string | null, request: number | null, anchor: number, items: {rank: number}[],
 *   upcoming: number[], through: number, first_undecided: number | null, undo_target: number | null,
 *   version: number}} WindowShape
 */

export const UNKNOWN = 0;
export const OPEN = 1;
export const DECIDED = 2;

/** The first rank in [start, stop) that is open or not known yet, or null.
 * @param {Uint8Array} known @param {number} start @param {number} stop */
export function firstOpen(known, start, stop) {
  if (start >= stop) return null;
  const unknownAt = known.indexOf(UNKNOWN, start);
  const end = unknownAt < 0 || unknownAt > stop ? stop : unknownAt;
  const openAt = known.subarray(start, end).indexOf(OPEN);
  if (openAt >= 0) return start + openAt;
  return unknownAt >= 0 && unknownAt < stop ? unknownAt : null;
}

/** The first open (or not yet known) item after `after`, then from the start. @param {Uint8Array} known @param {number} after */
export function nextOpen(known, after) {
  return firstOpen(known, after + 1, known.length) ?? firstOpen(known, 0, after);
}

/**
 * What a window says of the ranks around it, before its items are remembered: everything before its first
 * undecided item is decided (everything, when there is none), and so is every rank in (anchor, through] it does not
 * list as upcoming. @param {Uint8Array} known @param {WindowShape} w
 */
export function markWindow(known, w) {
  if (w.first_undecided === null) known.fill(DECIDED);
  else known.fill(DECIDED, 0, w.first_undecided);
  known.fill(DECIDED, w.anchor + 1, w.through + 1);
}

/** After the window's items: its upcoming ranks and its first undecided one are open. @param {Uint8Array} known @param {WindowShape} w */
export function markOpen(known, w) {
  for (const r of w.upcoming) known[r] = OPEN;
  if (w.first_undecided !== null) known[w.first_undecided] = OPEN;
}

/**
 * Whether at least `want` open items are known after `rank` (or everything after it is known): then no window
 * needs asking for yet. @param {Uint8Array} known @param {number} rank @param {number} want
 */
export function enoughAhead(known, rank, want) {
  let count = 0;
  let from = rank + 1;
  while (count < want) {
    const r = firstOpen(known, from, known.length);
    if (r === null) return true; // everything after this item is known
    if (known[r] === UNKNOWN) break;
    count += 1;
    from = r + 1;
  }
  return count >= want;
}
