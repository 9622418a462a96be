/**
 * The OS keychain store (Secret Service on Linux, Keychain on macOS,
 * Credential Manager on Windows) through `@napi-rs/keyring`.
 *
 * One keychain item per credkit entry: keychain service `credkit` (or
 * `$CREDKIT_KEYCHAIN_SERVICE`; `<service>:tokens` for AuthStore tokens),
 * account = entry name, password = the entry's fields as a JSON object.
 *
 * Every call is bounded by a timeout so that a locked, absent or hanging
 * keychain becomes a `store_unavailable` error, never a hang. On Linux the
 * session bus and the Secret Service are first checked with a small
 * asynchronous D-Bus exchange, because the native binding connects
 * synchronously and would block the whole process on a bus that never answers.
 *
 * @module
 */
import * as fs from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { CredkitError } from "../errors.ts";
import { describeFsError } from "../fs_errors.ts";
import { stateDir } from "../paths.ts";
import type { Fields, Namespace, SecretBackend, StoreName } from "./backend.ts";
import { withFileLock } from "./lock.ts";

/** The part of an `@napi-rs/keyring` `AsyncEntry` credkit uses. */
export interface KeyringEntry {
  getPassword(signal?: AbortSignal | null): Promise<string | null>;
  setPassword(password: string, signal?: AbortSignal | null): Promise<void>;
  deletePassword(signal?: AbortSignal | null): Promise<boolean>;
}

/** The part of the `@napi-rs/keyring` module credkit uses (tests pass a double). */
export interface KeyringModule {
  AsyncEntry: new (
    service: string,
    account: string,
    options?: { linux?: { store?: "secret-service" | "keyutils" } } | null,
  ) => KeyringEntry;
  findCredentialsAsync(
    service: string,
    target?: string | null,
    signal?: AbortSignal | null,
  ): Promise<Array<{ account: string; password: string }>>;
}

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
   * The keyring binding (default: `@napi-rs/keyring`, loaded on first use).
   * When given, the D-Bus pre-check is skipped: for tests.
   */
  keyring?: KeyringModule;
}

/** Default bound on each keychain call, ms. */
export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 5000;

const WHAT = "Cannot reach the keychain";
const HINT = "use --store file";
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

/**
 * The name of the platform keychain: `"secret-service"`, `"macos-keychain"`,
 * `"windows-credential-manager"`, or `"none (<platform>)"`.
 *
 * @example
 * ```ts
 * keychainBackendName(); // "secret-service" on Linux
 * ```
 */
export function keychainBackendName(platform: string = process.platform): string {
  switch (platform) {
    case "linux":
    case "freebsd":
    case "openbsd":
    case "netbsd":
      return "secret-service";
    case "darwin":
      return "macos-keychain";
    case "win32":
      return "windows-credential-manager";
    default:
      return `none (${platform})`;
  }
}

function unavailable(why: string): CredkitError {
  return new CredkitError("store_unavailable", WHAT, why, HINT);
}

/** A short, readable reason for a keychain failure, with every known secret removed. */
function describeKeychainError(err: unknown, secrets: readonly string[]): string {
  const raw = err instanceof Error ? err.message : String(err);
  let why: string;
  if (/DBUS_SESSION_BUS_ADDRESS|autolaunch/i.test(raw)) {
    why = "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)";
  } else if (/ServiceUnknown|org\.freedesktop\.secrets was not provided/i.test(raw)) {
    why = "no Secret Service provider on the session bus";
  } else if (/prompt was dismissed|is locked|locked collection/i.test(raw)) {
    why = "the keyring is locked and could not be unlocked";
  } else if (/Did not receive a reply|NoReply|timed? ?out/i.test(raw)) {
    why = "the Secret Service did not answer";
  } else if (/AccessDenied|access denied|permission denied/i.test(raw)) {
    why = "access to the keychain was denied";
  } else if (/Failed to connect|No such file or directory|Connection refused/i.test(raw)) {
    why = "cannot connect to the D-Bus session bus";
  } else {
    why = raw.split("\n")[0].trim() || "unknown keychain error";
  }
  for (const secret of secrets) {
    if (secret.length >= 3) why = why.split(secret).join("****");
  }
  return why.length > 200 ? `${why.slice(0, 197)}...` : why;
}

/** Runs `op` with an abort signal, rejecting after `ms` even if the native call never settles. */
function withTimeout<T>(ms: number, op: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(unavailable(`no answer within ${ms} ms`));
    }, ms);
  });
  let call: Promise<T>;
  try {
    call = op(controller.signal);
  } catch (err) {
    clearTimeout(timer);
    return Promise.reject(err);
  }
  call.catch(() => {/* settled after the timeout: ignored */});
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------
// Loading the binding

let bindingPromise: Promise<KeyringModule> | undefined;

function loadKeyring(): Promise<KeyringModule> {
  bindingPromise ??= import("@napi-rs/keyring").then((mod) => {
    const m = mod as unknown as KeyringModule & { default?: KeyringModule };
    return (m.AsyncEntry ? m : m.default) as KeyringModule;
  });
  return bindingPromise.catch((err) => {
    bindingPromise = undefined;
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw unavailable(`keychain support could not be loaded (${why})`);
  });
}

// ---------------------------------------------------------------------------
// D-Bus pre-check (Linux)

type BusTarget = { path: string } | { host: string; port: number };

function unescapeBusValue(value: string): string {
  return value.replace(/%([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/** The first connectable address of a D-Bus address list, if credkit understands one. */
function parseBusAddress(address: string): BusTarget | undefined {
  for (const part of address.split(";")) {
    const colon = part.indexOf(":");
    if (colon < 0) continue;
    const transport = part.slice(0, colon);
    const keys = new Map<string, string>();
    for (const kv of part.slice(colon + 1).split(",")) {
      const eq = kv.indexOf("=");
      if (eq > 0) keys.set(kv.slice(0, eq), unescapeBusValue(kv.slice(eq + 1)));
    }
    if (transport === "unix" && keys.has("path")) return { path: keys.get("path")! };
    if (transport === "unix" && keys.has("abstract")) return { path: `\0${keys.get("abstract")}` };
    if (transport === "tcp" && keys.has("port")) {
      return { host: keys.get("host") || "localhost", port: Number(keys.get("port")) };
    }
  }
  return undefined;
}

function sessionBusAddress(): string | undefined {
  const explicit = process.env.DBUS_SESSION_BUS_ADDRESS;
  if (explicit) return explicit;
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  const runtimeDir = process.env.XDG_RUNTIME_DIR || (uid !== undefined ? `/run/user/${uid}` : "");
  if (runtimeDir && fs.existsSync(`${runtimeDir}/bus`)) return `unix:path=${runtimeDir}/bus`;
  return undefined;
}

/** A method call without arguments, little-endian. */
function encodeMethodCall(
  serial: number,
  destination: string,
  objectPath: string,
  iface: string,
  member: string,
): Uint8Array {
  const out: number[] = [];
  const utf8 = (s: string) => [...new TextEncoder().encode(s)];
  const pad = (n: number) => {
    while (out.length % n) out.push(0);
  };
  const u32 = (v: number) => {
    pad(4);
    out.push(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255);
  };
  const field = (code: number, type: string, value: string) => {
    pad(8);
    out.push(code, 1, type.charCodeAt(0), 0);
    const bytes = utf8(value);
    u32(bytes.length);
    out.push(...bytes, 0);
  };
  out.push(0x6c, 1, 0, 1); // little-endian, METHOD_CALL, no flags, version 1
  u32(0); // body length
  u32(serial);
  u32(0); // header fields length, patched below
  field(1, "o", objectPath);
  field(6, "s", destination);
  field(2, "s", iface);
  field(3, "s", member);
  const length = out.length - 16;
  out.splice(12, 4, length & 255, (length >>> 8) & 255, (length >>> 16) & 255, length >>> 24);
  pad(8);
  return Uint8Array.from(out);
}

interface BusReply {
  type: number;
  replySerial?: number;
  errorName?: string;
}

/** Splits complete messages off `buf`; returns them and the unconsumed rest. */
function decodeMessages(buf: Uint8Array): { messages: BusReply[]; rest: Uint8Array } {
  const messages: BusReply[] = [];
  const align = (n: number, a: number) => (n + a - 1) & ~(a - 1);
  while (buf.length >= 16) {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const le = buf[0] === 0x6c;
    const bodyLength = view.getUint32(4, le);
    const fieldsLength = view.getUint32(12, le);
    const total = align(16 + fieldsLength, 8) + bodyLength;
    if (buf.length < total) break;
    const reply: BusReply = { type: buf[1] };
    let o = 16;
    const end = 16 + fieldsLength;
    while (o < end) {
      o = align(o, 8);
      const code = buf[o];
      const sigLength = buf[o + 1];
      const sig = String.fromCharCode(buf[o + 2]);
      o += 3 + sigLength;
      let value: string | number;
      if (sig === "u") {
        o = align(o, 4);
        value = view.getUint32(o, le);
        o += 4;
      } else if (sig === "s" || sig === "o") {
        o = align(o, 4);
        const n = view.getUint32(o, le);
        value = new TextDecoder().decode(buf.subarray(o + 4, o + 4 + n));
        o += 4 + n + 1;
      } else if (sig === "g") {
        const n = buf[o];
        value = new TextDecoder().decode(buf.subarray(o + 1, o + 1 + n));
        o += 1 + n + 1;
      } else break;
      if (code === 5 && typeof value === "number") reply.replySerial = value;
      if (code === 4 && typeof value === "string") reply.errorName = value;
    }
    messages.push(reply);
    buf = buf.subarray(total);
  }
  return { messages, rest: buf };
}

/**
 * Connects to the session bus, authenticates, and pings the Secret Service.
 * Resolves `undefined` when it answers (or the address is one credkit cannot
 * check), or the reason it cannot be used.
 */
async function checkSecretService(timeoutMs: number): Promise<string | undefined> {
  const address = sessionBusAddress();
  if (!address) return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)";
  const target = parseBusAddress(address);
  if (!target) return undefined;
  // Loaded here: commands that never touch the keychain do not pay for it.
  const net = await import("node:net");
  return await new Promise((resolve) => {
    let stage: "connect" | "auth" | "hello" | "ping" = "connect";
    let pending: Uint8Array = new Uint8Array(0);
    let done = false;
    const socket = "path" in target
      ? net.createConnection({ path: target.path })
      : net.createConnection({ host: target.host, port: target.port });
    const finish = (why: string | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => {
      finish(
        stage === "ping"
          ? `the Secret Service did not answer within ${timeoutMs} ms`
          : `the D-Bus session bus did not answer within ${timeoutMs} ms`,
      );
    }, timeoutMs);
    socket.on("connect", () => {
      stage = "auth";
      const uid = typeof process.getuid === "function" ? String(process.getuid()) : "";
      const hex = [...uid].map((c) => c.charCodeAt(0).toString(16)).join("");
      socket.write(`\0AUTH EXTERNAL ${hex}\r\n`);
    });
    socket.on("data", (chunk: Uint8Array) => {
      const joined = new Uint8Array(pending.length + chunk.length);
      joined.set(pending);
      joined.set(chunk, pending.length);
      pending = joined;
      if (stage === "auth") {
        const text = new TextDecoder().decode(pending);
        const eol = text.indexOf("\r\n");
        if (eol < 0) return;
        if (!text.startsWith("OK ")) return finish("the D-Bus session bus refused authentication");
        pending = pending.subarray(eol + 2);
        stage = "hello";
        socket.write("BEGIN\r\n");
        socket.write(
          encodeMethodCall(
            1,
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "Hello",
          ),
        );
      }
      const { messages, rest } = decodeMessages(pending);
      pending = rest;
      for (const m of messages) {
        if (stage === "hello" && m.replySerial === 1) {
          if (m.type === 3) return finish("the D-Bus session bus refused the connection");
          stage = "ping";
          socket.write(
            encodeMethodCall(
              2,
              "org.freedesktop.secrets",
              "/org/freedesktop/secrets",
              "org.freedesktop.DBus.Peer",
              "Ping",
            ),
          );
        } else if (stage === "ping" && m.replySerial === 2) {
          const name = m.type === 3 ? m.errorName ?? "" : "";
          if (/ServiceUnknown|NameHasNoOwner/.test(name)) {
            return finish("no Secret Service provider on the session bus");
          }
          if (/Spawn\./.test(name)) {
            return finish("the Secret Service provider could not be started");
          }
          if (/NoReply|Timeout|TimedOut/.test(name)) {
            return finish("the Secret Service did not answer");
          }
          return finish(undefined);
        }
      }
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      const code = err.code ?? "";
      if (code === "ENOENT") finish("the D-Bus session bus socket does not exist");
      else if (code === "ECONNREFUSED") finish("nothing listens on the D-Bus session bus socket");
      else if (code === "EACCES" || code === "EPERM") {
        finish("permission denied on the D-Bus session bus socket");
      } else finish(`cannot connect to the D-Bus session bus (${code || err.message})`);
    });
    socket.on("close", () => finish("the D-Bus session bus closed the connection"));
  });
}

/** Successful bus checks, by address; failures are retried on the next call. */
const busChecks = new Map<string, Promise<string | undefined>>();

async function ensureSecretService(timeoutMs: number): Promise<void> {
  const key = process.env.DBUS_SESSION_BUS_ADDRESS ?? "";
  let check = busChecks.get(key);
  if (!check) {
    check = checkSecretService(timeoutMs);
    busChecks.set(key, check);
  }
  const why = await check;
  if (why !== undefined) {
    busChecks.delete(key);
    throw unavailable(why);
  }
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

function fieldsFromJson(entry: string, password: string): Fields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(password);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CredkitError(
      "store_unavailable",
      "Cannot read the keychain",
      `entry ${entry} in keychain is not credkit JSON`,
      "remove or fix that keychain item, or use --store file",
    );
  }
  const fields: Fields = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === "string") fields[key] = value;
    else if (typeof value === "number" || typeof value === "boolean") fields[key] = String(value);
    else if (value !== null && value !== undefined) fields[key] = JSON.stringify(value);
  }
  return fields;
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
  readonly #binding?: KeyringModule;

  constructor(options: KeychainBackendOptions = {}) {
    const env = options.env ?? process.env;
    this.namespace = options.namespace ?? "credentials";
    this.service = keychainServiceName(env, this.namespace, options.service);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS;
    this.#binding = options.keyring;
    const safe = this.service.replace(/[^A-Za-z0-9_.-]/g, "_");
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
    const keyring = await this.#ready();
    const found = await this.#guard(
      [],
      () =>
        withTimeout(
          this.timeoutMs,
          (signal) => keyring.findCredentialsAsync(this.service, null, signal),
        ),
    );
    return [...new Set(found.map((c) => c.account))].sort();
  }

  /**
   * get → `fn` → set (or remove when `fn` returns `undefined` or `{}`),
   * serialized with every other write to this keychain service, in this
   * process and in every other credkit process (a lock file in the state
   * directory), so concurrent `credkit add` of different fields lose nothing.
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
    const item = await this.#entry(entry);
    const password = await this.#guard(
      [],
      () => withTimeout(this.timeoutMs, (signal) => item.getPassword(signal)),
    );
    if (password === null || password === undefined) return undefined;
    return fieldsFromJson(entry, password);
  }

  async #set(entry: string, fields: Fields): Promise<void> {
    const item = await this.#entry(entry);
    const password = JSON.stringify(fields);
    await this.#guard(
      [password, ...Object.values(fields)],
      () => withTimeout(this.timeoutMs, (signal) => item.setPassword(password, signal)),
    );
  }

  async #remove(entry: string): Promise<boolean> {
    const item = await this.#entry(entry);
    return await this.#guard(
      [],
      () => withTimeout(this.timeoutMs, (signal) => item.deletePassword(signal)),
    );
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
  const keychain = new KeychainBackend({
    service: options.service,
    env: options.env,
    keyring: options.keyring,
    timeoutMs: options.timeoutMs ?? 2000,
  });
  try {
    await keychain.list();
    return { available: true, backend };
  } catch (err) {
    const reason = err instanceof CredkitError ? err.why : describeKeychainError(err, []);
    return { available: false, backend, reason };
  }
}
