/**
 * Which stores a command reads from and writes to.
 *
 * Reading: the backends the registry reads by default, in its order
 * (keychain then file; an unreachable keychain is reported once and skipped). Writing: exactly one store, `--store` / `CREDKIT_STORE`, else the
 * keychain when reachable; never a silent fallback to the plaintext file.
 *
 * @module
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { CredkitError } from "../errors.ts";
import { safeName } from "../safe_name.ts";
import type { Fields, Namespace, SecretBackend } from "./backend.ts";
import { type BackendName, DEFAULT_READ_ORDER, type StoreCheck } from "./registry.ts";

/** Reachability of the keychain. */
export interface KeychainStatus {
  /** Whether the keychain answered. */
  available: boolean;
  /** Which keychain backend was tried (e.g. `secret-service`). */
  backend: string;
  /** Why it is unavailable (never a secret). */
  reason?: string;
}

/** The stores a command works with. */
export interface Stores {
  /** The store the user chose (`--store` or `CREDKIT_STORE`), if any. */
  readonly chosen?: BackendName;
  /** The file store path. */
  readonly filePath: string;
  /** Stores to read, in precedence order; limited to the chosen one when set. */
  readable(ns?: Namespace): Promise<SecretBackend[]>;
  /** The single store writes go to; throws exit 4 when none is usable. */
  writable(ns?: Namespace): Promise<SecretBackend>;
  /** Whether the keychain is reachable (probed once). */
  keychainStatus(): Promise<KeychainStatus>;
  /** A store by name. */
  backend(name: BackendName, ns?: Namespace): SecretBackend;
  /**
   * Stores that exist here but are not read (not chosen, not read by default,
   * e.g. a pass store): `list` shows which services they hold.
   */
  unread(ns?: Namespace): Promise<SecretBackend[]>;
  /** Extra `doctor` checks of registered stores (a pass store, for example). */
  diagnose(): Promise<StoreCheck[]>;
}

/** How to build stores; real ones come from main.ts, memory ones from tests. */
export interface StoresOptions {
  /** The store chosen with `--store` / `CREDKIT_STORE`, if any. */
  chosen?: BackendName;
  /** The file store path. */
  filePath: string;
  /** Builds the backend registered under `name` for a namespace (see `registry.ts`). */
  makeBackend: (name: BackendName, ns: Namespace) => SecretBackend;
  /** Stores present here that are not read by default (default: none). */
  presentUnread?: () => BackendName[];
  /** Extra `doctor` checks (default: none). */
  diagnose?: (chosen: BackendName | undefined) => Promise<StoreCheck[]>;
  /** Tells whether the keychain is reachable (called once). */
  probeKeychain: () => Promise<KeychainStatus>;
  /** Called once when the keychain is unreachable while reading. */
  warn?: (message: string) => void;
  /** When set, every write leaves a change notice here (for `server run --watch`). */
  changesDir?: string;
}

/**
 * Builds a {@link Stores} from backend factories.
 *
 * @example
 * ```ts
 * const stores = createStores({ filePath: "/tmp/c.json", makeBackend, probeKeychain });
 * const target = await stores.writable();
 * ```
 */
export function createStores(options: StoresOptions): Stores {
  const cache = new Map<string, SecretBackend>();
  let status: Promise<KeychainStatus> | undefined;
  let warned = false;
  const backend = (name: BackendName, ns: Namespace = "credentials") => {
    const key = `${name}:${ns}`;
    let b = cache.get(key);
    if (!b) {
      b = options.makeBackend(name, ns);
      if (options.changesDir) b = withChangeNotices(b, options.changesDir, ns);
      cache.set(key, b);
    }
    return b;
  };
  const keychainStatus = () => (status ??= options.probeKeychain());
  return {
    chosen: options.chosen,
    filePath: options.filePath,
    backend,
    keychainStatus,
    unread(ns: Namespace = "credentials") {
      const names = (options.presentUnread?.() ?? []).filter((n) => n !== options.chosen);
      return Promise.resolve(names.map((n) => backend(n, ns)));
    },
    diagnose: () => options.diagnose?.(options.chosen) ?? Promise.resolve([]),
    async readable(ns: Namespace = "credentials") {
      if (options.chosen) return [backend(options.chosen, ns)];
      const kc = await keychainStatus();
      if (!kc.available) {
        if (!warned) {
          warned = true;
          options.warn?.(
            `credkit: keychain unavailable: ${
              kc.reason ?? "not reachable"
            }; reading the file store only`,
          );
        }
        return DEFAULT_READ_ORDER.filter((n) => n !== "keychain").map((n) => backend(n, ns));
      }
      return DEFAULT_READ_ORDER.map((n) => backend(n, ns));
    },
    async writable(ns: Namespace = "credentials") {
      if (options.chosen) return backend(options.chosen, ns);
      const kc = await keychainStatus();
      if (!kc.available) {
        throw new CredkitError(
          "store_unavailable",
          "Cannot write to the keychain",
          kc.reason ?? "no keychain is reachable",
          "to keep credentials in a 0600 file instead, use --store file or CREDKIT_STORE=file",
        );
      }
      return backend("keychain", ns);
    },
  };
}

/**
 * Wraps a backend so that every write leaves a notice file
 * `<dir>/<namespace>.<entry>` whose change wakes `server run --watch`.
 *
 * @example
 * ```ts
 * const watched = withChangeNotices(keychain, "/home/u/.local/state/credkit/changes", "credentials");
 * await watched.set("aws", { region: "eu-west-1" }); // touches changes/credentials.aws
 * ```
 */
export function withChangeNotices(
  inner: SecretBackend,
  dir: string,
  ns: Namespace,
): SecretBackend {
  const touch = (entry: string) => {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(join(dir, `${ns}.${safeName(entry)}`), `${Date.now()} ${inner.name}\n`, {
        mode: 0o600,
      });
    } catch { /* a notice is best effort; the write itself succeeded */ }
  };
  const wrapped: SecretBackend = {
    name: inner.name,
    get: (e) => inner.get(e),
    list: () => inner.list(),
    async set(e: string, f: Fields) {
      await inner.set(e, f);
      touch(e);
    },
    async remove(e: string) {
      const removed = await inner.remove(e);
      if (removed) touch(e);
      return removed;
    },
  };
  if (inner.update) {
    const update = inner.update.bind(inner);
    wrapped.update = async (e, fn) => {
      const r = await update(e, fn);
      touch(e);
      return r;
    };
  }
  return wrapped;
}
