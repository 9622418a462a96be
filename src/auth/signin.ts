/**
 * What `credkit auth signin` does to get a token: read one from stdin, sign in
 * to Supabase with an e-mail and password, or run the OAuth device flow
 * (RFC 8628), as the service's `auth` settings say. Storing it is the
 * caller's; errors never quote what was read.
 *
 * @module
 */
import type { ServiceDef } from "../catalog.ts";
import type { Context } from "../cli/context.ts";
import { usageError } from "../errors.ts";
import { resolveServiceField } from "./context_store.ts";
import { deviceSignin } from "./oauth2.ts";
import { supabaseProject, supabaseSignin } from "./supabase.ts";
import { parseTokenInput } from "./token_input.ts";
import type { TokenSet } from "./token_types.ts";

/** How to sign in, as `credkit auth signin` was asked. */
export interface SigninChoices {
  /** `--email E` (Supabase); prompted for on a terminal when absent. */
  email?: string;
  /** Read the password (Supabase) from stdin. */
  passwordStdin: boolean;
  /** Read a bare token or a JSON token response from stdin. */
  tokenStdin: boolean;
  /** The OAuth 2 device flow. */
  device: boolean;
  /** Scopes to ask for; `undefined` for the service's own. */
  scopes?: string[];
}

async function readPassword(
  ctx: Context,
  opts: SigninChoices,
  service: string,
): Promise<string> {
  if (opts.passwordStdin) {
    const text = (await ctx.io.readStdin()).replace(/\r?\n$/, "");
    if (!text) throw usageError(`Cannot sign in to ${service}`, "stdin is empty");
    return text;
  }
  if (ctx.globals.noInput) {
    throw usageError(
      `Cannot sign in to ${service}`,
      "no password and prompting is off",
      "pipe it with --password-stdin",
    );
  }
  const password = await ctx.io.prompt("Password: ", { hidden: true });
  if (!password) throw usageError(`Cannot sign in to ${service}`, "empty password");
  return password;
}

/**
 * The token a sign-in yields for `def`, from the options of `auth signin`.
 *
 * @example
 * ```ts
 * const token = await obtainToken(ctx, services.supabase, { email: "me@x.org", passwordStdin: true, tokenStdin: false, device: false });
 * ```
 */
export async function obtainToken(
  ctx: Context,
  def: ServiceDef,
  opts: SigninChoices,
): Promise<TokenSet> {
  const service = def.name;
  const scopes = opts.scopes;
  let token: TokenSet;
  if (opts.tokenStdin) {
    token = parseTokenInput(await ctx.io.readStdin());
  } else if (def.auth?.type === "supabase") {
    if (opts.device) {
      throw usageError(`Cannot sign in to ${service} with --device`, "Supabase has no device flow");
    }
    let email = opts.email;
    if (!email) {
      if (ctx.globals.noInput) {
        throw usageError(`Cannot sign in to ${service}`, "no e-mail address", "pass --email");
      }
      email = (await ctx.io.prompt("Email: ")).trim();
      if (!email) throw usageError(`Cannot sign in to ${service}`, "no e-mail address");
    }
    const password = await readPassword(ctx, opts, service);
    const resolve = (s: string, f: string) => resolveServiceField(ctx, s, f);
    token = await supabaseSignin({
      service,
      project: await supabaseProject(service, def, resolve),
      email,
      password,
      fetch: ctx.fetch,
      clock: ctx.clock,
    });
  } else if (def.auth?.type === "oauth2") {
    if (opts.passwordStdin) {
      throw usageError(`Cannot sign in to ${service}`, "--password-stdin is for Supabase services");
    }
    if (!def.auth.deviceAuthorizationEndpoint) {
      throw usageError(
        `Cannot sign in to ${service}`,
        "its auth settings have no deviceAuthorizationEndpoint",
        `pipe a token with: credkit auth signin ${service} --token-stdin`,
      );
    }
    token = await deviceSignin({
      service,
      config: def.auth,
      scopes,
      fetch: ctx.fetch,
      clock: ctx.clock,
      onPrompt: (p) => {
        ctx.io.err(
          `To sign in to ${service}, open ${p.verificationUri} and enter the code ${p.userCode}\n` +
            (p.verificationUriComplete ? `(or open ${p.verificationUriComplete})\n` : "") +
            `Waiting for approval (the code expires in ${Math.round(p.expiresIn / 60)} min)…\n`,
        );
      },
    });
  } else {
    throw usageError(
      `Cannot sign in to ${service}`,
      "the service has no auth settings",
      `pipe a token with: credkit auth signin ${service} --token-stdin`,
    );
  }
  return token;
}
