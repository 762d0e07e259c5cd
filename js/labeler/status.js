// @ts-check
/**
 * Where the person is and what is saved: the position and progress bar, the save status (a live region: screen
 * readers hear "Saving…" and "Saved ✓" as they happen, without the focus moving), the team's progress, the banner
 * (what concerns the whole session: closed, errors, a notice), and the footer's counts.
 */

import { h } from "../dom.js";

/**
 * @typedef {{decided: number, durable: boolean, store?: string, annotator?: string, counts?: Record<string, number>,
 *   team_status?: string | null, tokens?: number, cost?: number, errors?: string[], closed?: string | null}} Status
 *   the part of the widget's `status` trait this reads
 */

/**
 * The save status: its text, its tooltip and its state classes.
 * @param {Status} status @param {number} pending actions sent and not acknowledged @param {string} error the last failure, "" for none
 */
export function saveSays(status, pending, error) {
  let text = "Saved ✓";
  if (error) text = `Not saved: ${error}`;
  else if (pending) text = `Saving ${pending}…`;
  else if (!status.durable) text = "Memory only: not saved to disk";
  const title = status.durable ? `Store: ${status.store} · annotator: ${status.annotator}` :
    "store=None: decisions live in this kernel only and are lost when it stops";
  return { text, title, memory: !status.durable, pending: pending > 0, failed: !!error };
}

/** The footer: counts, who, where, and what a model's suggestions cost. @param {Status} status */
export function footerSays(status) {
  const parts = [`${status.decided.toLocaleString()} decided`];
  for (const [name, count] of Object.entries(status.counts ?? {})) {
    if (count) parts.push(`${count} ${name}`);
  }
  parts.push(`annotator ${status.annotator}`, status.durable ? `store ${status.store}` : "memory only");
  if (status.tokens) parts.push(`${status.tokens.toLocaleString()} tokens`);
  if (status.cost) parts.push(`$${status.cost.toFixed(4)}`);
  return parts.join(" · ");
}

/** @param {{n: number}} options n: how many items */
export function createStatus({ n }) {
  const header = h("div", "lw-header");
  const position = h("span", "lw-position");
  const progress = h("div", "lw-progress");
  progress.setAttribute("role", "progressbar");
  progress.setAttribute("aria-label", "Items decided");
  progress.setAttribute("aria-valuemin", "0");
  progress.setAttribute("aria-valuemax", String(n));
  const progressBar = h("div", "lw-progress-bar");
  progress.append(progressBar);
  const save = h("span", "lw-save");
  save.setAttribute("role", "status");
  save.setAttribute("aria-live", "polite");
  const focusHint = h("span", "lw-focus-hint", "click to label with the keyboard");
  // In a team: how far everyone is, next to the person's own position
  const team = h("span", "lw-team");
  header.append(position, progress, team, save, focusHint);
  const banner = h("div", "lw-banner");
  banner.setAttribute("role", "status");
  const footer = h("div", "lw-footer");

  return {
    header,
    banner,
    footer,
    /** @param {number} rank */
    paintPosition(rank) {
      position.textContent = `${(rank + 1).toLocaleString()} / ${n.toLocaleString()}`;
    },
    /** @param {number} decided */
    paintProgress(decided) {
      progressBar.style.width = `${(100 * decided) / n}%`;
      progress.title = `${decided.toLocaleString()} of ${n.toLocaleString()} decided`;
      progress.setAttribute("aria-valuenow", String(decided));
      progress.setAttribute("aria-valuetext", progress.title);
    },
    /**
     * The save status, the team line, the footer and the banner.
     * @param {Status} status @param {number} pending @param {string} error @param {string} notice "" for none
     */
    paintSave(status, pending, error, notice) {
      const says = saveSays(status, pending, error);
      save.classList.toggle("lw-memory", says.memory);
      save.classList.toggle("lw-pending", says.pending);
      save.classList.toggle("lw-failed", says.failed);
      save.textContent = says.text;
      save.title = says.title;
      team.textContent = status.team_status ?? "";
      footer.textContent = footerSays(status);
      // Only what concerns the whole session: one item's invalid suggestion is shown with that item.
      banner.replaceChildren();
      if (status.closed) {
        banner.append(h("div", "lw-error", `Closed: ${status.closed}. This view records no more decisions; ` +
          "use the newest labeler."));
      }
      if (notice) banner.append(h("div", "lw-notice", notice));
      for (const error of status.errors ?? []) banner.append(h("div", "lw-error", error));
    },
  };
}
