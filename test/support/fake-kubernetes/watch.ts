import type http from "node:http";
import type { Cluster } from "./cluster.js";
import type { ResourceType } from "./resources.js";
import { type FieldRequirement, matchesFields, matchesRequirements, type Requirement } from "./selectors.js";
import { statusBody } from "./status.js";
import type { Change, KObject } from "./store.js";

/**
 * `?watch=true`: a chunked stream of `{"type": "ADDED"|"MODIFIED"|"DELETED"|"ERROR",
 * "object": …}` lines. Without a `resourceVersion` (or with "0") it starts with an ADDED
 * event for every object that matches; with one, it replays the changes after it (an
 * ERROR with a 410 Expired Status when it is older than the fake's change log). An
 * object whose labels stop (or start) matching the selector is reported DELETED (ADDED),
 * as the watch cache does. `timeoutSeconds` ends the stream; so does `close()`.
 */
export interface WatchRequest {
  resource: ResourceType;
  namespace: string | undefined;
  labels: Requirement[];
  fields: FieldRequirement[];
  resourceVersion: string | undefined;
  timeoutSeconds: number | undefined;
  /** Wraps each object (a Table row for `kubectl get -w`). */
  render: (obj: KObject) => unknown;
}

export function serveWatch(
  cluster: Cluster,
  req: WatchRequest,
  res: http.ServerResponse,
  streams: Set<http.ServerResponse>,
): void {
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Transfer-Encoding": "chunked",
    "Cache-Control": "no-cache, private",
  });
  res.flushHeaders();
  streams.add(res);
  const matching = new Set<string>();
  const selected = (o: KObject) =>
    (req.namespace === undefined || o.metadata.namespace === req.namespace) &&
    matchesRequirements(o.metadata.labels, req.labels) &&
    matchesFields(o, req.fields);
  const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
  const deliver = (c: Change) => {
    if (c.resource !== req.resource) return;
    const uid = c.object.metadata.uid!;
    if (req.namespace !== undefined && c.object.metadata.namespace !== req.namespace) return;
    const now = c.type !== "DELETED" && selected(c.object);
    const before = matching.has(uid);
    if (c.type === "DELETED") {
      if (before) {
        matching.delete(uid);
        send("DELETED", req.render(c.object));
      }
      return;
    }
    if (now) {
      matching.add(uid);
      send(before ? "MODIFIED" : "ADDED", req.render(c.object));
    } else if (before) {
      matching.delete(uid);
      send("DELETED", req.render(c.object));
    }
  };
  const rv = req.resourceVersion;
  if (rv === undefined || rv === "" || rv === "0") {
    for (const o of cluster.store.list(req.resource, req.namespace)) {
      if (!selected(o)) continue;
      matching.add(o.metadata.uid!);
      send("ADDED", req.render(o));
    }
  } else {
    const from = Number(rv);
    if (!Number.isFinite(from) || from < cluster.store.oldestResumable) {
      send(
        "ERROR",
        statusBody(410, "Expired", `too old resource version: ${rv} (${cluster.store.oldestResumable})`),
      );
      res.end();
      streams.delete(res);
      return;
    }
    // Objects as they were at `from`: present then, so a later change is MODIFIED.
    const laterChanges = cluster.store.log.filter((c) => c.rv > from && c.resource === req.resource);
    const createdLater = new Set(
      laterChanges.filter((c) => c.type === "ADDED").map((c) => c.object.metadata.uid),
    );
    for (const o of cluster.store.list(req.resource, req.namespace)) {
      if (!createdLater.has(o.metadata.uid) && selected(o)) matching.add(o.metadata.uid!);
    }
    for (const c of cluster.store.log.filter(
      (x) => x.rv > from && x.resource === req.resource && x.type === "DELETED",
    )) {
      if (!createdLater.has(c.object.metadata.uid)) matching.add(c.object.metadata.uid!);
    }
    for (const c of laterChanges) deliver(c);
  }
  const unsubscribe = cluster.store.subscribe(deliver);
  const end = () => {
    unsubscribe();
    streams.delete(res);
    if (!res.writableEnded) res.end();
  };
  res.on("close", end);
  if (req.timeoutSeconds !== undefined) setTimeout(end, req.timeoutSeconds * 1000).unref();
}
