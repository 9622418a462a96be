/**
 * Test helpers: a Context made of memory stores and captured io.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { Context, Globals } from "../src/cli/context.ts";
import { type LoadedConfig, parseConfig } from "../src/config.ts";
import { memoryStores, type MemoryStoresOptions } from "./store/_memory_stores.ts";
import type { MemoryBackend } from "../src/store/memory.ts";

/** Captured output of a test context. */
export interface Captured {
  out: string;
  err: string;
}

/** Options for {@link makeTestContext}. */
export interface TestContextOptions extends MemoryStoresOptions {
  env?: Record<string, string | undefined>;
  globals?: Partial<Globals>;
  stdin?: string;
  stdinIsTTY?: boolean;
  /** Answers for prompts, in order. */
  answers?: string[];
  /** A parsed credkit.json object. */
  config?: unknown;
  clock?: () => number;
  fetch?: typeof globalThis.fetch;
  cwd?: string;
  stateDir?: string;
}

/**
 * A {@link Context} backed by memory stores, with stdout/stderr captured.
 *
 * @example
 * ```ts
 * const { ctx, captured, backends } = makeTestContext({ keychain: { aws: { region: "x" } } });
 * ```
 */
export function makeTestContext(options: TestContextOptions = {}): {
  ctx: Context;
  captured: Captured;
  backends: Map<string, MemoryBackend>;
  prompts: string[];
} {
  const captured: Captured = { out: "", err: "" };
  const prompts: string[] = [];
  const answers = [...(options.answers ?? [])];
  const { stores, backends } = memoryStores({
    ...options,
    warn: (m) => (captured.err += m + "\n"),
  });
  const config: LoadedConfig = parseConfig(options.config ?? {}, "credkit.json");
  const globals: Globals = {
    json: false,
    noInput: !(options.stdinIsTTY ?? false),
    quiet: false,
    verbose: false,
    ...options.globals,
  };
  const decoder = new TextDecoder();
  const ctx: Context = {
    env: options.env ?? {},
    cwd: options.cwd ?? "/nonexistent",
    io: {
      out: (t) => (captured.out += typeof t === "string" ? t : decoder.decode(t)),
      err: (t) => (captured.err += t),
      stdinIsTTY: options.stdinIsTTY ?? false,
      readStdin: () => Promise.resolve(options.stdin ?? ""),
      prompt: (q) => {
        prompts.push(q);
        return Promise.resolve(answers.shift() ?? "");
      },
    },
    globals,
    clock: options.clock ?? (() => Date.now()),
    stores,
    config: () => Promise.resolve(config),
    fetch: options.fetch ?? globalThis.fetch,
    spawn,
    stateDir: options.stateDir ?? "/nonexistent/state",
  };
  return { ctx, captured, backends, prompts };
}

/** Asserts that none of `secrets` appears in `text`. */
export function assertNoSecrets(text: string, secrets: string[]): void {
  for (const s of secrets) {
    if (s && text.includes(s)) {
      throw new Error(`a secret value leaked into captured output (length ${s.length})`);
    }
  }
}

/**
 * Awaits `fn`, asserts it rejects with an instance of `cls` (whose message
 * contains `includes`, when given), and returns the error.
 *
 * @example
 * ```ts
 * const err = await rejectsWith(() => store.getToken("x"), AuthenticationRequired, "no token");
 * ```
 */
export async function rejectsWith<T extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  cls: new (...args: any[]) => T,
  includes?: string,
): Promise<T> {
  try {
    await fn();
  } catch (err) {
    assert.ok(
      err instanceof cls,
      `expected ${cls.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`,
    );
    if (includes) assert.ok(err.message.includes(includes), `"${err.message}" lacks "${includes}"`);
    return err;
  }
  assert.fail(`expected a rejection with ${cls.name}`);
}

/**
 * Cuts `input` at the given positions (taken modulo its length + 1), for
 * feeding a stream transformer arbitrary chunk boundaries.
 *
 * @example
 * ```ts
 * cut(new Uint8Array(10), [3, 7]); // chunks of 3, 4 and 3 bytes
 * ```
 */
export function cut(input: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, input.length]) {
    parts.push(input.subarray(from, p));
    from = p;
  }
  return parts;
}
