/**
 * Import of the tokens that the Python kiwi-mcp AuthStore left in the OS
 * keychain: keychain service `kiwi-mcp`, one item per value, accounts
 * `<svc>_access_token`, `<svc>_refresh_token`, `<svc>_expires_at` (epoch
 * seconds, possibly fractional, or an ISO 8601 date as kiwi-mcp writes it) and
 * `<svc>_scopes` (comma-separated).
 *
 * @module
 */
import process from "node:process";
import { CredkitError } from "../errors.ts";
import type { AuthStore, TokenSet } from "./auth_store.ts";

/** The keychain service name kiwi-mcp uses. */
export const KIWI_KEYCHAIN_SERVICE = "kiwi-mcp";

/** Reads one keychain item; `undefined` when there is none. */
export type KeychainReader = (service: string, account: string) => Promise<string | undefined>;
/** Lists the accounts stored under a keychain service. */
export type KeychainLister = (service: string) => Promise<string[]>;

/** Options of {@link importFromKiwi}. */
export interface KiwiImportOptions {
  /**
   * Service names to probe even when listing the keychain finds nothing.
   *
   * @default {[]}
   */
  services?: string[];
  /**
   * The keychain service to read.
   *
   * @default {"kiwi-mcp"}
   */
  keychainService?: string;
}

/**
 * Parses a kiwi-mcp `expires_at`: epoch seconds (maybe fractional) or an ISO
 * 8601 date with up to microseconds. Returns epoch seconds or `undefined`.
 *
 * @example
 * ```ts
 * parseKiwiExpiry("1767225600.5"); // 1767225600.5
 * parseKiwiExpiry("2026-01-01T00:00:00.123456+00:00"); // 1767225600.123
 * ```
 */
export function parseKiwiExpiry(value: string | undefined): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  // Python's isoformat() may carry microseconds; keep milliseconds for Date.parse.
  const iso = text.replace(/(\.\d{3})\d+/, "$1").replace(" ", "T");
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

/**
 * Copies every kiwi-mcp token found in the keychain into the AuthStore and
 * returns the services imported.
 *
 * @example
 * ```ts
 * const reader = kiwiKeychainReader();
 * const services = await importFromKiwi(auth, reader.readKeychain, reader.listAccounts);
 * ```
 */
export async function importFromKiwi(
  authStore: AuthStore,
  readKeychain: KeychainReader,
  listAccounts: KeychainLister,
  options: KiwiImportOptions = {},
): Promise<string[]> {
  const kc = options.keychainService ?? KIWI_KEYCHAIN_SERVICE;
  const candidates = new Set<string>(options.services ?? []);
  for (const account of await listAccounts(kc)) {
    const m = /^(.+)_access_token$/.exec(account);
    if (m) candidates.add(m[1]);
  }
  const imported: string[] = [];
  for (const service of [...candidates].sort()) {
    const accessToken = await readKeychain(kc, `${service}_access_token`);
    if (!accessToken) continue;
    const [refreshToken, expiresAt, scopes] = await Promise.all([
      readKeychain(kc, `${service}_refresh_token`),
      readKeychain(kc, `${service}_expires_at`),
      readKeychain(kc, `${service}_scopes`),
    ]);
    const token: TokenSet = {
      accessToken,
      refreshToken: refreshToken || undefined,
      scopes: (scopes ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    };
    const expiry = parseKiwiExpiry(expiresAt);
    if (expiry !== undefined) token.expiresAt = expiry;
    await authStore.setToken(service, token);
    imported.push(service);
  }
  return imported;
}

/** Options of {@link kiwiKeychainReader}. */
export interface KiwiKeychainReaderOptions {
  /**
   * Give up on a keychain call after this many milliseconds.
   *
   * @default {5000}
   */
  timeoutMs?: number;
}

/**
 * A keychain reader and lister built on `@napi-rs/keyring` (the Secret
 * Service on Linux, Keychain on macOS, Credential Manager on Windows), each
 * call bounded by a timeout. Throws a `store_unavailable` error when the
 * keychain cannot be reached.
 *
 * @example
 * ```ts
 * const { readKeychain, listAccounts } = kiwiKeychainReader({ timeoutMs: 3000 });
 * await listAccounts("kiwi-mcp"); // ["supabase_access_token", …]
 * ```
 */
export function kiwiKeychainReader(
  options: KiwiKeychainReaderOptions = {},
): { readKeychain: KeychainReader; listAccounts: KeychainLister } {
  const timeoutMs = options.timeoutMs ?? 5000;
  const entryOptions = process.platform === "linux"
    ? { linux: { store: "secret-service" as const } }
    : undefined;
  const bounded = async <T>(what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(
          new CredkitError(
            "store_unavailable",
            `Cannot read the keychain (${what})`,
            `no answer within ${timeoutMs} ms`,
            "unlock the keychain, or run credkit doctor",
          ),
        );
      }, timeoutMs);
    });
    try {
      return await Promise.race([fn(controller.signal), timeout]);
    } catch (err) {
      if (err instanceof CredkitError) throw err;
      throw new CredkitError(
        "store_unavailable",
        `Cannot read the keychain (${what})`,
        String((err as Error)?.message ?? err).split("\n")[0],
        "unlock the keychain, or run credkit doctor",
      );
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    readKeychain: (service, account) =>
      bounded(service, async (signal) => {
        const { AsyncEntry } = await import("@napi-rs/keyring");
        const value = await new AsyncEntry(service, account, entryOptions).getPassword(signal);
        return value ?? undefined;
      }),
    listAccounts: (service) =>
      bounded(service, async (signal) => {
        const { findCredentialsAsync } = await import("@napi-rs/keyring");
        const found = await findCredentialsAsync(service, undefined, signal);
        return found.map((c) => c.account);
      }),
  };
}
