// Backend test "s3": writes an object to S3_TEST_BUCKET on the local mock,
// signed with the AWS keys, and reads it back.
import { call, fail, need, s3Signature, seesOnly } from "./_common.mjs";

const env = need("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "S3_TEST_BUCKET");
seesOnly("aws", "s3");
const path = `/s3/${env.S3_TEST_BUCKET}/credkit-test-${Date.now()}.txt`;
const body = Buffer.from(`written by credkit test at ${new Date().toISOString()}\n`);
const headers = (method, data) => ({
  "x-mock-access-key": env.AWS_ACCESS_KEY_ID,
  "x-mock-region": env.AWS_REGION,
  "x-mock-signature": s3Signature(env.AWS_SECRET_ACCESS_KEY, method, path, data),
});
const put = await call(path, { method: "PUT", body, headers: headers("PUT", body) });
if (put.status !== 200) fail(`PUT ${path}: ${put.status} ${await put.text()}`);
const get = await call(path, { headers: headers("GET", Buffer.alloc(0)) });
const back = Buffer.from(await get.arrayBuffer());
if (get.status !== 200 || !back.equals(body)) fail(`GET ${path}: ${get.status}, content differs`);
console.log(`s3: wrote and read back ${path} in ${env.AWS_REGION}`);
