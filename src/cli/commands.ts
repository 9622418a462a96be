/**
 * The command table.
 *
 * @module
 */
import { addCommand } from "./add.ts";
import { authCommand } from "./auth.ts";
import type { Command } from "./context.ts";
import { doctorCommand } from "./doctor.ts";
import { runCommand } from "./run.ts";
import { exportCommand } from "./export.ts";
import { getCommand } from "./get.ts";
import { importCommand } from "./import.ts";
import { listCommand } from "./list.ts";
import { rmCommand } from "./rm.ts";
import { showCommand } from "./show.ts";

/** Every command, in help order. */
export const COMMANDS: Command[] = [
  addCommand,
  showCommand,
  getCommand,
  rmCommand,
  listCommand,
  exportCommand,
  importCommand,
  runCommand,
  authCommand,
  doctorCommand,
];
