/**
 * Watching the change-notice directory that every credkit write touches, so
 * that `server run --watch` notices a credential change within a second.
 *
 * @module
 */
import * as fs from "node:fs";

/** How often the change-notice directory is polled besides `fs.watch`. */
const WATCH_POLL_MS = 400;

/**
 * Calls `onChange` when a file in `dir` is created or modified, through
 * `fs.watch` and a light poll (for file systems where watching is not
 * reliable). Returns a function that stops watching.
 *
 * @example
 * ```ts
 * const stop = watchDir("/home/u/.local/state/credkit/changes", () => console.log("changed"));
 * ```
 */
export function watchDir(dir: string, onChange: () => void): () => void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch { /* reported by the poll below as no entries */ }
  const signature = () => {
    try {
      return fs.readdirSync(dir).sort().map((f) => {
        try {
          const st = fs.statSync(`${dir}/${f}`);
          return `${f}:${st.mtimeMs}:${st.size}`;
        } catch {
          return f;
        }
      }).join("|");
    } catch {
      return "";
    }
  };
  let last = signature();
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(dir, () => {
      last = signature();
      onChange();
    });
    watcher.on("error", () => {});
  } catch { /* the poll still works */ }
  const timer = setInterval(() => {
    const now = signature();
    if (now !== last) {
      last = now;
      onChange();
    }
  }, WATCH_POLL_MS);
  return () => {
    clearInterval(timer);
    try {
      watcher?.close();
    } catch { /* already closed */ }
  };
}
