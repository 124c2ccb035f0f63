#!/usr/bin/env node
import { CommanderError } from "commander";
import { EXIT, exitCodeOf } from "./exit-codes.js";
import { buildProgram } from "./program.js";

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    // Commander printed its own message (an unknown option, a missing argument, help).
    if (err instanceof CommanderError) process.exit(exitCodeOf(err));
    console.error(`tenantry: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(EXIT.FAILURE);
  });
