import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { CredkitError } from "../../src/errors.ts";
import {
  decodePassValue,
  encodePassValue,
  gpgFailureReason,
  PassBackend,
} from "../../src/store/pass.ts";
import {
  diagnosePassStore,
  nearestGpgId,
  recipientsWithSecretKey,
} from "../../src/store/pass_doctor.ts";
import { rejectsWith } from "../_helpers.ts";
import { aliceAndBob, HAVE_PASS_TOOLS, makeTeam } from "./_pass_team.ts";

const ignore = !HAVE_PASS_TOOLS;
if (ignore) console.error("pass tests skipped: pass, gpg, git or gpgconf is not installed");

function fakeToken(): string {
  return "ptok_" + crypto.randomUUID().replaceAll("-", "");
}

function fakePem(): string {
  const body = Array.from({ length: 5 }, () => btoa(crypto.randomUUID() + crypto.randomUUID()))
    .join("\n");
  return `-----BEGIN TEST KEY-----\n${body}\n-----END TEST KEY-----\n`;
}

Deno.test("pass values: one line is the entry's line, several lines round-trip whole", () => {
  assert.equal(encodePassValue("abc"), "abc\n");
  assert.equal(decodePassValue("abc\n"), "abc");
  assert.equal(decodePassValue("abc"), "abc");
  assert.equal(decodePassValue("abc\r\n"), "abc");
  for (const v of ["a\nb", "a\nb\n", "x\n\n", "", " sp ", "é\u{1F511}\n\tz\r\n"]) {
    assert.equal(decodePassValue(encodePassValue(v)), v);
  }
  const pem = fakePem();
  assert.equal(decodePassValue(encodePassValue(pem)), pem);
});

Deno.test("gpg failures are named without quoting gpg's output", () => {
  assert.match(gpgFailureReason("gpg: decryption failed: No secret key\n"), /no secret key/);
  assert.match(
    gpgFailureReason("gpg: public key decryption failed: No pinentry\ngpg: decryption failed\n"),
    /locked/,
  );
  assert.equal(gpgFailureReason("gpg: something odd\n"), "something odd");
});

Deno.test("doctor helpers: nearest .gpg-id and which recipients have a secret key here", () => {
  const dir = fs.mkdtempSync("/tmp/ckq");
  try {
    fs.writeFileSync(join(dir, ".gpg-id"), "AAAA1111BBBB2222\n# comment\nbob@team.test\n");
    fs.mkdirSync(join(dir, "credkit", "ops"), { recursive: true });
    assert.deepEqual(nearestGpgId(dir, "credkit")?.recipients, [
      "AAAA1111BBBB2222",
      "bob@team.test",
    ]);
    fs.writeFileSync(join(dir, "credkit", ".gpg-id"), "CCCC\n");
    assert.deepEqual(nearestGpgId(dir, "credkit/ops"), {
      file: join(dir, "credkit", ".gpg-id"),
      recipients: ["CCCC"],
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const listing = "sec:u:255:22:X:::::::\nfpr:::::::::0123456789ABCDEF0123AAAA1111BBBB2222:\n" +
    "uid:u::::::::Alice <alice@team.test>:\n";
  assert.deepEqual(
    recipientsWithSecretKey(["0xAAAA1111BBBB2222", "bob@team.test", "alice@team.test"], listing),
    ["0xAAAA1111BBBB2222", "alice@team.test"],
  );
});

Deno.test({
  name: "pass store: what Alice writes Bob reads after a pull, with credkit and with pass",
  ignore,
  fn: async () => {
    const { team, alice, bob } = aliceAndBob();
    try {
      const token = fakeToken();
      const pem = fakePem();
      const aliceStore = new PassBackend({ env: alice.env });
      await aliceStore.set("github", { token });
      await aliceStore.set("tls", { key: pem, name: "svc.example" });
      assert.deepEqual(await aliceStore.list(), ["github", "tls"]);
      // One file per field, encrypted: nothing readable in the store.
      assert.ok(fs.existsSync(join(alice.store, "credkit/github/token.gpg")));
      assert.ok(!fs.readFileSync(join(alice.store, "credkit/github/token.gpg")).includes(token));
      // pass committed each write itself.
      const log = alice.sh(["git", "-C", alice.store, "log", "--oneline"]).out;
      assert.match(log, /credkit\/github\/token/);
      alice.sh(["pass", "git", "push", "--quiet"]);

      bob.sh(["pass", "git", "pull", "--quiet"]);
      const bobStore = new PassBackend({ env: bob.env });
      assert.deepEqual(await bobStore.get("github"), { token });
      assert.deepEqual(await bobStore.get("tls"), { key: pem, name: "svc.example" });
      assert.equal(bob.sh(["pass", "show", "credkit/github/token"]).out, token + "\n");
      assert.equal(bob.sh(["pass", "show", "credkit/tls/key"]).out, pem + "\n");
      assert.equal(await bobStore.get("absent"), undefined);

      // Bob inserts with pass itself; Alice reads it with credkit.
      const hf = fakeToken();
      bob.sh(["pass", "insert", "--echo", "credkit/huggingface/token"], { stdin: hf + "\n" });
      bob.sh(["pass", "git", "push", "--quiet"]);
      alice.sh(["pass", "git", "pull", "--quiet"]);
      assert.deepEqual(await new PassBackend({ env: alice.env }).get("huggingface"), {
        token: hf,
      });

      // update re-encrypts only what changed, and removes dropped fields.
      const before = alice.sh(["git", "-C", alice.store, "rev-list", "--count", "HEAD"]).out;
      await aliceStore.update("tls", (cur) => ({ key: cur!.key }));
      const after = alice.sh(["git", "-C", alice.store, "rev-list", "--count", "HEAD"]).out;
      assert.equal(Number(after) - Number(before), 1);
      assert.deepEqual(await new PassBackend({ env: alice.env }).get("tls"), { key: pem });
      assert.equal(await aliceStore.remove("tls"), true);
      assert.equal(await aliceStore.remove("tls"), false);
      assert.deepEqual(await aliceStore.list(), ["github", "huggingface"]);

      // Tokens live in their own folder.
      const tokens = new PassBackend({ env: alice.env, namespace: "tokens" });
      await tokens.set("supabase", { access_token: token });
      assert.ok(fs.existsSync(join(alice.store, "credkit-tokens/supabase/access_token.gpg")));
      assert.deepEqual(await aliceStore.list(), ["github", "huggingface"]);
    } finally {
      team.dispose();
    }
  },
});

Deno.test({
  name: "pass store: no key, a locked key, a hanging gpg or no store are exit 4 with the reason",
  ignore,
  fn: async () => {
    const { team, alice } = aliceAndBob();
    try {
      const token = fakeToken();
      await new PassBackend({ env: alice.env }).set("github", { token });
      // Mallory has a key, and a copy of the store, but is no recipient.
      const mallory = team.addPerson("mallory");
      fs.cpSync(alice.store, mallory.store, { recursive: true });
      const err = await rejectsWith(
        () => new PassBackend({ env: mallory.env }).get("github"),
        CredkitError,
        "no secret key",
      );
      assert.equal(err.exitCode, 4);
      assert.ok(!err.message.includes(token));
      // Writing needs every recipient's public key: pass fails, credkit says why, nothing leaks.
      const other = fakeToken();
      const refused = await rejectsWith(
        () => new PassBackend({ env: mallory.env }).set("storacha", { token: other }),
        CredkitError,
        "Cannot write credkit/storacha/token",
      );
      assert.equal(refused.exitCode, 4);
      assert.match(refused.why, /public key|skipped|encryption/i);
      assert.ok(!refused.message.includes(other));

      // Carol is a recipient, but her key has a passphrase nobody can type here.
      const carol = team.addPerson("carol", { passphrase: "correct horse" });
      team.trust(alice, carol);
      alice.sh(["pass", "init", alice.fpr, carol.fpr]);
      fs.cpSync(alice.store, carol.store, { recursive: true });
      const locked = await rejectsWith(
        () => new PassBackend({ env: carol.env }).get("github"),
        CredkitError,
        "locked",
      );
      assert.equal(locked.exitCode, 4);

      // A gpg that never answers is killed at the timeout.
      const bin = join(team.root, "bin");
      fs.mkdirSync(bin);
      fs.writeFileSync(join(bin, "gpg"), "#!/bin/sh\nexec sleep 60\n", { mode: 0o755 });
      const slow = new PassBackend({
        env: { ...alice.env, PATH: `${bin}:${alice.env.PATH}` },
        timeoutMs: 300,
      });
      await rejectsWith(() => slow.get("github"), CredkitError, "did not answer");

      // No gpg at all, and no store at all.
      const noGpg = new PassBackend({ env: { ...alice.env, PATH: bin.replace(/bin$/, "none") } });
      await rejectsWith(() => noGpg.get("github"), CredkitError, "not installed");
      const nowhere = new PassBackend({
        env: { ...alice.env, PASSWORD_STORE_DIR: join(team.root, "nope") },
      });
      const e = await rejectsWith(() => nowhere.list(), CredkitError, "no password store");
      assert.equal(e.exitCode, 4);
      await rejectsWith(() => noGpg.set("x", { y: "z" }), CredkitError, "neither pass nor gopass");
    } finally {
      team.dispose();
    }
  },
});

Deno.test({
  name: "pass store: doctor names recipients, decrypts, and sees the clone is behind",
  ignore,
  fn: async () => {
    const { team, alice, bob } = aliceAndBob();
    try {
      await new PassBackend({ env: alice.env }).set("github", { token: fakeToken() });
      alice.sh(["pass", "git", "push", "--quiet"]);
      bob.sh(["pass", "git", "pull", "--quiet"]);
      await new PassBackend({ env: alice.env }).set("storacha", { token: fakeToken() });
      alice.sh(["pass", "git", "push", "--quiet"]);
      const checks = await diagnosePassStore({ env: bob.env, chosen: true });
      const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
      assert.ok(byName["pass store"].ok, byName["pass store"].detail);
      assert.match(byName["pass recipients"].detail, new RegExp(alice.fpr));
      assert.match(byName["pass recipients"].detail, new RegExp(bob.fpr));
      assert.ok(byName["pass decrypt"].ok, byName["pass decrypt"].detail);
      assert.match(byName["pass decrypt"].detail, /decrypted credkit\//);
      assert.equal(byName["pass git"].ok, false);
      assert.match(byName["pass git"].detail, /behind origin\/main by 1 commit/);

      // A remote that never answers: the fetch is cut, the last known state is reported.
      const hang = join(team.root, "hang-ssh");
      fs.writeFileSync(hang, "#!/bin/sh\nexec sleep 60\n", { mode: 0o755 });
      bob.sh(["git", "-C", bob.store, "remote", "set-url", "origin", "ssh://git@team.test/s.git"]);
      const cut = await diagnosePassStore({
        env: { ...bob.env, GIT_SSH_COMMAND: hang },
        chosen: true,
        timeoutMs: 1000,
      });
      const git = cut.find((c) => c.name === "pass git")!;
      assert.match(git.detail, /fetch failed \(no answer within 1 s\), as of the last fetch/);
      assert.match(git.detail, /behind origin\/main by 1 commit/);

      // Someone who is not a recipient is told so.
      const mallory = team.addPerson("mallory");
      fs.cpSync(bob.store, mallory.store, { recursive: true });
      const m = await diagnosePassStore({ env: mallory.env, chosen: true });
      const decrypt = m.find((c) => c.name === "pass decrypt")!;
      assert.equal(decrypt.ok, false);
      assert.match(decrypt.detail, /none of your secret keys is a recipient/);

      // No store: reported, fatal only when chosen.
      const none = { ...bob.env, PASSWORD_STORE_DIR: join(team.root, "none") };
      assert.equal((await diagnosePassStore({ env: none, chosen: false }))[0].ok, true);
      assert.equal((await diagnosePassStore({ env: none, chosen: true }))[0].ok, false);
    } finally {
      team.dispose();
    }
  },
});

Deno.test({
  name: "pass store: a service folder with its own .gpg-id is encrypted to its recipients only",
  ignore,
  fn: async () => {
    const { team, alice, bob } = aliceAndBob();
    try {
      alice.sh(["pass", "init", "--path", "credkit/prod-db", alice.fpr]);
      const store = new PassBackend({ env: alice.env });
      const db = fakeToken();
      const gh = fakeToken();
      await store.set("prod-db", { password: db });
      await store.set("github", { token: gh });
      alice.sh(["pass", "git", "push", "--quiet"]);
      bob.sh(["pass", "git", "pull", "--quiet"]);
      const bobStore = new PassBackend({ env: bob.env });
      assert.deepEqual(await bobStore.list(), ["github", "prod-db"]);
      assert.deepEqual(await bobStore.get("github"), { token: gh });
      await rejectsWith(
        () => new PassBackend({ env: bob.env }).get("prod-db"),
        CredkitError,
        "no secret key",
      );
      assert.deepEqual(await new PassBackend({ env: alice.env }).get("prod-db"), { password: db });
      assert.deepEqual(nearestGpgId(bob.store, "credkit/prod-db")?.recipients, [alice.fpr]);
    } finally {
      team.dispose();
    }
  },
});

Deno.test({
  name: "pass store: a recipient removed and the store re-encrypted cannot read new values",
  ignore,
  fn: async () => {
    const { team, alice, bob } = aliceAndBob();
    try {
      const first = fakeToken();
      const aliceStore = new PassBackend({ env: alice.env });
      await aliceStore.set("github", { token: first });
      alice.sh(["pass", "git", "push", "--quiet"]);
      bob.sh(["pass", "git", "pull", "--quiet"]);
      assert.deepEqual(await new PassBackend({ env: bob.env }).get("github"), { token: first });

      alice.sh(["pass", "init", alice.fpr]); // re-encrypts everything to Alice alone
      const rotated = fakeToken();
      await new PassBackend({ env: alice.env }).set("github", { token: rotated });
      alice.sh(["pass", "git", "push", "--quiet"]);
      bob.sh(["pass", "git", "pull", "--quiet"]);
      const err = await rejectsWith(
        () => new PassBackend({ env: bob.env }).get("github"),
        CredkitError,
        "no secret key",
      );
      assert.ok(!err.message.includes(rotated));
      assert.equal(bob.sh(["pass", "show", "credkit/github/token"], { allowFail: true }).code, 2);
      assert.deepEqual(await new PassBackend({ env: alice.env }).get("github"), {
        token: rotated,
      });
    } finally {
      team.dispose();
    }
  },
});

Deno.test({
  name: "pass team fixture: gpg-agents are gone after dispose",
  ignore,
  fn: async () => {
    const team = makeTeam();
    const p = team.addPerson("solo");
    const info = p.sh(["gpg-connect-agent", "getinfo pid", "/bye"]).out;
    const pid = Number(/^D (\d+)/m.exec(info)?.[1]);
    assert.ok(pid > 0, info);
    process.kill(pid, 0); // running
    team.dispose();
    // Gone, or a zombie waiting for an init that does not reap (containers).
    const ended = () => {
      try {
        return /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
      } catch {
        return true;
      }
    };
    for (let i = 0; i < 50 && !ended(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(ended(), `gpg-agent ${pid} still running`);
  },
});
