import assert from "node:assert/strict";
import { assertNoSecrets, rejectsWith } from "../_helpers.ts";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { CredkitError, formatError } from "../../src/errors.ts";
import type { Namespace } from "../../src/store/backend.ts";
import {
  KeychainBackend,
  keychainBackendName,
  keychainServiceName,
  type KeyringEntry,
  type KeyringModule,
  probeKeychain,
} from "../../src/store/keychain.ts";
import { keychainAvailability, keychainTest } from "../_keychain.ts";

const SECRET = "ghp_KEYCHAINsecret0123456789";
const here = path.dirname(new URL(import.meta.url).pathname);
const runId = `${process.pid}-${Date.now().toString(36)}`;
let serviceCount = 0;

/** A keychain service name unique to this test run. */
function uniqueService(label: string): string {
  return `credkit-test-${runId}-${label}-${++serviceCount}`;
}

/** Removes every item this run stored under `service`, in both namespaces. */
async function cleanup(service: string): Promise<void> {
  for (const namespace of ["credentials", "tokens"] as Namespace[]) {
    const keychain = new KeychainBackend({ service, namespace });
    for (const entry of await keychain.list()) await keychain.remove(entry);
  }
}

async function assertUnavailable(p: Promise<unknown>, why: RegExp): Promise<CredkitError> {
  const err = await rejectsWith(() => p, CredkitError);
  assert.deepStrictEqual(err.kind, "store_unavailable");
  assert.deepStrictEqual(err.exitCode, 4);
  assert(why.test(err.why), `why "${err.why}" does not match ${why}`);
  assertNoSecrets(formatError(err), [SECRET]);
  return err;
}

// ---------------------------------------------------------------------------
// Real keychain (Secret Service on Linux), gated.

const keychain = await keychainAvailability();

keychainTest(keychain, "keychain set, get, list, remove", async () => {
  const service = uniqueService("basic");
  try {
    const store = new KeychainBackend({ service });
    assert.deepStrictEqual(store.name, "keychain");
    assert.deepStrictEqual(await store.get("github"), undefined);
    assert.deepStrictEqual(await store.list(), []);
    await store.set("github", { token: SECRET });
    await store.set("aws", { access_key_id: "AKIA", secret_access_key: "s/k+", region: "x" });
    assert.deepStrictEqual(await store.get("github"), { token: SECRET });
    assert.deepStrictEqual(await new KeychainBackend({ service }).get("aws"), {
      access_key_id: "AKIA",
      secret_access_key: "s/k+",
      region: "x",
    });
    assert.deepStrictEqual(await store.list(), ["aws", "github"]);
    await store.set("github", { token: "ghp_other" });
    assert.deepStrictEqual(await store.get("github"), { token: "ghp_other" });
    assert.deepStrictEqual(await store.remove("github"), true);
    assert.deepStrictEqual(await store.remove("github"), false);
    assert.deepStrictEqual(await store.get("github"), undefined);
    assert.deepStrictEqual(await store.list(), ["aws"]);
  } finally {
    await cleanup(service);
  }
});

keychainTest(keychain, "keychain update reads, changes and removes under one chain", async () => {
  const service = uniqueService("update");
  try {
    const store = new KeychainBackend({ service });
    assert.deepStrictEqual(await store.update("s3", (cur) => ({ ...cur, test_bucket: "b" })), {
      test_bucket: "b",
    });
    assert.deepStrictEqual(await store.update("s3", (cur) => ({ ...cur, region: "r" })), {
      test_bucket: "b",
      region: "r",
    });
    // 20 concurrent increments in one process: none is lost.
    await Promise.all(
      Array.from(
        { length: 20 },
        () => store.update("counter", (cur) => ({ n: String(Number(cur?.n ?? "0") + 1) })),
      ),
    );
    assert.deepStrictEqual(await store.get("counter"), { n: "20" });
    assert.deepStrictEqual(await store.update("s3", () => undefined), undefined);
    assert.deepStrictEqual(await store.update("counter", () => ({})), undefined);
    assert.deepStrictEqual(await store.list(), []);
  } finally {
    await cleanup(service);
  }
});

keychainTest(keychain, "keychain keeps unusual entry names and values intact", async () => {
  const service = uniqueService("chars");
  try {
    const store = new KeychainBackend({ service });
    const names = ["a b", "ü-ñ/漢字", "with:colon", "emoji 🔑", `quote"'\`$\\`, "-leading-dash"];
    const value =
      `line1\nline2\r\n"quoted" 'single' \`tick\` $HOME \\ \u0000 \u00e9 \u{1F511} \t end`;
    for (const name of names) await store.set(name, { token: value, "field with space": name });
    for (const name of names) {
      assert.deepStrictEqual(await store.get(name), { token: value, "field with space": name });
    }
    assert.deepStrictEqual(await store.list(), [...names].sort());
  } finally {
    await cleanup(service);
  }
});

keychainTest(keychain, "keychain round-trips a 100 KB value", async () => {
  const service = uniqueService("big");
  try {
    const store = new KeychainBackend({ service });
    const unit = 'x"\\y\n\u00e9\u6f22\u{1F511}';
    const big = unit.repeat(Math.ceil(102400 / unit.length)).slice(0, 102400);
    await store.set("big", { value: big });
    const got = await new KeychainBackend({ service }).get("big");
    assert(got?.value === big, "the 100 KB value came back changed");
  } finally {
    await cleanup(service);
  }
});

keychainTest(keychain, "keychain keeps credentials and tokens in separate services", async () => {
  const service = uniqueService("ns");
  try {
    const creds = new KeychainBackend({ service });
    const tokens = new KeychainBackend({ service, namespace: "tokens" });
    assert.deepStrictEqual(tokens.service, `${service}:tokens`);
    await creds.set("supabase", { url: "https://x.supabase.co" });
    await tokens.set("supabase", { access_token: SECRET, refresh_token: "rt" });
    assert.deepStrictEqual(await creds.get("supabase"), { url: "https://x.supabase.co" });
    assert.deepStrictEqual(await tokens.get("supabase"), {
      access_token: SECRET,
      refresh_token: "rt",
    });
    assert.deepStrictEqual(await creds.list(), ["supabase"]);
    assert.deepStrictEqual(await tokens.list(), ["supabase"]);
    await tokens.remove("supabase");
    assert.deepStrictEqual(await tokens.list(), []);
    assert.deepStrictEqual(await creds.get("supabase"), { url: "https://x.supabase.co" });
  } finally {
    await cleanup(service);
  }
});

keychainTest(keychain, "CREDKIT_KEYCHAIN_SERVICE chooses the keychain service", async () => {
  const service = uniqueService("env");
  try {
    const env = { CREDKIT_KEYCHAIN_SERVICE: service };
    const store = new KeychainBackend({ env });
    assert.deepStrictEqual(store.service, service);
    assert.deepStrictEqual(
      new KeychainBackend({ env, namespace: "tokens" }).service,
      `${service}:tokens`,
    );
    await store.set("huggingface", { token: SECRET });
    // The item is a plain keychain entry: service, account = entry, password = JSON.
    const { AsyncEntry } = await import("@napi-rs/keyring");
    const raw = new AsyncEntry(service, "huggingface", { linux: { store: "secret-service" } });
    assert.deepStrictEqual(JSON.parse((await raw.getPassword()) ?? "null"), { token: SECRET });
  } finally {
    await cleanup(service);
  }
});

keychainTest(
  keychain,
  "a keychain item that is not credkit JSON is reported, not guessed",
  async () => {
    const service = uniqueService("foreign");
    try {
      const { AsyncEntry } = await import("@napi-rs/keyring");
      const opts = { linux: { store: "secret-service" as const } };
      await new AsyncEntry(service, "legacy", opts).setPassword(SECRET);
      await new AsyncEntry(service, "array", opts).setPassword(`["${SECRET}"]`);
      const store = new KeychainBackend({ service });
      await assertUnavailable(
        store.get("legacy"),
        /^entry legacy in keychain is not credkit JSON$/,
      );
      await assertUnavailable(store.get("array"), /not credkit JSON/);
      await assertUnavailable(store.update("legacy", (c) => c), /not credkit JSON/);
      assert.deepStrictEqual(await store.list(), ["array", "legacy"]);
      // It can still be replaced or removed on purpose.
      await store.set("legacy", { token: "new" });
      assert.deepStrictEqual(await store.get("legacy"), { token: "new" });
    } finally {
      await cleanup(service);
    }
  },
);

keychainTest(keychain, "probeKeychain finds the keychain", async () => {
  const probe = await probeKeychain({ service: uniqueService("probe") });
  assert.deepStrictEqual(probe, { available: true, backend: keychainBackendName() });
});

/** An OAuth-sized token entry: over 2,560 bytes of incompressible JSON. */
function bigTokenEntry(): Record<string, string> {
  const random = (n: number) =>
    Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(36)).join("");
  return { access_token: `eyJ${random(900)}`, refresh_token: `rt_${random(500)}`, scopes: "a b" };
}

keychainTest(
  keychain,
  "with an item cap (Windows' encoding forced), big entries are split, read, replaced and removed",
  async () => {
    const service = uniqueService("split");
    try {
      const store = new KeychainBackend({ service, maxItemChars: 1280 });
      const big = bigTokenEntry();
      assert(JSON.stringify(big).length > 2560);
      // An entry written before the encoding existed (one plain item) is still read.
      await new KeychainBackend({ service }).set("legacy", big);
      assert.deepStrictEqual(await store.get("legacy"), big);
      await store.set("supabase", big);
      const { findCredentialsAsync } = await import("@napi-rs/keyring");
      const items = await findCredentialsAsync(service);
      const parts = items.filter((c) => c.account.startsWith("supabase"));
      assert(parts.length >= 2, `${parts.length} items`);
      for (const c of parts) assert(c.password.length <= 1280, `an item of ${c.password.length}`);
      assert.deepStrictEqual(await store.get("supabase"), big);
      assert.deepStrictEqual(await new KeychainBackend({ service }).get("supabase"), big);
      assert.deepStrictEqual(await store.list(), ["legacy", "supabase"]);
      // Several split entries read in one tick, as the resolver does.
      await store.set("other", { ...big, scopes: "c" });
      assert.deepStrictEqual(await Promise.all(["supabase", "other"].map((e) => store.get(e))), [
        big,
        { ...big, scopes: "c" },
      ]);
      // Shrinking the entry drops the continuation items it no longer needs.
      await store.update("supabase", () => ({ access_token: "short" }));
      assert.deepStrictEqual(await store.get("supabase"), { access_token: "short" });
      const left = (await findCredentialsAsync(service)).filter((c) =>
        c.account.startsWith("supabase")
      );
      assert.deepStrictEqual(left.map((c) => c.account), ["supabase"]);
      await store.set("supabase", big);
      assert.deepStrictEqual(await store.remove("supabase"), true);
      assert.deepStrictEqual(await store.remove("other"), true);
      assert.deepStrictEqual(await store.list(), ["legacy"]);
      assert.deepStrictEqual(
        (await findCredentialsAsync(service)).map((c) => c.account),
        ["legacy"],
      );
    } finally {
      await cleanup(service);
    }
  },
);

// ---------------------------------------------------------------------------
// An unreachable keychain: always run, no keychain needed.

interface CallResult {
  ok: boolean;
  kind?: string;
  why?: string;
  message?: string;
  ms: number;
}

/** Runs fixtures/keychain_call.ts with `env` (plus PATH and HOME) and a hard deadline. */
async function callInSubprocess(
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ result: CallResult; wallMs: number; output: string }> {
  const started = Date.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      path.join(here, "fixtures", "keychain_call.ts"),
      uniqueService("sub"),
      String(timeoutMs),
    ],
    clearEnv: true,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/root",
      CKT_SECRET: SECRET,
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const deadline = setTimeout(() => child.kill("SIGKILL"), 20000);
  const { stdout, stderr, signal } = await child.output();
  clearTimeout(deadline);
  const wallMs = Date.now() - started;
  const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assertNoSecrets(output, [SECRET]);
  assert(signal === null, `the subprocess hung and was killed after ${wallMs} ms: ${output}`);
  return { result: JSON.parse(new TextDecoder().decode(stdout)), wallMs, output };
}

function emptyRuntimeDir(): string {
  return fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "credkit-xdg-"));
}

Deno.test({
  name: "without a session bus the keychain is store_unavailable at once",
  ignore: process.platform !== "linux",
  fn: async () => {
    const runtimeDir = emptyRuntimeDir();
    try {
      const { result, wallMs } = await callInSubprocess({ XDG_RUNTIME_DIR: runtimeDir }, 5000);
      assert.deepStrictEqual(result.ok, false);
      assert.deepStrictEqual(result.kind, "store_unavailable");
      assert.deepStrictEqual(
        result.why,
        "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)",
      );
      assert.deepStrictEqual(
        result.message,
        "credkit: Cannot reach the keychain: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set) (use --store file)",
      );
      assert(result.ms < 1000, `took ${result.ms} ms`);
      assert(wallMs < 15000, `the process took ${wallMs} ms to finish`);
    } finally {
      fs.rmSync(runtimeDir, { recursive: true, force: true });
    }
  },
});

Deno.test({
  name: "a session bus that never answers gives store_unavailable within the timeout",
  ignore: process.platform !== "linux",
  fn: async () => {
    const dir = emptyRuntimeDir();
    const socketPath = path.join(dir, "bus");
    const listener = Deno.listen({ transport: "unix", path: socketPath });
    const held: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of listener) held.push(conn); // accepted, never answered
    })();
    try {
      const { result } = await callInSubprocess(
        { DBUS_SESSION_BUS_ADDRESS: `unix:path=${socketPath},guid=0123`, XDG_RUNTIME_DIR: dir },
        800,
      );
      assert.deepStrictEqual(result.ok, false);
      assert.deepStrictEqual(result.kind, "store_unavailable");
      assert.deepStrictEqual(result.why, "the D-Bus session bus did not answer within 800 ms");
      assert(result.ms >= 750 && result.ms < 2500, `took ${result.ms} ms`);
    } finally {
      listener.close();
      await accepting.catch(() => {});
      for (const conn of held) conn.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});

const dbusDaemon = ["/usr/bin/dbus-daemon", "/bin/dbus-daemon"].find((p) => fs.existsSync(p));
if (process.platform === "linux" && !dbusDaemon) {
  console.error("keychain_test: skipping the empty-bus test: dbus-daemon is not installed");
}

Deno.test({
  name: "a session bus without a Secret Service provider gives store_unavailable",
  ignore: process.platform !== "linux" || !dbusDaemon,
  fn: async () => {
    const dir = emptyRuntimeDir();
    const socketPath = path.join(dir, "bus");
    const config = path.join(dir, "bus.conf");
    fs.writeFileSync(
      config,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socketPath}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
    );
    const daemon = new Deno.Command(dbusDaemon!, {
      args: [`--config-file=${config}`, "--nofork", "--nopidfile"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      for (let i = 0; i < 200 && !fs.existsSync(socketPath); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert(fs.existsSync(socketPath), "dbus-daemon did not start");
      const { result } = await callInSubprocess(
        { DBUS_SESSION_BUS_ADDRESS: `unix:path=${socketPath}`, XDG_RUNTIME_DIR: dir },
        3000,
      );
      assert.deepStrictEqual(result.ok, false);
      assert.deepStrictEqual(result.kind, "store_unavailable");
      assert.deepStrictEqual(result.why, "no Secret Service provider on the session bus");
      assert(result.ms < 2000, `took ${result.ms} ms`);
    } finally {
      daemon.kill("SIGTERM");
      await daemon.status;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});

// ---------------------------------------------------------------------------
// A test double of the binding: timeouts, error mapping, serialization.

interface FakeOptions {
  hang?: boolean;
  constructorError?: string;
  rejectWith?: (password?: string) => string;
  delayMs?: number;
}

function fakeKeyring(options: FakeOptions = {}): KeyringModule & { items: Map<string, string> } {
  const items = new Map<string, string>();
  const settle = <T>(value: () => T, password?: string): Promise<T> => {
    if (options.hang) return new Promise<T>(() => {});
    if (options.rejectWith) return Promise.reject(new Error(options.rejectWith(password)));
    return new Promise<T>((resolve) =>
      setTimeout(() => resolve(value()), options.delayMs ?? Math.random() * 3)
    );
  };
  class Entry implements KeyringEntry {
    #key: string;
    constructor(service: string, account: string) {
      if (options.constructorError) throw new Error(options.constructorError);
      this.#key = `${service}\0${account}`;
    }
    getPassword() {
      return settle(() => items.get(this.#key) ?? null);
    }
    setPassword(password: string) {
      return settle(() => void items.set(this.#key, password), password);
    }
    deletePassword() {
      return settle(() => items.delete(this.#key));
    }
  }
  return {
    items,
    AsyncEntry: Entry,
    findCredentialsAsync: (service: string) =>
      settle(() =>
        [...items].filter(([k]) => k.startsWith(`${service}\0`)).map(([k, password]) => ({
          account: k.slice(service.length + 1),
          password,
        }))
      ),
  };
}

Deno.test("a keychain call that never returns is cut off by the timeout", async () => {
  const store = new KeychainBackend({ keyring: fakeKeyring({ hang: true }), timeoutMs: 150 });
  for (
    const call of [
      () => store.get("a"),
      () => store.set("a", { token: SECRET }),
      () => store.list(),
    ]
  ) {
    const started = Date.now();
    await assertUnavailable(call(), /^no answer within 150 ms$/);
    const took = Date.now() - started;
    assert(took >= 140 && took < 1000, `took ${took} ms`);
  }
  const probe = await probeKeychain({ keyring: fakeKeyring({ hang: true }), timeoutMs: 100 });
  assert.deepStrictEqual(probe, {
    available: false,
    backend: keychainBackendName(),
    reason: "no answer within 100 ms",
  });
});

Deno.test("keychain failures become short store_unavailable errors without secrets", async () => {
  const noBus = fakeKeyring({
    constructorError:
      "Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead",
  });
  const err = await assertUnavailable(
    new KeychainBackend({ keyring: noBus }).get("a"),
    /^no D-Bus session bus/,
  );
  assert.deepStrictEqual(err.hint, "use --store file");

  const locked = fakeKeyring({
    rejectWith: () =>
      "Couldn't access platform storage: Secret Service: unlock prompt was dismissed",
  });
  await assertUnavailable(
    new KeychainBackend({ keyring: locked }).set("a", { token: SECRET }),
    /^the keyring is locked/,
  );

  // A binding error quoting the password must not carry it through.
  const leaky = fakeKeyring({ rejectWith: (pw) => `Invalid attribute: bad value ${pw}` });
  const leak = await assertUnavailable(
    new KeychainBackend({ keyring: leaky }).set("a", { token: SECRET }),
    /Invalid attribute/,
  );
  assertNoSecrets(leak.message + leak.why, [SECRET]);

  const denied = fakeKeyring({ rejectWith: () => "org.freedesktop.DBus.Error.AccessDenied: nope" });
  await assertUnavailable(
    new KeychainBackend({ keyring: denied }).list(),
    /^access to the keychain was denied$/,
  );
});

Deno.test("keychain items are JSON objects; other content is refused", async () => {
  const keyring = fakeKeyring();
  const store = new KeychainBackend({ keyring, service: "svc" });
  await store.set("aws", { region: "x", key: SECRET });
  assert.deepStrictEqual(
    keyring.items.get("svc\0aws"),
    JSON.stringify({ region: "x", key: SECRET }),
  );
  keyring.items.set(
    "svc\0typed",
    JSON.stringify({ port: 1, on: true, nested: { a: 1 }, gone: null }),
  );
  assert.deepStrictEqual(await store.get("typed"), { port: "1", on: "true", nested: '{"a":1}' });
  for (const raw of [SECRET, `"${SECRET}"`, "null", "[1]"]) {
    keyring.items.set("svc\0bad", raw);
    await assertUnavailable(store.get("bad"), /^entry bad in keychain is not credkit JSON$/);
  }
});

Deno.test("concurrent keychain updates in one process are serialized per entry", async () => {
  const keyring = fakeKeyring({ delayMs: 1 });
  const a = new KeychainBackend({ keyring, service: "svc" });
  const b = new KeychainBackend({ keyring, service: "svc" });
  await Promise.all(
    Array.from(
      { length: 40 },
      (_, i) =>
        (i % 2 ? a : b).update("counter", (cur) => ({ n: String(Number(cur?.n ?? "0") + 1) })),
    ),
  );
  assert.deepStrictEqual(await a.get("counter"), { n: "40" });
  // A failing update does not block the ones after it.
  await rejectsWith(
    () =>
      a.update("counter", () => {
        throw new Error("boom");
      }),
    Error,
  );
  assert.deepStrictEqual(await b.update("counter", (cur) => ({ n: String(Number(cur?.n) + 1) })), {
    n: "41",
  });
});

Deno.test("reads asked for in one tick are served by one search of the keychain service", async () => {
  const keyring = fakeKeyring();
  let searches = 0;
  const find = keyring.findCredentialsAsync;
  keyring.findCredentialsAsync = (service: string) => {
    searches++;
    return find(service);
  };
  const store = new KeychainBackend({ keyring, service: "svc" });
  keyring.items.set("svc\0aws", JSON.stringify({ region: "x" }));
  keyring.items.set("svc\0github", JSON.stringify({ token: SECRET }));
  keyring.items.set("other\0github", JSON.stringify({ token: "not this one" }));
  const got = await Promise.all(["aws", "github", "s3", "aws"].map((e) => store.get(e)));
  assert.deepStrictEqual(got, [{ region: "x" }, { token: SECRET }, undefined, { region: "x" }]);
  assert.deepStrictEqual(searches, 1);
  // Reads in later ticks search again: nothing is cached across them.
  keyring.items.set("svc\0aws", JSON.stringify({ region: "y" }));
  assert.deepStrictEqual(await store.get("aws"), { region: "y" });
});

Deno.test("the item cap splits big entries in the fake binding too; old entries stay readable", async () => {
  const keyring = fakeKeyring();
  const store = new KeychainBackend({ keyring, service: "svc", maxItemChars: 300 });
  const big = { ...bigTokenEntry(), token: SECRET };
  keyring.items.set("svc\0old", JSON.stringify(big));
  assert.deepStrictEqual(await store.get("old"), big);
  await store.set("new", big);
  const parts = [...keyring.items.keys()].filter((k) => k.startsWith("svc\0new"));
  assert(parts.length > 1);
  for (const k of parts) assert(keyring.items.get(k)!.length <= 300);
  // Compressed: the split items do not hold the secret as it is.
  assertNoSecrets(parts.map((k) => keyring.items.get(k)).join(""), [SECRET]);
  assert.deepStrictEqual(await store.get("new"), big);
  assert.deepStrictEqual(await store.list(), ["new", "old"]);
  assert.deepStrictEqual(await store.remove("new"), true);
  assert.deepStrictEqual([...keyring.items.keys()], ["svc\0old"]);
});

Deno.test("keychain service names", () => {
  assert.deepStrictEqual(keychainServiceName({}), "credkit");
  assert.deepStrictEqual(keychainServiceName({}, "tokens"), "credkit:tokens");
  assert.deepStrictEqual(
    keychainServiceName({ CREDKIT_KEYCHAIN_SERVICE: "ck" }, "tokens"),
    "ck:tokens",
  );
  assert.deepStrictEqual(
    keychainServiceName({ CREDKIT_KEYCHAIN_SERVICE: "ck" }, "credentials", "x"),
    "x",
  );
  assert.deepStrictEqual(new KeychainBackend({ env: {} }).service, "credkit");
  assert.deepStrictEqual(keychainBackendName("darwin"), "macos-keychain");
  assert.deepStrictEqual(keychainBackendName("win32"), "windows-credential-manager");
  assert.deepStrictEqual(keychainBackendName("linux"), "secret-service");
});
