import type { Command, Option } from "commander";

/**
 * Shell completion scripts generated from the commander program itself (commands,
 * subcommands, options, their choices), so they stay current with the CLI:
 * `tenantry completion bash|zsh|fish`. Each script finds the command path typed so far
 * (skipping options and the values of options that take one) and offers its subcommands,
 * its options (after `-`), an option's choices, file names for file arguments, and the
 * config's context names for `--context` and `config use-context|delete-context`.
 */

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

interface OptionSpec {
  flags: string[];
  description: string;
  takesValue: boolean;
  choices: string[];
  /** The value is a file (or a blueprint file). */
  file: boolean;
  /** `--context`: the config's contexts. */
  contexts: boolean;
}

interface CommandSpec {
  /** `""` for the program, `tenants list` for a subcommand. */
  path: string;
  description: string;
  commands: { name: string; description: string }[];
  options: OptionSpec[];
  /** What the arguments are: `@files` (`blueprints validate FILE…`), `@contexts`, choices, or nothing. */
  args: string;
}

function optionSpec(o: Option): OptionSpec {
  const flags = [o.short, o.long].filter((f): f is string => Boolean(f));
  return {
    flags,
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices ?? [],
    file: /<(file|files\.\.\.|ref)>/.test(o.flags),
    contexts: o.long === "--context",
  };
}

const HELP: OptionSpec = {
  flags: ["-h", "--help"],
  description: "display help for command",
  takesValue: false,
  choices: [],
  file: false,
  contexts: false,
};

/** Every command of the program with its subcommands and options (the program's own options everywhere). */
export function describeProgram(program: Command): CommandSpec[] {
  const global = program.options.filter((o) => o.long !== "--version").map(optionSpec);
  const out: CommandSpec[] = [];
  const visit = (cmd: Command, path: string) => {
    const own = cmd.options.map(optionSpec);
    const args = cmd.registeredArguments;
    out.push({
      path,
      description: cmd.description(),
      commands: cmd.commands.map((c) => ({ name: c.name(), description: c.description() })),
      options: [...own, ...(cmd === program ? [] : global), HELP],
      args:
        path === "config use-context" || path === "config delete-context"
          ? "@contexts"
          : args.some((a) => /file/i.test(a.name()))
            ? "@files"
            : (args[0]?.argChoices ?? []).join(" "),
    });
    for (const sub of cmd.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(program, "");
  return out;
}

/** A single-quoted shell word. */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** A shell function name part: `tenantry` → `tenantry`, `my-cli` → `my_cli`. */
const ident = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");

const valueFlags = (c: CommandSpec) => c.options.filter((o) => o.takesValue).flatMap((o) => o.flags);
const allFlags = (c: CommandSpec) => c.options.flatMap((o) => o.flags);

/** `case` arms of a bash/zsh function answering one line of words for a command path. */
function caseArms(specs: CommandSpec[], words: (c: CommandSpec) => string[]): string {
  return specs.map((c) => `    ${quote(c.path)}) echo ${quote(words(c).join(" "))} ;;`).join("\n");
}

function choiceArms(specs: CommandSpec[]): string {
  const arms: string[] = [];
  for (const c of specs) {
    for (const o of c.options) {
      if (!o.takesValue) continue;
      const kind =
        o.choices.length > 0
          ? `echo ${quote(o.choices.join(" "))}`
          : o.contexts
            ? "echo @contexts"
            : o.file
              ? "echo @files"
              : "echo";
      arms.push(`    ${o.flags.map((f) => quote(`${c.path}|${f}`)).join("|")}) ${kind} ;;`);
    }
  }
  return arms.join("\n");
}

/** The functions bash and zsh share: the command tree as `case` statements. */
function sharedFunctions(name: string, specs: CommandSpec[]): string {
  const f = `_${ident(name)}`;
  return `${f}_subcommands() {
  case "$1" in
${caseArms(specs, (c) => c.commands.map((s) => s.name))}
  esac
}
${f}_options() {
  case "$1" in
${caseArms(specs, allFlags)}
  esac
}
${f}_value_options() {
  case "$1" in
${caseArms(specs, valueFlags)}
  esac
}
# An option's values: its choices, @files, @contexts, or nothing.
${f}_choices() {
  case "$1|$2" in
${choiceArms(specs)}
  esac
}
${f}_args() {
  case "$1" in
${specs
  .filter((c) => c.args !== "")
  .map((c) => `    ${quote(c.path)}) echo ${quote(c.args)} ;;`)
  .join("\n")}
  esac
}
${f}_contexts() {
  ${name} config get-contexts -o name 2>/dev/null | sed 's|^context/||'
}
# The command path typed before the current word, and whether that word is an option's value.
${f}_path() {
  local i w expect=""
  ${f}_cmd_path=""
  ${f}_expect_value=""
  for ((i = $1; i < $2; i++)); do
    w="\${${f}_words[i]}"
    if [[ -n "$expect" ]]; then expect=""; continue; fi
    if [[ "$w" == -* ]]; then
      if [[ "$w" != *=* && " $(${f}_value_options "$${f}_cmd_path") " == *" $w "* ]]; then expect=1; fi
      continue
    fi
    if [[ " $(${f}_subcommands "$${f}_cmd_path") " == *" $w "* ]]; then
      ${f}_cmd_path="\${${f}_cmd_path:+$${f}_cmd_path }$w"
    elif [[ -n "$(${f}_subcommands "$${f}_cmd_path")" ]]; then
      # Not a command of a command that has commands: nothing to offer after it.
      ${f}_cmd_path="@unknown"
    fi
  done
  ${f}_expect_value="$expect"
}`;
}

export function bashScript(name: string, specs: CommandSpec[]): string {
  const f = `_${ident(name)}`;
  return `# ${name} completion for bash, generated by \`${name} completion bash\`.
# Load it now:    source <(${name} completion bash)
# Or for good:    ${name} completion bash > ~/.local/share/bash-completion/completions/${name}
${sharedFunctions(name, specs)}
${f}_words_of() {
  case "$1" in
    @files) compgen -f -- "$2" ;;
    @contexts) compgen -W "$(${f}_contexts)" -- "$2" ;;
    *) compgen -W "$1" -- "$2" ;;
  esac
}
${f}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" words
  ${f}_words=("\${COMP_WORDS[@]}")
  ${f}_path 1 "$COMP_CWORD"
  local path="$${f}_cmd_path"
  if [[ -n "$${f}_expect_value" ]]; then
    words="$(${f}_choices "$path" "$prev")"
    COMPREPLY=($(${f}_words_of "$words" "$cur"))
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(${f}_options "$path")" -- "$cur"))
  elif [[ -n "$(${f}_subcommands "$path")" ]]; then
    COMPREPLY=($(compgen -W "$(${f}_subcommands "$path")" -- "$cur"))
  else
    words="$(${f}_args "$path")"
    if [[ -n "$words" ]]; then COMPREPLY=($(${f}_words_of "$words" "$cur")); else COMPREPLY=(); fi
  fi
  return 0
}
complete -o default -F ${f} ${name}
`;
}

export function zshScript(name: string, specs: CommandSpec[]): string {
  const f = `_${ident(name)}`;
  const described = (items: { name: string; description: string }[]) =>
    items.map((i) => quote(`${i.name.replace(/:/g, "\\:")}:${i.description.replace(/\n/g, " ")}`)).join(" ");
  const descArms = specs
    .map((c) => `    ${quote(c.path)}) ${f}_described=(${described(c.commands)}) ;;`)
    .join("\n");
  const optArms = specs
    .map(
      (c) =>
        `    ${quote(c.path)}) ${f}_described=(${described(
          c.options.flatMap((o) => o.flags.map((flag) => ({ name: flag, description: o.description }))),
        )}) ;;`,
    )
    .join("\n");
  return `#compdef ${name}
# ${name} completion for zsh, generated by \`${name} completion zsh\`.
# Load it now:    source <(${name} completion zsh)
# Or for good:    ${name} completion zsh > "\${fpath[1]}/_${name}"
${sharedFunctions(name, specs)}
${f}_describe_commands() {
  ${f}_described=()
  case "$1" in
${descArms}
  esac
}
${f}_describe_options() {
  ${f}_described=()
  case "$1" in
${optArms}
  esac
}
${f}() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" values
  local -a ${f}_described
  ${f}_words=("\${words[@]}")
  ${f}_path 2 "$CURRENT"
  local cmdpath="$${f}_cmd_path"
  if [[ -n "$${f}_expect_value" ]]; then
    values="$(${f}_choices "$cmdpath" "$prev")"
    case "$values" in
      @files) _files ;;
      @contexts) compadd -- \${(f)"$(${f}_contexts)"} ;;
      *) [[ -n "$values" ]] && compadd -- \${=values} ;;
    esac
  elif [[ "$cur" == -* ]]; then
    ${f}_describe_options "$cmdpath"
    _describe -t options option ${f}_described
  elif [[ -n "$(${f}_subcommands "$cmdpath")" ]]; then
    ${f}_describe_commands "$cmdpath"
    _describe -t commands command ${f}_described
  else
    values="$(${f}_args "$cmdpath")"
    case "$values" in
      @files) _files ;;
      @contexts) compadd -- \${(f)"$(${f}_contexts)"} ;;
      *) [[ -n "$values" ]] && compadd -- \${=values} ;;
    esac
  fi
}
if [[ "$funcstack[1]" == "${f}" ]]; then ${f} "$@"; else compdef ${f} ${name}; fi
`;
}

/** A fish single-quoted word (fish escapes `\\` and `\'` inside single quotes). */
const fishQuote = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

export function fishScript(name: string, specs: CommandSpec[]): string {
  const f = `__${ident(name)}`;
  const quote = fishQuote;
  const switchOf = (fn: string, words: (c: CommandSpec) => string[]) =>
    `function ${f}_${fn}\n    switch "$argv[1]"\n${specs
      .map((c) => `        case ${quote(c.path)}\n            echo ${quote(words(c).join(" "))}`)
      .join("\n")}\n    end\nend`;
  const lines: string[] = [
    `# ${name} completion for fish, generated by \`${name} completion fish\`.`,
    `# Load it now:    ${name} completion fish | source`,
    `# Or for good:    ${name} completion fish > ~/.config/fish/completions/${name}.fish`,
    switchOf("subcommands", (c) => c.commands.map((s) => s.name)),
    switchOf("value_options", valueFlags),
    `# The command path typed so far (options and their values skipped).
function ${f}_path
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cmdpath ''
    set -l expect 0
    for w in $tokens
        if test $expect = 1
            set expect 0
            continue
        end
        if string match -q -- '-*' $w
            if not string match -q -- '*=*' $w; and contains -- $w (string split ' ' (${f}_value_options "$cmdpath"))
                set expect 1
            end
            continue
        end
        set -l subs (string split ' ' (${f}_subcommands "$cmdpath"))
        if contains -- $w $subs
            set cmdpath (string trim -- "$cmdpath $w")
        else if test -n "$subs"
            set cmdpath '@unknown'
        end
    end
    echo $cmdpath
end`,
    `function ${f}_at
    set -l cmdpath (${f}_path)
    test "$cmdpath" = "$argv[1]"
end`,
    `function ${f}_contexts
    ${name} config get-contexts -o name 2>/dev/null | string replace -r '^context/' ''
end`,
    `complete -c ${name} -f`,
  ];
  const desc = (s: string) => quote(s.replace(/\n/g, " "));
  for (const c of specs) {
    const cond = `-n ${quote(`${f}_at ${quote(c.path)}`)}`;
    for (const s of c.commands)
      lines.push(`complete -c ${name} ${cond} -a ${quote(s.name)} -d ${desc(s.description)}`);
    for (const o of c.options) {
      const parts = [`complete -c ${name}`, cond];
      for (const flag of o.flags) {
        if (flag.startsWith("--")) parts.push(`-l ${flag.slice(2)}`);
        else parts.push(`-s ${flag.slice(1)}`);
      }
      if (o.takesValue) {
        if (o.choices.length > 0) parts.push(`-x -a ${quote(o.choices.join(" "))}`);
        else if (o.contexts) parts.push(`-x -a ${quote(`(${f}_contexts)`)}`);
        else if (o.file) parts.push("-r -F");
        else parts.push("-x");
      }
      parts.push(`-d ${desc(o.description)}`);
      lines.push(parts.join(" "));
    }
    if (c.args === "@files") lines.push(`complete -c ${name} ${cond} -F`);
    else if (c.args === "@contexts") lines.push(`complete -c ${name} ${cond} -a ${quote(`(${f}_contexts)`)}`);
    else if (c.args !== "") lines.push(`complete -c ${name} ${cond} -a ${quote(c.args)}`);
  }
  return `${lines.join("\n")}\n`;
}

export function completionScript(shell: Shell, program: Command): string {
  const specs = describeProgram(program);
  const name = program.name();
  if (shell === "bash") return bashScript(name, specs);
  if (shell === "zsh") return zshScript(name, specs);
  return fishScript(name, specs);
}
