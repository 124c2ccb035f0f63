import { Argument, type Command } from "commander";
import { completionScript, SHELLS, type Shell } from "../completion.js";

/** `tenantry completion bash|zsh|fish`: a completion script made from the program's commands. */
export function registerCompletionCommand(program: Command): void {
  program
    .command("completion")
    .description("print a shell completion script (bash, zsh or fish), generated from the commands")
    .addHelpText(
      "after",
      `
Load it in the current shell:
  bash:  source <(tenantry completion bash)
  zsh:   source <(tenantry completion zsh)      (after compinit)
  fish:  tenantry completion fish | source`,
    )
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(SHELLS))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell, program));
    });
}
