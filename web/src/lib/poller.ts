// Repeats an async task with a delay the task itself chooses, never overlapping runs, until stopped or until
// the task returns null. Used for the "is it ready yet?" polling of videos.

export function repeat(task: (signal: AbortSignal) => Promise<number | null>, firstDelayMs = 0): () => void {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const run = async () => {
    let delay: number | null;
    try {
      delay = await task(controller.signal);
    } catch {
      // The task reports its own errors; polling goes on at a calm pace.
      delay = 5000;
    }
    if (delay !== null && !controller.signal.aborted) timer = setTimeout(run, delay);
  };

  timer = setTimeout(run, firstDelayMs);
  return () => {
    controller.abort();
    clearTimeout(timer);
  };
}
