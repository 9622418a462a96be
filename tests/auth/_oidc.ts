/**
 * Starts the real oidc-provider test server (tests/auth/fixtures/oidc_server.mjs)
 * under node on 127.0.0.1, and talks to its test-only control endpoints.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { ServiceDef } from "../../src/catalog.ts";

/** Counters kept by the test server. */
export interface OidcStats {
  tokenRequests: number;
  refreshRequests: number;
  refreshSucceeded: number;
  refreshFailed: number;
  reuseDetected: number;
  grantsRevoked: number;
  deviceAuthorizations: number;
  devicePolls: number;
  faultsServed: number;
}

/** A token set issued by the server (RFC 6749 §5.1 shape). */
export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

/** Options of {@link startOidc}. */
export interface StartOidcOptions {
  /** Access token lifetime, seconds (default 60). */
  accessTtl?: number;
  /** Polling interval advertised by the device endpoint, seconds (default 1). */
  deviceInterval?: number;
}

/** A running oidc-provider and its control API. */
export interface OidcServer {
  port: number;
  issuer: string;
  tokenEndpoint: string;
  deviceEndpoint: string;
  /** A service definition using this server (public client `credkit-cli`). */
  service(
    name: string,
    extra?: { clientId?: string; clientSecret?: string; refreshMarginSeconds?: number },
  ): ServiceDef;
  stats(): Promise<OidcStats>;
  reset(): Promise<void>;
  seed(options?: { scope?: string; account?: string; clientId?: string }): Promise<IssuedTokens>;
  approve(userCode: string): Promise<boolean>;
  deny(userCode: string): Promise<boolean>;
  /** Answers the next `count` token requests with `status` (and `error` as JSON when given). */
  fault(
    status: number,
    options?: { count?: number; retryAfter?: number; error?: string },
  ): Promise<void>;
  /** Delays every refresh grant by `ms`. */
  delay(ms: number): Promise<void>;
  introspect(token: string): Promise<{ active: boolean; scope?: string }>;
  close(): Promise<void>;
}

const SERVER = fileURLToPath(new URL("./fixtures/oidc_server.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Starts oidc-provider in a node child process and waits for its port.
 *
 * @example
 * ```ts
 * const oidc = await startOidc({ accessTtl: 60 });
 * const tokens = await oidc.seed({ scope: "read write" });
 * await oidc.close();
 * ```
 */
export async function startOidc(options: StartOidcOptions = {}): Promise<OidcServer> {
  const child = new Deno.Command("node", {
    args: [SERVER],
    cwd: ROOT,
    env: {
      OIDC_ACCESS_TTL: String(options.accessTtl ?? 60),
      OIDC_DEVICE_INTERVAL: String(options.deviceInterval ?? 1),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (!buffer.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("oidc test server exited before printing its port");
    buffer += value;
  }
  const { port, issuer } = JSON.parse(buffer.split("\n")[0]) as { port: number; issuer: string };
  // Keep draining stdout so the child never blocks on it.
  const drain = (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* closed */ }
  })();
  const call = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${issuer}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return await res.json() as T;
  };
  return {
    port,
    issuer,
    tokenEndpoint: `${issuer}/token`,
    deviceEndpoint: `${issuer}/device/auth`,
    service(name, extra = {}) {
      return {
        name,
        fields: { token: { env: [`${name.toUpperCase()}_TOKEN`], secret: true } },
        auth: {
          type: "oauth2",
          tokenEndpoint: `${issuer}/token`,
          deviceAuthorizationEndpoint: `${issuer}/device/auth`,
          clientId: extra.clientId ?? "credkit-cli",
          clientSecret: extra.clientSecret,
          scopes: ["read", "write"],
          refreshMarginSeconds: extra.refreshMarginSeconds,
        },
      };
    },
    stats: () => call<OidcStats>("/_test/stats"),
    reset: async () => {
      await call("/_test/reset", {});
    },
    seed: (o = {}) => call<IssuedTokens>("/_test/seed", o),
    approve: async (userCode) =>
      (await call<{ ok: boolean }>("/_test/approve", { user_code: userCode })).ok,
    deny: async (userCode) =>
      (await call<{ ok: boolean }>("/_test/deny", { user_code: userCode })).ok,
    fault: async (status, o = {}) => {
      await call("/_test/fault", {
        status,
        count: o.count ?? 1,
        retryAfter: o.retryAfter,
        error: o.error,
      });
    },
    delay: async (ms) => {
      await call("/_test/delay", { ms });
    },
    introspect: (token) => call("/_test/introspect", { token }),
    async close() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
      await drain;
    },
  };
}
