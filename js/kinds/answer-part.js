// @ts-check
/**
 * Answer parts: one module per kind of answer (`config.kind`, as Python's labelwidgets/kinds/ names it), each behind
 * the interface below, so that a new kind (spans, pairs, images) is a new module here and nothing else in the labeler
 * changes. The labeler (labeler.js) keeps what is the same for every kind: the window of items, the cursor, the
 * decisions sent to Python and acknowledged, undo (labeler/core.js), and the parts around the answer (progress and
 * save status, suggestion line, teaching feedback, done screen, help and action buttons). An answer part shows the
 * controls that make an answer, keeps what is being edited (its draft), and turns keys and clicks into intents that
 * the labeler carries out; it never sends anything to Python and never moves the cursor itself.
 *
 *   create(ctx: PartContext) -> AnswerPart       (each kind's module; kinds/index.js finds it by config.kind)
 *
 *   PartContext = {
 *     labels: Label[]            the label set, in order, each with its key (null: only through a picker)
 *     keymap: Keymap             the keymap Python sent, read once (keymap.js): meaning(key), hint(name), key(name)
 *     shown(): Shown             the item on screen now: {rank, item (null while it loads), decision (this view's
 *                                unconfirmed one included; null: none), suggestion (one that can be accepted, else null)}
 *     perform(intent: Intent)    carry out an intent from a click or the part's own input (keys return theirs instead)
 *     focus()                    give the keyboard back to the labeler, e.g. after Enter in the part's own input
 *     config?: object            the widget's config as Python sent it (spans: `edit_keymap`, `overlap`)
 *     showAll?()                 ask Python for the whole text of the item shown (a content part's "Show all")
 *   }
 *
 *   AnswerPart = {
 *     nodes: HTMLElement[]       the part's elements; the labeler places them after the suggestion line, in order
 *     content?: ContentPart      shows the item itself, instead of the labeler's text view (labeler/text.js): a
 *                                pair's two outputs side by side, an image, a text with its spans highlighted
 *     keysSay: string            what the label keys do, for the labeler's aria label ("number keys label")
 *     suggestionKeys: string     the keys that act on a suggestion, for the suggestion line
 *     actions: string[]          the keymap's actions the part carries out itself (multi's "commit" and "none");
 *                                their buttons stay in the labeler's action row, in the keymap's order
 *     act(name): Intent | null   one of those actions, from its key or its button
 *     onKey(key, event): Intent | null
 *                                a key (letters in lower case) before the labeler's own actions see it: an intent
 *                                when the key is the part's (a label key, one of its actions), else null
 *     paint(shown)               the item shown was painted (it arrived, was answered, another one is shown): show
 *                                its answer, or the draft being edited
 *     suggest(shown)             only its suggestion changed, or the item is loading: mark what is suggested
 *     reset()                    drop the draft: another item is shown, or this one was just decided
 *     setDone(done: boolean)     "all done" hides what belongs to an item; false shows it again
 *     mode?(): string | null     a mode that owns the keyboard (a spans part editing a span), else null. While it is
 *                                on, every key (Esc and Tab too) goes to onKey before anything else, and the labeler's
 *                                own keys apply only where onKey returns null. Esc must end the mode (return
 *                                {do: "handled"}), which hands the keyboard back to the labeler; Esc outside a mode
 *                                hands it on to Jupyter.
 *   }
 *
 *   Intent = {do: "decide", intent: "label" | "accept" | "reject" | "skip", answer?: Answer}  record a decision
 *          | {do: "next"}                     go on to the next item, deciding nothing (reviewing, nothing changed)
 *          | {do: "notice", message: string}  say why nothing happened, in the banner
 *          | {do: "handled"}                  the part used the key itself (a toggle, a mode begun or ended)
 *
 *   ContentPart = {                           labeler/text.js is the one for text
 *     nodes: HTMLElement[]                    placed after the teaching feedback, before the decision line
 *     paint(item: Item | null)                the item shown (null: it is loading)
 *     showFull(text: string, length: number)  the whole text Python sent when asked (a long text's "Show all")
 *     reset()                                 another item is shown
 *     setDone(done: boolean)
 *   }
 */

/**
 * @typedef {import("../answers.js").Answer} Answer
 * @typedef {import("../keymap.js").Keymap} Keymap
 * @typedef {import("../keymap.js").Label} Label
 * @typedef {import("../labeler/decide.js").Item} Item
 * @typedef {import("../labeler/decide.js").DecisionView} DecisionView
 * @typedef {import("../labeler/decide.js").SuggestionView} SuggestionView
 * @typedef {{rank: number, item: Item | null, decision: DecisionView | null, suggestion: SuggestionView | null}} Shown
 * @typedef {{do: "decide", intent: "label" | "accept" | "reject" | "skip", answer?: Answer} | {do: "next"}
 *   | {do: "notice", message: string} | {do: "handled"}} Intent
 * @typedef {{labels: Label[], keymap: Keymap, shown: () => Shown, perform: (intent: Intent) => void,
 *   focus: () => void, config?: Record<string, any>, showAll?: () => void}} PartContext
 * @typedef {{nodes: HTMLElement[], paint: (item: Item | null) => void, showFull: (text: string, length: number) => void,
 *   reset: () => void, setDone: (done: boolean) => void}} ContentPart
 * @typedef {{nodes: HTMLElement[], content?: ContentPart, keysSay: string, suggestionKeys: string, actions: string[],
 *   act: (name: string) => Intent | null, onKey: (key: string, event: KeyboardEvent) => Intent | null,
 *   paint: (shown: Shown) => void, suggest: (shown: Shown) => void, reset: () => void,
 *   setDone: (done: boolean) => void, mode?: () => string | null}} AnswerPart
 */

/** @type {Intent} */
export const HANDLED = { do: "handled" };

/** A key's meaning for a part: its label chosen, or one of `actions` taken through `act`, else null.
 * @param {Keymap} keymap @param {string} key @param {string[]} actions
 * @param {(name: string) => Intent} choose @param {(name: string) => Intent | null} act */
export function partKey(keymap, key, actions, choose, act) {
  const meaning = keymap.meaning(key);
  if (meaning?.label != null) return choose(meaning.label);
  if (meaning?.action != null && actions.includes(meaning.action)) return act(meaning.action);
  return null;
}
