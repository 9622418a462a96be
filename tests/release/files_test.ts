/**
 * The files of `npm run release`: each binary is the right executable format
 * and architecture, embeds its own platform's keychain addon (and no other
 * platform's), records its target and commit; SHA256SUMS verifies them all;
 * install.sh is the repository's.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { addonLocation, installedKeyringVersion, RELEASE_TARGETS } from "../../scripts/release.ts";
import { RELEASE_DIR, releaseFile, ROOT } from "./_release.ts";

/** What `file` says about each release binary. */
const FORMAT: Record<string, RegExp> = {
  "linux-x64": /^ELF 64-bit LSB (pie )?executable, x86-64, .*GNU\/Linux/,
  "linux-arm64": /^ELF 64-bit LSB (pie )?executable, ARM aarch64, .*GNU\/Linux/,
  "darwin-x64": /^Mach-O 64-bit x86_64 executable/,
  "darwin-arm64": /^Mach-O 64-bit arm64 executable/,
  "windows-x64": /^PE32\+ executable \(console\) x86-64, for MS Windows/,
};

function fileType(path: string): string {
  const r = spawnSync("file", ["-b", path], { encoding: "utf8" });
  assert.equal(r.status, 0, `file(1) failed: ${r.stderr}`);
  return r.stdout.trim();
}

Deno.test("every release binary is the right executable format and architecture", () => {
  assert.deepEqual(
    RELEASE_TARGETS.map((t) => t.file),
    [
      "credkit-linux-x64",
      "credkit-linux-arm64",
      "credkit-darwin-x64",
      "credkit-darwin-arm64",
      "credkit-windows-x64.exe",
    ],
  );
  for (const t of RELEASE_TARGETS) {
    const path = releaseFile(t.file);
    assert.match(fileType(path), FORMAT[t.target], `${t.file}: ${fileType(path)}`);
    assert.equal(fs.statSync(path).mode & 0o777, 0o755, `${t.file} is executable`);
  }
});

/**
 * Whether `haystack` holds all of `needle`: found by a 64-byte window of
 * varied bytes from the needle's middle (never a run of padding), then
 * compared whole.
 */
function containsWhole(haystack: Uint8Array, needle: Uint8Array): boolean {
  let from = Math.floor(needle.length / 2);
  while (new Set(needle.subarray(from, from + 64)).size < 40) from += 64;
  const probe = needle.subarray(from, from + 64);
  const whole = Buffer.from(needle);
  outer: for (
    let at = haystack.indexOf(probe[0], from);
    at !== -1 && at + probe.length <= haystack.length;
    at = haystack.indexOf(probe[0], at + 1)
  ) {
    for (let i = 1; i < probe.length; i++) if (haystack[at + i] !== probe[i]) continue outer;
    const start = at - from;
    if (Buffer.from(haystack.subarray(start, start + needle.length)).equals(whole)) return true;
  }
  return false;
}

Deno.test("every release binary embeds its own platform's keychain addon and no other", () => {
  const version = installedKeyringVersion();
  const addons = RELEASE_TARGETS.map((t) => {
    const dir = addonLocation(t, version);
    assert.ok(dir, `the ${t.addonPackage}@${version} the release used is not on disk`);
    return { target: t.target, name: t.addonFile, bytes: fs.readFileSync(join(dir, t.addonFile)) };
  });
  // The addons differ, so finding one inside a binary says which it is.
  assert.equal(new Set(addons.map((a) => a.bytes.toString("base64"))).size, addons.length);
  for (const t of RELEASE_TARGETS) {
    const file = fs.readFileSync(releaseFile(t.file));
    const binary = new Uint8Array(file.buffer, file.byteOffset, file.length);
    for (const addon of addons) {
      const embedded = containsWhole(binary, addon.bytes);
      assert.equal(
        embedded,
        addon.target === t.target,
        `${t.file} ${embedded ? "embeds" : "lacks"} ${addon.name}`,
      );
    }
    // Bun names the embedded file after the addon.
    assert.ok(file.includes(t.addonFile.replace(/\.node$/, "")), `${t.file}: no ${t.addonFile}`);
  }
});

Deno.test("every release binary records its own target and the same commit", () => {
  const commits = new Set<string>();
  for (const t of RELEASE_TARGETS) {
    const text = fs.readFileSync(releaseFile(t.file)).toString("latin1");
    // src/version.ts's two constants, as the minifier writes them side by side.
    const m = new RegExp(`="${t.target}",[\\w$]+="([0-9a-f]{12}(-dirty)?|unknown)"`).exec(text);
    assert.ok(m, `${t.file} does not record the target ${t.target} and a commit`);
    commits.add(m[1]);
  }
  assert.equal(commits.size, 1, `the binaries name different commits: ${[...commits]}`);
});

Deno.test("SHA256SUMS verifies every release file with sha256sum -c", () => {
  const sums = fs.readFileSync(releaseFile("SHA256SUMS"), "utf8");
  const names = sums.trim().split("\n").map((line) => {
    assert.match(line, /^[0-9a-f]{64} {2}[\w.-]+$/, "sha256sum format: <hex><2 spaces><name>");
    return line.slice(66);
  });
  assert.deepEqual(names, [...RELEASE_TARGETS.map((t) => t.file), "install.sh"]);
  assert.deepEqual(
    fs.readdirSync(RELEASE_DIR).sort(),
    [...names, "SHA256SUMS"].sort(),
    "dist/release holds exactly the released files",
  );
  const check = spawnSync("sha256sum", ["-c", "--strict", "SHA256SUMS"], {
    cwd: RELEASE_DIR,
    encoding: "utf8",
  });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  for (const name of names) assert.match(check.stdout, new RegExp(`^${name}: OK$`, "m"));
});

Deno.test("the released install.sh is scripts/install.sh, executable", () => {
  const released = releaseFile("install.sh");
  assert.deepEqual(
    fs.readFileSync(released),
    fs.readFileSync(join(ROOT, "scripts", "install.sh")),
  );
  assert.equal(fs.statSync(released).mode & 0o777, 0o755);
});
