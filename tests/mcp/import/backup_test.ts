import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  backupDir,
  latestBackup,
  restoreBackup,
  writeBackup,
} from "../../../src/mcp/import/backup.ts";

Deno.test("backups live in the state directory (0700/0600) and restore the exact bytes", () => {
  const root = fs.mkdtempSync(join(tmpdir(), "credkit-backup-"));
  try {
    const state = join(root, "state");
    const file = join(root, "proj", ".mcp.json");
    fs.mkdirSync(join(root, "proj"));
    const original = '\uFEFF{\r\n\t// c\r\n\t"mcpServers": {},\r\n}\r\n';
    fs.writeFileSync(file, original, { mode: 0o644 });
    const b1 = writeBackup(state, file, original, 0o644, 1000);
    const b2 = writeBackup(state, file, "second", 0o644, 1000);
    assert.notEqual(b1, b2);
    assert.equal(fs.statSync(backupDir(state)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(b1).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(join(root, "proj")), [".mcp.json"]);
    assert.equal(latestBackup(state, file), b2);
    fs.writeFileSync(file, "rewritten");
    assert.deepEqual(restoreBackup(state, b1), { path: file, backup: b1 });
    assert.equal(fs.readFileSync(file, "utf8"), original);
    assert.equal(fs.statSync(file).mode & 0o777, 0o644);
    assert.deepEqual(restoreBackup(state, file), { path: file, backup: b2 });
    assert.equal(fs.readFileSync(file, "utf8"), "second");
    assert.throws(() => restoreBackup(state, join(root, "none.json")), /no backup of it/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
