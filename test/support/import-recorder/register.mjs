// `node --import <this file>`: appends the URL of every module the process loads to the
// file named by TENANTRY_RECORD_IMPORTS (test/cli.startup.test.ts checks what the CLI loads).
import { register } from "node:module";

register("./hooks.mjs", import.meta.url, { data: { file: process.env.TENANTRY_RECORD_IMPORTS } });
