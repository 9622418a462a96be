/**
 * The templates of tool manifests: `${VAR}` names a credential variable,
 * `{param}` a call parameter. Expansion is a single pass over the template,
 * so a parameter value is never expanded again: a parameter can never supply
 * a credential.
 *
 * @module
 */

/** A template token: `${VAR}` or `{param}`. */
const TOKEN = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A template that is exactly one `{param}`. */
const WHOLE_PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * What a template string references.
 *
 * @example
 * ```ts
 * templateRefs("${SUPABASE_URL}/items/{id}"); // { variables: ["SUPABASE_URL"], params: ["id"] }
 * ```
 */
export function templateRefs(template: string): { variables: string[]; params: string[] } {
  const variables: string[] = [];
  const params: string[] = [];
  for (const m of template.matchAll(TOKEN)) {
    if (m[1] !== undefined) variables.push(m[1]);
    else params.push(m[2]);
  }
  return { variables, params };
}

/**
 * Expands `${VAR}` and `{param}` in one pass: replacement text is never
 * scanned again, so a parameter holding `${SECRET}` stays literal.
 *
 * @example
 * ```ts
 * expandTemplate("${BASE}/items/{id}", (v) => v === "BASE" ? "https://x" : "", (p) => "42");
 * // "https://x/items/42"
 * ```
 */
export function expandTemplate(
  template: string,
  variable: (name: string) => string,
  param: (name: string) => string,
): string {
  return template.replace(
    TOKEN,
    (_m, v: string | undefined, p: string | undefined) => v !== undefined ? variable(v) : param(p!),
  );
}

/**
 * The part of a URL template before its first `{param}`, or `undefined` when
 * it has none.
 *
 * @example
 * ```ts
 * urlPrefixBeforeParams("${BASE}/items/{id}"); // "${BASE}/items/"
 * ```
 */
export function urlPrefixBeforeParams(template: string): string | undefined {
  for (const m of template.matchAll(TOKEN)) {
    if (m[2] !== undefined) return template.slice(0, m.index);
  }
  return undefined;
}

/**
 * Whether `prefix` already holds a whole origin (`scheme://host[:port]`
 * followed by `/`, `?` or `#`), so that nothing appended can change the host.
 *
 * @example
 * ```ts
 * fixesOrigin("https://api.example.com/items/"); // true
 * fixesOrigin("https://api."); // false
 * ```
 */
export function fixesOrigin(prefix: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]+[/?#]/.test(prefix);
}

/**
 * The name of the parameter when `template` is exactly one `{param}`, else
 * `undefined`.
 *
 * @example
 * ```ts
 * wholeParam("{limit}"); // "limit"
 * wholeParam("n={limit}"); // undefined
 * ```
 */
export function wholeParam(template: string): string | undefined {
  return WHOLE_PARAM.exec(template)?.[1];
}

/**
 * The value of a parameter as it goes into a string template: `""` when
 * absent, JSON for an object or array, the text of anything else.
 *
 * @example
 * ```ts
 * paramText(undefined); // ""
 * paramText({ a: 1 }); // '{"a":1}'
 * paramText(7); // "7"
 * ```
 */
export function paramText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const OMIT = Symbol("omit");

/**
 * Expands a body template: a string that is exactly `{param}` becomes the
 * parameter's own value (number, object, …; left out of its object when not
 * given, `null` in an array or as the whole body), other strings are expanded
 * as text. Object keys are not templates.
 *
 * @example
 * ```ts
 * expandBody({ q: "{name}", n: "{limit}", at: "${BASE}/x" }, (v) => "https://x", { name: "a" });
 * // { q: "a", at: "https://x/x" }
 * ```
 */
export function expandBody(
  template: unknown,
  variable: (name: string) => string,
  params: Record<string, unknown>,
): unknown {
  const expanded = expandValue(template, variable, params);
  return expanded === OMIT ? null : expanded;
}

function expandValue(
  value: unknown,
  variable: (name: string) => string,
  params: Record<string, unknown>,
): unknown {
  if (typeof value === "string") {
    const whole = wholeParam(value);
    if (whole !== undefined) {
      const v = params[whole];
      return v === undefined || v === null ? OMIT : v;
    }
    return expandTemplate(value, variable, (p) => paramText(params[p]));
  }
  if (Array.isArray(value)) {
    return value.map((v) => expandValue(v, variable, params)).map((v) => (v === OMIT ? null : v));
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const x = expandValue(v, variable, params);
      if (x !== OMIT) out[k] = x;
    }
    return out;
  }
  return value;
}
