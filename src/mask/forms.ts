/**
 * The encoded forms of a secret (see `policy.ts`), compiled into a
 * {@link Matcher} for strings (`"text"`) or for latin1 views of bytes
 * (`"bytes"`, one char per byte).
 *
 * @module
 */
import type { Alternative, Matcher, Unit } from "./matcher.ts";

const encoder = new TextEncoder();
const HEX = "0123456789abcdef";

/** Positions of a literal string (one allowed char each). */
function literal(text: string): Alternative {
  return text.split("");
}

/** Hex digits of `n`, `width` wide, each letter allowed in either case. */
function hexDigits(n: number, width: number): Alternative {
  const out: Alternative = [];
  for (let shift = (width - 1) * 4; shift >= 0; shift -= 4) {
    const d = HEX[(n >> shift) & 0xf];
    out.push(d >= "a" ? d + d.toUpperCase() : d);
  }
  return out;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "/": "\\/",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

function latin1Of(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

const unitCache = { text: new Map<string, Unit>(), bytes: new Map<string, Unit>() };
const unitSources = new WeakMap<Unit, string>();

/** {@link unitOf}, computed once per character and mode. */
function cachedUnit(ch: string, mode: "text" | "bytes"): Unit {
  let unit = unitCache[mode].get(ch);
  if (unit === undefined) {
    unit = unitOf(ch, mode);
    unitCache[mode].set(ch, unit);
  }
  return unit;
}

/** Every form of one character (a code point, or a lone surrogate), longest first. */
function unitOf(ch: string, mode: "text" | "bytes"): Unit {
  const lone = ch.length === 1 && ch.charCodeAt(0) >= 0xd800 && ch.charCodeAt(0) <= 0xdfff;
  const utf8 = ch.charCodeAt(0) < 0x80 ? [ch.charCodeAt(0)] : encoder.encode(ch);
  const raw = mode === "text" ? ch : latin1Of(utf8);
  const alts: Alternative[] = [literal(raw)];
  const json: Alternative = [];
  for (let i = 0; i < ch.length; i++) json.push("\\", "u", ...hexDigits(ch.charCodeAt(i), 4));
  alts.push(json);
  if (SHORT_ESCAPES[ch]) alts.push(literal(SHORT_ESCAPES[ch]));
  if (!lone) {
    const pct: Alternative = [];
    for (const b of utf8) pct.push("%", ...hexDigits(b, 2));
    alts.push(pct);
  }
  if (ch === " ") alts.push(["+"]);
  if (ch === "\n") {
    alts.push(literal("\r\n"), literal("\\r\\n"), ["%", "0", "dD", "%", "0", "aA"]);
  }
  const seen = new Set<string>();
  const unique = alts.filter((a) => {
    const key = a.join("\0");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { raw, alts: unique.sort((a, b) => b.length - a.length) };
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/;

function regexChar(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39 || c >= 0x41 && c <= 0x5a || c >= 0x61 && c <= 0x7a || c === 0x5f) {
    return ch;
  }
  if (c < 0x100) {
    return REGEX_SPECIAL.test(ch) || c < 0x20 || c >= 0x7f
      ? "\\x" + c.toString(16).padStart(2, "0")
      : ch;
  }
  return "\\u" + c.toString(16).padStart(4, "0");
}

function regexPosition(allowed: string): string {
  if (allowed.length === 1) return regexChar(allowed);
  return "[" + [...allowed].map(regexChar).join("") + "]";
}

function regexUnit(unit: Unit): string {
  let source = unitSources.get(unit);
  if (source === undefined) {
    const alts = unit.alts.map((a) => a.map(regexPosition).join(""));
    source = alts.length === 1 ? alts[0] : "(?:" + alts.join("|") + ")";
    unitSources.set(unit, source);
  }
  return source;
}

/**
 * Compiles the forms of `secrets` (already filtered and ordered, see
 * `maskableSecrets`) into a matcher, or `null` when there is nothing to mask.
 *
 * @example
 * ```ts
 * const m = compileMatcher(["s3cret"], "text")!;
 * m.general.test("s%33cret"); // true
 * ```
 */
export function compileMatcher(secrets: readonly string[], mode: "text" | "bytes"): Matcher | null {
  if (secrets.length === 0) return null;
  // stdout and stderr, the MCP relay and the string masker compile the same
  // secrets: keep the last few matchers.
  const key = mode + "\0" + secrets.map((s) => `${s.length}:${s}`).join("");
  const known = matcherCache.get(key);
  if (known !== undefined) return known;
  const m = buildMatcher(secrets, mode);
  matcherCache.set(key, m);
  if (matcherCache.size > 8) matcherCache.delete(matcherCache.keys().next().value!);
  return m;
}

const matcherCache = new Map<string, Matcher>();

function buildMatcher(secrets: readonly string[], mode: "text" | "bytes"): Matcher {
  const units: Unit[][] = [];
  const indicators = new Set<string>();
  const firstChars = new Set<string>();
  const secretFirstChars: string[][] = [];
  const secretMaxLength: number[] = [];
  let maxLength = 0;
  for (const secret of secrets) {
    const us: Unit[] = [];
    for (const ch of secret) us.push(cachedUnit(ch, mode));
    let length = 0;
    for (const unit of us) {
      length += unit.alts[0].length;
      // Every form other than the raw one starts with an indicator: `\u`,
      // the short escapes of this secret's chars (`\"`, `\/`, `\n`, …), `%`,
      // and `+` or `\r` for a space or a line break. Text without them can
      // only hold raw forms.
      for (const alt of unit.alts) {
        if (alt.join("") === unit.raw) continue;
        for (const c of alt[0]) {
          if (c === "\\" && alt.length > 1) { for (const d of alt[1]) indicators.add(c + d); }
          else indicators.add(c);
        }
      }
    }
    const first = new Set<string>();
    for (const alt of us[0].alts) for (const c of alt[0]) first.add(c);
    for (const c of first) firstChars.add(c);
    secretFirstChars.push([...first]);
    secretMaxLength.push(length);
    maxLength = Math.max(maxLength, length);
    units.push(us);
  }
  const rawForms = [...new Set(units.map((us) => us.map((u) => u.raw).join("")))];
  return {
    units,
    general: new RegExp(units.map((us) => us.map(regexUnit).join("")).join("|"), "g"),
    literal: new RegExp(rawForms.map((f) => f.split("").map(regexChar).join("")).join("|"), "g"),
    rawForms,
    indicators: [...indicators].sort(),
    firstChars,
    secretFirstChars,
    secretMaxLength,
    maxLength,
  };
}
