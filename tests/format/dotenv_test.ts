import assert from "node:assert/strict";
import { CredkitError } from "../../src/errors.ts";
import { formatDotenv, parseDotenv } from "../../src/format/dotenv.ts";
import { parseWithDotenv, parseWithDotenvx } from "./_support.ts";

function readBack(text: string): Record<string, string>[] {
  return [parseWithDotenv(text), parseWithDotenvx(text), parseDotenv(text)];
}

const EXAMPLES: [value: string, line: string][] = [
  ["plain", "V='plain'"],
  ["", "V=''"],
  ["  spaced  ", "V='  spaced  '"],
  ["a=b#c", "V='a=b#c'"],
  ["$HOME ${PATH} $(id) `id`", "V='$HOME ${PATH} $(id) `id`'"],
  ['say "hi"', `V='say "hi"'`],
  ["line1\nline2\n", "V='line1\nline2\n'"],
  ["C:\\new\\table", "V='C:\\new\\table'"],
  ["unicode é 😀 \u2028", "V='unicode é 😀 \u2028'"],
  ["it's", `V="it's"`],
  ["it's $5", `V="it's $5"`],
  ["it's\nhere", `V="it's\\nhere"`],
  ["crlf\r\nend", `V="crlf\\r\\nend"`],
  ["\r", `V="\\r"`],
  ["it's back\\\nslash", `V="it's back\\\\nslash"`],
  ["C:\\dir\\", "V=C:\\dir\\"],
  ['it\'s "x"', 'V=it\'s "x"'],
  ['it\'s\n"multi"\\n', 'V=`it\'s\n"multi"\\n`'],
  // A quote of the same kind inside: the whole line is read, outer quotes stripped.
  ['it\'s "$HOME"', "V='it's \"$HOME\"'"],
  ["'quoted' $HOME", "V=''quoted' $HOME'"],
  [" it's $HOME ", "V=' it's $HOME '"],
  ["'\"`", "V=''\"`'"],
  ['it\'s\n"all" `three`', 'V="it\'s\\n"all" `three`"'],
  ['cr\r"', 'V="cr\\r""'],
  [" \\'\"`\\n", "V=` \\'\"`\\n`"],
];

Deno.test("formatDotenv: picks the expected form and reads back exactly", () => {
  for (const [value, line] of EXAMPLES) {
    const text = formatDotenv([{ name: "V", value }]);
    assert.equal(text, `${line}\n`, JSON.stringify(value));
    for (const parsed of readBack(text)) {
      assert.deepEqual(parsed, { V: value }, JSON.stringify(value));
    }
  }
});

Deno.test("formatDotenv: all examples in one file, in order, read back exactly", () => {
  const vars = EXAMPLES.map(([value], i) => ({ name: `V${i}`, value }));
  const text = formatDotenv(vars);
  const expected = Object.fromEntries(vars.map((v) => [v.name, v.value]));
  for (const parsed of readBack(text)) {
    assert.deepEqual(parsed, expected);
    assert.deepEqual(Object.keys(parsed), vars.map((v) => v.name));
  }
});

Deno.test("formatDotenv: empty list gives empty text", () => {
  assert.equal(formatDotenv([]), "");
});

/** Every way a value could be written, and lines that may follow it in a file. */
function candidates(value: string): string[] {
  return [
    `'${value}'`,
    `"${value.replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`,
    value,
    `\`${value}\``,
  ];
}
const FOLLOWERS = ["", "Z='  # c'\n", 'Z="  # c"\n', "Z=`  # c`\n"];

/** Values no form can hold for both dotenv and dotenvx. */
const REFUSED: string[] = [
  'cr\r"#',
  "cr\r$HOME",
  "cr\r\\n",
  "cr\r\\",
  "multi\nline\\",
  "it's\n$HOME",
  'it\'s\n"all" `three` #',
  'it\'s\n"all" `three` \\n',
  "it's #1 $HOME",
  "'\"` #",
  " ends with \\",
  "#\\",
];

Deno.test("formatDotenv: refuses values no form can hold, naming the variable only", () => {
  for (const value of REFUSED) {
    assert.throws(
      () => formatDotenv([{ name: "OK", value: "fine" }, { name: "HARD_ONE", value }]),
      (err: unknown) => {
        assert.ok(err instanceof CredkitError);
        assert.equal(err.kind, "error");
        assert.match(err.message, /^Cannot export HARD_ONE as dotenv: /);
        assert.ok(!err.message.includes(value), "the value leaked into the error");
        return true;
      },
      JSON.stringify(value),
    );
  }
});

Deno.test("formatDotenv: each refused value really breaks every candidate form", () => {
  for (const value of REFUSED) {
    for (const candidate of candidates(value)) {
      const broken = FOLLOWERS.some((follower) => {
        const text = `V=${candidate}\n${follower}`;
        return [parseWithDotenv(text), parseWithDotenvx(text)].some((p) => p.V !== value);
      });
      assert.ok(broken, `${JSON.stringify(value)} would fit as ${JSON.stringify(candidate)}`);
    }
  }
});

Deno.test("formatDotenv: rejects bad names, duplicates, NUL and lone surrogates", () => {
  const cases: [{ name: string; value: string }[], RegExp][] = [
    [[{ name: "1ABC", value: "x" }], /Cannot export "1ABC" as dotenv: not a valid variable name/],
    [[{ name: "A-B", value: "x" }], /"A-B"|A-B/],
    [[{ name: "", value: "x" }], /Cannot export "" as dotenv/],
    [[{ name: "A", value: "x" }, { name: "A", value: "y" }], /listed twice/],
    [
      [{ name: "N", value: "se\0cret" }],
      /Cannot export N as dotenv: its value contains a NUL byte/,
    ],
    [[{ name: "S", value: "se\ud800cret" }], /Cannot export S as dotenv: .*lone UTF-16 surrogate/],
  ];
  for (const [vars, pattern] of cases) {
    assert.throws(() => formatDotenv(vars), (err: unknown) => {
      assert.ok(err instanceof CredkitError);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes("cret"), "the value leaked into the error");
      return true;
    });
  }
});

Deno.test("parseDotenv: reads .env files like dotenv.parse", () => {
  const text = [
    "# a comment",
    "export HF_TOKEN=hf_abc # trailing comment",
    "  SPACED =  value with spaces  ",
    "SINGLE='a\\nb'",
    'DOUBLE="a\\nb\\rc"',
    'BACKTICK=`it\'s "x"`',
    "MULTI='line1",
    "line2'",
    "COLON: yes",
    "EMPTY=",
    "DUP=first",
    "DUP=second",
    "WIN=crlf\r",
    "",
  ].join("\n");
  const expected = {
    HF_TOKEN: "hf_abc",
    SPACED: "value with spaces",
    SINGLE: "a\\nb",
    DOUBLE: "a\nb\rc",
    BACKTICK: 'it\'s "x"',
    MULTI: "line1\nline2",
    COLON: "yes",
    EMPTY: "",
    DUP: "second",
    WIN: "crlf",
  };
  assert.deepEqual(parseDotenv(text), expected);
  assert.deepEqual(parseWithDotenv(text), expected);
  assert.deepEqual(Object.keys(parseDotenv(text)), Object.keys(parseWithDotenv(text)));
});

Deno.test("parseDotenv: __proto__ becomes an own key, not a prototype", () => {
  const parsed = parseDotenv("__proto__='x'\nA=1\n");
  assert.ok(Object.hasOwn(parsed, "__proto__"));
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.deepEqual(Object.entries(parsed), [["__proto__", "x"], ["A", "1"]]);
});

Deno.test("parseDotenv: empty text gives an empty object", () => {
  assert.deepEqual(parseDotenv(""), {});
});
