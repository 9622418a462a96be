import assert from "node:assert/strict";
import { jsoncText, parseJsonc, setJsonc } from "../../../src/mcp/import/jsonc.ts";

Deno.test("JSONC edits keep comments, order, tabs, CRLF and the BOM; only changed values change", () => {
  const raw = '\uFEFF{\r\n\t// servers\r\n\t"mcpServers": {\r\n\t\t"a": {\r\n' +
    '\t\t\t"command": "npx", /* inline */\r\n\t\t\t"args": ["-y", "x"],\r\n' +
    '\t\t\t"env": {\r\n\t\t\t\t"TOKEN": "t",\r\n\t\t\t\t"KEEP": "false",\r\n\t\t\t},\r\n' +
    '\t\t},\r\n\t},\r\n\t"zLast": 1,\r\n}\r\n';
  const { doc, data } = parseJsonc(raw, "x.json");
  assert.equal((data.mcpServers as Record<string, unknown>) !== undefined, true);
  assert.equal(doc.bom, true);
  assert.equal(doc.eol, "\r\n");
  assert.equal(doc.insertSpaces, false);
  setJsonc(doc, ["mcpServers", "a", "command"], "credkit");
  setJsonc(doc, ["mcpServers", "a", "args"], ["run", "--", "npx", "-y", "x"]);
  setJsonc(doc, ["mcpServers", "a", "env", "TOKEN"], undefined);
  const out = jsoncText(doc);
  assert.equal(
    out,
    '\uFEFF{\r\n\t// servers\r\n\t"mcpServers": {\r\n\t\t"a": {\r\n' +
      '\t\t\t"command": "credkit", /* inline */\r\n' +
      '\t\t\t"args": ["run", "--", "npx", "-y", "x"],\r\n' +
      '\t\t\t"env": {\r\n\t\t\t\t"KEEP": "false",\r\n\t\t\t},\r\n' +
      '\t\t},\r\n\t},\r\n\t"zLast": 1,\r\n}\r\n',
  );
});

Deno.test("JSONC: new properties follow the file's indentation; a parse error names the line, not the text", () => {
  const { doc } = parseJsonc(
    '{\n    "servers": {\n        "r": {"url": "https://x"}\n    }\n}\n',
    "m.json",
  );
  setJsonc(doc, ["servers", "r", "url"], undefined);
  setJsonc(doc, ["servers", "r", "command"], "credkit");
  assert.equal(parseJsonc(jsoncText(doc), "m.json").data.servers !== undefined, true);
  assert.match(jsoncText(doc), /"r": \{"command": "credkit"\}|"command": "credkit"/);
  assert.throws(
    () => parseJsonc('{\n"a": "s3cr3t-value" "b"\n}', "bad.json"),
    (e: Error) => /line 2/.test(e.message) && !e.message.includes("s3cr3t"),
  );
});
