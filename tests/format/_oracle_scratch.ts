import fc from "fast-check";
import { formatDotenv } from "../../src/format/dotenv.ts";
import { parseWithDotenv, parseWithDotenvx, valueArb } from "./_support.ts";
const FOLLOWERS = ["", "Z='  # c'\n", 'Z="  # c"\n', "Z=`  # c`\n", "Z='\n", 'Z="\n', "Z=`\n"];
function candidates(value: string): string[] {
  return [`'${value}'`, `"${value.replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`, value, `\`${value}\``];
}
const found = new Map<string, string>();
fc.assert(fc.property(valueArb, (v) => {
  try { formatDotenv([{ name: "V", value: v }]); return true; } catch { /* refused */ }
  for (const c of candidates(v)) {
    const ok = FOLLOWERS.every((f) => { const t = `V=${c}\n${f}`; return parseWithDotenv(t).V === v && parseWithDotenvx(t).V === v; });
    if (ok) { found.set(JSON.stringify(v), c); }
  }
  return true;
}), { numRuns: 100000 });
console.log(found.size); for (const [k, c] of [...found].slice(0, 30)) console.log(k, "=>", JSON.stringify(c));
