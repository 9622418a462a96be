/**
 * The OS keychain store (Secret Service on Linux, Keychain on macOS,
 * Credential Manager on Windows).
 *
 * One keychain item per credkit entry: keychain service `credkit` (or
 * `$CREDKIT_KEYCHAIN_SERVICE`; `<service>:tokens` for AuthStore tokens),
 * account = entry name, password = the entry's fields as a JSON object; on a
 * keychain that caps an item (Windows) a longer entry is compressed and split
 * over `<entry>`, `<entry>#1`… (see `keychain_entry.ts`).
 *
 * Writes go through the native binding (`@napi-rs/keyring`), serialised per
 * keychain service across processes by a lock file in the state directory.
 * Reads asked for in the same tick are served together: on Linux by credkit's
 * own Secret Service reader (`secret_service.ts`: one D-Bus connection, no
 * native addon loaded), elsewhere by one search of the binding.
 *
 * Every call is bounded by a timeout: a locked, absent or hanging keychain
 * is a `store_unavailable` error, never a hang.
 *
 * @module
 */
import * as fs from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { CredkitError } from "../errors.ts";
import { describeFsError } from "../fs_errors.ts";
import { stateDir } from "../paths.ts";
import { safeName } from "../safe_name.ts";
import type { Fields, Namespace, SecretBackend, StoreName } from "./backend.ts";
import {
  continuationAccount,
  continuationCount,
  decodeEntry,
  encodeEntry,
  fieldsFromJson,
  isContinuation,
  TornEntryError,
  WINDOWS_MAX_ITEM_CHARS,
} from "./keychain_entry.ts";
import { withFileLock } from "./lock.ts";
import {
  describeKeychainError,
  ensureSecretService,
  keychainBackendName,
  type KeyringEntry,
  type KeyringModule,
  loadKeyring,
  unavailable,
  withTimeout,
} from "./keyring_native.ts";
import {
  listSecretServiceAccounts,
  NeedsNativeReader,
  readSecretServiceItems,
  SecretServiceUnavailable,
} from "./secret_service.ts";

export { keychainBackendName } from "./keyring_native.ts";
export type { KeyringEntry, KeyringModule } from "./keyring_native.ts";

/** Options for {@link KeychainBackend}. */
export interface KeychainBackendOptions {
  /** Keychain service name; default `env.CREDKIT_KEYCHAIN_SERVICE`, else `"credkit"`. */
  service?: string;
  /** `"credentials"` (default) or `"tokens"`, stored under `<service>:tokens`. */
  namespace?: Namespace;
  /** Bound on every keychain call, ms (default 5000). */
  timeoutMs?: number;
  /** Environment to read `CREDKIT_KEYCHAIN_SERVICE` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /**
   * Directory of the cross-process lock that serialises writes to one keychain
   * service (default: credkit's state directory, from `env`).
   */
  lockDir?: string;
  /**
   * Longest value of one keychain item, in UTF-16 code units; a longer entry
   * is compressed and split over several items (see `keychain_entry.ts`).
   * Default: 1280 on Windows (Credential Manager's 2,560 bytes), none elsewhere.
   */
  maxItemChars?: number;
  /**
   * The keyring binding (default: `@napi-rs/keyring`, loaded on first use).
   * When given, the D-Bus pre-check is skipped: for tests.
   */
  keyring?: KeyringModule;
}

/** Default bound on each keychain call, ms. */
export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 5000;

const LINUX_OPTIONS = { linux: { store: "secret-service" as const } };

/**
 * The keychain service name for a namespace: `env.CREDKIT_KEYCHAIN_SERVICE`
 * or `"credkit"` (or the explicit `service`), with `:tokens` appended for tokens.
 *
 * @example
 * ```ts
 * keychainServiceName({}, "tokens"); // "credkit:tokens"
 * keychainServiceName({ CREDKIT_KEYCHAIN_SERVICE: "ck-ci" }); // "ck-ci"
 * ```
 */
export function keychainServiceName(
  env: Record<string, string | undefined> = process.env,
  namespace: Namespace = "credentials",
  service?: string,
): string {
  const base = service || env.CREDKIT_KEYCHAIN_SERVICE || "credkit";
  return namespace === "tokens" ? `${base}:tokens` : base;
}

// ---------------------------------------------------------------------------
// The backend

/** Per-process write serialization, by keychain service and entry. */
const chains = new Map<string, Promise<void>>();

function serialize<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = chains.get(key) ?? Promise.resolve();
  const run = previous.then(fn);
  const tail = run.then(() => {}, () => {});
  chains.set(key, tail);
  tail.then(() => {
    if (chains.get(key) === tail) chains.delete(key);
  });
  return run;
}

/**
 * A {@link SecretBackend} in the OS keychain: one item per entry (account =
 * entry name, password = JSON object of its fields). Every call is bounded
 * by `timeoutMs`; failures are `CredkitError("store_unavailable")` whose
 * message never contains a secret.
 *
 * A call that timed out may leave a native task pending, which keeps the
 * event loop alive: a command that got such an error should exit explicitly.
 *
 * @example
 * ```ts
 * const keychain = new KeychainBackend({ timeoutMs: 3000 });
 * await keychain.set("github", { token: "ghp_…" });
 * await keychain.get("github"); // { token: "ghp_…" }
 * await keychain.list(); // ["github"]
 * ```
 */
export class KeychainBackend implements SecretBackend {
  /** Always `"keychain"`. */
  readonly name: StoreName = "keychain";
  /** The keychain service name the entries are stored under. */
  readonly service: string;
  /** Which namespace this backend holds. */
  readonly namespace: Namespace;
  /** Bound on each keychain call, ms. */
  readonly timeoutMs: number;
  /** The lock file that serialises writes to this keychain service across processes. */
  readonly lockPath: string;
  /** Longest value of one item (UTF-16 code units), when the keychain has a cap. */
  readonly maxItemChars?: number;
  readonly #binding?: KeyringModule;
  /** Reads asked for in the current tick, served by one keychain exchange. */
  #batch?: Map<string, { resolve(p: string | null): void; reject(e: unknown): void }[]>;

  /** A backend over the keychain service and namespace that `options` name. */
  constructor(options: KeychainBackendOptions = {}) {
    const env = options.env ?? process.env;
    this.namespace = options.namespace ?? "credentials";
    this.service = keychainServiceName(env, this.namespace, options.service);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS;
    this.#binding = options.keyring;
    this.maxItemChars = options.maxItemChars ??
      (process.platform === "win32" ? WINDOWS_MAX_ITEM_CHARS : undefined);
    const safe = safeName(this.service);
    this.lockPath = join(options.lockDir ?? stateDir(env), `keychain.${safe}.lock`);
  }

  /** The entry's fields, or `undefined` when there is no such item. */
  get(entry: string): Promise<Fields | undefined> {
    return serialize(this.#key(entry), () => this.#get(entry));
  }

  /** Replaces the entry's item with `fields`. */
  set(entry: string, fields: Fields): Promise<void> {
    const copy = { ...fields };
    return this.#locked(entry, () => this.#set(entry, copy));
  }

  /** Deletes the entry's item; `true` when there was one. */
  remove(entry: string): Promise<boolean> {
    return this.#locked(entry, () => this.#remove(entry));
  }

  /** Account names stored under this backend's service, sorted. */
  async list(): Promise<string[]> {
    const accounts = new Set(
      await this.#viaSecretService((o) => listSecretServiceAccounts(this.service, o)) ??
        (await this.#findAll()).map((c) => c.account),
    );
    return [...accounts].filter((a) => !isContinuation(a, accounts)).sort();
  }

  /**
   * get → `fn` → set (or remove when `fn` returns `undefined` or `{}`), serialised with
   * every other write to this keychain service, in every credkit process (a lock file
   * in the state directory): concurrent `credkit add` of different fields lose nothing.
   */
  update(
    entry: string,
    fn: (current: Fields | undefined) => Fields | undefined,
  ): Promise<Fields | undefined> {
    return this.#locked(entry, async () => {
      const current = await this.#get(entry);
      const next = fn(current);
      if (next === undefined || Object.keys(next).length === 0) {
        if (current !== undefined) await this.#remove(entry);
        return undefined;
      }
      const copy = { ...next };
      await this.#set(entry, copy);
      return { ...copy };
    });
  }

  #key(entry: string): string {
    return `${this.service}\0${entry}`;
  }

  /** Runs `fn` after this process's earlier calls on `entry`, holding the service's lock file. */
  #locked<T>(entry: string, fn: () => Promise<T>): Promise<T> {
    return serialize(this.#key(entry), () => {
      const dir = dirname(this.lockPath);
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new CredkitError(
          "store_unavailable",
          `Cannot create directory ${dir}`,
          describeFsError(err),
        );
      }
      return withFileLock(this.lockPath, fn, { timeoutMs: this.timeoutMs * 3 });
    });
  }

  async #ready(): Promise<KeyringModule> {
    if (this.#binding) return this.#binding;
    const keyring = await loadKeyring();
    if (process.platform === "linux") await ensureSecretService(this.timeoutMs);
    return keyring;
  }

  async #entry(entry: string): Promise<KeyringEntry> {
    const keyring = await this.#ready();
    return this.#guard([], () => new keyring.AsyncEntry(this.service, entry, LINUX_OPTIONS));
  }

  async #get(entry: string): Promise<Fields | undefined> {
    for (let attempt = 1;; attempt++) {
      const head = await this.#read(entry);
      if (head === null) return undefined;
      const parts = Array.from(
        { length: continuationCount(head) },
        (_, i) => this.#read(continuationAccount(entry, i + 1)),
      );
      try {
        const rest = (await Promise.all(parts)).map((p) => p ?? undefined);
        return fieldsFromJson(entry, await decodeEntry(entry, head, rest));
      } catch (err) {
        // A split entry read while another process rewrote it: read it again.
        if (!(err instanceof TornEntryError) || attempt === 3) throw err;
      }
    }
  }

  /**
   * The entry's password. Reads asked for in the same tick (the resolver asks
   * for every service at once) are served together by {@link #readMany}.
   */
  #read(entry: string): Promise<string | null> {
    if (!this.#batch) {
      const batch = new Map<
        string,
        { resolve(p: string | null): void; reject(e: unknown): void }[]
      >();
      this.#batch = batch;
      queueMicrotask(() => {
        this.#batch = undefined;
        this.#readMany([...batch.keys()]).then(
          (found) => batch.forEach((ws, e) => ws.forEach((w) => w.resolve(found.get(e) ?? null))),
          (err) => batch.forEach((ws) => ws.forEach((w) => w.reject(err))),
        );
      });
    }
    const waiters = this.#batch.get(entry) ?? [];
    this.#batch.set(entry, waiters);
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  /**
   * Passwords of `entries` in one exchange: on Linux credkit's own Secret
   * Service reader (one connection, one `GetSecrets`); elsewhere, or for an
   * item it declines (locked, ambiguous), the native binding.
   */
  async #readMany(entries: string[]): Promise<Map<string, string>> {
    const read = await this.#viaSecretService((o) =>
      readSecretServiceItems(this.service, entries, o)
    );
    if (read) return read;
    const found = new Map<string, string>();
    // On Linux, declined items go one by one: the binding unlocks them or reports ambiguity.
    if (entries.length > 1 && (this.#binding || process.platform !== "linux")) {
      const all = await this.#findAll();
      const wanted = new Set(entries);
      for (const c of all) if (wanted.has(c.account)) found.set(c.account, c.password);
      return found;
    }
    await Promise.all(entries.map(async (entry) => {
      const item = await this.#entry(entry);
      const password = await this.#call([], (signal) => item.getPassword(signal));
      if (password !== null && password !== undefined) found.set(entry, password);
    }));
    return found;
  }

  /** Writes the continuation items first, then the head; drops continuations left over. */
  async #set(entry: string, fields: Fields): Promise<void> {
    const items = await encodeEntry(JSON.stringify(fields), this.maxItemChars);
    const before = this.maxItemChars === undefined ? 0 : await this.#continuations(entry);
    const secrets = [...items, ...Object.values(fields)];
    for (let i = items.length - 1; i >= 0; i--) {
      const item = await this.#entry(i === 0 ? entry : continuationAccount(entry, i));
      await this.#call(secrets, (signal) => item.setPassword(items[i], signal));
    }
    for (let i = items.length; i <= before; i++) await this.#delete(continuationAccount(entry, i));
  }

  /** Deletes the entry's item and its continuation items; `true` when it had one. */
  async #remove(entry: string): Promise<boolean> {
    const before = await this.#continuations(entry);
    for (let i = before; i >= 1; i--) await this.#delete(continuationAccount(entry, i));
    return await this.#delete(entry);
  }

  /** How many continuation items the entry's head announces. */
  async #continuations(entry: string): Promise<number> {
    const head = await this.#read(entry);
    return head === null ? 0 : continuationCount(head);
  }

  /**
   * `op` through credkit's own Secret Service reader (Linux, real binding);
   * `undefined` when the binding must do it (elsewhere, or an item it declines).
   */
  async #viaSecretService<T>(op: (o: { timeoutMs: number }) => Promise<T>): Promise<T | undefined> {
    if (this.#binding || process.platform !== "linux") return undefined;
    try {
      return await op({ timeoutMs: this.timeoutMs });
    } catch (err) {
      if (err instanceof SecretServiceUnavailable) throw unavailable(err.message);
      if (!(err instanceof NeedsNativeReader)) throw err;
      return undefined;
    }
  }

  /** Every item of this backend's keychain service, through the binding. */
  async #findAll(): Promise<Array<{ account: string; password: string }>> {
    const keyring = await this.#ready();
    return await this.#call(
      [],
      (signal) => keyring.findCredentialsAsync(this.service, null, signal),
    );
  }

  async #delete(account: string): Promise<boolean> {
    const item = await this.#entry(account);
    return await this.#call([], (signal) => item.deletePassword(signal));
  }

  /** Runs a binding call bounded by the timeout, with {@link #guard}'s error handling. */
  #call<T>(secrets: readonly string[], op: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.#guard(secrets, () => withTimeout(this.timeoutMs, op));
  }

  /** Runs `op`, turning any failure into a secret-free `store_unavailable` error. */
  async #guard<T>(secrets: readonly string[], op: () => Promise<T> | T): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof CredkitError) throw err;
      throw unavailable(describeKeychainError(err, secrets));
    }
  }
}

/** Options for {@link probeKeychain}. */
export interface ProbeKeychainOptions {
  /** Bound on the probe, ms (default 2000). */
  timeoutMs?: number;
  /** Environment to read `CREDKIT_KEYCHAIN_SERVICE` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Keychain service to search (default as {@link KeychainBackend}). */
  service?: string;
  /** The keyring binding (tests). */
  keyring?: KeyringModule;
}

/** What {@link probeKeychain} found. */
export interface KeychainProbe {
  /** True when the keychain answered a harmless search. */
  available: boolean;
  /** The platform keychain, e.g. `"secret-service"`, `"macos-keychain"`. */
  backend: string;
  /** Why it is not available. */
  reason?: string;
}

/**
 * Whether the keychain can be used, by a harmless search bounded by a short
 * timeout. Used to decide whether a write may default to the keychain, and by
 * `doctor`. A locked keyring that answers searches counts as available; a
 * write to it may still fail with `store_unavailable`.
 *
 * @example
 * ```ts
 * const probe = await probeKeychain({ timeoutMs: 1500 });
 * if (!probe.available) console.error(`credkit: keychain unavailable: ${probe.reason}`);
 * ```
 */
export async function probeKeychain(options: ProbeKeychainOptions = {}): Promise<KeychainProbe> {
  const backend = keychainBackendName();
  const timeoutMs = options.timeoutMs ?? 2000;
  try {
    // On Linux a look at the session bus does, without loading the native binding.
    if (!options.keyring && process.platform === "linux") await ensureSecretService(timeoutMs);
    else {
      const { service, env, keyring } = options;
      await new KeychainBackend({ service, env, keyring, timeoutMs }).list();
    }
    return { available: true, backend };
  } catch (err) {
    const reason = err instanceof CredkitError ? err.why : describeKeychainError(err, []);
    return { available: false, backend, reason };
  }
}
