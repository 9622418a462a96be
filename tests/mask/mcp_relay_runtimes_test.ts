/**
 * The MCP relay masks alike under Deno and under Bun, where a message
 * without any needle of the secrets skips the scan after a native byte
 * search (`#clean` in mcp_relay.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { relayCorpus } from "./fixtures/mcp_relay_corpus.ts";
import { assertNoSecrets } from "../_helpers.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const FIXTURE = join(ROOT, "tests", "mask", "fixtures", "mcp_relay_corpus.ts");

Deno.test({
  name: "McpRelay: Bun's quick check masks exactly as Deno's full scan",
  ignore: !fs.existsSync(BUN),
  fn: async () => {
    const id = crypto.randomUUID().replaceAll("-", "");
    const secrets = [
      `hf_${id.slice(0, 6)}"d/g+${id.slice(6, 12)}`,
      `s3cr€t-välue-${id.slice(12, 18)}`,
      `plain${id.slice(18, 30)}`,
      "1234567890123",
    ];
    // Few raw forms, so that Bun takes the quick check (a secret with a
    // newline adds its lines as raw forms; more than six turn it off).
    const viaDeno = relayCorpus(secrets);
    const out = await new Deno.Command(BUN, { args: [FIXTURE, ...secrets], stdout: "piped" })
      .output();
    assert.ok(out.success);
    const viaBun = new TextDecoder().decode(out.stdout);
    assert.ok(viaDeno.includes("****"));
    assert.equal(viaBun, viaDeno);
    assertNoSecrets(viaBun, secrets);
  },
});
