/**
 * Finding secrets in text, fast: raw forms with one literal alternation
 * (native string search), and the full regex of every form only near the few
 * strings that start an encoded form (`\u`, `%`, the short JSON escapes of
 * the secrets' own chars such as `\"` or `\/`, and `+` or `\r` when a secret
 * holds a space or a line break).
 *
 * @module
 */

/** The chars allowed at each position of one form of a character. */
export type Alternative = string[];

/** One character of a secret: its raw form and all its forms, longest first. */
export interface Unit {
  /** The character as it is (its UTF-8 bytes as latin1 chars for bytes). */
  raw: string;
  /** Every form, longest first. */
  alts: Alternative[];
}

/** Compiled forms of a list of secrets (see `compileMatcher`). */
export interface Matcher {
  /** Per secret (longest first), its characters. */
  units: Unit[][];
  /** Every form of every secret (global). */
  general: RegExp;
  /** The raw forms only (global). */
  literal: RegExp;
  /** The raw forms, deduplicated, in the order of `literal`'s alternatives. */
  rawForms: string[];
  /** Strings (one or two chars) that start every non-raw form. */
  indicators: string[];
  /** Chars that can start an occurrence. */
  firstChars: Set<string>;
  /** Per secret, the chars that can start an occurrence of it. */
  secretFirstChars: string[][];
  /** Per secret, its longest possible occurrence. */
  secretMaxLength: number[];
  /** The longest possible occurrence, in chars. */
  maxLength: number;
}

/** A forward scan over one text; see {@link scan}. */
export interface Scan {
  /** Start of the leftmost occurrence at or after `from` (sets `end`), or -1. */
  next(from: number): number;
  /** End (exclusive) of the occurrence last returned by `next`. */
  end: number;
}

/**
 * A scanner for occurrences in `text`. Calls to `next` must not go backwards.
 * Equivalent to running `m.general` from `from`, but runs it only in the
 * windows around indicator chars and the literal search elsewhere.
 *
 * @example
 * ```ts
 * const s = scan(compileMatcher(["abc"], "text")!, "x abc %61bc");
 * s.next(0); // 2 (s.end === 5)
 * s.next(5); // 6 (s.end === 11)
 * ```
 */
export function scan(m: Matcher, text: string): Scan {
  const ind = m.indicators;
  let litStart = -1;
  let litEnd = 0;
  let litFrom = Infinity;
  return scanWith(m, text.length, {
    indicator: (k, from) => text.indexOf(ind[k], from),
    literal(from) {
      if (from < litFrom || (litStart !== -1 && litStart < from)) {
        const re = m.literal;
        re.lastIndex = from;
        const found = re.exec(text);
        re.lastIndex = 0;
        litStart = found === null ? -1 : found.index;
        litEnd = found === null ? 0 : found.index + found[0].length;
        litFrom = from;
      }
      return litStart;
    },
    literalEnd: () => litEnd,
    window: (start, end) => start === 0 && end === text.length ? text : text.slice(start, end),
  });
}

/** What {@link scanWith} needs to search one text (a string or bytes). */
export interface ScanSource {
  /** Position of indicator `k` (see {@link Matcher.indicators}) at or after `from`, or -1. */
  indicator(k: number, from: number): number;
  /** Leftmost raw occurrence at or after `from`, or -1 (may be cached: `from` may go back). */
  literal(from: number): number;
  /** End of the occurrence last returned by `literal`. */
  literalEnd(): number;
  /** The text of `[start, end)` as a string (one char per byte for bytes). */
  window(start: number, end: number): string;
}

/**
 * {@link scan} over any {@link ScanSource} of `n` chars.
 *
 * @example
 * ```ts
 * const s = scanWith(m, bytes.length, byteSource(m, bytes));
 * ```
 */
export function scanWith(m: Matcher, n: number, src: ScanSource): Scan {
  const maxLength = m.maxLength;
  const ind = m.indicators;
  // Cached search results, each valid for any `from` between the position it
  // was searched from and the position found (calls may go back a little).
  const indNext = ind.map(() => -1);
  const indFrom = ind.map(() => Infinity);

  /** Smallest indicator position >= from, or -1. */
  const indicator = (from: number): number => {
    let best = -1;
    for (let k = 0; k < ind.length; k++) {
      let p = indNext[k];
      if (from < indFrom[k] || (p !== -1 && p < from)) {
        p = indNext[k] = src.indicator(k, from);
        indFrom[k] = from;
      }
      if (p !== -1 && (best === -1 || p < best)) best = p;
    }
    return best;
  };
  const literal = (from: number): number => src.literal(from);

  // The current window: occurrences with an encoded char start in [hs, he);
  // `sub` is the text from hs, long enough to hold any occurrence starting there.
  let hs = 0;
  let he = 0;
  let sub = "";
  /** Leftmost occurrence starting in [from, he) of the window, or -1. */
  const inWindow = (from: number): number => {
    const re = m.general;
    re.lastIndex = from - hs;
    const found = re.exec(sub);
    re.lastIndex = 0;
    if (found === null || hs + found.index >= he) return -1;
    s.end = hs + found.index + found[0].length;
    return hs + found.index;
  };

  const s: Scan = {
    end: 0,
    next(start: number): number {
      let from = start;
      if (from >= hs && from < he) {
        const found = inWindow(from);
        if (found !== -1) return found;
        from = he;
      }
      for (;;) {
        const q = indicator(from);
        const lit = literal(from);
        if (q === -1 || (lit !== -1 && lit < q - maxLength + 1)) {
          s.end = src.literalEnd();
          return lit;
        }
        hs = Math.max(from, q - maxLength + 1);
        he = q + 1;
        for (;;) {
          const q2 = indicator(he);
          if (q2 === -1 || q2 - maxLength + 1 > he) break;
          he = q2 + 1;
        }
        const windowEnd = Math.min(n, he - 1 + maxLength);
        sub = src.window(hs, windowEnd);
        const found = inWindow(hs);
        if (found !== -1) return found;
        from = he;
        if (from >= n) return -1;
      }
    },
  };
  return s;
}

/**
 * Whether `text[i..)` is the beginning of an occurrence that more text could
 * complete (a proper prefix of some form of some secret).
 *
 * @example
 * ```ts
 * const m = compileMatcher(["abc"], "text")!;
 * couldStart(m, "x %6", 2); // true
 * couldStart(m, "x ab", 2); // true
 * couldStart(m, "x ac", 2); // false
 * ```
 */
export function couldStart(m: Matcher, text: string, i: number): boolean {
  if (!m.firstChars.has(text[i])) return false;
  for (const units of m.units) if (prefixOf(units, 0, text, i)) return true;
  return false;
}

function prefixOf(units: Unit[], k: number, text: string, pos: number): boolean {
  const n = text.length;
  if (pos === n) return k < units.length;
  if (k === units.length) return false;
  for (const alt of units[k].alts) {
    let j = 0;
    while (j < alt.length && pos + j < n && alt[j].includes(text[pos + j])) j++;
    if (pos + j === n && j < alt.length) return true;
    if (j === alt.length && prefixOf(units, k + 1, text, pos + j)) return true;
  }
  return false;
}

/**
 * The smallest `i >= from` (and within the last `maxLength - 1` chars) such
 * that `text[i..)` could start an occurrence, or `text.length`.
 *
 * @example
 * ```ts
 * partialStart(compileMatcher(["abc"], "text")!, "x ab", 0); // 2
 * ```
 */
export function partialStart(m: Matcher, text: string, from: number): number {
  const n = text.length;
  let best = n;
  // Per secret, only its own longest form matters, and only positions
  // holding a char that can start it (found with a native search).
  for (let k = 0; k < m.units.length; k++) {
    const units = m.units[k];
    const start = Math.max(from, n - m.secretMaxLength[k] + 1);
    for (const c of m.secretFirstChars[k]) {
      for (let i = text.indexOf(c, start); i !== -1 && i < best; i = text.indexOf(c, i + 1)) {
        if (prefixOf(units, 0, text, i)) {
          best = i;
          break;
        }
      }
    }
  }
  return best;
}
