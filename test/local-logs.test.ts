import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logLines } from "../src/providers/local/log-files.js";

/**
 * The local target's `Provider.logs`: lines of a resource's log files as an async
 * iterable, the tail then (following) new lines, ending without `follow` or on the signal.
 * test/http.logs.test.ts runs it behind the API.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "tenantry-logs-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe("local log lines", () => {
  it("yields the last lines overall, sources in order, and ends when not following", async () => {
    const build = path.join(dir, "build.log");
    const run = path.join(dir, "runtime.log");
    await writeFile(build, "b1\nb2\n");
    await writeFile(run, "r1\nr2\nr3\n");
    const sources = [
      { prefix: "build", file: build },
      { prefix: "bootstrap", file: path.join(dir, "missing.log") },
      { prefix: "run", file: run },
    ];
    expect(await collect(logLines(sources, { tail: 4 }))).toEqual([
      "[build] b2",
      "[run] r1",
      "[run] r2",
      "[run] r3",
    ]);
    expect(await collect(logLines(sources, { tail: 0 }))).toEqual([]);
  });

  it("follows new complete lines until the signal aborts", async () => {
    const run = path.join(dir, "follow.log");
    await writeFile(run, "old\n");
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const line of logLines([{ prefix: "run", file: run }], {
        tail: 1,
        follow: true,
        signal: controller.signal,
        pollMs: 20,
      })) {
        seen.push(line);
      }
    })();
    await new Promise((r) => setTimeout(r, 60));
    await appendFile(run, "new one\npart");
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(["[run] old", "[run] new one"]);
    await appendFile(run, "ial\n");
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(["[run] old", "[run] new one", "[run] partial"]);
    controller.abort();
    await done; // the iterable ends with the signal
  });
});
