/**
 * The `run` cases (exit codes, signals, Ctrl-C twice, not found / not
 * executable, masking, stdin, 100 MB byte-exact, no orphans) against the real
 * CLI: the compiled binary, `deno run main.ts` and `bun main.ts`, with the
 * secret stored in a file store rather than passed by the test.
 */
import * as fs from "node:fs";
import { registerRunCases } from "../supervise/_run_cases.ts";
import { runtimes, tempHome } from "./_runtimes.ts";

function modeFlags(mode?: string): string[] {
  return mode === "inherit" ? ["--no-mask"] : mode === "mcp" ? ["--mcp"] : [];
}

const home = tempHome();
globalThis.addEventListener("unload", () => fs.rmSync(home, { recursive: true, force: true }));

for (const rt of runtimes()) {
  // HF_TOKEN comes from the case's environment, so credkit resolves it
  // (source env) and masks it like any stored secret.
  registerRunCases(
    `credkit run [${rt.name}]`,
    (args, o) => [...rt.argv, "run", ...modeFlags(o?.mode), "--", ...args],
    {
      env: { CREDKIT_HOME: home, CREDKIT_STORE: "file" },
    },
  );
}
