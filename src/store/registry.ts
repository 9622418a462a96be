/**
 * The backend registry (as 99designs/keyring's `AllowedBackends`): every
 * store credkit can use, by name, in one place. `--store NAME`,
 * `CREDKIT_STORE`, the sources `show` reports, shell completions, `doctor`
 * and `list` all read this table; a new backend is one module plus its name
 * and definition here.
 *
 * @module
 */
import type { Env } from "../paths.ts";
import type { Namespace, SecretBackend } from "./backend.ts";
import { FileBackend } from "./file.ts";
import { KeychainBackend } from "./keychain.ts";
import { PASS_FOLDERS, PassBackend, passStoreDir } from "./pass.ts";
import * as fs from "node:fs";
import { join } from "node:path";

/** What a backend factory receives; built in main.ts. */
export interface BackendDeps {
  /** The process environment. */
  env: Env;
  /** The file store path (`--file`). */
  filePath: string;
  /** Which entries: credentials or AuthStore tokens. */
  namespace: Namespace;
  /** Whether credkit may ask on the terminal (a gpg pinentry, for example). */
  interactive: () => boolean;
}

/** One line of `credkit doctor` about a store. */
export interface StoreCheck {
  /** What is checked, e.g. `pass decrypt`. */
  name: string;
  /** Whether it is fine. */
  ok: boolean;
  /** What was found (never a secret value). */
  detail: string;
  /** True when a failure should fail `doctor` (exit 1), not only warn. */
  fatal?: boolean;
}

/** A registered backend. */
export interface BackendDefinition<N extends string = string> {
  /** The name used by `--store`, `CREDKIT_STORE` and as a value's source. */
  readonly name: N;
  /** One line describing it. */
  readonly summary: string;
  /** Whether it is read when no store is chosen (precedence follows {@link BACKENDS} order). */
  readonly readByDefault: boolean;
  /** Whether an unreachable store is reported and skipped while reading instead of failing. */
  readonly skipWhenUnreachable: boolean;
  /** Builds the backend. */
  create(deps: BackendDeps): SecretBackend;
  /** Whether the store exists here (so `list` shows it even when it is not read by default). */
  isPresent?(deps: Omit<BackendDeps, "namespace">): boolean;
  /** Extra `doctor` checks (loaded on demand). */
  diagnose?(deps: Omit<BackendDeps, "namespace"> & { chosen: boolean }): Promise<StoreCheck[]>;
}

/**
 * Every backend name, in reading precedence order (after the environment).
 * Adding a backend: its name here and its definition in {@link BACKENDS}.
 */
export const BACKEND_NAMES = ["keychain", "file", "pass"] as const;

/** The name of a registered backend. */
export type BackendName = (typeof BACKEND_NAMES)[number];

const DEFINITIONS: { readonly [N in BackendName]: BackendDefinition<N> } = {
  keychain: {
    name: "keychain",
    summary: "the OS keychain (default when reachable)",
    readByDefault: true,
    skipWhenUnreachable: true,
    create: ({ env, namespace }) => new KeychainBackend({ namespace, env }),
  },
  file: {
    name: "file",
    summary: "a 0600 JSON file (--file PATH)",
    readByDefault: true,
    skipWhenUnreachable: false,
    create: ({ filePath, namespace }) => new FileBackend({ path: filePath, namespace }),
  },
  pass: {
    name: "pass",
    summary: "a pass/gopass store shared with a team through GPG and git",
    readByDefault: false,
    skipWhenUnreachable: false,
    create: ({ env, namespace, interactive }) => new PassBackend({ env, namespace, interactive }),
    isPresent: ({ env }) => fs.existsSync(join(passStoreDir(env), PASS_FOLDERS.credentials)),
    diagnose: async (deps) => (await import("./pass_doctor.ts")).diagnosePassStore(deps),
  },
};

/** Every backend definition, in precedence order. */
export const BACKENDS: readonly BackendDefinition<BackendName>[] = BACKEND_NAMES.map((n) =>
  DEFINITIONS[n]
);

/**
 * Whether `name` is a registered backend.
 *
 * @example
 * ```ts
 * isBackendName("pass"); // true
 * isBackendName("memory"); // false
 * ```
 */
export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

/**
 * The definition registered under `name`, if any.
 *
 * @example
 * ```ts
 * backendDefinition("keychain")?.skipWhenUnreachable; // true
 * ```
 */
export function backendDefinition(name: string): BackendDefinition<BackendName> | undefined {
  return isBackendName(name) ? DEFINITIONS[name] : undefined;
}

/**
 * Builds the backend registered under `name`.
 *
 * @example
 * ```ts
 * const team = createBackend("pass", { env, filePath, namespace: "credentials", interactive: () => false });
 * ```
 */
export function createBackend(name: BackendName, deps: BackendDeps): SecretBackend {
  return DEFINITIONS[name].create(deps);
}

/**
 * Whether a failure of the store called `name` is skipped while reading
 * (the keychain) rather than reported as an error (file, pass). Unregistered
 * names (test doubles) are never skipped.
 *
 * @example
 * ```ts
 * skippedWhenUnreachable("keychain"); // true
 * ```
 */
export function skippedWhenUnreachable(name: string): boolean {
  return backendDefinition(name)?.skipWhenUnreachable ?? false;
}
