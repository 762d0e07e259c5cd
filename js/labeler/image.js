// @ts-check
/**
 * The item's image (Python's `image=`), shown beside its text for every kind that answers about a whole item.
 *
 * Each item of the window says where its image comes from (`item.image`): `{source: "url", url}` (the browser loads
 * it from the URL; the kernel never fetches it), `{source: "kernel"}` (asked for with an `image` message; Python
 * answers with the bytes, downscaled to at most 1024 px, in the message's binary buffer) or `{source: "none"}` (an
 * empty cell). The view asks for the image of the item shown and of the next open ones (`config.images_ahead`, from
 * Python's IMAGES_AHEAD), turns each into an
 * <img> and decodes it (`img.decode()`) before it is needed, in a hidden holder; moving on puts the decoded element
 * itself into the frame, so the next image paints in the same frame as the key that asked for it. A handful of
 * images are kept (`KEEP`), the ones farthest from the item shown are dropped (and their object URLs revoked).
 *
 * An image that cannot be shown (not found, not an image, a URL that does not load) says why in its place, as text.
 */

import { h } from "../dom.js";

/** Images kept decoded in the page (each at most 1024 px: ~4 MB of pixels decoded), beyond those prefetched. */
export const KEEP = 16;
/** At most this many pixels on the longer side, an image is drawn pixelated and enlarged (digits, icons). */
export const SMALL_SIDE = 128;

/**
 * @typedef {{source: "url", url: string} | {source: "kernel"} | {source: "none"}} ImageRef
 * @typedef {{state: "loading" | "ready" | "error", img: HTMLImageElement | null, url: string | null,
 *   note: string | null, error: string | null, width: number, height: number}} Entry
 * @typedef {import("./decide.js").Item & {image?: ImageRef | null}} ImageItem
 */

/** Which of `ranks` (the item shown first, then the next ones, in order) need their image asked for: those from the
 * kernel not held or asked for already. Pure: unit-tested.
 * @param {{rank: number, image?: ImageRef | null}[]} items @param {(rank: number) => boolean} held */
export function toAsk(items, held) {
  return items.filter((item) => item.image?.source === "kernel" && !held(item.rank)).map((item) => item.rank);
}

/** Which held ranks to drop so that at most `keep` stay: the farthest from `current` first, never `wanted` ones.
 * Pure: unit-tested. @param {number[]} held @param {number} current @param {number} keep @param {Set<number>} wanted */
export function toDrop(held, current, keep, wanted) {
  if (held.length <= keep) return [];
  const droppable = held.filter((r) => !wanted.has(r)).sort((a, b) => Math.abs(b - current) - Math.abs(a - current));
  return droppable.slice(0, held.length - keep);
}

/** What is said under an image, or instead of it. Pure. @param {Entry | undefined} entry @param {ImageRef} ref */
export function caption(entry, ref) {
  if (ref.source === "none") return "(no image)";
  if (!entry || entry.state === "loading") return "Loading image…";
  if (entry.state === "error") return `Image could not be shown: ${entry.error ?? "unknown error"}`;
  return entry.note ?? "";
}

/** @param {{request: (ranks: number[]) => void}} options request: ask Python for these items' images */
export function createImageView({ request }) {
  const figure = /** @type {HTMLElement} */ (h("figure", "lw-image"));
  figure.hidden = true;
  const frame = h("div", "lw-image-frame");
  frame.setAttribute("data-testid", "lw-image");
  const note = h("figcaption", "lw-image-note");
  note.setAttribute("role", "note");
  figure.append(frame, note);
  /** decoded images not shown now wait here (hidden: they take no room and are not read out) */
  const holder = h("div", "lw-image-holder");
  holder.hidden = true;
  /** @type {Map<number, Entry>} */
  const entries = new Map();
  let current = -1;
  /** @type {ImageRef | null} */
  let currentRef = null;

  /** @param {number} rank @param {string} src @param {string | null} url an object URL to revoke when dropped */
  function startImage(rank, src, url) {
    const img = /** @type {HTMLImageElement} */ (h("img", "lw-image-img"));
    img.alt = "the item's image";
    img.dataset.rank = String(rank);
    img.decoding = "async";
    /** @type {Entry} */
    const entry = { state: "loading", img, url, note: null, error: null, width: 0, height: 0 };
    entries.set(rank, entry);
    holder.append(img);
    img.src = src;
    img.decode().then(
      () => {
        entry.state = "ready";
        entry.width ||= img.naturalWidth;
        entry.height ||= img.naturalHeight;
        img.classList.toggle("lw-image-small", Math.max(entry.width, entry.height) <= SMALL_SIDE);
        img.dataset.ready = "1"; // decoded: painting it costs no decode (what the browser test checks)
        if (rank === current) show();
      },
      () => {
        entry.state = "error";
        entry.error = url ? "the browser could not decode it" : `the browser could not load ${src}`;
        if (rank === current) show();
      },
    );
    return entry;
  }

  /** Put the item shown's image (or what stands for it) in the frame. */
  function show() {
    const ref = currentRef;
    if (!ref) return;
    const entry = entries.get(current);
    const img = entry?.state === "ready" ? entry.img : null;
    for (const child of Array.from(frame.children)) if (child !== img) holder.append(child);
    if (img && img.parentNode !== frame) frame.append(img);
    frame.classList.toggle("lw-image-waiting", !img);
    note.textContent = caption(entry, ref);
    note.classList.toggle("lw-image-error", entry?.state === "error");
  }

  /** @param {number} rank @param {ImageRef | null | undefined} ref */
  function want(rank, ref) {
    if (!ref || entries.has(rank)) return;
    if (ref.source === "url") startImage(rank, ref.url, null);
  }

  return {
    nodes: [figure, holder],
    /** Show the image of `item` (null: it is loading; an item without `image`: no figure). @param {ImageItem | null} item */
    paint(item) {
      if (!item) { // the item is on its way: its image too (the previous one must not stand for it)
        if (!figure.hidden) {
          current = -1;
          currentRef = { source: "kernel" };
          show();
        }
        return;
      }
      if (!item.image) {
        figure.hidden = true;
        currentRef = null;
        return;
      }
      figure.hidden = false;
      current = item.rank;
      currentRef = item.image;
      want(item.rank, item.image);
      show();
    },
    /** Ask for and decode the images of the item shown and of `next` (the next open items, in order), and drop the
     * farthest ones beyond `KEEP`. @param {ImageItem[]} items */
    prefetch(items) {
      for (const item of items) want(item.rank, item.image);
      const ask = toAsk(items, (r) => entries.has(r));
      for (const r of ask) {
        /** @type {Entry} */
        const entry = { state: "loading", img: null, url: null, note: null, error: null, width: 0, height: 0 };
        entries.set(r, entry);
      }
      if (ask.length) request(ask);
      const wanted = new Set(items.map((item) => item.rank));
      for (const r of toDrop([...entries.keys()], current, KEEP + items.length, wanted)) {
        const entry = entries.get(r);
        entries.delete(r);
        entry?.img?.remove();
        if (entry?.url) URL.revokeObjectURL(entry.url);
      }
    },
    /** An `image` message from Python: the bytes of one item's image, or why it has none.
     * @param {{rank: number, mime?: string, width?: number, height?: number, note?: string | null, error?: string}} msg
     * @param {DataView[]} buffers */
    receive(msg, buffers) {
      const rank = msg.rank;
      if (!entries.has(rank)) return; // dropped meanwhile
      if (msg.error || !buffers?.length) {
        entries.set(rank, { state: "error", img: null, url: null, note: null, error: msg.error ?? "no image data",
          width: 0, height: 0 });
      } else {
        const url = URL.createObjectURL(new Blob([/** @type {BlobPart} */ (/** @type {unknown} */ (buffers[0]))], { type: msg.mime ?? "image/png" }));
        const entry = startImage(rank, url, url);
        entry.note = msg.note ?? null;
        entry.width = msg.width ?? 0;
        entry.height = msg.height ?? 0;
      }
      if (rank === current) show();
    },
    setDone(/** @type {boolean} */ done) {
      if (done) figure.hidden = true;
    },
    destroy() {
      for (const entry of entries.values()) if (entry.url) URL.revokeObjectURL(entry.url);
      entries.clear();
    },
  };
}

/** @typedef {ReturnType<typeof createImageView>} ImageView */
