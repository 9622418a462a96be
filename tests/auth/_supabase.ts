/**
 * A local HTTP server following Supabase Auth's (GoTrue) documented token
 * endpoint contract: `POST /auth/v1/token?grant_type=password|refresh_token`
 * with a JSON body and the project's anon key in the `apikey` header. Refresh
 * tokens are single-use: using one twice revokes its whole session family.
 * Error bodies are shaped like Supabase's (`{code, error_code, msg}`, or the
 * older `{error, error_description}`).
 *
 * @module
 */

/** Counters kept by the server. */
export interface SupabaseStats {
  passwordRequests: number;
  refreshRequests: number;
  refreshSucceeded: number;
  reuseDetected: number;
  badApiKey: number;
}

/** Options of {@link startSupabase}. */
export interface StartSupabaseOptions {
  anonKey?: string;
  users?: Record<string, string>;
  /** Access token lifetime, seconds (default 3600). */
  expiresIn?: number;
  /** `new` (default): `{code, error_code, msg}`; `old`: `{error, error_description}`. */
  errorStyle?: "new" | "old";
}

/** A running server. */
export interface SupabaseServer {
  url: string;
  anonKey: string;
  stats: SupabaseStats;
  /** Answers the next `count` token requests with `status`. */
  fault(status: number, count?: number): void;
  /** Whether `accessToken` belongs to a live session. */
  isValidAccessToken(accessToken: string): boolean;
  close(): Promise<void>;
}

const random = (n: number) => {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("");
};

/**
 * Starts the server on 127.0.0.1 (random port).
 *
 * @example
 * ```ts
 * const sb = await startSupabase({ users: { "me@example.com": "pw" } });
 * await sb.close();
 * ```
 */
export function startSupabase(options: StartSupabaseOptions = {}): Promise<SupabaseServer> {
  const anonKey = options.anonKey ?? `anon-${random(24)}`;
  const users = options.users ?? {};
  const expiresIn = options.expiresIn ?? 3600;
  const style = options.errorStyle ?? "new";
  const stats: SupabaseStats = {
    passwordRequests: 0,
    refreshRequests: 0,
    refreshSucceeded: 0,
    reuseDetected: 0,
    badApiKey: 0,
  };
  const faults: number[] = [];
  // refresh token → {session, used}; session → {email, revoked, accessTokens}
  const refreshTokens = new Map<string, { session: string; used: boolean }>();
  const sessions = new Map<string, { email: string; revoked: boolean; access: Set<string> }>();

  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    });
  const error = (status: number, code: string, msg: string) =>
    style === "new" ? json(status, { code: status, error_code: code, msg }) : json(status, {
      error: status === 400 ? "invalid_grant" : code,
      error_description: msg,
    });

  const issue = (session: string) => {
    const s = sessions.get(session)!;
    const access = `eyJ${random(40)}`;
    const refresh = random(12);
    s.access.add(access);
    refreshTokens.set(refresh, { session, used: false });
    return json(200, {
      access_token: access,
      token_type: "bearer",
      expires_in: expiresIn,
      expires_at: Math.floor(Date.now() / 1000) + expiresIn,
      refresh_token: refresh,
      user: {
        id: crypto.randomUUID(),
        aud: "authenticated",
        role: "authenticated",
        email: s.email,
      },
    });
  };

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (url.pathname !== "/auth/v1/token" || req.method !== "POST") {
      return json(404, { code: 404, error_code: "not_found", msg: "Not found" });
    }
    if (req.headers.get("apikey") !== anonKey) {
      stats.badApiKey++;
      await req.body?.cancel();
      return json(401, {
        message: "Invalid API key",
        hint: "Double check your Supabase `anon` or `service_role` API key.",
      });
    }
    const grantType = url.searchParams.get("grant_type");
    let body: Record<string, unknown>;
    try {
      body = await req.json();
    } catch {
      return error(400, "bad_json", "Could not parse request body as JSON");
    }
    if (grantType === "refresh_token") stats.refreshRequests++;
    if (grantType === "password") stats.passwordRequests++;
    const fault = faults.shift();
    if (fault !== undefined) {
      return new Response("upstream unavailable", {
        status: fault,
        headers: { "retry-after": "1" },
      });
    }
    if (grantType === "password") {
      const email = String(body.email ?? "");
      if (!email || users[email] === undefined || users[email] !== body.password) {
        return error(400, "invalid_credentials", "Invalid login credentials");
      }
      const session = crypto.randomUUID();
      sessions.set(session, { email, revoked: false, access: new Set() });
      return issue(session);
    }
    if (grantType === "refresh_token") {
      const token = String(body.refresh_token ?? "");
      const entry = refreshTokens.get(token);
      if (!entry || sessions.get(entry.session)?.revoked) {
        return error(
          400,
          "refresh_token_not_found",
          "Invalid Refresh Token: Refresh Token Not Found",
        );
      }
      if (entry.used) {
        stats.reuseDetected++;
        const s = sessions.get(entry.session)!;
        s.revoked = true;
        s.access.clear();
        return error(400, "refresh_token_already_used", "Invalid Refresh Token: Already Used");
      }
      entry.used = true;
      stats.refreshSucceeded++;
      return issue(entry.session);
    }
    return error(400, "unsupported_grant_type", `Unsupported grant type`);
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  const url = `http://127.0.0.1:${server.addr.port}`;
  return Promise.resolve({
    url,
    anonKey,
    stats,
    fault(status, count = 1) {
      for (let i = 0; i < count; i++) faults.push(status);
    },
    isValidAccessToken(accessToken) {
      for (const s of sessions.values()) {
        if (!s.revoked && s.access.has(accessToken)) return true;
      }
      return false;
    },
    close: () => server.shutdown(),
  });
}
