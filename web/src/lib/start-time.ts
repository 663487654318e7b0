// "Start at" links: /watch/{id}?t=90, ?t=1m30s or ?t=1:30 open the player at that second.

export function parseStartTime(search: string): number | null {
  const value = new URLSearchParams(search).get('t')?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?s?$/.test(value)) return Number(value.replace(/s$/, ''));
  const units = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (units && (units[1] || units[2] || units[3])) {
    return Number(units[1] ?? 0) * 3600 + Number(units[2] ?? 0) * 60 + Number(units[3] ?? 0);
  }
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{2})$/.exec(value);
  if (clock) return Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
  return null;
}
