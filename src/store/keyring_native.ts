/**
 * The native keychain binding (`@napi-rs/keyring`), loaded on first use, and
 * what every call through it needs: a bound on its time, a short secret-free
 * reason when it fails, and on Linux a check that the Secret Service answers
 * (the binding connects synchronously and would block the whole process on a
 * bus that never answers).
 *
 * @module
 */
import process from "node:process";
import { CredkitError } from "../errors.ts";
import { checkSecretService } from "./secret_service.ts";

/** The part of an `@napi-rs/keyring` `AsyncEntry` credkit uses. */
export interface KeyringEntry {
  /** The item's password, or `null` when there is no item. */
  getPassword(signal?: AbortSignal | null): Promise<string | null>;
  /** Creates or replaces the item. */
  setPassword(password: string, signal?: AbortSignal | null): Promise<void>;
  /** Deletes the item; `true` when there was one. */
  deletePassword(signal?: AbortSignal | null): Promise<boolean>;
}

/** The part of the `@napi-rs/keyring` module credkit uses (tests pass a double). */
export interface KeyringModule {
  /** An item by keychain service and account. */
  AsyncEntry: new (
    service: string,
    account: string,
    options?: { linux?: { store?: "secret-service" | "keyutils" } } | null,
  ) => KeyringEntry;
  /** Every item of a keychain service, with its account and password. */
  findCredentialsAsync(
    service: string,
    target?: string | null,
    signal?: AbortSignal | null,
  ): Promise<Array<{ account: string; password: string }>>;
}

const WHAT = "Cannot reach the keychain";
const HINT = "use --store file";
/**
 * The `store_unavailable` error for an unreachable keychain, naming `--store file`.
 *
 * @example
 * ```ts
 * throw unavailable("the Secret Service did not answer");
 * ```
 */
export function unavailable(why: string): CredkitError {
  return new CredkitError("store_unavailable", WHAT, why, HINT);
}

/**
 * A short, readable reason for a keychain failure, with every known secret removed.
 *
 * @example
 * ```ts
 * describeKeychainError(new Error("org.freedesktop.DBus.Error.AccessDenied"), []);
 * // "access to the keychain was denied"
 * ```
 */
export function describeKeychainError(err: unknown, secrets: readonly string[]): string {
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

/**
 * Runs `op` with an abort signal, rejecting after `ms` even if the native call never settles.
 *
 * @example
 * ```ts
 * const password = await withTimeout(5000, (signal) => entry.getPassword(signal));
 * ```
 */
export function withTimeout<T>(ms: number, op: (signal: AbortSignal) => Promise<T>): Promise<T> {
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

/**
 * The native binding, imported once; a failure to load it is `store_unavailable`.
 *
 * @example
 * ```ts
 * const { AsyncEntry } = await loadKeyring();
 * ```
 */
export function loadKeyring(): Promise<KeyringModule> {
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
// The Secret Service check (Linux): the native binding connects synchronously
// and would block the whole process on a bus that never answers.

/** Successful checks, by bus address; failures are retried on the next call. */
const busChecks = new Map<string, Promise<string | undefined>>();

/**
 * Throws `store_unavailable` unless the Secret Service is on the session bus
 * (checked once per bus address while it succeeds). The bus address comes
 * from the process environment, as it does for the native binding.
 *
 * @example
 * ```ts
 * if (process.platform === "linux") await ensureSecretService(5000);
 * ```
 */
export async function ensureSecretService(timeoutMs: number): Promise<void> {
  const key = process.env.DBUS_SESSION_BUS_ADDRESS ?? "";
  let check = busChecks.get(key);
  if (!check) {
    check = checkSecretService({ timeoutMs });
    busChecks.set(key, check);
  }
  const why = await check;
  if (why !== undefined) {
    busChecks.delete(key);
    throw unavailable(why);
  }
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
