/**
 * Service definitions: the built-in catalog, and the shape user services from
 * credkit.json take once loaded.
 *
 * @module
 */

/** One field of a service and the environment variables it feeds. */
export interface FieldDef {
  /** Variables that receive the value; the first is the canonical one. */
  env: string[];
  /** Secret fields are masked in `show`, never logged, and masked in child output. */
  secret: boolean;
  /** Value used when no store and no variable has one. */
  default?: string;
}

/** OAuth 2 (refresh token grant, RFC 8628 device flow) settings. */
export interface OAuth2AuthConfig {
  type: "oauth2";
  tokenEndpoint: string;
  deviceAuthorizationEndpoint?: string;
  clientId: string;
  clientSecret?: string;
  scopes?: string[];
  /** Refresh this many seconds before expiry (default 60). */
  refreshMarginSeconds?: number;
}

/** Supabase GoTrue settings: URL and anon key come from the service's `url` and `anon_key` fields. */
export interface SupabaseAuthConfig {
  type: "supabase";
  refreshMarginSeconds?: number;
}

/** How a service's user tokens are obtained and refreshed. */
export type AuthConfig = OAuth2AuthConfig | SupabaseAuthConfig;

/** A service: its fields and optional token auth. */
export interface ServiceDef {
  name: string;
  description?: string;
  fields: Record<string, FieldDef>;
  auth?: AuthConfig;
}

const secret = (...env: string[]): FieldDef => ({ env, secret: true });
const plain = (env: string[], def?: string): FieldDef => ({ env, secret: false, default: def });

/**
 * The built-in services (DESIGN.md, "Service catalog").
 *
 * @example
 * ```ts
 * BUILTIN_SERVICES.aws.fields.region.default; // "us-east-1"
 * ```
 */
export const BUILTIN_SERVICES: Readonly<Record<string, ServiceDef>> = {
  huggingface: {
    name: "huggingface",
    description: "Hugging Face Hub",
    fields: {
      token: secret("HUGGINGFACE_TOKEN", "HF_TOKEN"),
      test_repo: plain(["HF_TEST_REPO"]),
    },
  },
  aws: {
    name: "aws",
    description: "Amazon Web Services",
    fields: {
      access_key_id: secret("AWS_ACCESS_KEY_ID"),
      secret_access_key: secret("AWS_SECRET_ACCESS_KEY"),
      region: plain(["AWS_REGION"], "us-east-1"),
    },
  },
  s3: {
    name: "s3",
    description: "S3 test bucket",
    fields: { test_bucket: plain(["S3_TEST_BUCKET"]) },
  },
  storacha: {
    name: "storacha",
    description: "Storacha (web3.storage)",
    fields: { token: secret("W3_TOKEN") },
  },
  supabase: {
    name: "supabase",
    description: "Supabase project",
    fields: {
      url: plain(["SUPABASE_URL"]),
      anon_key: plain(["SUPABASE_ANON_KEY"]),
    },
    auth: { type: "supabase" },
  },
  github: {
    name: "github",
    description: "GitHub",
    fields: { token: secret("GITHUB_TOKEN", "GITHUB_PERSONAL_ACCESS_TOKEN") },
  },
};
