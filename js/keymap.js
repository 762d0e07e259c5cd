// @ts-check
/**
 * The keyboard as Python defines it (labelwidgets/keymap.py, sent in the widget's `config.keymap`), read here and
 * nowhere else: which action a key takes, which label a key chooses (from the label set), how a key is shown on a
 * button, and the sentence a screen reader hears. Pure functions, unit-tested with `node --test js/tests`.
 */

/**
 * @typedef {{name: string, keys: string[], button: string | null, does: string}} KeyAction
 * @typedef {{name: string, description: string, key: string | null}} Label
 * @typedef {{label: string, action: null} | {label: null, action: string}} KeyMeaning
 */

const SHOWN = /** @type {Record<string, string>} */ ({ " ": "space", ArrowLeft: "←", ArrowRight: "→", Enter: "↵", Escape: "Esc", Backspace: "⌫" });

/** A key as a button or a sentence shows it ("↵", "space", "z"). @param {string} key */
export function keyShown(key) {
  return SHOWN[key] ?? key;
}

/** A KeyboardEvent's key as the keymap spells it: letters in lower case, so they match in either case. @param {string} key */
export function normalKey(key) {
  return key.length === 1 ? key.toLowerCase() : key;
}

/**
 * The keymap of a labeler, read once from its config and its label set.
 * @param {{keymap?: KeyAction[]}} config the widget's config, as Python sent it
 * @param {Label[]} labels the label set, each label with its key (null: only through the picker)
 */
export function readKeymap(config, labels) {
  /** @type {KeyAction[]} */
  const actions = config.keymap ?? [];
  /** @type {Map<string, string>} */
  const actionByKey = new Map();
  for (const action of actions) for (const key of action.keys) actionByKey.set(key, action.name);
  /** @type {Map<string, string>} */
  const labelByKey = new Map();
  for (const label of labels) if (label.key) labelByKey.set(label.key, label.name);
  const byName = new Map(actions.map((action) => [action.name, action]));

  return {
    /** Every action, in the order Python lists them (the order of the action buttons). */
    actions,
    /**
     * What a key (as `normalKey` gives it) does: a label's key chooses that label, else an action's key takes that
     * action; null when the keymap gives the key nothing. @param {string} key @returns {KeyMeaning | null}
     */
    meaning(key) {
      const label = labelByKey.get(key);
      if (label !== undefined) return { label, action: null };
      const action = actionByKey.get(key);
      return action === undefined ? null : { label: null, action };
    },
    /** The action `name`, if this kind has it. @param {string} name */
    action: (name) => byName.get(name),
    /** The first key of an action as its button shows it ("↵"); "" when the kind has no such action. @param {string} name */
    hint: (name) => keyShown(byName.get(name)?.keys[0] ?? ""),
    /** The first key of an action as KeyboardEvent names it ("Enter", "0"). @param {string} name */
    key: (name) => byName.get(name)?.keys[0] ?? "",
    /**
     * One sentence for screen readers: what the keys do, starting with what the label keys do.
     * @param {string} labelKeys what the label keys do in this kind ("number keys label")
     */
    summary(labelKeys) {
      const parts = [labelKeys];
      for (const action of actions) {
        if (action.name === "find" || action.name === "release") continue;
        parts.push(`${action.keys.map(keyShown).join(" or ")} ${action.name === "none" ? "none of these" : action.name}`);
      }
      return `Labeler: ${parts.join(", ")}`;
    },
  };
}

/** @typedef {ReturnType<typeof readKeymap>} Keymap */
