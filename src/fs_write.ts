/**
 * Writing files so that a reader never sees half of one and a secret is
 * never readable by others, not even for a moment.
 *
 * @module
 */
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import process from "node:process";

/**
 * Replaces `path` atomically: a temporary file in the same directory (created
 * exclusively with `mode`), fsync, rename. A symbolic link is followed, so
 * the file it points to is replaced.
 *
 * @example
 * ```ts
 * writeFileAtomic("/p/.mcp.json", text, 0o644);
 * ```
 */
export function writeFileAtomic(path: string, text: string, mode: number): void {
  let target = path;
  try {
    target = fs.realpathSync(path);
  } catch { /* a new file */ }
  fs.mkdirSync(dirname(target), { recursive: true });
  const tmp = join(
    dirname(target),
    `.${basename(target)}.credkit-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`,
  );
  const fd = fs.openSync(tmp, "wx", mode);
  try {
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (err) {
    try {
      fs.unlinkSync(tmp);
    } catch { /* already renamed or never written */ }
    throw err;
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
