import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { browserCommand, openBrowser } from "../../../src/mcp/connect/browser.ts";

const URL_ = "https://as.example/authorize?client_id=c&state=s";

Deno.test("browserCommand: $BROWSER with the URL as its single argument, else the platform opener", () => {
  assert.deepEqual(browserCommand(URL_, { BROWSER: "/opt/my browser" }, "linux"), [
    "/opt/my browser",
    [URL_],
  ]);
  assert.deepEqual(browserCommand(URL_, { BROWSER: "w3m:lynx" }, "linux"), ["w3m", [URL_]]);
  assert.deepEqual(browserCommand(URL_, {}, "linux"), ["xdg-open", [URL_]]);
  assert.deepEqual(browserCommand(URL_, {}, "darwin"), ["open", [URL_]]);
  assert.deepEqual(browserCommand(URL_, {}, "win32")?.[0], "rundll32");
});

Deno.test("openBrowser starts $BROWSER with exactly one argument; false when it cannot start", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "args");
    const script = join(dir, "browser.sh");
    await Deno.writeTextFile(script, `#!/bin/sh\nprintf '%s\\n' "$#" "$1" > "${out}"\n`);
    await Deno.chmod(script, 0o755);
    assert.equal(
      await openBrowser(URL_, { env: { BROWSER: script }, spawn, platform: "linux" }),
      true,
    );
    for (let i = 0; i < 200 && !(await Deno.stat(out).catch(() => null)); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(await Deno.readTextFile(out), `1\n${URL_}\n`);
    assert.equal(
      await openBrowser(URL_, { env: { BROWSER: join(dir, "missing") }, spawn, platform: "linux" }),
      false,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
