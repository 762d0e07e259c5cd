// @ts-check
/** Every kind of answer the labeler can edit, by the name Python gives it (`config.kind`): see answer-part.js. */

import { create as createMulti } from "./multi.js";
import { create as createPair } from "./pair.js";
import { create as createSingle } from "./single.js";
import { create as createSpans } from "./spans.js";

/**
 * @typedef {import("./answer-part.js").PartContext} PartContext
 * @typedef {import("./answer-part.js").AnswerPart} AnswerPart
 */

/** @type {Record<string, (ctx: PartContext) => AnswerPart>} */
const PARTS = { single: createSingle, multi: createMulti, spans: createSpans, pair: createPair };

/** The answer part of `kind`. @param {string} kind @param {PartContext} ctx @returns {AnswerPart} */
export function createAnswerPart(kind, ctx) {
  const create = PARTS[kind];
  if (!create) throw new Error(`labelwidgets: no answer part for the kind ${JSON.stringify(kind)} in js/kinds/`);
  return create(ctx);
}
