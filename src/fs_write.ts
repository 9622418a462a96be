/**
 * Writing files so that a reader never sees half of one and a secret is
 * never readable by others, not even for a moment.
 *
 * @module
 */
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { isAlive } from "./process/group.ts";

/** Options for {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /**
   * Remove temporary files that writers which died left beside the target
   * (only safe while holding a lock on the target).
   *
   * @default {false}
   */
  removeStaleTemps?: boolean;
}

/**
 * Replaces `path` atomically: a temporary file in the same directory (created
 * exclusively, with exactly `mode` set before any byte is written), fsync,
 * rename, fsync of the directory. A symbolic link is followed, so the file it
 * points to is replaced. A reader sees the old content or the new, never half.
 *
 * @param path The file to replace (created when absent, with its directory).
 * @param text The new content.
 * @param mode Permission bits of the new file (e.g. `0o600`).
 * @param options See {@link WriteFileAtomicOptions}.
 *
 * @example
 * ```ts
 * writeFileAtomic("/p/.mcp.json", text, 0o644);
 * ```
 */
export function writeFileAtomic(
  path: string,
  text: string,
  mode: number,
  options: WriteFileAtomicOptions = {},
): void {
  let target = path;
  try {
    target = fs.realpathSync(path);
  } catch { /* a new file */ }
  const dir = dirname(target);
  const base = basename(target);
  fs.mkdirSync(dir, { recursive: true });
  if (options.removeStaleTemps) removeStaleTemps(dir, base);
  const tmp = join(
    dir,
    `${tempPrefix(base)}${process.pid}-${Math.random().toString(36).slice(2, 10)}`,
  );
  let fd: number | undefined = fs.openSync(tmp, "wx", mode);
  try {
    // The umask may have narrowed the mode; set it exactly before any byte is written.
    if (process.platform !== "win32") fs.fchmodSync(fd, mode);
    const data = new TextEncoder().encode(text);
    let offset = 0;
    while (offset < data.length) offset += fs.writeSync(fd, data, offset, data.length - offset);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch { /* already closed */ }
    }
    try {
      fs.unlinkSync(tmp);
    } catch { /* already renamed or never written */ }
    throw err;
  }
  fsyncDirectory(dir);
}

/** The name prefix of {@link writeFileAtomic}'s temporary files for `base`. */
function tempPrefix(base: string): string {
  return `.${base}.tmp-`;
}

/** Makes a rename in `dir` durable (a no-op where directories cannot be synced). */
function fsyncDirectory(dir: string): void {
  if (process.platform === "win32") return;
  try {
    const dfd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch { /* not supported on this file system */ }
}

/** Removes temporary files of `base` left by writers that died. */
function removeStaleTemps(dir: string, base: string): void {
  const prefix = tempPrefix(base);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split("-")[0]);
    if (pid === process.pid || isAlive(pid)) continue;
    try {
      fs.unlinkSync(join(dir, name));
    } catch { /* removed meanwhile */ }
  }
}

/**
 * Creates `path` with `text`, exclusively (fails with EEXIST when it exists)
 * and with `mode` from the moment it exists (never written, then chmod'ed).
 *
 * @example
 * ```ts
 * writeFileExclusive("/p/.env", text, 0o600);
 * ```
 */
export function writeFileExclusive(path: string, text: string, mode: number): void {
  const fd = fs.openSync(path, "wx", mode);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether `path` is a symbolic link (false when it does not exist).
 *
 * @example
 * ```ts
 * if (isSymlink("/p/.env")) throw new Error("refusing to write through a link");
 * ```
 */
export function isSymlink(path: string): boolean {
  try {
    return fs.lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Appends `text` to `path` without ever following a symbolic link (ELOOP when
 * `path` is one); an absent file is created exclusively with `mode`.
 *
 * @example
 * ```ts
 * appendFileNoFollow(process.env.GITHUB_ENV!, "A=1\n", 0o600);
 * ```
 */
export function appendFileNoFollow(path: string, text: string, mode: number): void {
  const { O_WRONLY, O_APPEND, O_CREAT, O_EXCL } = fs.constants;
  // No following links; non-blocking so that a FIFO fails instead of waiting.
  const noFollow = (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);
  if (fs.constants.O_NOFOLLOW === undefined && isSymlink(path)) {
    throw Object.assign(new Error("symbolic link"), { code: "ELOOP" });
  }
  let fd: number;
  try {
    fd = fs.openSync(path, O_WRONLY | O_APPEND | noFollow);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    fd = fs.openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | noFollow, mode);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) {
      throw Object.assign(new Error("not a regular file"), { code: "EINVAL" });
    }
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
