/**
 * JUnit XML for `credkit test --junit`: one `<testsuite>` with a
 * `<testcase>` per backend, `<failure>` / `<skipped>` children, and the
 * (already masked) captured output in `<system-out>`.
 *
 * @module
 */

import { decimalSeconds } from "./duration.ts";

/** One backend's result as JUnit needs it. */
export interface JunitCase {
  /** The test case name (the backend). */
  name: string;
  /** Its result. */
  status: "pass" | "fail" | "skip";
  /** How long it ran. */
  durationMs: number;
  /** Failure or skip message (one line). */
  message?: string;
  /** Captured output (masked before it gets here). */
  output?: string;
}

/**
 * Escapes text for XML 1.0 content and attribute values: `& < > " '` become
 * entities; characters XML 1.0 cannot carry (most C0 controls, lone
 * surrogates, U+FFFE, U+FFFF) become U+FFFD.
 *
 * @example
 * ```ts
 * xmlEscape(`a<b & "c"\u0007`); // "a&lt;b &amp; &quot;c&quot;\uFFFD"
 * ```
 */
export function xmlEscape(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === "&") out += "&amp;";
    else if (ch === "<") out += "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (ch === '"') out += "&quot;";
    else if (ch === "'") out += "&apos;";
    else if (c === 0x9 || c === 0xa) out += ch;
    else if (c === 0xd) out += "&#13;";
    else if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) {
      out += "\uFFFD";
    } else out += ch;
  }
  return out;
}

/** JUnit's `time` attribute: seconds with three decimals. */
function seconds(ms: number): string {
  return decimalSeconds(ms, 3);
}

/**
 * Renders the JUnit XML report of a `credkit test` run.
 *
 * @example
 * ```ts
 * junitXml([{ name: "s3", status: "fail", durationMs: 1200, message: "exit code 1", output: "..." }]);
 * ```
 */
export function junitXml(
  cases: JunitCase[],
  options: { suite?: string; timestamp?: Date } = {},
): string {
  const suite = options.suite ?? "credkit test";
  const failures = cases.filter((c) => c.status === "fail").length;
  const skipped = cases.filter((c) => c.status === "skip").length;
  const total = cases.reduce((t, c) => t + c.durationMs, 0);
  const ts = (options.timestamp ?? new Date()).toISOString().replace(/\.\d+Z$/, "");
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${
      xmlEscape(suite)
    }" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${
      seconds(total)
    }">`,
    `  <testsuite name="${
      xmlEscape(suite)
    }" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${
      seconds(total)
    }" timestamp="${ts}">`,
  ];
  for (const c of cases) {
    const open = `    <testcase classname="credkit.backends" name="${xmlEscape(c.name)}" time="${
      seconds(c.durationMs)
    }"`;
    const body: string[] = [];
    if (c.status === "fail") {
      body.push(`      <failure message="${xmlEscape(c.message ?? "failed")}" type="failure"/>`);
    } else if (c.status === "skip") {
      body.push(`      <skipped message="${xmlEscape(c.message ?? "skipped")}"/>`);
    }
    if (c.output) body.push(`      <system-out>${xmlEscape(c.output)}</system-out>`);
    if (body.length === 0) lines.push(`${open}/>`);
    else lines.push(`${open}>`, ...body, `    </testcase>`);
  }
  lines.push(`  </testsuite>`, `</testsuites>`, "");
  return lines.join("\n");
}
