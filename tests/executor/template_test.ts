import assert from "node:assert/strict";
import {
  expandBody,
  expandTemplate,
  fixesOrigin,
  paramText,
  templateRefs,
  urlPrefixBeforeParams,
  wholeParam,
} from "../../src/executor/template.ts";

const vars: Record<string, string> = { BASE: "https://api.example.com", KEY: "k-1" };
const variable = (name: string) => vars[name] ?? "";

Deno.test("templateRefs names the variables and parameters of a template", () => {
  assert.deepEqual(templateRefs("${BASE}/items/{id}?k=${KEY}&n={n}"), {
    variables: ["BASE", "KEY"],
    params: ["id", "n"],
  });
  assert.deepEqual(templateRefs("plain"), { variables: [], params: [] });
});

Deno.test("expandTemplate never expands a parameter's value again", () => {
  const out = expandTemplate("${BASE}/{p}", variable, () => "${KEY}{p}");
  assert.equal(out, "https://api.example.com/${KEY}{p}");
});

Deno.test("urlPrefixBeforeParams and fixesOrigin: where a parameter starts and whether the host is fixed", () => {
  assert.equal(urlPrefixBeforeParams("${BASE}/items/{id}"), "${BASE}/items/");
  assert.equal(urlPrefixBeforeParams("${BASE}/items"), undefined);
  assert.equal(fixesOrigin("https://api.example.com/items/"), true);
  assert.equal(fixesOrigin("https://api.example.com?x="), true);
  assert.equal(fixesOrigin("https://api."), false);
  assert.equal(fixesOrigin("https://api.example.com"), false);
});

Deno.test("wholeParam and paramText", () => {
  assert.equal(wholeParam("{limit}"), "limit");
  assert.equal(wholeParam("n={limit}"), undefined);
  assert.equal(wholeParam("${KEY}"), undefined);
  assert.equal(paramText(undefined), "");
  assert.equal(paramText(null), "");
  assert.equal(paramText("x"), "x");
  assert.equal(paramText(7), "7");
  assert.equal(paramText(false), "false");
  assert.equal(paramText({ a: [1] }), '{"a":[1]}');
});

Deno.test("expandBody keeps typed values, leaves out absent ones, expands text", () => {
  const template = {
    name: "{name}",
    limit: "{limit}",
    tags: ["{tag}", "fixed", "{missing}"],
    url: "${BASE}/x/{name}",
    nested: { flag: "{flag}", absent: "{missing}" },
    n: 3,
  };
  const params = { name: "a b", limit: 10, tag: "t", flag: true };
  assert.deepEqual(expandBody(template, variable, params), {
    name: "a b",
    limit: 10,
    tags: ["t", "fixed", null],
    url: "https://api.example.com/x/a b",
    nested: { flag: true },
    n: 3,
  });
  assert.equal(expandBody("{missing}", variable, {}), null);
  assert.equal(expandBody("{name}", variable, { name: "raw" }), "raw");
  assert.equal(expandBody("id={name}", variable, { name: "${KEY}" }), "id=${KEY}");
});
