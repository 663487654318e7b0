// The player's keyboard shortcuts, YouTube's set: one table that the key handler reads to know what a key does, the
// help dialog reads to list them, and the control bar reads for its tooltips and aria-keyshortcuts, so the three
// cannot tell different stories.

export type ShortcutAction =
  | 'play'
  | 'back'
  | 'forward'
  | 'back-long'
  | 'forward-long'
  | 'volume-up'
  | 'volume-down'
  | 'jump'
  | 'slower'
  | 'faster'
  | 'fullscreen'
  | 'mute'
  | 'captions'
  | 'picture-in-picture'
  | 'help';

export interface Shortcut {
  action: ShortcutAction;
  /** KeyboardEvent.key values; a letter matches in either case (caps lock, shift). */
  keys: readonly string[];
  /** What the help dialog says it does. */
  description: string;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'play', keys: ['k', ' '], description: 'Play or pause' },
  { action: 'back', keys: ['ArrowLeft'], description: 'Back 5 seconds' },
  { action: 'forward', keys: ['ArrowRight'], description: 'Forward 5 seconds' },
  { action: 'back-long', keys: ['j'], description: 'Back 10 seconds' },
  { action: 'forward-long', keys: ['l'], description: 'Forward 10 seconds' },
  { action: 'jump', keys: DIGITS, description: 'Jump to 0 % … 90 % of the video' },
  { action: 'volume-up', keys: ['ArrowUp'], description: 'Volume up' },
  { action: 'volume-down', keys: ['ArrowDown'], description: 'Volume down' },
  { action: 'mute', keys: ['m'], description: 'Mute or unmute' },
  { action: 'slower', keys: ['<'], description: 'Slower' },
  { action: 'faster', keys: ['>'], description: 'Faster' },
  { action: 'captions', keys: ['c'], description: 'Captions on or off' },
  { action: 'fullscreen', keys: ['f'], description: 'Full screen' },
  { action: 'picture-in-picture', keys: ['i'], description: 'Picture in picture' },
  { action: 'help', keys: ['?'], description: 'Show these shortcuts' },
];

const BY_KEY = new Map(SHORTCUTS.flatMap((shortcut) => shortcut.keys.map((key) => [key, shortcut.action] as const)));

/** What a key does, or null when it is no shortcut. */
export function actionFor(key: string): ShortcutAction | null {
  return BY_KEY.get(key) ?? (key.length === 1 ? (BY_KEY.get(key.toLowerCase()) ?? null) : null);
}

function shortcutOf(action: ShortcutAction): Shortcut {
  // Every action has its row: the table is written out above and the type lists exactly its actions.
  return SHORTCUTS.find((shortcut) => shortcut.action === action)!;
}

const KEY_NAMES: Record<string, string> = {
  ' ': 'Space',
  ArrowLeft: '←',
  ArrowRight: '→',
  ArrowUp: '↑',
  ArrowDown: '↓',
};

/** How a key is written for people: "Space", "←", "k". */
export function keyName(key: string): string {
  return KEY_NAMES[key] ?? key;
}

/** The keys of a row as the help dialog shows them: ten digits read as one range. */
export function keyNames(shortcut: Shortcut): string[] {
  if (shortcut.keys === DIGITS) return ['0 – 9'];
  return shortcut.keys.map(keyName);
}

/**
 * The action's keys in aria-keyshortcuts' syntax (UI Events key values, alternatives separated by spaces, a shifted
 * character with its Shift): "k Space", "Shift+?".
 */
export function ariaKeyShortcuts(action: ShortcutAction): string {
  return shortcutOf(action)
    .keys.map((key) => (key === ' ' ? 'Space' : key === '?' || key === '<' || key === '>' ? `Shift+${key}` : key))
    .join(' ');
}

/** A control's tooltip: its name and its first key, "Play (k)". */
export function tooltip(name: string, action: ShortcutAction | null): string {
  return action === null ? name : `${name} (${keyName(shortcutOf(action).keys[0]!)})`;
}
