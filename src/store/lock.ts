/**
 * A cross-process lock file shared by every credkit process (Deno, Bun or the
 * binary): created with O_EXCL, holding the owner's pid; a lock whose owner
 * is dead is broken.
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";
import { CredkitError } from "../errors.ts";
import { describeFsError } from "../fs_errors.ts";
import { isAlive } from "../process/group.ts";

/** Options for {@link withFileLock}. */
export interface LockOptions {
  /** Give up after this many ms (default 10000). */
  timeoutMs?: number;
  /** Sleep between attempts, ms (default 15, jittered). */
  retryMs?: number;
}

function tryAcquire(lockPath: string): boolean {
  try {
    const fd = fs.openSync(lockPath, "wx", 0o600);
    try {
      fs.writeSync(fd, String(process.pid));
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** Removes the lock if its owner is dead; the rename makes breaking atomic. */
function breakIfStale(lockPath: string): void {
  let content: string;
  let mtimeMs: number;
  try {
    content = fs.readFileSync(lockPath, "utf8");
    mtimeMs = fs.statSync(lockPath).mtimeMs;
  } catch {
    return;
  }
  const pid = Number(content.trim());
  // An empty file is a lock being written right now, unless it is old.
  if (content.trim() === "" ? Date.now() - mtimeMs < 2000 : isAlive(pid)) return;
  const aside = `${lockPath}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch {
    return;
  }
  const moved = (() => {
    try {
      return fs.readFileSync(aside, "utf8");
    } catch {
      return "";
    }
  })();
  if (moved !== content) {
    // We moved a fresh lock taken meanwhile: put it back if nobody took its place.
    try {
      fs.linkSync(aside, lockPath);
    } catch { /* another owner holds the lock now */ }
  }
  try {
    fs.unlinkSync(aside);
  } catch { /* already gone */ }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` while holding the lock file `lockPath` (its directory must exist).
 *
 * @example
 * ```ts
 * await withFileLock("/tmp/credentials.json.lock", async () => { ... });
 * ```
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T> | T,
  options: LockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10000;
  const retryMs = options.retryMs ?? 15;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let acquired: boolean;
    try {
      acquired = tryAcquire(lockPath);
    } catch (err) {
      throw new CredkitError("store_unavailable", `Cannot lock ${lockPath}`, describeFsError(err));
    }
    if (acquired) break;
    breakIfStale(lockPath);
    if (Date.now() > deadline) {
      throw new CredkitError(
        "store_unavailable",
        `Cannot lock ${lockPath}`,
        `still held by another credkit process after ${timeoutMs} ms`,
        "remove the lock file if no credkit process is running",
      );
    }
    await sleep(retryMs + Math.random() * retryMs);
  }
  try {
    return await fn();
  } finally {
    try {
      fs.unlinkSync(lockPath);
    } catch { /* removed by a breaker; nothing to do */ }
  }
}
