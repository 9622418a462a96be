/**
 * Gate for tests that need a real keychain.
 *
 * When no keychain is reachable, such tests are registered as ignored and the
 * reason is printed on stderr (never a silent skip); with
 * `CREDKIT_REQUIRE_KEYCHAIN=1` they are registered as failing instead.
 *
 * Run them inside a session bus with an unlocked keyring:
 *
 * ```sh
 * dbus-run-session -- sh -c 'export $(echo -n test | gnome-keyring-daemon --unlock \
 *   --replace --components=secrets --daemonize | xargs); deno test -A tests/store/'
 * ```
 *
 * @module
 */
import process from "node:process";
import { KeychainBackend, probeKeychain } from "../src/store/keychain.ts";

/** Whether the keychain tests can run here. */
export interface KeychainAvailability {
  /** A keychain answered a search and accepted a write and a delete. */
  available: boolean;
  /** The platform keychain, e.g. `"secret-service"`. */
  backend: string;
  /** Why it is not available. */
  reason?: string;
  /** `CREDKIT_REQUIRE_KEYCHAIN=1`: a missing keychain fails the tests. */
  required: boolean;
}

let cached: Promise<KeychainAvailability> | undefined;

async function detect(): Promise<KeychainAvailability> {
  const required = process.env.CREDKIT_REQUIRE_KEYCHAIN === "1";
  const service = `credkit-gate-${process.pid}-${Date.now().toString(36)}`;
  const probe = await probeKeychain({ service, timeoutMs: 3000 });
  if (!probe.available) return { ...probe, required };
  // A locked keyring answers searches but refuses writes: try one.
  const keychain = new KeychainBackend({ service, timeoutMs: 3000 });
  try {
    await keychain.set("gate", { probe: "1" });
    await keychain.remove("gate");
    return { available: true, backend: probe.backend, required };
  } catch (err) {
    const reason = (err as { why?: string }).why ?? String(err);
    return { available: false, backend: probe.backend, reason, required };
  }
}

/**
 * Probes the keychain once per test process and reports on stderr when the
 * keychain tests will be skipped (or fail, when required).
 *
 * @example
 * ```ts
 * const keychain = await keychainAvailability();
 * Deno.test({ name: "x", ignore: !keychain.available, fn: () => {} });
 * ```
 */
export function keychainAvailability(): Promise<KeychainAvailability> {
  cached ??= detect().then((a) => {
    if (!a.available) {
      const verdict = a.required ? "FAIL (CREDKIT_REQUIRE_KEYCHAIN=1)" : "are SKIPPED";
      console.error(
        `keychain tests ${verdict}: no usable keychain (${a.backend}): ${a.reason ?? "unknown"}`,
      );
    }
    return a;
  });
  return cached;
}

/**
 * Registers a test that needs the keychain: run when one is available,
 * ignored (reason already printed) when not, failing when required.
 *
 * @example
 * ```ts
 * const keychain = await keychainAvailability();
 * keychainTest(keychain, "set then get", async () => { ... });
 * ```
 */
export function keychainTest(
  availability: KeychainAvailability,
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): void {
  if (availability.available) {
    Deno.test(name, fn);
  } else if (availability.required) {
    Deno.test(name, () => {
      throw new Error(
        `a keychain is required (CREDKIT_REQUIRE_KEYCHAIN=1) but none is usable: ${availability.reason}`,
      );
    });
  } else {
    Deno.test({ name: `${name} (no keychain: ${availability.reason})`, ignore: true, fn });
  }
}
