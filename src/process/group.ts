/**
 * Signalling processes and process groups, and telling whether a pid is
 * alive: shared by the lock, the file store and the supervisors.
 *
 * @module
 */
import process from "node:process";

/**
 * Whether a process with this pid exists (owned by anyone).
 *
 * @example
 * ```ts
 * isAlive(process.pid); // true
 * ```
 */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Sends `signal` to the process group `pgid`; when that group does not exist
 * (yet), to the process `pgid` itself if `fallbackToPid`. Never throws.
 *
 * @example
 * ```ts
 * signalGroup(child.pid!, "SIGTERM");
 * ```
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals, fallbackToPid = true): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    if (!fallbackToPid) return;
    try {
      process.kill(pgid, signal);
    } catch { /* already gone */ }
  }
}
