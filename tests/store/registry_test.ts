import assert from "node:assert/strict";
import { resolveServices } from "../../src/resolve.ts";
import { CredkitError } from "../../src/errors.ts";
import { MemoryBackend } from "../../src/store/memory.ts";
import {
  BACKEND_NAMES,
  backendDefinition,
  BACKENDS,
  createBackend,
  isBackendName,
  skippedWhenUnreachable,
} from "../../src/store/registry.ts";
import type { SecretBackend } from "../../src/store/backend.ts";
import { cli } from "../cli/_cli.ts";

Deno.test("registry: every backend is registered once, by name, in precedence order", () => {
  assert.deepEqual(BACKENDS.map((b) => b.name), [...BACKEND_NAMES]);
  assert.equal(new Set(BACKEND_NAMES).size, BACKEND_NAMES.length);
  assert.deepEqual(BACKEND_NAMES.slice(0, 2), ["keychain", "file"]);
  for (const name of BACKEND_NAMES) {
    assert.ok(isBackendName(name));
    assert.equal(backendDefinition(name)?.name, name);
  }
  assert.equal(isBackendName("memory"), false);
  assert.equal(backendDefinition("nope"), undefined);
  // Precedence without --store: keychain, then file (env comes before both).
  assert.deepEqual(BACKENDS.filter((b) => b.readByDefault).map((b) => b.name), [
    "keychain",
    "file",
  ]);
});

Deno.test("registry: a created backend reports its registered name", () => {
  const deps = {
    env: {},
    filePath: "/nonexistent/credentials.json",
    namespace: "credentials" as const,
    interactive: () => false,
  };
  for (const name of BACKEND_NAMES) assert.equal(createBackend(name, deps).name, name);
});

Deno.test("registry: only stores registered as skippable are skipped when unreachable", async () => {
  assert.equal(skippedWhenUnreachable("keychain"), true);
  assert.equal(skippedWhenUnreachable("file"), false);
  assert.equal(skippedWhenUnreachable("memory"), false);
  const failing = (name: "keychain" | "file"): SecretBackend => {
    const b = new MemoryBackend({ name });
    b.get = () => Promise.reject(new CredkitError("store_unavailable", "x", "down"));
    return b;
  };
  const svc = { name: "s", fields: { t: { env: ["S_T"], secret: true } } };
  const skipped: string[] = [];
  const r = await resolveServices([svc], {
    env: {},
    stores: [failing("keychain"), new MemoryBackend({ name: "file", entries: { s: { t: "v" } } })],
    onStoreError: (s) => skipped.push(s.name),
  });
  assert.equal(r.s.t.source, "file");
  assert.deepEqual(skipped, ["keychain"]);
  await assert.rejects(
    resolveServices([svc], { env: {}, stores: [failing("file")], onStoreError: () => {} }),
    CredkitError,
  );
});

Deno.test("--store accepts the registered names only, and the error lists them", async () => {
  const bad = await cli(["--store", "vault", "list"]);
  assert.equal(bad.code, 2);
  for (const name of BACKEND_NAMES) assert.ok(bad.err.includes(name), bad.err);
  const help = await cli(["list", "--help"]);
  assert.ok(help.out.includes(`--store ${BACKEND_NAMES.join("|")}`), help.out);
  const completions = await cli(["completions", "bash"]);
  for (const name of BACKEND_NAMES) assert.ok(completions.out.includes(name));
  const env = await cli(["list"], { env: { CREDKIT_STORE: "nope" } });
  assert.equal(env.code, 2);
});
