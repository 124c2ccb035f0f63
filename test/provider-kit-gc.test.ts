import net from "node:net";
import v8 from "node:v8";
import vm from "node:vm";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { AbortedError } from "../src/engine/aborted.js";
import { providerContext } from "../src/providers/context.js";
import { RenderClient } from "../src/providers/render/client.js";

/**
 * A request to a platform that never answers ends at its action's deadline also under
 * garbage-collection pressure. With AbortSignal.timeout() behind AbortSignal.any() it did
 * not: the timeout signal was collected and the request outlived the deadline (it failed
 * once in CI, and here every time).
 */
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

describe("the provider kit's HTTP client under GC pressure", () => {
  it("ends a request that gets no answer at the action's deadline, every time", async () => {
    const silent = net.createServer(() => {
      // accepts, never answers
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    const { port } = silent.address() as net.AddressInfo;
    const client = new RenderClient({
      apiKey: "k",
      baseUrl: `http://127.0.0.1:${port}/v1`,
      timeoutMs: 30_000,
    });
    const logger = pino({ level: "silent" });
    const collector = setInterval(gc, 5);
    try {
      for (let round = 0; round < 10; round++) {
        const started = Date.now();
        const ctx = providerContext({
          tenant: { id: "t", slug: "t", name: "t", organizationId: "o" },
          installationId: "i",
          logger,
          deadline: Date.now() + 200,
        });
        const outcome = await Promise.race([
          client.get("/owners", { ctx }).catch((e: unknown) => e),
          new Promise((resolve) => setTimeout(() => resolve("still waiting after 3 s"), 3000).unref()),
        ]);
        expect(outcome, `round ${round}`).toBeInstanceOf(AbortedError);
        expect(Date.now() - started).toBeLessThan(2000);
      }
    } finally {
      clearInterval(collector);
      silent.close();
    }
  }, 60_000);
});
