/**
 * Test support for the format tests: the reference readers each writer is
 * checked against (dotenv, dotenvx, bash, GitHub's runner) and shared
 * arbitraries.
 *
 * @module
 */
import dotenv from "dotenv";
import dotenvx from "@dotenvx/dotenvx";
import fc from "fast-check";

/** A temporary directory for this test process; holds the canary path. */
export const scratchDir: string = Deno.makeTempDirSync({ prefix: "credkit-format-" });

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(scratchDir, { recursive: true });
  } catch {
    // already gone
  }
});

/** A file that exists only if some value managed to run a command. */
export const canary: string = `${scratchDir}/canary`;

/** Asserts that no command ever ran (the canary file was never created). */
export function assertCanaryAbsent(): void {
  try {
    Deno.statSync(canary);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  throw new Error("a value executed a command: the canary file exists");
}

/** `dotenv.parse` from the npm package. */
export function parseWithDotenv(text: string): Record<string, string> {
  return dotenv.parse(text);
}

/**
 * `dotenvx.parse` from the npm package, with a PATH so that a command
 * substitution that slipped through would run (and create the canary).
 */
export function parseWithDotenvx(text: string): Record<string, string> {
  return dotenvx.parse(text, { processEnv: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" } });
}

/**
 * Sources `script` in bash with `set -a` and returns the bytes of each named
 * variable, as bash sees them.
 */
export function sourceInBash(script: string, names: string[]): Uint8Array[] {
  const file = `${scratchDir}/vars-${crypto.randomUUID()}.sh`;
  Deno.writeTextFileSync(file, script);
  try {
    const { code, stdout, stderr } = new Deno.Command("bash", {
      args: [
        "-c",
        'set -a; . "$1" || exit 97; shift; for n in "$@"; do printf "%s\\0" "${!n}"; done',
        "bash",
        file,
        ...names,
      ],
      clearEnv: true,
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", LC_ALL: "C" },
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    if (code !== 0) {
      throw new Error(`bash exited ${code}: ${new TextDecoder().decode(stderr)}`);
    }
    const values: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i < stdout.length; i++) {
      if (stdout[i] === 0) {
        values.push(stdout.slice(start, i));
        start = i + 1;
      }
    }
    return values;
  } finally {
    Deno.removeSync(file);
  }
}

/**
 * Reads `$GITHUB_ENV` text as the Actions runner does on Linux
 * (actions/runner `SetEnvFileCommand`): `NAME=VALUE` lines, and
 * `NAME<<DELIM` heredocs whose value is everything up to the newline before
 * a line equal to `DELIM`.
 */
export function parseGithubEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let index = 0;
  const readLine = (): string | null => {
    if (index >= text.length) return null;
    const lf = text.indexOf("\n", index);
    const start = index;
    if (lf < 0) {
      index = text.length;
      return text.slice(start);
    }
    index = lf + 1;
    return text.slice(start, lf);
  };
  for (let line = readLine(); line !== null; line = readLine()) {
    if (line === "") continue;
    const eq = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      out[line.slice(0, eq)] = line.slice(eq + 1);
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (name === "" || delimiter === "") throw new Error("empty name or delimiter");
      const start = index;
      let end = index;
      for (let l = readLine(); l !== delimiter; l = readLine()) {
        if (l === null) throw new Error(`matching delimiter not found for ${name}`);
        end = index - 1;
      }
      out[name] = end > start ? text.slice(start, end) : "";
    } else {
      throw new Error("invalid line");
    }
  }
  return out;
}

/** Pieces that break naive quoting: quotes, escapes, expansions, injections. */
export const TRICKY_PIECES: readonly string[] = [
  "'",
  '"',
  "`",
  "$",
  "\\",
  "\n",
  "\r",
  "\r\n",
  "\t",
  "=",
  "#",
  " ",
  ":",
  "a",
  "Z",
  "_",
  "é",
  "😀",
  "\u2028",
  "\u00a0",
  "\\n",
  "\\'",
  "\\$",
  "${",
  "}",
  "$(",
  ")",
  "$HOME",
  "${PATH}",
  "$1",
  "'\\''",
  "export ",
  "X=y",
  "<<",
  "EOF",
  "ghadelimiter_",
  "%0A",
  "::",
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `'; touch ${canary}; '`,
  `"; touch ${canary}; "`,
];

/** Strings made of {@link TRICKY_PIECES}. */
export const trickyString: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...TRICKY_PIECES), { maxLength: 16 })
  .map((parts) => parts.join(""));

/** Any Unicode text (whole code points, no lone surrogates) without NUL. */
export const unicodeString: fc.Arbitrary<string> = fc
  .string({ unit: "binary", maxLength: 40 })
  .map((s) => s.replaceAll("\0", ""));

/** A value: tricky, arbitrary Unicode, or both glued together. */
export const valueArb: fc.Arbitrary<string> = fc.oneof(
  trickyString,
  unicodeString,
  fc.tuple(trickyString, unicodeString, trickyString).map((parts) => parts.join("")),
);

/** A variable name that no shell treats specially. */
export const nameArb: fc.Arbitrary<string> = fc
  .stringMatching(/^[A-Za-z0-9_]{1,12}$/)
  .map((s) => `CK_${s}`);

/** Several variables with distinct names. */
export const varsArb: fc.Arbitrary<{ name: string; value: string }[]> = fc
  .uniqueArray(fc.tuple(nameArb, valueArb), { selector: ([name]) => name, maxLength: 12 })
  .map((pairs) => pairs.map(([name, value]) => ({ name, value })));
