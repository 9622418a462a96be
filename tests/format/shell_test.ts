import assert from "node:assert/strict";
import { CredkitError } from "../../src/errors.ts";
import { formatShell, shellQuote } from "../../src/format/shell.ts";
import { assertCanaryAbsent, canary, sourceInBash } from "./_support.ts";

const encoder = new TextEncoder();

Deno.test("formatShell: writes export lines with POSIX single quotes", () => {
  assert.equal(
    formatShell([
      { name: "AWS_REGION", value: "us-east-1" },
      { name: "TOKEN", value: "it's" },
      { name: "EMPTY", value: "" },
      { name: "MULTI", value: "a\nb" },
    ]),
    "export AWS_REGION='us-east-1'\nexport TOKEN='it'\\''s'\nexport EMPTY=''\nexport MULTI='a\nb'\n",
  );
  assert.equal(formatShell([]), "");
});

Deno.test("shellQuote: quotes every single quote", () => {
  assert.equal(shellQuote(""), "''");
  assert.equal(shellQuote("'"), "''\\'''");
  assert.equal(shellQuote("a'b'c"), "'a'\\''b'\\''c'");
  assert.equal(shellQuote('$(id) `id` \\ "'), "'$(id) `id` \\ \"'");
});

const TRICKY: string[] = [
  "",
  " leading and trailing ",
  "'",
  "''",
  "'\\''",
  '"',
  "`",
  "$",
  "$HOME ${PATH} $1 $@ $*",
  "\\",
  "ends with \\",
  "\\'",
  "line1\nline2\n",
  "\n",
  "cr\r",
  "crlf\r\n",
  "tab\t",
  "a=b#c",
  "é 😀 \u2028 \u00a0 𝄞",
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `'; touch ${canary}; '`,
  `'$(touch ${canary})'`,
  `"; touch ${canary}; "`,
  `\n touch ${canary}\n`,
  "-n",
  "--",
  "*",
  "~",
  "!!",
];

Deno.test("formatShell: bash gets the exact bytes back and runs nothing", () => {
  const vars = TRICKY.map((value, i) => ({ name: `CK_V${i}`, value }));
  const got = sourceInBash(formatShell(vars), vars.map((v) => v.name));
  assert.deepEqual(got, TRICKY.map((v) => encoder.encode(v)));
  assertCanaryAbsent();
});

/** Sources $1, then prints each named variable NUL-terminated (POSIX sh has no ${!n}). */
const PRINT_VARS_POSIX = String
  .raw`. "$1"; shift; for n in "$@"; do eval "v=\$$n"; printf '%s\0' "$v"; done`;

Deno.test("formatShell: a POSIX sh gets the exact bytes back too", () => {
  const vars = TRICKY.map((value, i) => ({ name: `CK_V${i}`, value }));
  const file = Deno.makeTempFileSync({ suffix: ".sh" });
  try {
    Deno.writeTextFileSync(file, formatShell(vars));
    const { code, stdout } = new Deno.Command("sh", {
      args: ["-c", PRINT_VARS_POSIX, "sh", file, ...vars.map((v) => v.name)],
      clearEnv: true,
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
      stdout: "piped",
    }).outputSync();
    assert.equal(code, 0);
    const expected = TRICKY.map((v) => `${v}\0`).join("");
    assert.equal(new TextDecoder().decode(stdout), expected);
  } finally {
    Deno.removeSync(file);
  }
  assertCanaryAbsent();
});

Deno.test("formatShell: refuses names a shell cannot assign, and NUL, without the value", () => {
  for (const name of ["1A", "A-B", "A B", "", "A=B", "Ä", "$(id)", "A\nB"]) {
    assert.throws(() => formatShell([{ name, value: "secret-value" }]), (err: unknown) => {
      assert.ok(err instanceof CredkitError);
      assert.match(err.message, /^Cannot export .* as shell: not a valid variable name/);
      assert.ok(!err.message.includes("secret-value"));
      return true;
    });
  }
  assert.throws(
    () => formatShell([{ name: "N", value: "secret\0value" }]),
    (err: unknown) => {
      assert.ok(err instanceof CredkitError);
      assert.match(err.message, /^Cannot export N as shell: its value contains a NUL byte/);
      assert.ok(!err.message.includes("secret"));
      return true;
    },
  );
  assert.throws(
    () => formatShell([{ name: "D", value: "1" }, { name: "D", value: "2" }]),
    /Cannot export D as shell: the variable is listed twice with different values/,
  );
  assert.equal(
    formatShell([{ name: "D", value: "1" }, { name: "E", value: "2" }, { name: "D", value: "1" }]),
    "export D='1'\nexport E='2'\n",
  );
});
