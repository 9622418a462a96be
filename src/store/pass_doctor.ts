/**
 * `credkit doctor` checks of the pass store: its directory, the recipients
 * of the nearest `.gpg-id`, whether the current GPG key can decrypt, and its
 * git remote and whether the local copy is behind. Never prints a value:
 * the test decryption's output is discarded.
 *
 * @module
 */
import * as fs from "node:fs";
import { join } from "node:path";
import type { Env } from "../paths.ts";
import { findOnPath, gpgFailureReason, PASS_FOLDERS, passStoreDir } from "./pass.ts";
import type { StoreCheck } from "./registry.ts";
import { runTool, type ToolRunner } from "./tool_exec.ts";

/** Options for {@link diagnosePassStore}. */
export interface PassDoctorOptions {
  /** Environment of gpg and git (PASSWORD_STORE_DIR, GNUPGHOME, PATH, HOME). */
  env: Env;
  /** Whether the user chose the pass store (its failures then fail `doctor`). */
  chosen: boolean;
  /** Runs helper programs (default {@link runTool}). */
  run?: ToolRunner;
  /** Timeout of `git fetch` and of the test decryption, in ms (default 10000). */
  timeoutMs?: number;
}

/**
 * The recipients of the `.gpg-id` that applies to `folder` inside the store:
 * the nearest one walking up from the folder to the store root (as pass does).
 *
 * @example
 * ```ts
 * nearestGpgId("/home/me/.password-store", "credkit");
 * // { file: "/home/me/.password-store/.gpg-id", recipients: ["ABCD…"] }
 * ```
 */
export function nearestGpgId(
  dir: string,
  folder: string,
): { file: string; recipients: string[] } | undefined {
  const parts = folder.split("/").filter(Boolean);
  for (let i = parts.length; i >= 0; i--) {
    const file = join(dir, ...parts.slice(0, i), ".gpg-id");
    try {
      const recipients = fs.readFileSync(file, "utf8").split("\n")
        .map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
      return { file, recipients };
    } catch { /* try the parent */ }
  }
  return undefined;
}

/** The recipients among `recipients` that a secret key in `listing` (gpg --with-colons) matches. */
export function recipientsWithSecretKey(recipients: string[], listing: string): string[] {
  const fprs: string[] = [];
  const uids: string[] = [];
  for (const line of listing.split("\n")) {
    const f = line.split(":");
    if (f[0] === "fpr") fprs.push(f[9].toUpperCase());
    if (f[0] === "uid") uids.push(f[9].toLowerCase());
  }
  return recipients.filter((r) => {
    const hex = r.replace(/^0x/i, "").replace(/!$/, "").toUpperCase();
    if (/^[0-9A-F]{8,40}$/.test(hex)) return fprs.some((f) => f.endsWith(hex));
    const who = r.replace(/^[<=]/, "").replace(/>$/, "").toLowerCase();
    return uids.some((u) => u.includes(who));
  });
}

function firstEntry(dir: string, folder: string): string | undefined {
  const base = join(dir, folder);
  try {
    for (
      const svc of fs.readdirSync(base, { withFileTypes: true }).filter((d) => d.isDirectory())
    ) {
      const file = fs.readdirSync(join(base, svc.name)).find((f) => f.endsWith(".gpg"));
      if (file) return `${folder}/${svc.name}/${file.slice(0, -4)}`;
    }
  } catch { /* no entries */ }
  return undefined;
}

async function gitChecks(
  dir: string,
  env: Env,
  run: ToolRunner,
  timeoutMs: number,
): Promise<StoreCheck> {
  const gitEnv = {
    ...env,
    GIT_TERMINAL_PROMPT: "0",
    GIT_SSH_COMMAND: env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes -o ConnectTimeout=5",
  };
  const git = async (...args: string[]) => {
    const r = await run(["git", "-C", dir, ...args], { env: gitEnv, timeoutMs });
    return { ...r, text: new TextDecoder().decode(r.stdout).trim() };
  };
  const inside = await git("rev-parse", "--is-inside-work-tree");
  if (inside.notFound) return { name: "pass git", ok: false, detail: "git is not installed" };
  if (inside.code !== 0 || inside.text !== "true") {
    return {
      name: "pass git",
      ok: false,
      detail:
        "not a git repository: teammates cannot pull it (pass git init; pass git remote add origin URL)",
    };
  }
  const upstream = await git("rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}");
  const remotes = (await git("remote")).text.split("\n").filter(Boolean);
  const remote = upstream.code === 0 ? upstream.text.split("/")[0] : remotes[0];
  if (!remote) {
    return { name: "pass git", ok: false, detail: "no git remote: add one to share the store" };
  }
  const url = (await git("remote", "get-url", remote)).text;
  if (upstream.code !== 0) {
    return {
      name: "pass git",
      ok: false,
      detail:
        `remote ${remote} (${url}); the branch tracks no upstream (pass git push -u ${remote} HEAD)`,
    };
  }
  const fetched = await git("fetch", "--quiet", remote);
  const note = fetched.code === 0
    ? ""
    : `; fetch failed (${
      fetched.timedOut
        ? `no answer within ${timeoutMs / 1000} s`
        : fetched.stderr.trim().split("\n").at(-1) || `code ${fetched.code}`
    }), as of the last fetch`;
  const counts = await git("rev-list", "--left-right", "--count", "HEAD...@{u}");
  const [ahead, behind] = counts.text.split(/\s+/).map(Number);
  const state = counts.code !== 0
    ? "cannot compare with the upstream"
    : behind > 0
    ? `behind ${upstream.text} by ${behind} commit(s): run pass git pull`
    : ahead > 0
    ? `ahead of ${upstream.text} by ${ahead} commit(s): run pass git push`
    : `up to date with ${upstream.text}`;
  return {
    name: "pass git",
    ok: counts.code === 0 && behind === 0 && ahead === 0 && fetched.code === 0,
    detail: `remote ${remote} (${url}); ${state}${note}`,
  };
}

/**
 * The doctor checks of the pass store at `$PASSWORD_STORE_DIR` (default
 * `~/.password-store`). When the user chose the store, a missing store or a
 * key that cannot decrypt fails `doctor`; otherwise they are warnings.
 *
 * @example
 * ```ts
 * for (const c of await diagnosePassStore({ env: process.env, chosen: true })) console.log(c.name, c.detail);
 * ```
 */
export async function diagnosePassStore(options: PassDoctorOptions): Promise<StoreCheck[]> {
  const { env, chosen } = options;
  const run = options.run ?? runTool;
  const timeoutMs = options.timeoutMs ?? 10000;
  const dir = passStoreDir(env);
  const folder = PASS_FOLDERS.credentials;
  if (!fs.existsSync(dir)) {
    return [{
      name: "pass store",
      ok: !chosen,
      fatal: chosen,
      detail: chosen
        ? `no password store at ${dir} (clone the team's store there or set PASSWORD_STORE_DIR)`
        : `none at ${dir} (optional: --store pass shares credentials with a team)`,
    }];
  }
  const checks: StoreCheck[] = [];
  const tool = findOnPath(["pass", "gopass"], env);
  const services = fs.existsSync(join(dir, folder))
    ? fs.readdirSync(join(dir, folder), { withFileTypes: true }).filter((d) => d.isDirectory())
      .length
    : 0;
  checks.push({
    name: "pass store",
    ok: tool !== undefined,
    fatal: chosen,
    detail: `${dir} (${services} service(s) under ${folder}/; ${
      tool ? `writes through ${tool}` : "neither pass nor gopass installed: read-only"
    }${chosen ? "; chosen" : "; read only with --store pass"})`,
  });
  const gpgId = nearestGpgId(dir, folder);
  checks.push({
    name: "pass recipients",
    ok: gpgId !== undefined && gpgId.recipients.length > 0,
    fatal: chosen,
    detail: gpgId
      ? `${gpgId.recipients.join(", ") || "none"} (${gpgId.file})`
      : "no .gpg-id: run pass init with the team's key ids",
  });
  const gpg = findOnPath(["gpg2", "gpg"], env);
  if (!gpg) {
    checks.push({ name: "pass decrypt", ok: false, fatal: chosen, detail: "gpg is not installed" });
  } else {
    const listing = await run([gpg, "--batch", "--with-colons", "--list-secret-keys"], {
      env,
      timeoutMs,
    });
    const mine = recipientsWithSecretKey(
      gpgId?.recipients ?? [],
      new TextDecoder().decode(listing.stdout),
    );
    const sample = firstEntry(dir, folder);
    let detail = mine.length
      ? `your secret key is a recipient (${mine.join(", ")})`
      : "none of your secret keys is a recipient";
    let ok = mine.length > 0;
    if (sample) {
      const r = await run([
        gpg,
        "--batch",
        "--no-tty",
        "--pinentry-mode",
        "error",
        "--decrypt",
        join(dir, `${sample}.gpg`),
      ], { env, timeoutMs });
      // The plaintext in r.stdout is dropped here, never printed.
      ok = r.code === 0;
      detail += ok
        ? `; decrypted ${sample}`
        : `; cannot decrypt ${sample}: ${
          r.timedOut ? "gpg did not answer" : gpgFailureReason(r.stderr)
        }`;
    }
    checks.push({ name: "pass decrypt", ok, fatal: chosen, detail });
  }
  checks.push({ ...(await gitChecks(dir, env, run, timeoutMs)), fatal: false });
  return checks;
}
