// What a click or tap on the picture does. A mouse click plays or pauses, as on every desktop player. A finger cannot
// hover, so on a phone the controls are out of sight most of the time: a tap first brings them back, and a tap while
// they show puts them away again, as YouTube's app does; playing and pausing are the play button's job there.

export type VideoTap = 'toggle-play' | 'show-controls' | 'hide-controls';

/**
 * @param pointerType the PointerEvent.pointerType of the press that made the click ('' when unknown)
 * @param controlsShown whether the controls were on screen when the press began, before it woke them
 */
export function videoTap(pointerType: string, controlsShown: boolean): VideoTap {
  if (pointerType !== 'touch') return 'toggle-play';
  return controlsShown ? 'hide-controls' : 'show-controls';
}
