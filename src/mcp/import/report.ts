/**
 * The human report of `mcp import` (and of `--dry-run`): per file, per
 * server, what moved, what is only warned about, what is untouched. It
 * holds no value by construction, and is masked once more with every secret
 * seen before it is shown.
 *
 * @module
 */
import { maskString } from "../../mask/policy.ts";
import type { ImportReport } from "./import.ts";

function quote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./{}-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The report as text lines (for stderr), every secret in `secrets` masked.
 *
 * @example
 * ```ts
 * io.err(formatReport(report, secrets));
 * ```
 */
export function formatReport(report: ImportReport, secrets: string[]): string {
  const lines: string[] = [];
  const verb = report.dryRun ? "would move" : "moved";
  for (const f of report.files) {
    lines.push(`${f.path} (${f.client}, ${f.scope} file)`);
    for (const s of f.servers) {
      const where = s.location === "mcpServers" || s.location === "servers"
        ? ""
        : ` [${s.location}]`;
      if (s.status === "moved") {
        lines.push(
          `  ${s.server}${where}: ${verb} ${
            s.moved.map((m) => m.place).join(", ")
          } to service ${s.service}`,
        );
        if (report.dryRun && s.command) {
          lines.push(`    would start: ${s.command.map(quote).join(" ")}`);
        }
      } else if (s.status === "warned") {
        lines.push(`  ${s.server}${where}: left as is`);
      } else {
        lines.push(`  ${s.server}${where}: untouched (no secret found)`);
      }
      for (const w of s.warnings) lines.push(`    warning: ${w}`);
    }
    if (f.backup) lines.push(`  rewritten; original saved as ${f.backup}`);
    else if (!report.dryRun && !f.changed) lines.push("  nothing to change");
  }
  if (report.dryRun) {
    lines.push("Dry run: nothing written.");
  } else if (report.files.some((f) => f.changed)) {
    lines.push(
      `Secrets stored in the ${report.store} store; services declared in ${report.userConfig}. ` +
        "Undo with: credkit mcp import --restore FILE",
    );
  }
  if (report.conflicts) {
    lines.push(
      `${report.conflicts} server(s) left unchanged: their service holds another value (rerun with --force to replace it)`,
    );
  }
  return maskString(lines.join("\n") + "\n", secrets);
}
