/**
 * Backups of client files, kept in credkit's state directory
 * (`<state>/backups/`, directory 0700, files 0600), never beside the file
 * (which may sit in a git work tree). Each backup is a small JSON document
 * holding the original path and its exact text; `restoreBackup` puts it back.
 *
 * @module
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { basename, join, resolve } from "node:path";
import { CredkitError } from "../../errors.ts";
import { describeFsError } from "../../fs_errors.ts";
import { writeFileAtomic, writeFileExclusive } from "../../fs_write.ts";

interface BackupDoc {
  credkitBackup: 1;
  path: string;
  savedAt: string;
  mode: number;
  content: string;
}

/**
 * The backup directory: `<stateDir>/backups`.
 *
 * @example
 * ```ts
 * backupDir("/h/.local/state/credkit"); // "/h/.local/state/credkit/backups"
 * ```
 */
export function backupDir(stateDir: string): string {
  return join(stateDir, "backups");
}

function pathKey(path: string): string {
  return createHash("sha256").update(resolve(path)).digest("hex").slice(0, 12);
}

/**
 * Saves `content` (the original text of `path`) as a new 0600 backup and
 * returns the backup's path.
 *
 * @example
 * ```ts
 * writeBackup("/h/.local/state/credkit", "/p/.mcp.json", text, 0o644, Date.now());
 * ```
 */
export function writeBackup(
  stateDir: string,
  path: string,
  content: string,
  mode: number,
  now: number,
): string {
  const dir = backupDir(stateDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const stamp = new Date(now).toISOString().replace(/[:.]/g, "-");
  const doc: BackupDoc = {
    credkitBackup: 1,
    path: resolve(path),
    savedAt: new Date(now).toISOString(),
    mode,
    content,
  };
  for (let i = 0; i < 1000; i++) {
    const file = join(
      dir,
      `${stamp}-${basename(path).replace(/^\./, "")}-${pathKey(path)}${i ? `-${i}` : ""}.json`,
    );
    try {
      writeFileExclusive(file, JSON.stringify(doc) + "\n", 0o600);
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  throw new CredkitError("error", `Cannot back up ${path}`, "too many backups exist");
}

function readBackup(file: string): BackupDoc {
  let doc: BackupDoc;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new CredkitError(
      "usage",
      `Cannot restore ${file}`,
      err instanceof SyntaxError ? "not a credkit backup" : describeFsError(err),
    );
  }
  if (doc?.credkitBackup !== 1 || typeof doc.path !== "string" || typeof doc.content !== "string") {
    throw new CredkitError("usage", `Cannot restore ${file}`, "not a credkit backup");
  }
  return doc;
}

/**
 * The newest backup of client file `path`, if any.
 *
 * @example
 * ```ts
 * latestBackup("/h/.local/state/credkit", "/p/.mcp.json");
 * ```
 */
export function latestBackup(stateDir: string, path: string): string | undefined {
  const dir = backupDir(stateDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  const key = pathKey(path);
  const mine = names.filter((n) => n.endsWith(".json") && n.includes(`-${key}`)).sort();
  // Same second: a `-N` suffix sorts after the plain name only with this comparison.
  mine.sort((a, b) => {
    const [pa, pb] = [a, b].map((n) => n.slice(0, 24));
    if (pa !== pb) return pa < pb ? -1 : 1;
    const num = (n: string) => Number(/-(\d+)\.json$/.exec(n.slice(n.indexOf(key)))?.[1] ?? 0);
    return num(a) - num(b);
  });
  return mine.length ? join(dir, mine[mine.length - 1]) : undefined;
}

/**
 * Puts an original back. `target` is a backup file, or a client file (its
 * newest backup is used). Returns the restored path and the backup used.
 *
 * @example
 * ```ts
 * restoreBackup("/h/.local/state/credkit", "/p/.mcp.json"); // { path: "/p/.mcp.json", backup: ".../backups/…json" }
 * ```
 */
export function restoreBackup(stateDir: string, target: string): { path: string; backup: string } {
  const abs = resolve(target);
  const backup =
    abs.startsWith(backupDir(stateDir) + "/") || abs.startsWith(backupDir(stateDir) + "\\")
      ? abs
      : latestBackup(stateDir, abs);
  if (!backup) {
    throw new CredkitError(
      "usage",
      `Cannot restore ${target}`,
      `no backup of it in ${backupDir(stateDir)}`,
    );
  }
  const doc = readBackup(backup);
  writeFileAtomic(doc.path, doc.content, typeof doc.mode === "number" ? doc.mode : 0o600);
  return { path: doc.path, backup };
}
