/**
 * A team shares credentials through a pass store, end to end: the compiled
 * binary (or `deno run main.ts` without CREDKIT_BIN), real gpg, real pass,
 * real git, a bare repository as the team remote.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { credkitArgv, spawnCapture, type Spawned } from "../cli/_spawn.ts";
import { assertNoSecrets } from "../_helpers.ts";
import { spawnSync } from "node:child_process";
import {
  aliceAndBob,
  findPlaintext,
  HAVE_PASS_TOOLS,
  makeTeam,
  type Person,
} from "../store/_pass_team.ts";

const ignore = !HAVE_PASS_TOOLS;
const HAVE_SCRIPT = spawnSync("sh", ["-c", "command -v script"]).status === 0;

function credkit(p: Person, args: string[], stdin?: string, extra: Record<string, string> = {}) {
  return spawnCapture([...credkitArgv(), ...args], {
    env: { ...p.env, ...extra },
    stdin,
    cwd: p.home,
    timeoutMs: 60000,
  });
}

function ok(r: Spawned, what: string): Spawned {
  assert.equal(r.code, 0, `${what}: exit ${r.code}: ${r.err}`);
  return r;
}

function fakeToken(prefix: string): string {
  return prefix + crypto.randomUUID().replaceAll("-", "");
}

Deno.test({
  name: "e2e pass: a team shares credentials through a pass store and a git remote",
  ignore,
  fn: async () => {
    const { team, alice, bob } = aliceAndBob();
    try {
      const github = fakeToken("ghp_e2e");
      const hf = fakeToken("hf_e2e");
      const pem = `-----BEGIN TEST KEY-----\n${btoa(crypto.randomUUID())}\n${
        btoa(crypto.randomUUID())
      }\n-----END TEST KEY-----\n`;
      const pemLine = pem.split("\n")[1];
      const secrets = [github, hf, pemLine];
      const config = join(team.root, "credkit.json");
      fs.writeFileSync(
        config,
        JSON.stringify({
          services: { tls: { fields: { key: { env: ["TLS_KEY"], secret: true } } } },
        }),
      );
      const outputs: string[] = [];
      const seen = (r: Spawned) => {
        outputs.push(r.out, r.err);
        return r;
      };

      // Alice adds with credkit and pushes.
      ok(
        seen(await credkit(alice, ["--store", "pass", "add", "github", "--stdin"], github)),
        "add",
      );
      ok(
        seen(
          await credkit(alice, ["add", "tls", "--stdin", "--config", config], pem, {
            CREDKIT_STORE: "pass",
          }),
        ),
        "add multi-line",
      );
      alice.sh(["pass", "git", "push", "--quiet"]);

      // Bob is behind until he pulls: doctor says so.
      const doctor = seen(await credkit(bob, ["--store", "pass", "doctor"]));
      assert.ok(doctor.out.includes(alice.fpr) && doctor.out.includes(bob.fpr), doctor.out);
      assert.match(doctor.out, /pass git: remote origin .*behind origin\/main by 2 commit/);

      bob.sh(["pass", "git", "pull", "--quiet"]);
      const got = ok(seen(await credkit(bob, ["--store", "pass", "get", "github.token"])), "get");
      assert.equal(got.out, github + "\n");
      assert.equal(bob.sh(["pass", "show", "credkit/github/token"]).out.split("\n")[0], github);
      const key = ok(
        await credkit(bob, ["--store", "pass", "get", "tls.key", "--config", config]),
        "get pem",
      );
      assert.equal(key.out, pem.replace(/\n$/, "") + "\n");
      assert.equal(bob.sh(["pass", "show", "credkit/tls/key"]).out, pem.replace(/\n$/, "") + "\n");
      const show = ok(
        seen(await credkit(bob, ["--store", "pass", "show", "github", "--json"])),
        "",
      );
      assert.equal(JSON.parse(show.out).services.github.token.source, "pass");

      // Bob inserts with pass; Alice reads it with credkit.
      bob.sh(["pass", "insert", "--echo", "credkit/huggingface/token"], { stdin: hf + "\n" });
      bob.sh(["pass", "git", "push", "--quiet"]);
      alice.sh(["pass", "git", "pull", "--quiet"]);
      const hfGot = ok(
        seen(
          await credkit(alice, ["get", "huggingface.token"], undefined, {
            CREDKIT_STORE: "pass",
          }),
        ),
        "alice get",
      );
      assert.equal(hfGot.out, hf + "\n");

      // run injects the shared values and masks them in the child's output.
      const run = seen(
        await credkit(
          bob,
          [
            "--store",
            "pass",
            "run",
            "--",
            "sh",
            "-c",
            'test "$GITHUB_TOKEN" = "$WANT_GH" && test "$HF_TOKEN" = "$WANT_HF" && echo injected; ' +
            'echo "gh=$GITHUB_TOKEN hf=$HF_TOKEN"',
          ],
          undefined,
          { WANT_GH: github, WANT_HF: hf },
        ),
      );
      ok(run, "run");
      assert.match(run.out, /^injected$/m);
      assert.match(run.out, /gh=\*\*\*\* hf=\*\*\*\*/);

      // list shows the pass store: read with --store pass, listed beside the others without.
      const list = ok(seen(await credkit(alice, ["--store", "pass", "list", "--json"])), "list");
      const rows = JSON.parse(list.out).services as { service: string; stores: string[] }[];
      assert.deepEqual(rows.find((r) => r.service === "github")?.stores, ["pass"]);
      const plain = ok(seen(await credkit(alice, ["list"])), "list default");
      assert.match(plain.out, /github\s+pass\s+missing GITHUB_TOKEN .*read with --store pass/);

      // Someone without a team key: exit 4, the reason, nothing else.
      const mallory = team.addPerson("mallory");
      mallory.sh(["git", "clone", "--quiet", team.remote, mallory.store]);
      const denied = seen(await credkit(mallory, ["--store", "pass", "get", "github.token"]));
      assert.equal(denied.code, 4, denied.err);
      assert.equal(denied.out, "");
      assert.match(denied.err, /^credkit: Cannot decrypt credkit\/github\/token.*no secret key/);
      const deniedRun = seen(
        await credkit(mallory, ["--store", "pass", "run", "--", "sh", "-c", "echo started"]),
      );
      assert.equal(deniedRun.code, 4);
      assert.ok(!deniedRun.out.includes("started"));
      const deniedDoctor = seen(await credkit(mallory, ["--store", "pass", "doctor"]));
      assert.equal(deniedDoctor.code, 1, deniedDoctor.out);
      assert.match(
        deniedDoctor.out,
        /FAIL {2}pass decrypt: none of your secret keys is a recipient/,
      );

      // Removing a recipient: Alice re-encrypts to herself, rotates, pushes.
      alice.sh(["pass", "init", alice.fpr]);
      const rotated = fakeToken("ghp_rot");
      secrets.push(rotated);
      ok(
        seen(await credkit(alice, ["--store", "pass", "add", "github", "--stdin"], rotated)),
        "rotate",
      );
      alice.sh(["pass", "git", "push", "--quiet"]);
      bob.sh(["pass", "git", "pull", "--quiet"]);
      const removed = seen(await credkit(bob, ["--store", "pass", "get", "github.token"]));
      assert.equal(removed.code, 4, removed.err);
      assert.equal(removed.out, "");
      const aliceNow = ok(await credkit(alice, ["--store", "pass", "get", "github.token"]), "");
      assert.equal(aliceNow.out, rotated + "\n");

      // No plaintext copy anywhere: homes, GNUPGHOMEs, clones, git objects, the remote.
      for (const s of secrets) assert.deepEqual(findPlaintext(team, s), [], "plaintext found");
      // Outputs never held a secret, except what `get` was asked to print.
      assertNoSecrets(outputs.filter((o) => !secrets.some((s) => o === s + "\n")).join("\n"), [
        ...secrets,
      ]);
    } finally {
      team.dispose();
    }
  },
});

Deno.test({
  name:
    "e2e pass: on a terminal, a locked key is unlocked through gpg-agent's pinentry, asked once",
  ignore: ignore || !HAVE_SCRIPT,
  fn: async () => {
    const team = makeTeam();
    try {
      const carol = team.addPerson("carol", { passphrase: "correct horse" });
      // gpg-agent asks this pinentry (it speaks the Assuan protocol and counts its calls).
      const calls = join(team.root, "pinentry-calls");
      const pinentry = join(team.root, "pinentry");
      fs.writeFileSync(
        pinentry,
        `#!/bin/sh\necho asked >> ${calls}\necho "OK Pleased to meet you"\n` +
          'while read -r cmd rest; do case "$cmd" in\n' +
          '  GETPIN) echo "D correct horse"; echo OK;;\n' +
          "  BYE) echo OK; exit 0;;\n" +
          "  *) echo OK;;\nesac; done\n",
        { mode: 0o755 },
      );
      fs.writeFileSync(join(carol.gnupgHome, "gpg-agent.conf"), `pinentry-program ${pinentry}\n`);
      carol.sh(["gpgconf", "--kill", "gpg-agent"]);
      carol.sh(["pass", "init", carol.fpr]);
      const secret = fakeToken("aws_e2e");
      carol.sh(["pass", "insert", "--multiline", "credkit/aws/access_key_id"], {
        stdin: "AKIAE2E\n",
      });
      carol.sh(["pass", "insert", "--multiline", "credkit/aws/secret_access_key"], {
        stdin: secret + "\n",
      });
      // Without a terminal: exit 4 at once, the key is locked, nothing asked.
      const batch = await credkit(carol, ["--store", "pass", "get", "aws.secret_access_key"]);
      assert.equal(batch.code, 4, batch.err);
      assert.match(batch.err, /locked/);
      assert.equal(fs.existsSync(calls), false);
      // On a terminal (script gives credkit a pty): gpg-agent asks once for both fields.
      const cmd = [
        ...credkitArgv(),
        "--store",
        "pass",
        "run",
        "--",
        "sh",
        "-c",
        'test "$AWS_SECRET_ACCESS_KEY" = "$WANT" && test "$AWS_ACCESS_KEY_ID" = AKIAE2E && echo unlocked',
      ]
        .map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
      const tty = await spawnCapture(["script", "-qec", cmd, "/dev/null"], {
        env: { ...carol.env, WANT: secret },
        timeoutMs: 60000,
      });
      assert.equal(tty.code, 0, tty.out + tty.err);
      assert.match(tty.out, /unlocked/);
      assert.ok(!tty.out.includes(secret));
      assert.equal(fs.readFileSync(calls, "utf8"), "asked\n");
    } finally {
      team.dispose();
    }
  },
});
