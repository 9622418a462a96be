// Shared by the ipfs_kit backend tests: where the local mock listens, and
// small checks. Nothing here talks to the internet.
import { createHash, createHmac } from "node:crypto";
import process from "node:process";

/** Base URL of the local mock (mock_server.mjs). */
export const BASE = process.env.IPFS_KIT_MOCK_URL ||
  `http://127.0.0.1:${process.env.IPFS_KIT_MOCK_PORT || "8765"}`;

/** Every credential variable of the ipfs_kit services. */
const ALL = {
  huggingface: ["HUGGINGFACE_TOKEN", "HF_TOKEN", "HF_TEST_REPO"],
  aws: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"],
  s3: ["S3_TEST_BUCKET"],
  storacha: ["W3_TOKEN"],
};

/** Prints why and exits 1. */
export function fail(why) {
  console.error(`FAIL: ${why}`);
  process.exit(1);
}

/** The variables this backend needs; fails naming the first one missing. */
export function need(...names) {
  const out = {};
  for (const n of names) {
    const v = process.env[n];
    if (v === undefined || v === "") fail(`${n} is not set`);
    out[n] = v;
  }
  return out;
}

/** Fails when a variable of another service is visible (credkit test must hide them). */
export function seesOnly(...services) {
  for (const [svc, vars] of Object.entries(ALL)) {
    if (services.includes(svc)) continue;
    for (const v of vars) {
      if (process.env[v] !== undefined) fail(`${v} of ${svc} is visible to this backend`);
    }
  }
}

/** fetch with a timeout and a readable error when the mock is not running. */
export async function call(path, init = {}) {
  try {
    return await fetch(`${BASE}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
  } catch (err) {
    fail(
      `cannot reach ${BASE}${path}: ${err.message} (start it: credkit server start ipfs-kit-mock)`,
    );
  }
}

/** The request signature the mock's S3 endpoint checks (a stand-in for SigV4). */
export function s3Signature(secret, method, path, body) {
  const digest = createHash("sha256").update(body).digest("hex");
  return createHmac("sha256", secret).update(`${method}\n${path}\n${digest}`).digest("hex");
}
