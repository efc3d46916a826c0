/**
 * Runs `task` now and then `intervalMs` after each run finishes (never two at
 * once, so a slow server is not piled on). Returns a function that stops it.
 * `task` handles its own errors; a throw is swallowed so polling continues.
 * A function as `intervalMs` is asked after every run (e.g. faster until a first read succeeds).
 */
export function poll(task: () => Promise<void>, intervalMs: number | (() => number)): () => void {
  let stopped = false;
  let timer: number | undefined;
  const run = async () => {
    try {
      await task();
    } catch {
      // The task reports its own failures; the next round may succeed.
    }
    if (!stopped) timer = window.setTimeout(run, typeof intervalMs === "number" ? intervalMs : intervalMs());
  };
  void run();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}
