/**
 * A team of people sharing a pass store, built from real tools: each person
 * has a home, a throwaway GNUPGHOME with an ed25519/cv25519 key, and a clone
 * of one bare git repository (the team remote). Paths are short (/tmp/ckp…)
 * because gpg-agent's socket lives in GNUPGHOME. `dispose()` kills every
 * gpg-agent the team started and removes everything.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";

/** Whether pass, gpg and git are installed (the tests skip, saying so, otherwise). */
export const HAVE_PASS_TOOLS: boolean = ["pass", "gpg", "git", "gpgconf"].every((t) =>
  spawnSync("sh", ["-c", `command -v ${t}`]).status === 0
);

/** One person of the team. */
export interface Person {
  name: string;
  home: string;
  gnupgHome: string;
  /** Their clone of the team store (`PASSWORD_STORE_DIR`). */
  store: string;
  /** Full key fingerprint. */
  fpr: string;
  /** The environment their commands run with. */
  env: Record<string, string>;
  /** Runs a program as this person; throws with its stderr when it fails unless `allowFail`. */
  sh(argv: string[], options?: { stdin?: string; allowFail?: boolean }): ShResult;
}

/** Result of {@link Person.sh}. */
export interface ShResult {
  code: number | null;
  out: string;
  err: string;
}

/** The team fixture. */
export interface Team {
  root: string;
  remote: string;
  people: Map<string, Person>;
  /** Adds a person with their own key (optionally passphrase-protected), without store access yet. */
  addPerson(name: string, options?: { passphrase?: string }): Person;
  /** Imports `who`'s public key into `into`'s keyring and certifies it locally. */
  trust(into: Person, who: Person): void;
  /** Kills every gpg-agent started for the team and removes the directories. */
  dispose(): void;
}

function run(argv: string[], env: Record<string, string>, stdin?: string): ShResult {
  const r = spawnSync(argv[0], argv.slice(1), {
    env,
    input: stdin ?? "",
    encoding: "utf8",
    timeout: 60000,
  });
  return { code: r.status, out: r.stdout ?? "", err: (r.stderr ?? "") + (r.error?.message ?? "") };
}

/**
 * Builds a team root; people are added with {@link Team.addPerson}.
 *
 * @example
 * ```ts
 * const team = makeTeam();
 * const alice = team.addPerson("alice");
 * ```
 */
export function makeTeam(): Team {
  const root = fs.mkdtempSync("/tmp/ckp");
  const remote = join(root, "remote.git");
  const people = new Map<string, Person>();
  const team: Team = {
    root,
    remote,
    people,
    addPerson(name, options = {}) {
      const home = join(root, name);
      const gnupgHome = join(root, `g${people.size}`);
      fs.mkdirSync(home, { mode: 0o700 });
      fs.mkdirSync(gnupgHome, { mode: 0o700 });
      fs.writeFileSync(
        join(home, ".gitconfig"),
        `[user]\n\tname = ${name}\n\temail = ${name}@team.test\n[init]\n\tdefaultBranch = main\n`,
      );
      const store = join(home, ".password-store");
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        GNUPGHOME: gnupgHome,
        PASSWORD_STORE_DIR: store,
        CREDKIT_HOME: join(home, "credkit"),
        GIT_CONFIG_NOSYSTEM: "1",
        LANG: "C.UTF-8",
      };
      // Deno (when the binary is not used) keeps its cache where it was.
      const denoDir = process.env.DENO_DIR ??
        (process.env.HOME ? join(process.env.HOME, ".cache", "deno") : undefined);
      if (denoDir) env.DENO_DIR = denoDir;
      const sh = (argv: string[], o: { stdin?: string; allowFail?: boolean } = {}) => {
        const r = run(argv, env, o.stdin);
        if (r.code !== 0 && !o.allowFail) {
          throw new Error(`${name}: ${argv.slice(0, 3).join(" ")} failed (${r.code}): ${r.err}`);
        }
        return r;
      };
      const passphrase = options.passphrase ?? "";
      sh([
        "gpg",
        "--batch",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        passphrase,
        "--quick-gen-key",
        `${name} <${name}@team.test>`,
        "future-default",
        "default",
        "never",
      ]);
      const listing = sh(["gpg", "--batch", "--with-colons", "--list-keys"]).out;
      const fpr = listing.split("\n").find((l) => l.startsWith("fpr:"))!.split(":")[9];
      const person: Person = { name, home, gnupgHome, store, fpr, env, sh };
      people.set(name, person);
      return person;
    },
    trust(into, who) {
      const key = run(["gpg", "--batch", "--armor", "--export", who.fpr], who.env).out;
      into.sh(["gpg", "--batch", "--import"], { stdin: key });
      into.sh(["gpg", "--batch", "--yes", "--quick-lsign-key", who.fpr]);
    },
    dispose() {
      for (const p of people.values()) {
        run(["gpgconf", "--kill", "all"], p.env);
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return team;
}

/**
 * Alice and Bob, each certifying the other's key, sharing a store that
 * Alice initialised for both keys, pushed to a bare remote and Bob cloned.
 *
 * @example
 * ```ts
 * const { team, alice, bob } = aliceAndBob();
 * try { ... } finally { team.dispose(); }
 * ```
 */
export function aliceAndBob(): { team: Team; alice: Person; bob: Person } {
  const team = makeTeam();
  try {
    const alice = team.addPerson("alice");
    const bob = team.addPerson("bob");
    team.trust(alice, bob);
    team.trust(bob, alice);
    alice.sh(["git", "init", "--quiet", "--bare", team.remote]);
    alice.sh(["pass", "init", alice.fpr, bob.fpr]);
    alice.sh(["pass", "git", "init"]);
    alice.sh(["pass", "git", "remote", "add", "origin", team.remote]);
    alice.sh(["pass", "git", "push", "--quiet", "-u", "origin", "main"]);
    bob.sh(["git", "clone", "--quiet", team.remote, bob.store]);
    return { team, alice, bob };
  } catch (err) {
    team.dispose();
    throw err;
  }
}

/**
 * Every place a secret could have been written in the team's directories:
 * each file's raw bytes, and every object of every git repository
 * decompressed (`git cat-file --batch-all-objects`). Returns the paths or
 * repositories where `secret` was found.
 *
 * @example
 * ```ts
 * assert.deepEqual(findPlaintext(team, token), []);
 * ```
 */
export function findPlaintext(team: Team, secret: string): string[] {
  const hits: string[] = [];
  const needle = Buffer.from(secret);
  const repos: string[] = [];
  const walk = (dir: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isSymbolicLink() || d.isSocket() || d.isFIFO()) continue;
      if (d.isDirectory()) {
        if (d.name === ".git" || d.name.endsWith(".git")) repos.push(d.name === ".git" ? dir : p);
        walk(p);
      } else if (d.isFile() && fs.readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(team.root);
  const anyone = [...team.people.values()][0];
  for (const repo of repos) {
    const r = spawnSync("git", ["-C", repo, "cat-file", "--batch-all-objects", "--batch"], {
      env: anyone.env,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.stdout?.includes(needle)) hits.push(`${repo} (git objects)`);
  }
  return hits;
}
