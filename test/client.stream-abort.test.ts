import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../src/client/index.js";

/**
 * An event stream read through the SDK ends when the caller's signal aborts, also after a
 * garbage collection. undici's Request follows the signal it was made with through a
 * WeakRef: once openapi-fetch returned the stream, nothing held that Request, a collection
 * took it, and the abort no longer reached the connection (`tenantry tenants delete
 * --wait` printed "destroyed" and never exited, on a loaded CI machine).
 */

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

let server: http.Server;
let baseUrl: string;
const open = new Set<http.ServerResponse>();

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    res.write("retry: 2000\nid: 0\n\n");
    open.add(res);
    res.on("close", () => open.delete(res));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of open) res.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function readUntilDone(stream: ReadableStream<Uint8Array>): Promise<"ended"> {
  const reader = stream.getReader();
  try {
    for (;;) if ((await reader.read()).done) return "ended";
  } catch {
    return "ended";
  }
}

describe("an event stream read through the SDK", () => {
  it("ends when the caller aborts, after garbage collections too", async () => {
    const client = createClient({ baseUrl, apiKey: "tnt_test" });
    const controller = new AbortController();
    const { data, response } = await client.GET("/v1/events", {
      headers: { accept: "text/event-stream" },
      parseAs: "stream",
      signal: controller.signal,
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(data).toBeTruthy();
    const reading = readUntilDone(data as ReadableStream<Uint8Array>);
    // What is not held is collected now, not at some later moment under load.
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    controller.abort();
    const outcome = await Promise.race([
      reading,
      new Promise<"still open">((resolve) => setTimeout(() => resolve("still open"), 3000).unref()),
    ]);
    expect(outcome).toBe("ended");
    // And the server saw the connection close.
    const deadline = Date.now() + 3000;
    while (open.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(open.size).toBe(0);
  });
});
