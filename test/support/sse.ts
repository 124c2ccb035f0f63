import http from "node:http";

/** One server-sent message as received: its fields, or a comment (`: keepalive`). */
export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/**
 * A server-sent events connection for tests (node:http, a connection of its own): the
 * status and headers, every message received so far, and `until` to wait for one.
 */
export interface SseConnection {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body when the answer is not a stream (a problem). */
  body: () => Promise<string>;
  messages: SseMessage[];
  /** The events (messages with data), `data` parsed. */
  events(): { id: number; event: string; data: any }[];
  /** Waits until `check` holds for the messages received, or fails after `timeoutMs`. */
  until(check: (messages: SseMessage[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  close(): void;
}

export function parseSse(block: string): SseMessage {
  const m: SseMessage = {};
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) {
      m.comment = line.slice(1).trim();
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") m.data = m.data === undefined ? value : `${m.data}\n${value}`;
    else if (field === "id" || field === "event" || field === "retry") m[field] = value;
  }
  return m;
}

export function openSse(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): Promise<SseConnection> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: u.hostname,
        port: u.port,
        path,
        headers: { accept: "text/event-stream", ...headers },
        agent: false,
      },
      (res) => {
        const messages: SseMessage[] = [];
        let buffer = "";
        let raw = "";
        const waiters = new Set<() => void>();
        const ended = new Promise<void>((done) => {
          res.on("end", () => done());
          res.on("close", () => done());
          res.on("error", () => done());
        });
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          raw += chunk;
          buffer += chunk;
          for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
            messages.push(parseSse(buffer.slice(0, end)));
            buffer = buffer.slice(end + 2);
          }
          for (const w of waiters) w();
        });
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: async () => {
            await ended;
            return raw;
          },
          messages,
          events: () =>
            messages
              .filter((m) => m.data !== undefined)
              .map((m) => ({
                id: Number(m.id),
                event: m.event ?? "message",
                data: JSON.parse(m.data ?? "null"),
              })),
          ended,
          until(check, timeoutMs = 10_000, what = "a message") {
            if (check(messages)) return Promise.resolve();
            return new Promise((done, fail) => {
              const timer = setTimeout(() => {
                waiters.delete(waiter);
                fail(new Error(`timed out waiting for ${what}; received ${JSON.stringify(messages)}`));
              }, timeoutMs);
              const waiter = () => {
                if (!check(messages)) return;
                clearTimeout(timer);
                waiters.delete(waiter);
                done();
              };
              waiters.add(waiter);
            });
          },
          close: () => {
            req.destroy();
            res.destroy();
          },
        });
      },
    );
    req.on("error", reject);
  });
}
