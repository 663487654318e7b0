// A view counts once per page visit, after 10 s of playback or at the end of a shorter video (issue 16). The player
// reports where the viewer is every few seconds, on pause and at the end; the counter sends one report at most.

export const VIEW_AFTER_SECONDS = 10;

/** Within this of the end a shorter video counts as watched (players stop a hair before the last frame). */
const END_SLACK_SECONDS = 0.5;

/** A position callback that calls `report` once, the first time the viewer is far enough in. */
export function viewCounter(report: () => Promise<void>): (position: number, duration: number) => void {
  let counted = false;
  return (position, duration) => {
    if (counted) return;
    const atEnd = duration > 0 && position >= duration - END_SLACK_SECONDS;
    if (position < VIEW_AFTER_SECONDS && !atEnd) return;
    counted = true;
    report().catch((failure: unknown) => console.warn('The view could not be counted', failure));
  };
}
