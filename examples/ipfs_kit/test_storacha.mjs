// Backend test "storacha": uploads a small blob to the local mock with
// W3_TOKEN and fetches it back by CID.
import { call, fail, need, seesOnly } from "./_common.mjs";

const { W3_TOKEN } = need("W3_TOKEN");
seesOnly("storacha");
const headers = { authorization: `Bearer ${W3_TOKEN}` };
const content = `credkit storacha test ${Date.now()}`;
const up = await call("/storacha/upload", { method: "POST", body: content, headers });
if (up.status !== 200) fail(`upload: ${up.status}`);
const { cid } = await up.json();
const down = await call(`/storacha/${cid}`, { headers });
if (down.status !== 200 || (await down.text()) !== content) fail(`fetch ${cid}: ${down.status}`);
console.log(`storacha: uploaded and fetched ${cid}`);
