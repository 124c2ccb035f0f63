import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, LaunchOptions } from "playwright-core";
import { projectRoot } from "./cli-harness.js";

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it), or TENANTRY_TEST_CHROMIUM. */
export const CHROMIUM = process.env.TENANTRY_TEST_CHROMIUM ?? "/usr/bin/chromium";

export const chromiumAvailable = existsSync(CHROMIUM);

/** Builds the dashboard (dashboard/, as `npm run build:dashboard` does) into a scratch directory. */
export async function buildDashboard(): Promise<string> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-dashboard-"));
  await promisify(execFile)(
    process.execPath,
    [
      path.join(projectRoot, "node_modules", "vite", "bin", "vite.js"),
      "build",
      "--config",
      "dashboard/vite.config.ts",
      "--outDir",
      outDir,
      "--emptyOutDir",
      "--logLevel",
      "warn",
    ],
    { cwd: projectRoot, timeout: 120_000 },
  );
  return outDir;
}

/**
 * Chromium headless, with the flags this machine needs: no sandbox as root, and none of
 * Chromium's own network traffic (its update, sync and field-trial connections are refused
 * here, many at a time).
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  const options: LaunchOptions = {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: 60_000,
  };
  return chromium.launch(options);
}
