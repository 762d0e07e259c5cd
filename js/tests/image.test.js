import test from "node:test";
import assert from "node:assert/strict";
import { caption, toAsk, toDrop } from "../labeler/image.js";

const kernel = (rank) => ({ rank, image: { source: "kernel" } });

test("only images from the kernel that are not held yet are asked for, in the order given", () => {
  const items = [kernel(5), { rank: 6, image: { source: "url", url: "https://x/y.png" } }, kernel(7),
    { rank: 8, image: { source: "none" } }, kernel(9), { rank: 10 }];
  assert.deepEqual(toAsk(items, () => false), [5, 7, 9]);
  assert.deepEqual(toAsk(items, (r) => r === 7), [5, 9]);
});

test("the images farthest from the one shown are dropped first, never the ones wanted now", () => {
  assert.deepEqual(toDrop([1, 2, 3], 2, 5, new Set()), []);
  assert.deepEqual(toDrop([0, 1, 10, 11, 12, 30], 11, 4, new Set([12])), [30, 0]);
  assert.deepEqual(toDrop([0, 1, 2], 50, 1, new Set([0, 1, 2])), []); // everything wanted: kept, however many
});

test("what is said under the image, or instead of it, is text", () => {
  const ready = { state: "ready", img: null, url: null, note: "downscaled from 4000×3000 to 1024×768", error: null,
    width: 1024, height: 768 };
  assert.equal(caption(ready, { source: "kernel" }), "downscaled from 4000×3000 to 1024×768");
  assert.equal(caption({ ...ready, note: null }, { source: "kernel" }), "");
  assert.equal(caption(undefined, { source: "kernel" }), "Loading image…");
  assert.equal(caption({ ...ready, state: "error", error: "no file 'a.png'" }, { source: "kernel" }),
    "Image could not be shown: no file 'a.png'");
  assert.equal(caption(undefined, { source: "none" }), "(no image)");
});
