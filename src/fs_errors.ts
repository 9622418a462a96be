/**
 * Short, secret-free reasons for file system errors, shared by every
 * message that names a failed file operation.
 *
 * @module
 */

/**
 * The errno code of a thrown value (`"ENOENT"`, …), if it has one.
 *
 * @example
 * ```ts
 * try { fs.readFileSync(path); } catch (err) { if (errnoCode(err) === "ENOENT") return undefined; }
 * ```
 */
export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "a parent of the path is not a directory",
  EEXIST: "already exists",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long",
};

/**
 * A short reason for a file system error, never quoting file contents.
 *
 * @example
 * ```ts
 * try { fs.readFileSync("/nope"); } catch (err) { describeFsError(err); } // "no such file or directory"
 * ```
 */
export function describeFsError(err: unknown): string {
  const code = errnoCode(err);
  return (code && REASONS[code]) ?? code ?? (err instanceof Error ? err.name : "unknown error");
}

/**
 * Where `text` stops being valid JSON, as 1-based line and column, or
 * `undefined` when it is valid. Engines quote the offending input in their
 * own messages (which may be a secret), so the location is computed here.
 *
 * @example
 * ```ts
 * jsonErrorLocation('{"a":\n}'); // { line: 2, column: 1 }
 * ```
 */
export function jsonErrorLocation(text: string): { line: number; column: number } | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const str = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "" || m[0] === "-") fail();
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ":") fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return;
        } else fail();
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return;
        } else fail();
      }
    } else if (c === '"') str();
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else num();
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (pos) {
    if (typeof pos !== "number") throw pos;
    const before = text.slice(0, pos);
    const line = before.split("\n").length;
    const column = pos - before.lastIndexOf("\n");
    return { line, column };
  }
}

/**
 * "not valid JSON at line L column C": where a JSON text breaks, without the
 * engine's own message, which quotes the input (possibly a secret).
 *
 * @example
 * ```ts
 * describeJsonError('{"a": 1,'); // "not valid JSON at line 1 column 9"
 * ```
 */
export function describeJsonError(text: string): string {
  const at = jsonErrorLocation(text);
  return `not valid JSON${at ? ` at line ${at.line} column ${at.column}` : ""}`;
}
