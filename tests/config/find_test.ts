import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  findProjectConfig,
  homeDir,
  searchedDirs,
  unsafeOwnership,
} from "../../src/config/find.ts";

function tempDir(): string {
  return fs.mkdtempSync(join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "credkit-find-"));
}

Deno.test("searchedDirs: upward from the working directory, never $HOME or above it", () => {
  assert.deepEqual(searchedDirs("/nonexistent-home/u/p/src", "/nonexistent-home/u"), [
    "/nonexistent-home/u/p/src",
    "/nonexistent-home/u/p",
  ]);
  assert.deepEqual(searchedDirs("/nonexistent-tmp/p", "/nonexistent-home/u"), [
    "/nonexistent-tmp/p",
    "/nonexistent-tmp",
  ]);
  assert.deepEqual(searchedDirs("/nonexistent-home/u", "/nonexistent-home/u"), []);
  assert.deepEqual(searchedDirs("/nonexistent-home", "/nonexistent-home/u"), []);
  // A sibling whose name starts like $HOME is not above it.
  assert.deepEqual(searchedDirs("/nonexistent-home/u2", "/nonexistent-home/u"), [
    "/nonexistent-home/u2",
  ]);
});

Deno.test("homeDir: $HOME, else the account's home", () => {
  assert.equal(homeDir({ HOME: "/h" }), "/h");
  assert.ok(homeDir({}).length > 0);
});

Deno.test("findProjectConfig stops before $HOME", () => {
  const home = tempDir();
  try {
    fs.writeFileSync(join(home, "credkit.json"), "{}");
    const sub = join(home, "p", "src");
    fs.mkdirSync(sub, { recursive: true });
    assert.equal(findProjectConfig(sub, { HOME: home }), undefined);
    fs.writeFileSync(join(home, "p", "credkit.json"), "{}");
    assert.equal(findProjectConfig(sub, { HOME: home }), join(home, "p", "credkit.json"));
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

Deno.test("unsafeOwnership: a file others may write is refused with its mode", () => {
  const dir = tempDir();
  try {
    const file = join(dir, "credkit.json");
    fs.writeFileSync(file, "{}");
    fs.chmodSync(file, 0o644);
    assert.equal(unsafeOwnership(file), undefined);
    fs.chmodSync(file, 0o664);
    assert.equal(unsafeOwnership(file), "writable by group or others (mode 0664)");
    fs.chmodSync(file, 0o646);
    assert.match(unsafeOwnership(file) ?? "", /mode 0646/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
