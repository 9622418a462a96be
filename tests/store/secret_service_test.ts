import assert from "node:assert/strict";
import process from "node:process";
import { KeychainBackend } from "../../src/store/keychain.ts";
import {
  checkSecretService,
  listSecretServiceAccounts,
  readSecretServiceItems,
} from "../../src/store/secret_service.ts";
import { keychainAvailability, keychainTest } from "../_keychain.ts";

const keychain = await keychainAvailability();
const service = () => `credkit-ss-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;

keychainTest(keychain, "the Secret Service answers the check", async () => {
  assert.deepStrictEqual(await checkSecretService({ timeoutMs: 3000 }), undefined);
});

keychainTest(
  keychain,
  "items written by the native binding are read back, several in one exchange",
  async () => {
    const name = service();
    const { AsyncEntry } = await import("@napi-rs/keyring");
    const opts = { linux: { store: "secret-service" as const } };
    const values: Record<string, string> = {
      github: JSON.stringify({ token: `ghp_${crypto.randomUUID()}` }),
      "ü 漢字 🔑": JSON.stringify({ v: "line1\nline2 \u00e9 \u{1F511}" }),
      aws: JSON.stringify({ access_key_id: "AKIA", secret_access_key: "s/k+" }),
    };
    try {
      for (const [account, password] of Object.entries(values)) {
        await new AsyncEntry(name, account, opts).setPassword(password);
      }
      const found = await readSecretServiceItems(
        name,
        [...Object.keys(values), "missing"],
        { timeoutMs: 5000 },
      );
      assert.deepStrictEqual(Object.fromEntries(found), values);
      assert.deepStrictEqual(
        (await listSecretServiceAccounts(name, { timeoutMs: 5000 })).sort(),
        Object.keys(values).sort(),
      );
      const one = await readSecretServiceItems(name, ["aws"], { timeoutMs: 5000 });
      assert.deepStrictEqual(Object.fromEntries(one), { aws: values.aws });
      // An item of another keychain service with the same account is not read.
      assert.deepStrictEqual(
        (await readSecretServiceItems(service(), ["github"], { timeoutMs: 5000 })).size,
        0,
      );
    } finally {
      for (const account of Object.keys(values)) {
        await new AsyncEntry(name, account, opts).deletePassword();
      }
    }
  },
);

keychainTest(
  keychain,
  "the backend's concurrent gets, sets and removes stay consistent",
  async () => {
    const store = new KeychainBackend({ service: service() });
    const names = Array.from({ length: 6 }, (_, i) => `svc${i}`);
    try {
      await Promise.all(names.map((n) => store.set(n, { token: `t-${n}` })));
      const got = await Promise.all([...names, "absent"].map((n) => store.get(n)));
      assert.deepStrictEqual(got, [...names.map((n) => ({ token: `t-${n}` })), undefined]);
      // A read queued after a write in the same process sees the write.
      const [, after] = await Promise.all([store.set("svc0", { token: "new" }), store.get("svc0")]);
      assert.deepStrictEqual(after, { token: "new" });
    } finally {
      for (const n of names) await store.remove(n);
    }
  },
);
