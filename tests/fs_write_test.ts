import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  appendFileNoFollow,
  isSymlink,
  writeFileAtomic,
  writeFileExclusive,
} from "../src/fs_write.ts";

function tempDir(): string {
  return fs.mkdtempSync(join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "credkit-fsw-"));
}

const modeOf = (p: string) => fs.statSync(p).mode & 0o777;

Deno.test("writeFileAtomic: creates with exactly the mode, replaces, leaves no temporary file", () => {
  const dir = tempDir();
  try {
    const file = join(dir, "sub", "out.json");
    const old = process.umask(0o077);
    try {
      writeFileAtomic(file, "one\n", 0o644);
    } finally {
      process.umask(old);
    }
    assert.equal(fs.readFileSync(file, "utf8"), "one\n");
    assert.equal(modeOf(file), 0o644);
    writeFileAtomic(file, "two ✓\n", 0o600);
    assert.equal(fs.readFileSync(file, "utf8"), "two ✓\n");
    assert.equal(modeOf(file), 0o600);
    assert.deepEqual(fs.readdirSync(join(dir, "sub")), ["out.json"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("writeFileAtomic: a symbolic link is followed and stays a link", () => {
  const dir = tempDir();
  try {
    const real = join(dir, "real.txt");
    const link = join(dir, "link.txt");
    fs.writeFileSync(real, "before");
    fs.symlinkSync(real, link);
    writeFileAtomic(link, "after", 0o600);
    assert.ok(isSymlink(link));
    assert.equal(fs.readFileSync(real, "utf8"), "after");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("writeFileAtomic: removeStaleTemps removes a dead writer's temporary file only", () => {
  const dir = tempDir();
  try {
    const file = join(dir, "c.json");
    // No process has pid 2^22 + 1 on Linux (pid_max is at most 2^22).
    const dead = join(dir, `.c.json.tmp-${2 ** 22 + 1}-abc`);
    const mine = join(dir, `.c.json.tmp-${process.pid}-live`);
    const other = join(dir, `.other.json.tmp-${2 ** 22 + 1}-abc`);
    for (const p of [dead, mine, other]) fs.writeFileSync(p, "x");
    writeFileAtomic(file, "{}\n", 0o600);
    assert.ok(fs.existsSync(dead), "kept without the option");
    writeFileAtomic(file, "{}\n", 0o600, { removeStaleTemps: true });
    assert.ok(!fs.existsSync(dead));
    assert.ok(fs.existsSync(mine));
    assert.ok(fs.existsSync(other));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("writeFileExclusive: refuses an existing file and creates with the mode", () => {
  const dir = tempDir();
  try {
    const file = join(dir, ".env");
    writeFileExclusive(file, "A=1\n", 0o600);
    assert.equal(modeOf(file), 0o600);
    assert.throws(() => writeFileExclusive(file, "B=2\n", 0o600), { code: "EEXIST" });
    assert.equal(fs.readFileSync(file, "utf8"), "A=1\n");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("isSymlink: true for a link (even dangling), false otherwise", () => {
  const dir = tempDir();
  try {
    const file = join(dir, "f");
    fs.writeFileSync(file, "");
    fs.symlinkSync(join(dir, "missing"), join(dir, "dangling"));
    assert.equal(isSymlink(join(dir, "dangling")), true);
    assert.equal(isSymlink(file), false);
    assert.equal(isSymlink(join(dir, "absent")), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("appendFileNoFollow: appends, creates with the mode, never follows a link", () => {
  const dir = tempDir();
  try {
    const file = join(dir, "github_env");
    appendFileNoFollow(file, "A=1\n", 0o600);
    appendFileNoFollow(file, "B=2\n", 0o644);
    assert.equal(fs.readFileSync(file, "utf8"), "A=1\nB=2\n");
    assert.equal(modeOf(file), 0o600);
    const target = join(dir, "target");
    fs.writeFileSync(target, "keep\n");
    const link = join(dir, "link");
    fs.symlinkSync(target, link);
    assert.throws(() => appendFileNoFollow(link, "C=3\n", 0o600), { code: "ELOOP" });
    assert.equal(fs.readFileSync(target, "utf8"), "keep\n");
    assert.throws(() => appendFileNoFollow(dir, "C=3\n", 0o600));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
