/**
 * The pass store: credentials shared by a team through a standard Unix
 * password store (`pass`, or `gopass`), one GPG-encrypted file per field,
 * encrypted to every key listed in the nearest `.gpg-id` and synchronised
 * with git.
 *
 * Layout (under `$PASSWORD_STORE_DIR`, default `~/.password-store`):
 *
 * - credentials: `credkit/<service>/<field>.gpg` — `pass show credkit/github/token`
 *   prints the value, `pass insert credkit/huggingface/token` is read back by credkit;
 * - AuthStore tokens: `credkit-tokens/<service>/<field>.gpg`.
 *
 * An entry's value is its whole decrypted content with one trailing newline
 * removed: a one-line entry (what `pass insert` writes) is exactly that line,
 * and a multi-line value (a PEM key) is stored with `insert --multiline` and
 * read back byte for byte. credkit never keeps notes below the first line.
 *
 * Reading decrypts each field with `gpg --batch --decrypt` through gpg-agent,
 * bounded by a timeout; without a terminal gpg runs with
 * `--pinentry-mode error`, so a locked key fails at once instead of waiting on
 * a passphrase prompt. Writing goes through `pass insert` / `pass rm` (or
 * gopass), secrets on stdin, so the store's `.gpg-id` recipients, its git
 * auto-commit and its hooks all apply. Every failure to decrypt (no key,
 * locked agent, no gpg, no store) is `store_unavailable` (exit 4) with the reason.
 *
 * @module
 */
import * as fs from "node:fs";
import { delimiter, join } from "node:path";
import process from "node:process";
import { CredkitError } from "../errors.ts";
import type { Env } from "../paths.ts";
import type { Fields, Namespace, SecretBackend } from "./backend.ts";
import { runTool, type ToolResult, type ToolRunner } from "./tool_exec.ts";

/** Folder of each namespace inside the password store. */
export const PASS_FOLDERS: Readonly<Record<Namespace, string>> = {
  credentials: "credkit",
  tokens: "credkit-tokens",
};

/** Default timeout of one gpg decryption without a terminal, in ms. */
export const PASS_DECRYPT_TIMEOUT_MS = 15000;
/** Timeout of one decryption when gpg may ask for a passphrase on the terminal. */
export const PASS_INTERACTIVE_TIMEOUT_MS = 120000;
/** Timeout of one write through pass (encryption, git commit and hooks). */
export const PASS_WRITE_TIMEOUT_MS = 60000;
const PARALLEL_DECRYPTIONS = 4;

/**
 * The password store directory: `$PASSWORD_STORE_DIR`, else `~/.password-store`.
 *
 * @example
 * ```ts
 * passStoreDir({ PASSWORD_STORE_DIR: "/team/store" }); // "/team/store"
 * ```
 */
export function passStoreDir(env: Env): string {
  if (env.PASSWORD_STORE_DIR) return env.PASSWORD_STORE_DIR;
  return join(env.HOME || process.getBuiltinModule("node:os").homedir(), ".password-store");
}

/**
 * The first of `names` found as an executable on `env.PATH`, or undefined.
 *
 * @example
 * ```ts
 * findOnPath(["gpg2", "gpg"], process.env); // "gpg"
 * ```
 */
export function findOnPath(names: string[], env: Env): string | undefined {
  const dirs = (env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      try {
        fs.accessSync(join(dir, name), fs.constants.X_OK);
        if (fs.statSync(join(dir, name)).isFile()) return name;
      } catch { /* not here */ }
    }
  }
  return undefined;
}

/**
 * The stored form of a value: the value and a newline (so a one-line value is
 * what `pass insert` would have written).
 *
 * @example
 * ```ts
 * encodePassValue("ghp_x"); // "ghp_x\n"
 * ```
 */
export function encodePassValue(value: string): string {
  return value + "\n";
}

/**
 * The value of a decrypted entry: the content with one trailing newline
 * (`\n`, or `\r\n` on a one-line entry) removed.
 *
 * @example
 * ```ts
 * decodePassValue("ghp_x\n"); // "ghp_x"
 * decodePassValue("-----BEGIN KEY-----\nabc\n-----END KEY-----\n\n"); // PEM with its final newline
 * ```
 */
export function decodePassValue(content: string): string {
  let v = content.endsWith("\n") ? content.slice(0, -1) : content;
  if (!v.includes("\n") && v.endsWith("\r")) v = v.slice(0, -1);
  return v;
}

/**
 * Why gpg could not decrypt, from its stderr (which never holds plaintext).
 *
 * @example
 * ```ts
 * gpgFailureReason("gpg: decryption failed: No secret key\n"); // "no secret key ..."
 * ```
 */
export function gpgFailureReason(stderr: string): string {
  if (/No pinentry|Inappropriate ioctl|Operation cancell?ed|Bad passphrase|Timeout/i.test(stderr)) {
    return "the secret key is locked (its passphrase is not cached in gpg-agent and no prompt is possible here)";
  }
  if (/No secret key/i.test(stderr)) {
    return "no secret key for this store's recipients (your key is not in its .gpg-id, or was removed)";
  }
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("gpg:"));
  return (lines.at(-1) ?? stderr.trim().split("\n").at(-1) ?? "gpg failed").replace(/^gpg:\s*/, "");
}

/** Options for {@link PassBackend}. */
export interface PassBackendOptions {
  /** The environment of gpg and pass (PATH, GNUPGHOME, PASSWORD_STORE_DIR, HOME). */
  env: Env;
  /** Which folder to use (default `"credentials"` → `credkit/`). */
  namespace?: Namespace;
  /**
   * Whether gpg may ask for a passphrase on the terminal (default false:
   * `--pinentry-mode error`, a locked key fails at once).
   */
  interactive?: () => boolean;
  /** Timeout of one decryption in ms (default {@link PASS_DECRYPT_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Runs helper programs (default {@link runTool}). */
  run?: ToolRunner;
}

/** The environment with GPG_TTY set to the terminal on stdin, for a pinentry there. */
function withGpgTty(env: Env): Env {
  if (env.GPG_TTY) return env;
  try {
    const tty = fs.readlinkSync("/proc/self/fd/0");
    return tty.startsWith("/dev/") ? { ...env, GPG_TTY: tty } : env;
  } catch {
    return env;
  }
}

const SAFE_SEGMENT = /^[A-Za-z0-9_@+=,][A-Za-z0-9_.@+=,-]*$/;

/**
 * A {@link SecretBackend} over a pass/gopass store shared through git.
 *
 * @example
 * ```ts
 * const team = new PassBackend({ env: process.env });
 * await team.set("github", { token: "ghp_…" }); // pass insert -m credkit/github/token
 * await team.get("github"); // { token: "ghp_…" }, one gpg decryption per field
 * ```
 */
export class PassBackend implements SecretBackend {
  /** Always `"pass"`. */
  readonly name = "pass" as const;
  /** The password store directory. */
  readonly dir: string;
  /** The folder of this backend's entries inside the store (`credkit`). */
  readonly folder: string;
  readonly #env: Env;
  readonly #interactive: () => boolean;
  readonly #timeoutMs?: number;
  readonly #run: ToolRunner;
  /** The first decryption runs alone (one pinentry, one agent start); the rest wait for it. */
  #first?: Promise<void>;
  #running = 0;
  #queue: (() => void)[] = [];

  /** A backend over the store at `$PASSWORD_STORE_DIR` (default `~/.password-store`). */
  constructor(options: PassBackendOptions) {
    this.#env = options.env;
    this.dir = passStoreDir(options.env);
    this.folder = PASS_FOLDERS[options.namespace ?? "credentials"];
    this.#interactive = options.interactive ?? (() => false);
    this.#timeoutMs = options.timeoutMs;
    this.#run = options.run ?? runTool;
  }

  /** Names of the services that have at least one field (no decryption). */
  list(): Promise<string[]> {
    return Promise.resolve().then(() => {
      this.#requireStore();
      const base = join(this.dir, this.folder);
      if (!fs.existsSync(base)) return [];
      return fs.readdirSync(base, { withFileTypes: true })
        .filter((d) => d.isDirectory() && this.#fieldNames(d.name).length > 0)
        .map((d) => d.name).sort();
    });
  }

  /** Decrypts every field of the entry (one gpg call per field). */
  async get(entry: string): Promise<Fields | undefined> {
    this.#requireStore();
    const names = this.#fieldNames(this.#segment(entry, "service"));
    if (names.length === 0) return undefined;
    const values = await Promise.all(names.map((f) => this.#decrypt(entry, f)));
    return Object.fromEntries(names.map((f, i) => [f, values[i]]));
  }

  /** Replaces the entry: writes every field through pass, removes the others. */
  async set(entry: string, fields: Fields): Promise<void> {
    await this.#write(entry, undefined, fields);
  }

  /** Removes the entry's folder through pass; `true` when it was there. */
  async remove(entry: string): Promise<boolean> {
    this.#requireStore();
    if (this.#fieldNames(this.#segment(entry, "service")).length === 0) return false;
    await this.#pass(["rm", "-r", "-f", `${this.folder}/${entry}`], undefined, "remove");
    return true;
  }

  /**
   * Read-modify-write: only fields whose value changes are re-encrypted (one
   * commit each in a git store), fields that disappear are removed.
   */
  async update(
    entry: string,
    fn: (current: Fields | undefined) => Fields | undefined,
  ): Promise<Fields | undefined> {
    const current = await this.get(entry);
    const next = fn(current);
    await this.#write(entry, current, next ?? {});
    return next && Object.keys(next).length ? next : undefined;
  }

  async #write(entry: string, current: Fields | undefined, next: Fields): Promise<void> {
    this.#requireStore();
    this.#segment(entry, "service");
    for (const field of Object.keys(next)) this.#segment(field, "field");
    const existing = new Set(this.#fieldNames(entry));
    for (const [field, value] of Object.entries(next)) {
      if (current && current[field] === value && existing.has(field)) continue;
      await this.#pass(
        ["insert", "--multiline", "--force", `${this.folder}/${entry}/${field}`],
        encodePassValue(value),
        "write",
        value,
      );
    }
    for (const field of existing) {
      if (!(field in next)) {
        await this.#pass(["rm", "-f", `${this.folder}/${entry}/${field}`], undefined, "remove");
      }
    }
  }

  #requireStore(): void {
    if (!fs.existsSync(this.dir)) {
      throw new CredkitError(
        "store_unavailable",
        "Cannot open the pass store",
        `there is no password store at ${this.dir}`,
        "clone the team's store there (git clone URL " + this.dir +
          "), set PASSWORD_STORE_DIR, or create one with pass init KEY-ID",
      );
    }
  }

  #segment(name: string, what: string): string {
    if (!SAFE_SEGMENT.test(name)) {
      throw new CredkitError(
        "usage",
        `Cannot use ${what} name "${name.slice(0, 40)}" in the pass store`,
        "only letters, digits and _ . @ + = , - are allowed, not starting with . or -",
      );
    }
    return name;
  }

  #fieldNames(entry: string): string[] {
    try {
      return fs.readdirSync(join(this.dir, this.folder, entry), { withFileTypes: true })
        .filter((d) => d.isFile() && d.name.endsWith(".gpg") && d.name.length > 4)
        .map((d) => d.name.slice(0, -4)).sort();
    } catch {
      return [];
    }
  }

  async #decrypt(entry: string, field: string): Promise<string> {
    if (!this.#first) {
      const first = this.#decryptNow(entry, field);
      this.#first = first.then(() => {}, () => {});
      return await first;
    }
    await this.#first;
    if (this.#running >= PARALLEL_DECRYPTIONS) {
      await new Promise<void>((go) => this.#queue.push(go));
    }
    this.#running++;
    try {
      return await this.#decryptNow(entry, field);
    } finally {
      this.#running--;
      this.#queue.shift()?.();
    }
  }

  #failure?: CredkitError;

  async #decryptNow(entry: string, field: string): Promise<string> {
    // After one failure (no key, locked), the others would fail the same way.
    if (this.#failure) throw this.#failure;
    const interactive = this.#interactive();
    const gpg = findOnPath(["gpg2", "gpg"], this.#env) ?? "gpg";
    const name = `${this.folder}/${entry}/${field}`;
    const r = await this.#run([
      gpg,
      "--batch",
      ...(interactive ? ["--pinentry-mode", "ask"] : ["--no-tty", "--pinentry-mode", "error"]),
      "--decrypt",
      join(this.dir, this.folder, entry, `${field}.gpg`),
    ], {
      env: interactive ? withGpgTty(this.#env) : this.#env,
      timeoutMs: this.#timeoutMs ??
        (interactive ? PASS_INTERACTIVE_TIMEOUT_MS : PASS_DECRYPT_TIMEOUT_MS),
      inheritStdin: interactive,
    });
    if (r.code === 0) return decodePassValue(new TextDecoder().decode(r.stdout));
    const why = r.notFound
      ? `${gpg} is not installed (or not on PATH)`
      : r.timedOut
      ? `gpg did not answer within ${
        Math.round((this.#timeoutMs ?? PASS_DECRYPT_TIMEOUT_MS) / 1000)
      } s (is gpg-agent waiting for a passphrase?)`
      : gpgFailureReason(r.stderr);
    this.#failure = new CredkitError(
      "store_unavailable",
      `Cannot decrypt ${name} from the pass store ${this.dir}`,
      why,
      "run credkit doctor; unlock your key with pass show " + name +
        ", or ask a teammate to add your key to .gpg-id and re-encrypt (pass init)",
    );
    throw this.#failure;
  }

  async #pass(
    args: string[],
    stdin: string | undefined,
    action: string,
    secret?: string,
  ): Promise<ToolResult> {
    const tool = findOnPath(["pass", "gopass"], this.#env);
    if (!tool) {
      throw new CredkitError(
        "store_unavailable",
        `Cannot ${action} in the pass store`,
        "neither pass nor gopass is installed (or on PATH)",
        "install pass (apt-get install pass) or gopass",
      );
    }
    const r = await this.#run([tool, ...args], {
      env: this.#env,
      stdin,
      timeoutMs: PASS_WRITE_TIMEOUT_MS,
    });
    if (r.code !== 0) {
      const lines = r.stderr.split("\n").map((l) => l.trim()).filter(Boolean);
      let why = r.timedOut
        ? `${tool} did not finish within ${PASS_WRITE_TIMEOUT_MS / 1000} s`
        : lines.find((l) => /^Error:|skipped:|unusable|No public key/i.test(l)) ?? lines.at(-1) ??
          `${tool} exited with code ${r.code}`;
      if (secret) why = why.split(secret).join("****");
      throw new CredkitError(
        "store_unavailable",
        `Cannot ${action} ${args.at(-1)} in the pass store ${this.dir}`,
        why,
        "check the store with credkit doctor (every key in .gpg-id must be imported and trusted)",
      );
    }
    return r;
  }
}
