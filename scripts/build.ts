/**
 * Builds the single binary `dist/credkit`: `deno compile` when Deno can fetch
 * its compile runtime, otherwise `bun build --compile --bytecode --splitting`
 * (works offline, embeds the native keychain addon, and starts fast from
 * precompiled bytecode, loading each command's code only when it runs).
 *
 * Usage: deno run -A scripts/build.ts [--bun-only]
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { targetName } from "../src/version.ts";
import {
  buildDefines,
  bunCliFlags,
  COMPILE_OPTIONS,
  defineFlags,
  gitCommit,
} from "./compile_options.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "credkit");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

// deno-lint-ignore no-control-regex
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;

function attempt(label: string, cmd: string, args: string[], timeoutMs: number): boolean {
  const started = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: timeoutMs,
    encoding: "utf8",
  });
  if (r.status === 0 && fs.existsSync(out)) {
    console.error(`build: ${label} wrote dist/credkit in ${Date.now() - started} ms`);
    return true;
  }
  const lines = (r.stderr || r.stdout || "").trim().split("\n");
  const backtrace = lines.findIndex((l) => l.includes("Stack backtrace"));
  const meaningful = lines.slice(0, backtrace === -1 ? undefined : backtrace).filter((l) =>
    l.trim()
  );
  const why = r.error
    ? r.error.message
    : (meaningful.at(-1) ?? "").replace(/^\s*\d+: /, "").replace(ANSI_COLOUR, "").trim();
  console.error(`build: ${label} failed: ${why}`);
  return false;
}

fs.mkdirSync(join(root, "dist"), { recursive: true });
fs.rmSync(out, { force: true });
const bunOnly = process.argv.includes("--bun-only") || process.env.CREDKIT_BUILD === "bun";
const ok = (!bunOnly &&
  attempt("deno compile", fs.existsSync(bin("deno")) ? bin("deno") : "deno", [
    "compile",
    "-A",
    "--no-check",
    "--output",
    out,
    "main.ts",
  ], 60_000)) ||
  attempt("bun build --compile", fs.existsSync(bin("bun")) ? bin("bun") : "bun", [
    "build",
    "--compile",
    // Minified bytecode, one chunk per lazily loaded command (the MCP SDK,
    // zod and the OAuth client cost ~13 ms when bundled into the entry
    // chunk), and no .env*/bunfig.toml autoload: the release binaries use the
    // same list (scripts/compile_options.ts).
    ...bunCliFlags(COMPILE_OPTIONS),
    ...defineFlags(buildDefines(targetName(), gitCommit(root))),
    "main.ts",
    "--outfile",
    out,
  ], 300_000);
if (!ok) {
  console.error("build: no compiler worked; see the lines above");
  process.exit(1);
}
fs.chmodSync(out, 0o755);
