/**
 * Stores made of memory backends, for tests (the test double of
 * `src/store/stores.ts`'s real stores).
 *
 * @module
 */
import type { Fields, Namespace, StoreName } from "../../src/store/backend.ts";
import { MemoryBackend } from "../../src/store/memory.ts";
import type { BackendName } from "../../src/store/registry.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";

/** Options for {@link memoryStores}. */
export interface MemoryStoresOptions {
  /** The chosen store, as `--store` would set it. */
  chosen?: BackendName;
  keychainAvailable?: boolean;
  keychain?: Record<string, Fields>;
  file?: Record<string, Fields>;
  changesDir?: string;
  warn?: (message: string) => void;
}

/**
 * Stores made of {@link MemoryBackend}s, for tests: the returned `backends`
 * map exposes each one (`"keychain:credentials"`, `"file:tokens"`, …).
 *
 * @example
 * ```ts
 * const { stores, backends } = memoryStores({ keychain: { aws: { region: "x" } } });
 * ```
 */
export function memoryStores(
  options: MemoryStoresOptions = {},
): { stores: Stores; backends: Map<string, MemoryBackend> } {
  const backends = new Map<string, MemoryBackend>();
  const make = (name: StoreName, ns: Namespace) => {
    const key = `${name}:${ns}`;
    let b = backends.get(key);
    if (!b) {
      const initial = ns === "credentials"
        ? (name === "keychain" ? options.keychain : options.file)
        : undefined;
      b = new MemoryBackend({ name, entries: initial });
      backends.set(key, b);
    }
    return b;
  };
  make("keychain", "credentials");
  make("file", "credentials");
  const available = options.keychainAvailable ?? true;
  const stores = createStores({
    chosen: options.chosen,
    filePath: "/memory/credentials.json",
    makeBackend: (name, ns) => make(name, ns),
    probeKeychain: () =>
      Promise.resolve(
        available
          ? { available: true, backend: "memory" }
          : { available: false, backend: "memory", reason: "no keychain in this test" },
      ),
    warn: options.warn,
    changesDir: options.changesDir,
  });
  return { stores, backends };
}
