import { useEffect, useRef, useState } from "preact/hooks";
import { type SseMessage, SseParser } from "../../src/client/index.js";
import { getSession } from "./session.js";

/**
 * Server-sent events with the session's key. `EventSource` cannot send an `Authorization`
 * header, so the stream is read with `fetch`; like an EventSource it reconnects after a
 * loss (backing off up to 10 s) with `Last-Event-ID`, so no event is missed or repeated.
 */
/** `stopped`: the server refused the stream (the key was revoked, the tenant is not there). */
export type LiveState = "connecting" | "live" | "reconnecting" | "stopped";

export interface StreamOptions {
  /** `/v1/events`, `/v1/tenants/{id}/events`, or a resource's logs. */
  path: string;
  onMessage(message: SseMessage): void;
  onState?(state: LiveState): void;
  /** Resume after this event id. */
  after?: number;
  signal: AbortSignal;
}

export async function followStream(options: StreamOptions): Promise<void> {
  let last = options.after;
  let attempt = 0;
  while (!options.signal.aborted) {
    options.onState?.(attempt === 0 ? "connecting" : "reconnecting");
    try {
      const apiKey = getSession()?.apiKey;
      const response = await fetch(options.path, {
        headers: {
          accept: "text/event-stream",
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
          ...(last === undefined ? {} : { "last-event-id": String(last) }),
        },
        signal: options.signal,
        cache: "no-store",
      });
      if (response.status === 401 || response.status === 403 || response.status === 404) {
        options.onState?.("stopped");
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      options.onState?.("live");
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        attempt = 0;
        for (const m of parser.push(decoder.decode(value, { stream: true }))) {
          if (m.id !== undefined && /^\d+$/.test(m.id)) last = Number(m.id);
          options.onMessage(m);
        }
      }
    } catch {
      if (options.signal.aborted) return;
    }
    attempt++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(10_000, 250 * 2 ** attempt));
      options.signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}

/** An event of `GET /v1/events` (or of one tenant's stream, without `tenant_id`). */
export interface LiveEvent {
  id: number;
  type: string;
  message: string;
  tenant_id?: string;
  operation_id: string | null;
  created_at: string;
  data?: Record<string, unknown>;
}

/**
 * Follows `path`'s events while the component is mounted; `onEvent` is called for each
 * (the latest callback). Returns the stream's state, for the "live" indicator.
 */
export function useEvents(path: string | null, onEvent: (e: LiveEvent) => void, after?: number): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    void followStream({
      path,
      after,
      signal: controller.signal,
      onState: setState,
      onMessage: (m) => {
        if (m.data === undefined) return;
        try {
          handler.current(JSON.parse(m.data) as LiveEvent);
        } catch {
          // not an event
        }
      },
    });
    return () => controller.abort();
  }, [path, after]);
  return state;
}
