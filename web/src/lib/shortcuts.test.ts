import { describe, expect, it } from 'vitest';
import { actionFor, ariaKeyShortcuts, keyNames, SHORTCUTS, tooltip } from './shortcuts';

describe('player shortcuts', () => {
  it('maps YouTube’s keys to their actions', () => {
    expect(actionFor(' ')).toBe('play');
    expect(actionFor('k')).toBe('play');
    expect(actionFor('j')).toBe('back-long');
    expect(actionFor('l')).toBe('forward-long');
    expect(actionFor('ArrowLeft')).toBe('back');
    expect(actionFor('ArrowRight')).toBe('forward');
    expect(actionFor('ArrowUp')).toBe('volume-up');
    expect(actionFor('ArrowDown')).toBe('volume-down');
    expect(actionFor('0')).toBe('jump');
    expect(actionFor('9')).toBe('jump');
    expect(actionFor('<')).toBe('slower');
    expect(actionFor('>')).toBe('faster');
    expect(actionFor('f')).toBe('fullscreen');
    expect(actionFor('m')).toBe('mute');
    expect(actionFor('c')).toBe('captions');
    expect(actionFor('i')).toBe('picture-in-picture');
    expect(actionFor('?')).toBe('help');
  });

  it('takes letters in either case but no other key', () => {
    expect(actionFor('K')).toBe('play');
    expect(actionFor('I')).toBe('picture-in-picture');
    expect(actionFor('x')).toBeNull();
    expect(actionFor('/')).toBeNull();
    expect(actionFor('Enter')).toBeNull();
    // Only single characters fold their case: "ARROWLEFT" is no key.
    expect(actionFor('ARROWLEFT')).toBeNull();
  });

  it('gives every key to one action only', () => {
    const keys = SHORTCUTS.flatMap((shortcut) => shortcut.keys.map((key) => key.toLowerCase()));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('writes keys for people in the help dialog', () => {
    const row = (action: string) => SHORTCUTS.find((shortcut) => shortcut.action === action)!;
    expect(keyNames(row('play'))).toEqual(['k', 'Space']);
    expect(keyNames(row('back'))).toEqual(['←']);
    expect(keyNames(row('jump'))).toEqual(['0 – 9']);
  });

  it('names the keys in aria-keyshortcuts’ syntax', () => {
    expect(ariaKeyShortcuts('play')).toBe('k Space');
    expect(ariaKeyShortcuts('fullscreen')).toBe('f');
    expect(ariaKeyShortcuts('help')).toBe('Shift+?');
  });

  it('adds the first key to a control’s name for its tooltip', () => {
    expect(tooltip('Play', 'play')).toBe('Play (k)');
    expect(tooltip('Mute', 'mute')).toBe('Mute (m)');
    expect(tooltip('Picture in picture', 'picture-in-picture')).toBe('Picture in picture (i)');
    expect(tooltip('Quality', null)).toBe('Quality');
  });
});
