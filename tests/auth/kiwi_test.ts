import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AuthStore } from "../../src/auth/auth_store.ts";
import { importFromKiwi, parseKiwiExpiry } from "../../src/auth/kiwi.ts";
import { importKiwi } from "../../src/auth/context_store.ts";
import { MemoryBackend } from "../../src/store/memory.ts";
import { makeTestContext } from "../_helpers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./fixtures/kiwi_keychain.ts", import.meta.url));

/** A keychain made of a map: service → account → value. */
function mapKeychain(items: Record<string, Record<string, string>>) {
  return {
    readKeychain: (service: string, account: string) => Promise.resolve(items[service]?.[account]),
    listAccounts: (service: string) => Promise.resolve(Object.keys(items[service] ?? {})),
  };
}

Deno.test("parseKiwiExpiry: epoch seconds (float) and Python isoformat()", () => {
  assert.equal(parseKiwiExpiry("1767225600"), 1767225600);
  assert.equal(parseKiwiExpiry("1767225600.75"), 1767225600.75);
  assert.equal(parseKiwiExpiry("2026-01-01T00:00:00.123456+00:00"), 1767225600.123);
  assert.equal(parseKiwiExpiry("2026-01-01T01:00:00+01:00"), 1767225600);
  assert.equal(parseKiwiExpiry("2026-01-01T00:00:00"), 1767225600);
  assert.equal(parseKiwiExpiry("garbage"), undefined);
  assert.equal(parseKiwiExpiry(undefined), undefined);
});

Deno.test("importFromKiwi stores kiwi-mcp tokens as credkit tokens", async () => {
  const lockDir = await Deno.makeTempDir({ prefix: "credkit-kiwi-" });
  try {
    const backend = new MemoryBackend({ name: "keychain" });
    const auth = new AuthStore({
      backend,
      services: {},
      clock: () => 1767225600_000,
      fetch: globalThis.fetch,
      lockDir,
    });
    const kc = mapKeychain({
      "kiwi-mcp": {
        supabase_access_token: "eyJsupabaseAccess",
        supabase_refresh_token: "sbRefresh",
        supabase_expires_at: "1767229200.5",
        supabase_scopes: "registry:read,registry:write",
        github_access_token: "gho_github",
        github_expires_at: "2026-01-01T02:00:00.000001+00:00",
        stray_refresh_token: "no access token: not imported",
      },
      "other": { x_access_token: "not kiwi" },
    });
    const imported = await importFromKiwi(auth, kc.readKeychain, kc.listAccounts);
    assert.deepEqual(imported, ["github", "supabase"]);
    assert.deepEqual(await backend.get("supabase"), {
      access_token: "eyJsupabaseAccess",
      refresh_token: "sbRefresh",
      expires_at: "1767229200",
      scopes: "registry:read registry:write",
      token_type: "bearer",
    });
    assert.equal((await backend.get("github"))?.expires_at, "1767232800");
    assert.equal((await backend.get("github"))?.refresh_token, undefined);
    assert.equal(await auth.getToken("supabase", { scope: "registry:write" }), "eyJsupabaseAccess");
    // Probing known service names finds entries a lister cannot enumerate.
    const hidden = {
      readKeychain: kc.readKeychain,
      listAccounts: () => Promise.resolve([] as string[]),
    };
    assert.deepEqual(
      await importFromKiwi(auth, hidden.readKeychain, hidden.listAccounts, {
        services: ["github", "aws"],
      }),
      ["github"],
    );
  } finally {
    await Deno.remove(lockDir, { recursive: true });
  }
});

Deno.test("importKiwi(ctx) writes to the chosen store", async () => {
  const stateDir = await Deno.makeTempDir({ prefix: "credkit-kiwi-" });
  try {
    const t = makeTestContext({ stateDir, chosen: "file" });
    const imported = await importKiwi(
      t.ctx,
      mapKeychain({ "kiwi-mcp": { supabase_access_token: "eyJx", supabase_scopes: "a,b" } }),
    );
    assert.deepEqual(imported, ["supabase"]);
    assert.equal((await t.ctx.stores.backend("file", "tokens").get("supabase"))?.scopes, "a b");
    assert.deepEqual(await t.ctx.stores.backend("keychain", "tokens").list(), []);
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
});

const keyringTools = ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"];
const missingTools = keyringTools.filter(
  (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status !== 0,
);
const haveKeyring = missingTools.length === 0;
if (!haveKeyring) {
  // Never a silent skip: the fixture writes items the way Python keyring does, with secret-tool.
  console.error(
    `kiwi_test: skipping the Secret Service test: ${missingTools.join(", ")} not installed ` +
      "(Debian: gnome-keyring dbus libsecret-tools)",
  );
}

Deno.test({
  name: "kiwiKeychainReader reads what Python keyring wrote to the Secret Service",
  ignore: !haveKeyring,
  async fn() {
    const lockDir = await Deno.makeTempDir({ prefix: "credkit-kiwi-" });
    try {
      const items = {
        supabase_access_token: "eyJrealKeyringAccess",
        supabase_refresh_token: "realKeyringRefresh",
        supabase_expires_at: "2030-01-01T00:00:00.000000+00:00",
        supabase_scopes: "registry:read,registry:write",
      };
      const { code, stdout, stderr } = await new Deno.Command("dbus-run-session", {
        args: [
          "--",
          "bash",
          "scripts/keychain_session.sh",
          Deno.execPath(),
          "run",
          "-A",
          "--quiet",
          FIXTURE,
        ],
        cwd: ROOT,
        env: { KIWI_ITEMS: JSON.stringify(items), KIWI_LOCK_DIR: lockDir },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(stdout).trim().split("\n").pop() ?? "";
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      const result = JSON.parse(text);
      if (result.skipped) {
        console.warn(`skipped: ${result.skipped}`);
        return;
      }
      assert.deepEqual(result.imported, ["supabase"]);
      assert.deepEqual(result.entries.supabase, {
        access_token: "eyJrealKeyringAccess",
        refresh_token: "realKeyringRefresh",
        expires_at: "1893456000",
        scopes: "registry:read registry:write",
        token_type: "bearer",
      });
    } finally {
      await Deno.remove(lockDir, { recursive: true });
    }
  },
});
