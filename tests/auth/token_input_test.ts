import assert from "node:assert/strict";
import { parseTokenInput } from "../../src/auth/token_input.ts";
import { CredkitError } from "../../src/errors.ts";

// Obviously fake values, built at run time.
const TOKEN_JSON = {
  access_token: "fake-access-" + "0".repeat(16),
  refresh_token: "fake-refresh-" + "1".repeat(16),
  expires_in: 3600,
  scope: "repo read:org",
  token_type: "bearer",
};

Deno.test("parseTokenInput", () => {
  assert.deepEqual(parseTokenInput(" tok \n"), { accessToken: "tok" });
  assert.equal(parseTokenInput(JSON.stringify(TOKEN_JSON)).refreshToken, TOKEN_JSON.refresh_token);
  assert.throws(() => parseTokenInput(""), CredkitError);
  assert.throws(() => parseTokenInput('{"refresh_token":"x"}'), /access_token/);
  assert.throws(() => parseTokenInput('{"access_token":"x","expires_in":"soon"}'), /expires_in/);
});

Deno.test("parseTokenInput: errors never quote the input", () => {
  const secret = "fake-" + "s".repeat(20);
  for (
    const text of [`${secret} extra`, `{${secret}`, `{"access_token":"${secret}","expires_in":"x"}`]
  ) {
    try {
      parseTokenInput(text);
      assert.fail("expected a usage error");
    } catch (err) {
      assert.ok(err instanceof CredkitError);
      assert.equal(err.exitCode, 2);
      assert.ok(!err.message.includes(secret));
    }
  }
});
