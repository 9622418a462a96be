/**
 * JSONC in, JSONC out: client files are read with `jsonc-parser` (comments
 * and trailing commas allowed) and edited in place with its `modify` and
 * `applyEdits`, so comments, key order, indentation (tabs or spaces), line
 * ends and a BOM survive and only the changed values change.
 *
 * @module
 */
import {
  applyEdits,
  type Edit,
  findNodeAtLocation,
  modify,
  type Node,
  parse,
  type ParseError,
  parseTree,
} from "jsonc-parser";
import { CredkitError } from "../../errors.ts";

/** A JSONC document being edited. */
export interface JsoncDoc {
  /** The text without its BOM. */
  text: string;
  /** Whether the file starts with a BOM (written back when it did). */
  bom: boolean;
  /** The file's line end (`\n` or `\r\n`). */
  eol: string;
  /** Whether it is indented with spaces (else tabs). */
  insertSpaces: boolean;
  /** The width of one indentation level. */
  tabSize: number;
}

/** A path into a JSON document: property names and array indexes. */
export type JsonPath = (string | number)[];

/**
 * Parses `raw` (a file's text) as a JSONC object. The error never quotes the
 * file, which may hold secrets: it names the line.
 *
 * @example
 * ```ts
 * const { doc, data } = parseJsonc('{ // servers\n "mcpServers": {}, }', "/p/.mcp.json");
 * ```
 */
export function parseJsonc(
  raw: string,
  path: string,
): { doc: JsoncDoc; data: Record<string, unknown> } {
  const bom = raw.startsWith("\uFEFF");
  const text = bom ? raw.slice(1) : raw;
  const errors: ParseError[] = [];
  const data = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) {
    const line = text.slice(0, errors[0].offset).split("\n").length;
    throw new CredkitError(
      "usage",
      `Cannot read MCP configuration ${path}`,
      `not valid JSON(C) at line ${line}`,
      "fix the file and run the import again",
    );
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new CredkitError("usage", `Cannot read MCP configuration ${path}`, "not a JSON object");
  }
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? "  ";
  return {
    doc: {
      text,
      bom,
      eol: text.includes("\r\n") ? "\r\n" : "\n",
      insertSpaces: !indent.startsWith("\t"),
      tabSize: indent.startsWith("\t") ? 1 : indent.length,
    },
    data: data as Record<string, unknown>,
  };
}

/** The inline form of a value (`["a", "b"]`), for a value written on one line. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${
      Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(", ")
    }}`;
  }
  return JSON.stringify(value);
}

/** Removing a property: its text and the comma that separates it, nothing else. */
function removal(property: Node, text: string): Edit {
  const siblings = property.parent!.children!;
  const at = siblings.indexOf(property);
  const end = property.offset + property.length;
  if (at < siblings.length - 1) {
    return {
      offset: property.offset,
      length: siblings[at + 1].offset - property.offset,
      content: "",
    };
  }
  if (at > 0) {
    const prev = siblings[at - 1];
    const from = prev.offset + prev.length;
    return { offset: from, length: end - from, content: "" };
  }
  // The only property: its trailing comma goes too (a comment after it stays).
  const comma = /^[ \t]*,/.exec(text.slice(end));
  return {
    offset: property.offset,
    length: end - property.offset + (comma?.[0].length ?? 0),
    content: "",
  };
}

/**
 * Sets (or, with `undefined`, removes) the value at `path`. A removed
 * property takes only its own text and comma; a value replaced where it was
 * written on one line stays on one line; anything else is formatted in the
 * document's own style (indentation, tabs, line ends).
 *
 * @example
 * ```ts
 * setJsonc(doc, ["mcpServers", "github", "env", "TOKEN"], undefined);
 * ```
 */
export function setJsonc(doc: JsoncDoc, path: JsonPath, value: unknown): void {
  const node = findNodeAtLocation(parseTree(doc.text, [], { allowTrailingComma: true })!, path);
  if (node && value === undefined && node.parent?.type === "property") {
    doc.text = applyEdits(doc.text, [removal(node.parent, doc.text)]);
    return;
  }
  if (node && value !== undefined) {
    const old = doc.text.slice(node.offset, node.offset + node.length);
    if (!old.includes("\n")) {
      doc.text = applyEdits(doc.text, [{
        offset: node.offset,
        length: node.length,
        content: inline(value),
      }]);
      return;
    }
  }
  const edits = modify(doc.text, path, value, {
    formattingOptions: { insertSpaces: doc.insertSpaces, tabSize: doc.tabSize, eol: doc.eol },
  });
  doc.text = applyEdits(doc.text, edits);
}

/**
 * The document's text as a file (BOM put back).
 *
 * @example
 * ```ts
 * fs.writeFileSync(path, jsoncText(doc));
 * ```
 */
export function jsoncText(doc: JsoncDoc): string {
  return (doc.bom ? "\uFEFF" : "") + doc.text;
}
