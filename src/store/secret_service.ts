/**
 * Reading the Secret Service (Linux) over credkit's own D-Bus client: one
 * connection per process, shared by the availability check and the reads;
 * the items of every requested account searched at once, then all their
 * secrets in one `GetSecrets` call. Also the availability check itself.
 *
 * Secrets are transferred in a `plain` session, the mode every provider
 * supports: the session bus is private to the user, and the values go into
 * a child's environment, which the user's other processes can read anyway;
 * the encrypted mode would cost the compiled binary about 2 ms and 8 MiB.
 *
 * Writes, and reads this module declines (a locked item, two items for one
 * account), stay with the native keyring binding.
 *
 * @module
 */
import { BusConnection, BusError, parseBusAddress, sessionBusAddress } from "./dbus.ts";

const SECRETS = "org.freedesktop.secrets";
const SERVICE_PATH = "/org/freedesktop/secrets";
const SERVICE_IFACE = "org.freedesktop.Secret.Service";

/** Thrown when the Secret Service cannot be reached or refuses: `message` is a short reason. */
export class SecretServiceUnavailable extends Error {
  /** Always `"SecretServiceUnavailable"`. */
  override name = "SecretServiceUnavailable";
}

/** Thrown when an item needs what this reader does not do (unlocking, ambiguity). */
export class NeedsNativeReader extends Error {
  /** Always `"NeedsNativeReader"`. */
  override name = "NeedsNativeReader";
}

function reasonFor(err: unknown, timeoutMs: number): string {
  if (err instanceof SecretServiceUnavailable) return err.message;
  if (err instanceof BusError) {
    const name = err.errorName;
    if (/ServiceUnknown|NameHasNoOwner/.test(name)) {
      return "no Secret Service provider on the session bus";
    }
    if (/Spawn\./.test(name)) return "the Secret Service provider could not be started";
    if (/NoReply|Timeout|TimedOut/.test(name)) return "the Secret Service did not answer";
    if (/AccessDenied/.test(name)) return "access to the keychain was denied";
    return err.message.split("\n")[0];
  }
  const message = err instanceof Error ? err.message : String(err);
  if (message.startsWith("no reply within")) {
    return `the Secret Service did not answer within ${timeoutMs} ms`;
  }
  return message;
}

/** Options for the functions of this module. */
export interface SecretServiceOptions {
  /** Environment with the session bus address (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Bound on each exchange, ms. */
  timeoutMs: number;
}

/** The connection and session shared by the check and the reads of this process. */
interface Shared {
  bus: Promise<BusConnection>;
  session: Promise<string>;
  users: number;
}

let shared: Shared | undefined;

function serviceCall(bus: BusConnection, member: string, sig: string, body: unknown[]) {
  return bus.call({
    destination: SECRETS,
    path: SERVICE_PATH,
    iface: SERVICE_IFACE,
    member,
    sig,
    body,
  });
}

function openShared(options: SecretServiceOptions): Shared {
  const address = sessionBusAddress(options.env);
  const target = address ? parseBusAddress(address) : undefined;
  const bus = !address
    ? Promise.reject(
      new SecretServiceUnavailable("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"),
    )
    : !target
    ? Promise.reject(new NeedsNativeReader(`a D-Bus address credkit does not speak: ${address}`))
    : BusConnection.open(target, options.timeoutMs);
  // Asked for at once: the provider opens it while the check waits on the bus.
  const session = bus.then(async (b) => {
    const [, path] = await serviceCall(b, "OpenSession", "sv", ["plain", { sig: "s", value: "" }]);
    return path as string;
  });
  session.catch(() => {/* reported to whoever awaits it */});
  return { bus, session, users: 0 };
}

function release(s: Shared): void {
  if (shared === s) shared = undefined;
  s.bus.then((b) => b.close(), () => {});
}

/**
 * Runs `fn` on this process's shared connection and session, opened on
 * first use (the availability check opens them; the reads that follow in the
 * same tick reuse them) and closed once nobody has used them for a tick.
 */
async function withSession<T>(
  options: SecretServiceOptions,
  fn: (bus: BusConnection, session: Promise<string>) => Promise<T>,
): Promise<T> {
  const s = shared ??= openShared(options);
  s.users++;
  try {
    return await fn(await s.bus, s.session);
  } catch (err) {
    if (!(err instanceof NeedsNativeReader)) release(s);
    throw err;
  } finally {
    s.users--;
    if (s.users === 0) setTimeout(() => s.users === 0 && release(s), 0);
  }
}

/**
 * Whether the Secret Service is on the session bus: `undefined` when it is,
 * else the reason (no bus, no provider, no answer within the bound). It also
 * asks for the session that the reads of this tick then use.
 *
 * @example
 * ```ts
 * const why = await checkSecretService({ timeoutMs: 2000 });
 * if (why) console.error(`keychain unavailable: ${why}`);
 * ```
 */
export async function checkSecretService(
  options: SecretServiceOptions,
): Promise<string | undefined> {
  try {
    await withSession(options, async (bus, session) => {
      // The bus itself answers this, while the provider opens the session.
      const [owned] = await bus.call({
        destination: "org.freedesktop.DBus",
        path: "/org/freedesktop/DBus",
        iface: "org.freedesktop.DBus",
        member: "NameHasOwner",
        sig: "s",
        body: [SECRETS],
      });
      if (!owned) await session; // not running yet: started on demand, or reported missing
    });
    return undefined;
  } catch (err) {
    if (err instanceof NeedsNativeReader) return undefined;
    return reasonFor(err, options.timeoutMs);
  }
}

/** Item path → account for the items of `accounts`: one search each, all in flight at once. */
async function findItems(
  bus: BusConnection,
  service: string,
  accounts: readonly string[],
): Promise<Map<string, string>> {
  const found = await Promise.all(
    accounts.map((account) =>
      serviceCall(bus, "SearchItems", "a{ss}", [[["service", service], ["username", account]]])
    ),
  );
  const byItem = new Map<string, string>();
  found.forEach(([unlocked, locked], i) => {
    const open = unlocked as string[];
    if ((locked as string[]).length > 0) throw new NeedsNativeReader("a locked item");
    if (open.length > 1) throw new NeedsNativeReader("two items for one account");
    if (open.length === 1) byItem.set(open[0], accounts[i]);
  });
  return byItem;
}

/**
 * The passwords of `accounts` under keychain service `service` (items with
 * attributes `service` and `username`, as the native binding writes them):
 * a map from account to password, without the accounts that have no item.
 * Throws {@link SecretServiceUnavailable} with a short reason, or
 * {@link NeedsNativeReader} when an item is locked or ambiguous.
 *
 * @example
 * ```ts
 * const found = await readSecretServiceItems("credkit", ["github", "aws"], { timeoutMs: 5000 });
 * found.get("github"); // '{"token":"…"}'
 * ```
 */
export async function readSecretServiceItems(
  service: string,
  accounts: readonly string[],
  options: SecretServiceOptions,
): Promise<Map<string, string>> {
  try {
    return await withSession(options, async (bus, session) => {
      const byItem = await findItems(bus, service, accounts);
      const passwords = new Map<string, string>();
      if (byItem.size === 0) return passwords;
      const [secrets] = await serviceCall(bus, "GetSecrets", "aoo", [
        [...byItem.keys()],
        await session,
      ]);
      const decoder = new TextDecoder("utf-8", { fatal: true });
      for (const [item, [, , value]] of secrets as [string, [string, Uint8Array, Uint8Array]][]) {
        passwords.set(byItem.get(item)!, decoder.decode(value));
      }
      return passwords;
    });
  } catch (err) {
    if (err instanceof NeedsNativeReader) throw err;
    if (err instanceof BusError && /IsLocked/.test(err.errorName)) {
      throw new NeedsNativeReader("a locked item");
    }
    throw new SecretServiceUnavailable(reasonFor(err, options.timeoutMs));
  }
}

/**
 * The accounts that have an item under keychain service `service` (locked
 * items included: listing reads no secret). Throws like
 * {@link readSecretServiceItems}.
 *
 * @example
 * ```ts
 * await listSecretServiceAccounts("credkit", { timeoutMs: 5000 }); // ["aws", "github"]
 * ```
 */
export async function listSecretServiceAccounts(
  service: string,
  options: SecretServiceOptions,
): Promise<string[]> {
  try {
    return await withSession(options, async (bus) => {
      const [unlocked, locked] = await serviceCall(bus, "SearchItems", "a{ss}", [[[
        "service",
        service,
      ]]]) as [string[], string[]];
      const accounts = await Promise.all([...unlocked, ...locked].map(async (item) => {
        const [attributes] = await bus.call({
          destination: SECRETS,
          path: item,
          iface: "org.freedesktop.DBus.Properties",
          member: "Get",
          sig: "ss",
          body: ["org.freedesktop.Secret.Item", "Attributes"],
        });
        const pairs = (attributes as { value: [string, string][] }).value;
        return pairs.find(([k]) => k === "username")?.[1];
      }));
      return accounts.filter((a): a is string => a !== undefined);
    });
  } catch (err) {
    if (err instanceof NeedsNativeReader) throw err;
    throw new SecretServiceUnavailable(reasonFor(err, options.timeoutMs));
  }
}
