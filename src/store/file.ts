/**
 * The file store: one JSON file, mode 0600 in a 0700 directory, whose layout
 * stays compatible with ipfs_kit's `~/.ipfs_kit/config.json`:
 *
 * ```json
 * {"credentials": {"huggingface": {"token": "…", "test_repo": "…"}}, "tokens": {…}}
 * ```
 *
 * Every write is a read-modify-write under a cross-process lock, and replaces
 * the file atomically (temporary file in the same directory, fsync, rename,
 * fsync of the directory). Keys credkit does not know about are kept as they
 * are. A file credkit cannot parse is never replaced.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { CredkitError } from "../errors.ts";
import { describeFsError, describeJsonError, errnoCode } from "../fs_errors.ts";
import type { Fields, Namespace, SecretBackend, StoreName } from "./backend.ts";
import { withFileLock } from "./lock.ts";
import { isAlive } from "../process_signals.ts";

/** Options for {@link FileBackend}. */
export interface FileBackendOptions {
  /** Path of the JSON file. */
  path: string;
  /** Top-level key the entries live under (default `"credentials"`). */
  namespace?: Namespace;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const CANNOT_REPLACE = "fix or move the file; credkit will not replace it";

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Converts one stored field value to a string; `undefined` skips it. */
function fieldToString(value: Json): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null) return undefined;
  return JSON.stringify(value);
}

/**
 * A {@link SecretBackend} kept in one JSON file, compatible with ipfs_kit's
 * `config.json`. Entries of the namespace live under its top-level key;
 * everything else in the file is kept on rewrite.
 *
 * Throws `CredkitError("store_unavailable")` when the file cannot be read,
 * is not valid JSON, or has the wrong shape; such a file is never replaced.
 *
 * @example
 * ```ts
 * const store = new FileBackend({ path: "/home/me/.ipfs_kit/config.json" });
 * await store.set("huggingface", { token: "hf_…", test_repo: "me/test" });
 * await store.get("huggingface"); // { token: "hf_…", test_repo: "me/test" }
 * await store.update("aws", (cur) => ({ ...cur, region: "eu-west-1" }));
 * ```
 */
export class FileBackend implements SecretBackend {
  /** Always `"file"`. */
  readonly name: StoreName = "file";
  /** Path of the JSON file. */
  readonly path: string;
  /** Top-level key of this backend's entries. */
  readonly namespace: Namespace;

  constructor(options: FileBackendOptions) {
    this.path = path.resolve(options.path);
    this.namespace = options.namespace ?? "credentials";
  }

  /** The entry's fields, or `undefined` when the file or the entry is missing. */
  get(entry: string): Promise<Fields | undefined> {
    return Promise.resolve().then(() => this.#entryOf(this.#read(), entry, true));
  }

  /** Names of all entries of the namespace (`[]` when the file is missing). */
  list(): Promise<string[]> {
    return Promise.resolve().then(() => {
      const ns = this.#namespaceOf(this.#read());
      if (!ns) return [];
      return Object.keys(ns).filter((name) => isObject(ns[name]));
    });
  }

  /** Replaces the entry's fields, keeping the rest of the file. */
  async set(entry: string, fields: Fields): Promise<void> {
    const copy = { ...fields };
    await this.#mutate(entry, () => copy, false);
  }

  /** Removes the entry; `true` when it was there. */
  async remove(entry: string): Promise<boolean> {
    // Nothing to remove, and no directory or lock to create, when the file is absent.
    if (!fs.existsSync(this.path)) return false;
    let existed = false;
    await this.#mutate(entry, (_cur, present) => {
      existed = present;
      return undefined;
    }, false);
    return existed;
  }

  /**
   * Read-modify-write of one entry under the cross-process lock: `fn` gets
   * the current fields and returns the new ones; `undefined` or an empty
   * object removes the entry. Returns what was stored.
   */
  update(
    entry: string,
    fn: (current: Fields | undefined) => Fields | undefined,
  ): Promise<Fields | undefined> {
    return this.#mutate(entry, (cur) => fn(cur), true);
  }

  #error(why: string, hint?: string): CredkitError {
    return new CredkitError(
      "store_unavailable",
      `Cannot read credentials file ${this.path}`,
      why,
      hint,
    );
  }

  /** The parsed file, or `undefined` when it does not exist. */
  #read(): JsonObject | undefined {
    let text: string;
    let fd: number;
    try {
      // Non-blocking, so that a FIFO in its place is reported, never waited on.
      fd = fs.openSync(this.path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return undefined;
      throw this.#error(describeFsError(err));
    }
    try {
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) throw this.#error("is a directory");
      if (!st.isFile()) throw this.#error("it is not a regular file");
      text = fs.readFileSync(fd, "utf8");
    } catch (err) {
      if (err instanceof CredkitError) throw err;
      throw this.#error(describeFsError(err));
    } finally {
      fs.closeSync(fd);
    }
    if (text.trim() === "") throw this.#error("the file is empty, not valid JSON", CANNOT_REPLACE);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw this.#error(describeJsonError(text), CANNOT_REPLACE);
    }
    if (!isObject(doc)) throw this.#error("the top level is not a JSON object", CANNOT_REPLACE);
    this.#namespaceOf(doc);
    return doc;
  }

  #namespaceOf(doc: JsonObject | undefined): JsonObject | undefined {
    if (!doc || !(this.namespace in doc)) return undefined;
    const ns = doc[this.namespace];
    if (!isObject(ns)) {
      throw this.#error(`"${this.namespace}" is not a JSON object`, CANNOT_REPLACE);
    }
    return ns;
  }

  #entryOf(doc: JsonObject | undefined, entry: string, strict: boolean): Fields | undefined {
    const ns = this.#namespaceOf(doc);
    if (!ns || !Object.hasOwn(ns, entry)) return undefined;
    const raw = ns[entry];
    if (!isObject(raw)) {
      if (!strict) return undefined;
      throw this.#error(`"${this.namespace}.${entry}" is not a JSON object`, CANNOT_REPLACE);
    }
    const fields: Fields = {};
    for (const [key, value] of Object.entries(raw)) {
      const text = fieldToString(value);
      if (text !== undefined) fields[key] = text;
    }
    return fields;
  }

  async #mutate(
    entry: string,
    fn: (current: Fields | undefined, present: boolean) => Fields | undefined,
    needCurrent: boolean,
  ): Promise<Fields | undefined> {
    const dir = path.dirname(this.path);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      const code = errnoCode(err);
      throw new CredkitError(
        "store_unavailable",
        `Cannot create directory ${dir}`,
        code === "EEXIST" || code === "ENOTDIR"
          ? "a parent of the path is not a directory"
          : describeFsError(err),
      );
    }
    return await withFileLock(`${this.path}.lock`, () => {
      const doc = this.#read() ?? {};
      const ns = this.#namespaceOf(doc);
      const present = ns !== undefined && Object.hasOwn(ns, entry);
      const current = this.#entryOf(doc, entry, needCurrent);
      const next = fn(current, present);
      const remove = next === undefined || Object.keys(next).length === 0;
      if (remove && !present) return undefined;
      const target: JsonObject = ns ?? {};
      if (remove) delete target[entry];
      else target[entry] = { ...next };
      doc[this.namespace] = target;
      this.#writeAtomically(`${JSON.stringify(doc, null, 2)}\n`);
      return remove ? undefined : { ...next };
    });
  }

  /** Temporary file (created 0600) in the same directory, fsync, rename, fsync dir. */
  #writeAtomically(text: string): void {
    let target = this.path;
    try {
      if (fs.lstatSync(target).isSymbolicLink()) target = fs.realpathSync(target);
    } catch { /* missing: created below */ }
    const dir = path.dirname(target);
    const base = path.basename(target);
    this.#removeStaleTemps(dir, base);
    const tmp = path.join(
      dir,
      `.${base}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`,
    );
    let fd: number | undefined;
    try {
      fd = fs.openSync(tmp, "wx", 0o600);
      // The umask may have narrowed the mode; set exactly 0600 before any byte is written.
      if (process.platform !== "win32") fs.fchmodSync(fd, 0o600);
      const data = new TextEncoder().encode(text);
      let offset = 0;
      while (offset < data.length) {
        offset += fs.writeSync(fd, data, offset, data.length - offset);
      }
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
      } catch { /* never created or already renamed */ }
      throw new CredkitError(
        "store_unavailable",
        `Cannot write credentials file ${this.path}`,
        describeFsError(err),
      );
    }
    if (process.platform !== "win32") {
      try {
        const dfd = fs.openSync(dir, "r");
        try {
          fs.fsyncSync(dfd);
        } finally {
          fs.closeSync(dfd);
        }
      } catch { /* not supported on this file system */ }
    }
  }

  /** Removes temporary files left by writers that died (called under the lock). */
  #removeStaleTemps(dir: string, base: string): void {
    const prefix = `.${base}.tmp-`;
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
        fs.unlinkSync(path.join(dir, name));
      } catch { /* removed meanwhile */ }
    }
  }
}

/**
 * A one-line warning when the file can be read or written by group or
 * others (`mode & 0o077`), otherwise `undefined` (also when it is missing,
 * and on Windows, where modes do not apply).
 *
 * @example
 * ```ts
 * const warning = filePermissionWarning("/home/me/.config/credkit/credentials.json");
 * if (warning) console.error(`credkit: ${warning}`);
 * ```
 */
export function filePermissionWarning(filePath: string): string | undefined {
  if (process.platform === "win32") return undefined;
  let mode: number;
  try {
    mode = fs.statSync(filePath).mode & 0o777;
  } catch {
    return undefined;
  }
  if ((mode & 0o077) === 0) return undefined;
  const octal = mode.toString(8).padStart(4, "0");
  return `credentials file ${filePath} is accessible by other users (mode ${octal}); run: chmod 600 ${filePath}`;
}

/** What {@link fileStoreInfo} reports. */
export interface FileStoreInfo {
  /** The path, resolved to an absolute one. */
  path: string;
  /** Whether something exists at the path. */
  exists: boolean;
  /** Permission bits (`mode & 0o777`) when it exists. */
  mode?: number;
}

/**
 * Existence and permission bits of the file store, for `doctor`.
 *
 * @example
 * ```ts
 * const info = fileStoreInfo("/tmp/ck/credentials.json");
 * // { path: "/tmp/ck/credentials.json", exists: true, mode: 0o600 }
 * ```
 */
export function fileStoreInfo(filePath: string): FileStoreInfo {
  const resolved = path.resolve(filePath);
  try {
    const st = fs.statSync(resolved);
    return { path: resolved, exists: true, mode: st.mode & 0o777 };
  } catch {
    return { path: resolved, exists: false };
  }
}
