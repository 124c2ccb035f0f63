/** An error of the CLI itself (bad input, no key); printed as `error: <message>` plus hints. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hints: string[] = [],
    /** See src/cli/exit-codes.ts: 1 (failure) unless said otherwise. */
    readonly exitCode: 0 | 1 | 2 | 3 | 4 | 5 = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A `--wait` (or `--timeout`) deadline passed: exit code 4. */
export class WaitTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WaitTimeout";
  }
}
