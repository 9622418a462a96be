// Backend test "huggingface": authenticates against the local mock's Hub API
// with HF_TOKEN and looks up HF_TEST_REPO.
import { call, fail, need, seesOnly } from "./_common.mjs";

const { HF_TOKEN, HF_TEST_REPO } = need("HF_TOKEN", "HF_TEST_REPO");
seesOnly("huggingface");
const headers = { authorization: `Bearer ${HF_TOKEN}` };
const who = await call("/hf/api/whoami-v2", { headers });
if (who.status !== 200) fail(`whoami-v2 answered ${who.status}`);
console.log(`huggingface: signed in as ${(await who.json()).name}`);
const repo = await call(`/hf/api/models/${HF_TEST_REPO}`, { headers });
if (repo.status !== 200) fail(`repository ${HF_TEST_REPO}: ${repo.status}`);
console.log(`huggingface: repository ${HF_TEST_REPO} found`);
