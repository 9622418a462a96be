import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { CredkitError } from "../../src/errors.ts";
import type { Namespace } from "../../src/store/backend.ts";
import { MemoryBackend } from "../../src/store/memory.ts";
import { type BackendName, BACKENDS, DEFAULT_READ_ORDER } from "../../src/store/registry.ts";
import { createStores, type KeychainStatus } from "../../src/store/stores.ts";

function storesWith(keychain: KeychainStatus, chosen?: BackendName, changesDir?: string) {
  const warnings: string[] = [];
  let probes = 0;
  const made: string[] = [];
  const stores = createStores({
    chosen,
    filePath: "/memory/credentials.json",
    makeBackend: (name: BackendName, ns: Namespace) => {
      made.push(`${name}:${ns}`);
      return new MemoryBackend({ name });
    },
    probeKeychain: () => {
      probes++;
      return Promise.resolve(keychain);
    },
    warn: (m) => warnings.push(m),
    changesDir,
  });
  return { stores, warnings, made, probes: () => probes };
}

const UP: KeychainStatus = { available: true, backend: "memory" };
const DOWN: KeychainStatus = { available: false, backend: "memory", reason: "no bus" };

Deno.test("stores: the default read order is the registry's readByDefault backends", async () => {
  assert.deepEqual(
    DEFAULT_READ_ORDER,
    BACKENDS.filter((b) => b.readByDefault).map((b) => b.name),
  );
  assert.deepEqual([...DEFAULT_READ_ORDER], ["keychain", "file"]);
  const { stores } = storesWith(UP);
  assert.deepEqual((await stores.readable()).map((s) => s.name), ["keychain", "file"]);
});

Deno.test("stores: an unreachable keychain is skipped, reported once, probed once", async () => {
  const t = storesWith(DOWN);
  assert.deepEqual((await t.stores.readable()).map((s) => s.name), ["file"]);
  assert.deepEqual((await t.stores.readable("tokens")).map((s) => s.name), ["file"]);
  assert.equal(t.warnings.length, 1);
  assert.match(t.warnings[0], /keychain unavailable: no bus; reading the file store only/);
  assert.equal(t.probes(), 1);
});

Deno.test("stores: writes never fall back to the file silently (exit 4 naming --store file)", async () => {
  const { stores } = storesWith(DOWN);
  await assert.rejects(stores.writable(), (err) => {
    assert.ok(err instanceof CredkitError);
    assert.equal(err.exitCode, 4);
    assert.match(err.message, /--store file/);
    return true;
  });
  assert.equal((await storesWith(UP).stores.writable()).name, "keychain");
});

Deno.test("stores: a chosen store is the only one read and written, without a probe", async () => {
  const t = storesWith(DOWN, "pass");
  assert.deepEqual((await t.stores.readable()).map((s) => s.name), ["pass"]);
  assert.equal((await t.stores.writable()).name, "pass");
  assert.equal(t.probes(), 0);
  assert.deepEqual(t.warnings, []);
});

Deno.test("stores: a backend is built once per name and namespace", async () => {
  const t = storesWith(UP);
  await t.stores.readable();
  await t.stores.readable();
  t.stores.backend("file", "tokens");
  assert.deepEqual(t.made.sort(), ["file:credentials", "file:tokens", "keychain:credentials"]);
});

Deno.test("stores: with a changes directory every write leaves a notice", async () => {
  const dir = fs.mkdtempSync(join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "credkit-chg-"));
  try {
    const { stores } = storesWith(UP, undefined, join(dir, "changes"));
    const store = await stores.writable();
    await store.set("aws", { region: "eu-west-1" });
    assert.deepEqual(fs.readdirSync(join(dir, "changes")), ["credentials.aws"]);
    assert.match(fs.readFileSync(join(dir, "changes", "credentials.aws"), "utf8"), / keychain\n$/);
    fs.rmSync(join(dir, "changes", "credentials.aws"));
    assert.equal(await store.remove("nothing-here"), false);
    assert.deepEqual(fs.readdirSync(join(dir, "changes")), [], "no notice when nothing changed");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
