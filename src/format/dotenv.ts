/**
 * `.env` writer and reader.
 *
 * The writer quotes each value so that both the `dotenv` npm parser and
 * dotenvx (which also expands `$VAR`, `${VAR}` and `$(command)` outside single
 * quotes) read back the exact value. The reader follows the grammar of
 * `dotenv.parse` (dotenv 17) exactly, without depending on the package.
 *
 * @module
 */
import { checkVars, type EnvVar, exportError } from "./env_var.ts";

/**
 * Text that dotenvx expands or unescapes outside single quotes: command
 * substitution `$(`, `${…}`, `$NAME`, and `\$`.
 */
const DOTENVX_ACTIVE = /\$[({A-Za-z_]|\\\$/;
/** `\n`, `\r`, `\t` text, which double quotes turn into control characters. */
const BACKSLASH_ESCAPE = /\\[nrt]/;
/** Line ends of JavaScript's multiline `$`, which dotenv's grammar uses. */
const LINE_END = /[\r\n\u2028\u2029]/;
const UNICODE_LINE_END = /[\u2028\u2029]/;

/**
 * The first form (see {@link formatDotenv}) in which dotenv and dotenvx both
 * read back `value` unchanged, or `undefined` when none fits.
 */
function quoteValue(value: string): string | undefined {
  const oneLine = !LINE_END.test(value);
  const inert = !DOTENVX_ACTIVE.test(value);
  const hasCr = value.includes("\r");
  const plain = oneLine && inert && value !== "" && value.trim() === value &&
    !value.includes("#") && !/^['"`]/.test(value);
  // Inside quotes, a final backslash would escape the closing quote.
  if (value.endsWith("\\")) return plain ? value : undefined;

  const single = `'${value}'`;
  const double = `"${value.replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
  const backtick = `\`${value}\``;
  const doubleFits = inert && !BACKSLASH_ESCAPE.test(value);
  const backtickFits = inert && !hasCr;

  if (!value.includes("'") && !hasCr) return single;
  if (doubleFits && !value.includes('"')) return double;
  if (plain) return value;
  if (backtickFits && !value.includes("`")) return backtick;
  // The quote also occurs inside: both parsers then take the whole line and
  // strip the outer quotes, so the line must hold no comment and no line end.
  if (value.includes("#")) return undefined;
  if (oneLine && !value.includes("\\'")) return single;
  if (doubleFits && !UNICODE_LINE_END.test(value)) return double;
  if (backtickFits && oneLine) return backtick;
  return undefined;
}

/**
 * Writes `NAME=value` lines, one per variable (multi-line values span lines
 * inside their quotes), quoting each value so that `dotenv.parse` and dotenvx
 * give back the exact value. dotenvx expands `$NAME`, `${…}` and `$(…)`
 * everywhere but inside single quotes, and dotenv has no escapes except
 * `\n`/`\r` inside double quotes, so each value gets the first form that fits:
 *
 * 1. `'…'`: no `'`, no carriage return;
 * 2. `"…"` with newline and carriage return written as `\n` and `\r`: no `"`,
 *    no `$`-expansion (`$(`, `${`, `$` + letter or `_`, `\$`), no `\n`, `\r`
 *    or `\t` text;
 * 3. unquoted: not empty, one line, no `#`, no `$`-expansion, no leading or
 *    trailing whitespace, not starting with a quote;
 * 4. `` `…` ``: no backtick, no carriage return, no `$`-expansion;
 * 5. forms 1, 2 and 4 around a value that holds the same quote, when the
 *    written line has no `#` and no line end (both parsers then take the
 *    whole line and strip the outer quotes); for `'…'` also no `\'`.
 *
 * Only form 3 can hold a value ending in `\`. A value no form fits is refused
 * with an error naming the variable, never the value. Such values are rare,
 * for example: `'`, `#` and a `$`-expansion together; a multi-line value with
 * `'` and a `$`-expansion, or with all three quote kinds and a `#`; a carriage
 * return with a `$`-expansion, with `\n`/`\r`/`\t` text, or with `"` and `#`;
 * a value ending in `\` that spans lines, has `#`, a `$`-expansion or
 * surrounding whitespace, or starts with a quote.
 *
 * @throws {CredkitError} for an invalid name, a name given two values, a NUL byte, or a
 *   value no form fits.
 * @example
 * ```ts
 * formatDotenv([{ name: "A", value: "it's $5" }, { name: "B", value: "x\ny" }]);
 * // "A=\"it's $5\"\nB='x\ny'\n"
 * ```
 */
export function formatDotenv(vars: readonly EnvVar[]): string {
  let out = "";
  for (const { name, value } of checkVars(vars, "dotenv")) {
    const quoted = quoteValue(value);
    if (quoted === undefined) {
      throw exportError(
        name,
        "dotenv",
        "its value cannot be quoted so that dotenv and dotenvx read it back unchanged",
        "use --format shell or --format json",
      );
    }
    out += `${name}=${quoted}\n`;
  }
  return out;
}

/** The line grammar of `dotenv.parse` (dotenv 17, BSD-2-Clause). */
const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/mg;

/**
 * Reads a `.env` file exactly as `dotenv.parse` does: quotes stripped, `\n`
 * and `\r` expanded inside double quotes only, no `$` expansion, the last
 * occurrence of a name wins. Unlike `dotenv.parse`, a name such as
 * `__proto__` is kept as an own key.
 *
 * @example
 * ```ts
 * parseDotenv("A='x'\nB=\"1\\n2\"\n"); // { A: "x", B: "1\n2" }
 * ```
 */
export function parseDotenv(text: string): Record<string, string> {
  const entries = new Map<string, string>();
  const lines = text.replace(/\r\n?/mg, "\n");
  const line = new RegExp(LINE.source, LINE.flags);
  let match: RegExpExecArray | null;
  while ((match = line.exec(lines)) !== null) {
    const key = match[1];
    let value = (match[2] ?? "").trim();
    const maybeQuote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/mg, "$2");
    if (maybeQuote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    entries.set(key, value);
  }
  return Object.fromEntries(entries);
}
