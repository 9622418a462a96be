import assert from "node:assert/strict";
import process from "node:process";
import { BUILD_COMMIT, BUILD_TARGET, targetName, VERSION, versionLine } from "../src/version.ts";
import { keychainDisplayName } from "../src/cli/doctor.ts";
import { cli } from "./cli/_cli.ts";

Deno.test("targetName names the release file of every platform", () => {
  assert.equal(targetName("linux", "x64"), "linux-x64");
  assert.equal(targetName("linux", "arm64"), "linux-arm64");
  assert.equal(targetName("darwin", "x64"), "darwin-x64");
  assert.equal(targetName("darwin", "arm64"), "darwin-arm64");
  assert.equal(targetName("win32", "x64"), "windows-x64");
});

Deno.test("from source, --version names the running platform and no commit", async () => {
  assert.equal(BUILD_TARGET, targetName(process.platform, process.arch));
  assert.equal(BUILD_COMMIT, "source");
  assert.equal(versionLine(), `credkit ${VERSION} (${BUILD_TARGET}, source)`);
  const r = await cli(["--version"]);
  assert.equal(r.code, 0);
  assert.equal(r.out, `${versionLine()}\n`);
});

Deno.test("doctor names the keychain backend the way each platform does", async () => {
  assert.equal(keychainDisplayName("macos-keychain"), "macOS Keychain");
  assert.equal(keychainDisplayName("windows-credential-manager"), "Windows Credential Manager");
  assert.equal(keychainDisplayName("secret-service"), "Secret Service over D-Bus");
  assert.equal(keychainDisplayName("none (aix)"), "none (aix)");
  const r = await cli(["doctor", "--json"]);
  const doc = JSON.parse(r.out);
  assert.equal(doc.target, BUILD_TARGET);
  assert.equal(doc.commit, "source");
  assert.equal(typeof doc.keychainBackend, "string");
  const keychain = doc.checks.find((c: { name: string }) => c.name === "keychain");
  assert.ok(keychain.detail.includes(keychainDisplayName(doc.keychainBackend)), keychain.detail);
});
