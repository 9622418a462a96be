/**
 * `credkit completions bash|zsh|fish`: a shell completion script built from
 * the command table (commands, their subcommands and options, global options).
 *
 * @module
 */
import { usageError } from "../errors.ts";
import { BACKEND_NAMES } from "../store/registry.ts";
import { GLOBAL_OPTIONS } from "./cli.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/** The shells a completion script can be written for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;
/** A supported shell. */
export type Shell = (typeof SHELLS)[number];

type OptionTable = Command["options"];

/** Values offered for options whose choices are fixed. */
const OPTION_VALUES: Record<string, string[]> = {
  store: [...BACKEND_NAMES],
  format: ["dotenv", "shell", "json", "github"],
};

/**
 * The subcommands a command declares (none for most).
 *
 * @example
 * ```ts
 * subcommandsOf(authCommand); // ["signin", "status", "logout", "token"]
 * ```
 */
export function subcommandsOf(command: Command): string[] {
  return [...(command.subcommands ?? [])];
}

function longOptions(options: OptionTable): string[] {
  return Object.keys(options).map((o) => `--${o}`);
}

function stringOptions(commands: Command[]): string[] {
  const names = new Set<string>();
  for (const table of [GLOBAL_OPTIONS, ...commands.map((c) => c.options)]) {
    for (const [k, v] of Object.entries(table)) if (v.type === "string") names.add(k);
  }
  return [...names].sort();
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const fishQuote = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

function bashScript(commands: Command[]): string {
  const globals = longOptions(GLOBAL_OPTIONS).join(" ");
  const strings = stringOptions(commands).map((o) => `--${o}`).join("|");
  const cases = commands.map((c) =>
    `    ${c.name}) opts=${shQuote(longOptions(c.options).join(" "))}; subs=${
      shQuote(subcommandsOf(c).join(" "))
    } ;;`
  ).join("\n");
  const valueCases = Object.entries(OPTION_VALUES).map(([o, v]) =>
    `    --${o}) COMPREPLY=($(compgen -W ${shQuote(v.join(" "))} -- "$cur")); return ;;`
  ).join("\n");
  return `# bash completion for credkit (credkit completions bash)
# Load it with:  source <(credkit completions bash)
_credkit() {
  local cur prev cmd="" sub="" i w skip=0 opts="" subs=""
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      --) return 0 ;;
      ${strings}) skip=1 ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=$w; elif [[ -z $sub ]]; then sub=$w; fi ;;
    esac
  done
  case "$prev" in
${valueCases}
    ${strings}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  local globals=${shQuote(globals)}
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "$globals" -- "$cur"))
    else
      COMPREPLY=($(compgen -W ${shQuote(commands.map((c) => c.name).join(" "))} -- "$cur"))
    fi
    return
  fi
  case "$cmd" in
${cases}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
  elif [[ -n $subs && -z $sub ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o default -F _credkit credkit
`;
}

function zshScript(commands: Command[]): string {
  const described = commands.map((c) => shQuote(`${c.name}:${c.summary}`)).join("\n    ");
  const strings = stringOptions(commands).map((o) => `--${o}`).join("|");
  const cases = commands.map((c) =>
    `    ${c.name}) opts=(${longOptions(c.options).join(" ")}); subs=(${
      subcommandsOf(c).join(" ")
    }) ;;`
  ).join("\n");
  const valueCases = Object.entries(OPTION_VALUES).map(([o, v]) =>
    `    --${o}) compadd -- ${v.join(" ")}; return ;;`
  ).join("\n");
  return `#compdef credkit
# zsh completion for credkit (credkit completions zsh)
# Load it with:  source <(credkit completions zsh)   (after compinit)
# or save it as _credkit in a directory of $fpath.
_credkit() {
  local -a commands globals opts subs
  commands=(
    ${described}
  )
  globals=(${longOptions(GLOBAL_OPTIONS).join(" ")})
  local cmd="" sub="" w i skip=0
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    if ((skip)); then skip=0; continue; fi
    case $w in
      --) return 0 ;;
      ${strings}) skip=1 ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=$w; elif [[ -z $sub ]]; then sub=$w; fi ;;
    esac
  done
  case \${words[CURRENT-1]} in
${valueCases}
    ${strings}) _files; return ;;
  esac
  if [[ -z $cmd ]]; then
    if [[ $PREFIX == -* ]]; then compadd -- $globals; else _describe 'command' commands; fi
    return
  fi
  case $cmd in
${cases}
  esac
  if [[ $PREFIX == -* ]]; then
    compadd -- $opts $globals
  elif (( \${#subs} )) && [[ -z $sub ]]; then
    compadd -- $subs
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" == "_credkit" ]]; then
  _credkit "$@"
else
  compdef _credkit credkit
fi
`;
}

function fishOptionLines(options: OptionTable, condition?: string): string[] {
  return Object.entries(options).map(([name, def]) => {
    const parts = ["complete -c credkit"];
    if (condition) parts.push(`-n ${fishQuote(condition)}`);
    parts.push(`-l ${name}`);
    if (def.short) parts.push(`-s ${def.short}`);
    if (def.type === "string") {
      parts.push(OPTION_VALUES[name] ? `-x -a ${fishQuote(OPTION_VALUES[name].join(" "))}` : "-r");
    }
    return parts.join(" ");
  });
}

function fishScript(commands: Command[]): string {
  const lines = [
    "# fish completion for credkit (credkit completions fish)",
    "# Load it with:  credkit completions fish | source",
    "# or save it as ~/.config/fish/completions/credkit.fish",
    "complete -c credkit -e",
    ...fishOptionLines(GLOBAL_OPTIONS),
  ];
  for (const c of commands) {
    lines.push(
      `complete -c credkit -f -n __fish_use_subcommand -a ${c.name} -d ${fishQuote(c.summary)}`,
    );
    const on = `__fish_seen_subcommand_from ${c.name}`;
    const subs = subcommandsOf(c);
    if (subs.length) {
      lines.push(
        `complete -c credkit -f -n ${
          fishQuote(`${on}; and not __fish_seen_subcommand_from ${subs.join(" ")}`)
        } -a ${fishQuote(subs.join(" "))}`,
      );
    }
    lines.push(...fishOptionLines(c.options, on));
  }
  return lines.join("\n") + "\n";
}

/**
 * The completion script for `shell` covering `commands`.
 *
 * @example
 * ```ts
 * const script = completionScript("bash", await loadAllCommands());
 * script.includes("complete -o default -F _credkit credkit"); // true
 * ```
 */
export function completionScript(shell: Shell, commands: Command[]): string {
  switch (shell) {
    case "bash":
      return bashScript(commands);
    case "zsh":
      return zshScript(commands);
    case "fish":
      return fishScript(commands);
  }
}

/**
 * The `completions` command: loads every command of the table and prints the
 * script for the shell named.
 *
 * @example
 * ```ts
 * await completionsCommand.run(ctx, { values: {}, positionals: ["fish"], rest: [] });
 * ```
 */
export const completionsCommand: Command & { subcommands: string[] } = {
  name: "completions",
  summary: "print a shell completion script (bash, zsh or fish)",
  subcommands: [...SHELLS],
  usage: `Usage: credkit completions bash|zsh|fish

Prints a completion script for the shell on stdout.

Examples:
  source <(credkit completions bash)                    # in ~/.bashrc
  source <(credkit completions zsh)                     # in ~/.zshrc, after compinit
  credkit completions fish > ~/.config/fish/completions/credkit.fish`,
  options: {},
  maxPositionals: 1,
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const shell = args.positionals[0];
    if (!SHELLS.includes(shell as Shell)) {
      throw usageError(
        "Cannot print completions",
        shell ? `unknown shell "${shell}"` : "no shell given",
        "use: credkit completions bash|zsh|fish",
      );
    }
    const { loadAllCommands } = await import("./commands.ts");
    ctx.io.out(completionScript(shell as Shell, await loadAllCommands()));
    return 0;
  },
};
