import assert from "node:assert/strict";
import fc from "fast-check";
import { formatDotenv, parseDotenv } from "../../src/format/dotenv.ts";
import { formatShell } from "../../src/format/shell.ts";
import { formatJson } from "../../src/format/json.ts";
import { formatGithubEnv } from "../../src/format/github.ts";
import {
  assertCanaryAbsent,
  parseGithubEnvFile,
  parseWithDotenv,
  parseWithDotenvx,
  sourceInBash,
  trickyString,
  valueArb,
  varsArb,
} from "./_support.ts";

const encoder = new TextEncoder();

/** The value unless formatDotenv refuses it; refusals are checked elsewhere. */
function dotenvOrUndefined(vars: { name: string; value: string }[]): string | undefined {
  try {
    return formatDotenv(vars);
  } catch (err) {
    const message = String(err);
    assert.match(message, /Cannot export CK_\w+ as dotenv: its value cannot be quoted/);
    for (const { value } of vars) {
      if (value.length >= 8) assert.ok(!message.includes(value), "a value leaked into the error");
    }
    return undefined;
  }
}

Deno.test("dotenv: dotenv, dotenvx and parseDotenv read back every accepted value exactly", () => {
  fc.assert(
    fc.property(varsArb, (vars) => {
      // Refused values are dropped one by one so the rest are still checked.
      const accepted = vars.filter((v) => dotenvOrUndefined([v]) !== undefined);
      const text = formatDotenv(accepted);
      const expected = Object.fromEntries(accepted.map((v) => [v.name, v.value]));
      assert.deepEqual(parseWithDotenv(text), expected);
      assert.deepEqual(parseWithDotenvx(text), expected);
      assert.deepEqual(parseDotenv(text), expected);
    }),
    { numRuns: 1000 },
  );
  assertCanaryAbsent();
});

Deno.test("dotenv: the refusal path is narrow", async (t) => {
  const accepts = (value: string) => dotenvOrUndefined([{ name: "CK_V", value }]) !== undefined;
  const active = /\$[({A-Za-z_]|\\\$/;
  await t.step("no single quote, no carriage return, no trailing backslash", () => {
    fc.assert(
      fc.property(valueArb, (v) => {
        fc.pre(!v.includes("'") && !v.includes("\r") && !v.endsWith("\\"));
        assert.ok(accepts(v));
      }),
      { numRuns: 500 },
    );
  });
  await t.step("one line without # or \\' and no trailing backslash", () => {
    fc.assert(
      fc.property(valueArb, (v) => {
        fc.pre(!/[\r\n\u2028\u2029#]/.test(v) && !v.includes("\\'") && !v.endsWith("\\"));
        assert.ok(accepts(v));
      }),
      { numRuns: 500 },
    );
  });
  await t.step("no $-expansion, no CR, no trailing backslash, not both ' and `", () => {
    fc.assert(
      fc.property(valueArb, (v) => {
        fc.pre(
          !active.test(v) && !v.includes("\r") && !v.endsWith("\\") &&
            !(v.includes("'") && v.includes("`")),
        );
        assert.ok(accepts(v));
      }),
      { numRuns: 500 },
    );
  });
  await t.step('no $-expansion, no ", no \\n \\r \\t text, no trailing backslash', () => {
    fc.assert(
      fc.property(valueArb, (v) => {
        fc.pre(!active.test(v) && !v.includes('"') && !/\\[nrt]/.test(v) && !v.endsWith("\\"));
        assert.ok(accepts(v));
      }),
      { numRuns: 500 },
    );
  });
});

Deno.test("shell: bash sourcing the output with set -a gets the exact bytes, runs nothing", () => {
  fc.assert(
    fc.property(varsArb, (vars) => {
      const got = sourceInBash(formatShell(vars), vars.map((v) => v.name));
      assert.deepEqual(got, vars.map((v) => encoder.encode(v.value)));
    }),
    { numRuns: 150 },
  );
  assertCanaryAbsent();
});

Deno.test("json: JSON.parse gives back every value", () => {
  fc.assert(
    fc.property(varsArb, (vars) => {
      const expected = Object.fromEntries(vars.map((v) => [v.name, v.value]));
      assert.deepEqual(JSON.parse(formatJson(vars)), expected);
    }),
  );
});

Deno.test("github: the runner's reader gives back every value; masks cover every secret line", () => {
  fc.assert(
    fc.property(varsArb, fc.array(fc.boolean(), { maxLength: 12 }), (vars, secrets) => {
      const input = vars.map((v, i) => ({ ...v, secret: secrets[i] ?? false }));
      const { env, masks } = formatGithubEnv(input);
      const expected = Object.fromEntries(vars.map((v) => [v.name, v.value]));
      assert.deepEqual(parseGithubEnvFile(env), expected);
      const masked = new Set(
        masks.split("\n").filter((l) => l !== "").map((l) => {
          assert.ok(l.startsWith("::add-mask::"));
          const data = l.slice("::add-mask::".length);
          assert.ok(!/[\r\n]/.test(data));
          return data.replaceAll("%0D", "\r").replaceAll("%0A", "\n").replaceAll("%25", "%");
        }),
      );
      for (const v of input) {
        for (const line of v.value.split(/\r\n|\r|\n/)) {
          if (line.trim() === "") continue;
          if (v.secret) assert.ok(masked.has(line.trim()), "a secret line is not masked");
        }
      }
    }),
    { numRuns: 500 },
  );
});

Deno.test("dotenv: parseDotenv agrees with dotenv.parse on arbitrary text", () => {
  const textArb = fc
    .array(
      fc.oneof(
        trickyString,
        fc.constantFrom("A=", "export B=", "C: ", "# c\n", "\n", "D='", 'E="', "F=`", " "),
      ),
      { maxLength: 20 },
    )
    .map((parts) => parts.join(""));
  fc.assert(
    fc.property(textArb, (text) => {
      assert.deepEqual(parseDotenv(text), parseWithDotenv(text));
    }),
    { numRuns: 2000 },
  );
});
