import assert from "node:assert/strict";
import { COMMANDS } from "../../src/cli/commands.ts";

Deno.test("the command table's names and summaries match the commands it loads", async () => {
  for (const entry of COMMANDS) {
    const command = await entry.load();
    assert.equal(command.name, entry.name);
    assert.equal(command.summary, entry.summary, `${entry.name}: summary out of sync`);
    assert.match(command.usage, /Usage:\s+credkit/);
  }
});
