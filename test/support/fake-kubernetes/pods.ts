import { createHash } from "node:crypto";
import type { Cluster } from "./cluster.js";
import { recordEvent } from "./events.js";
import type { KObject, OwnerReference } from "./store.js";
import { timestamp } from "./store.js";
import type { Failures } from "./types.js";

/**
 * Pods the fake's controllers make from pod templates, and what their containers do.
 * Nothing runs: the image and the command decide, deterministically.
 * - an image matching `crashLoopImages` crash-loops (`CrashLoopBackOff`, restarts counted);
 * - an image matching `imagePullImages` never starts (`ErrImagePull`, `ImagePullBackOff`);
 * - a Job's container exits with N when its command contains `exit N` (the first one),
 *   else 0; it runs `sleep N` seconds (scaled by `secondMs`) when the command says so,
 *   else `jobRunMs`; its log is what the command's `echo`s print;
 * - anything else runs and is ready after `podStartMs`.
 */
type Json = Record<string, any>;

export interface LogRule {
  match: RegExp | ((pod: KObject) => boolean);
  text: string;
}

export interface PodBehaviour {
  kind: "serve" | "crash" | "pull" | "run";
  exitCode: number;
  runMs: number;
  log: string;
}

export function commandOf(container: Json | undefined): string {
  return [...((container?.["command"] ?? []) as string[]), ...((container?.["args"] ?? []) as string[])].join(
    " ",
  );
}

/** What `echo` prints in a shell command: `echo "a" && echo b >&2; exit 1` → "a\nb\n". */
export function echoOutput(command: string): string {
  const lines: string[] = [];
  for (const raw of command.split(/&&|\|\||;|\n/)) {
    // `sh -c "…"`, `/bin/bash -lc …`: the script's own commands count.
    const segment = raw
      .replace(/^\s*(\S*\/)?(ba|da|a|z)?sh\s+(-\w+\s+)*/, "")
      .replace(/^\s*["']/, "")
      .replace(/^\s*[({]\s*/, "");
    const m = /^\s*echo\s+(?:-[ne]+\s+)?(.*)$/s.exec(segment);
    if (!m) continue;
    let text = m[1]!
      .replace(/["']\s*$/, (q) => (/^["']/.test(m[1]!) ? q : ""))
      .replace(/\s*\d?>>?\s*&?\s*\S+\s*$/, "")
      .trim();
    const quoted = /^(["'])(.*)\1$/s.exec(text);
    if (quoted) text = quoted[2]!;
    lines.push(text);
  }
  return lines.map((l) => `${l}\n`).join("");
}

export function behaviourOf(
  pod: KObject,
  failures: Failures,
  forJob: boolean,
  timings: { jobRunMs: number; secondMs: number },
  logs: LogRule[],
): PodBehaviour {
  const containers = ((pod["spec"] as Json)["containers"] ?? []) as Json[];
  const images = containers.map((c) => String(c["image"] ?? ""));
  const command = containers.map(commandOf).join("\n");
  const custom = [...logs]
    .reverse()
    .find((r) => (r.match instanceof RegExp ? r.match.test(pod.metadata.name) : r.match(pod)));
  if (failures.imagePullImages && images.some((i) => failures.imagePullImages!.test(i))) {
    return { kind: "pull", exitCode: 0, runMs: 0, log: "" };
  }
  if (failures.crashLoopImages && images.some((i) => failures.crashLoopImages!.test(i))) {
    return {
      kind: "crash",
      exitCode: 1,
      runMs: 0,
      log:
        custom?.text ??
        `${echoOutput(command)}fake-kubernetes: the container crashed (its image matches the crash-loop pattern)\n`,
    };
  }
  if (!forJob) {
    return { kind: "serve", exitCode: 0, runMs: 0, log: custom?.text ?? `${echoOutput(command)}` };
  }
  const exit = /\bexit\s+(\d+)/.exec(command);
  const sleep = /\bsleep\s+(\d+(?:\.\d+)?)/.exec(command);
  return {
    kind: "run",
    exitCode: exit ? Number(exit[1]) : 0,
    runMs: sleep ? Number(sleep[1]) * timings.secondMs : timings.jobRunMs,
    log: custom?.text ?? echoOutput(command),
  };
}

let podIp = 10;

export function newPod(
  template: Json,
  name: string,
  namespace: string,
  owner: KObject,
  extraLabels: Record<string, string>,
): KObject {
  const spec = structuredClone(template["spec"] ?? {}) as Json;
  spec["nodeName"] = "fake-node";
  spec["serviceAccountName"] ??= "default";
  spec["enableServiceLinks"] ??= true;
  spec["priority"] ??= 0;
  spec["preemptionPolicy"] ??= "PreemptLowerPriority";
  spec["tolerations"] ??= [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    {
      key: "node.kubernetes.io/unreachable",
      operator: "Exists",
      effect: "NoExecute",
      tolerationSeconds: 300,
    },
  ];
  const ref: OwnerReference = {
    apiVersion: String(owner["apiVersion"]),
    kind: String(owner["kind"]),
    name: owner.metadata.name,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
  return {
    metadata: {
      name,
      namespace,
      labels: { ...((template["metadata"]?.["labels"] ?? {}) as Record<string, string>), ...extraLabels },
      ...(template["metadata"]?.["annotations"] && {
        annotations: { ...template["metadata"]["annotations"] },
      }),
      ownerReferences: [ref],
    },
    spec,
    status: { phase: "Pending", qosClass: qosClass(spec) },
  };
}

function qosClass(spec: Json): string {
  const rs = ((spec["containers"] ?? []) as Json[]).map((c) => c["resources"] ?? {});
  if (rs.every((r) => !r["requests"] && !r["limits"])) return "BestEffort";
  const guaranteed = rs.every(
    (r) =>
      r["limits"]?.["cpu"] &&
      r["limits"]?.["memory"] &&
      (!r["requests"] || JSON.stringify(r["requests"]) === JSON.stringify(r["limits"])),
  );
  return guaranteed ? "Guaranteed" : "Burstable";
}

function imageId(image: string): string {
  return `docker.io/library/${image}@sha256:${createHash("sha256").update(image).digest("hex")}`;
}

export type ContainerState =
  | { waiting: string; message?: string }
  | { running: true }
  | { terminated: number };

/** A pod's full status for a phase and a container state. */
export function podStatus(
  pod: KObject,
  at: number,
  phase: string,
  state: ContainerState,
  restarts = 0,
): Json {
  const spec = pod["spec"] as Json;
  const start = (pod["status"] as Json | undefined)?.["startTime"] ?? timestamp(at);
  const ready = "running" in state;
  const ts = timestamp(at);
  const containerStatuses = ((spec["containers"] ?? []) as Json[]).map((c) => {
    const s: Json = {
      name: c["name"],
      image: c["image"],
      imageID: "waiting" in state && /Pull/.test(state.waiting) ? "" : imageId(String(c["image"])),
      ready,
      restartCount: restarts,
      started: ready,
      state:
        "waiting" in state
          ? { waiting: { reason: state.waiting, ...(state.message && { message: state.message }) } }
          : "running" in state
            ? { running: { startedAt: ts } }
            : {
                terminated: {
                  exitCode: state.terminated,
                  reason: state.terminated === 0 ? "Completed" : "Error",
                  startedAt: start,
                  finishedAt: ts,
                  containerID: `containerd://${pod.metadata.uid!.replace(/-/g, "")}`,
                },
              },
      ...(restarts > 0 && {
        lastState: { terminated: { exitCode: 1, reason: "Error", startedAt: ts, finishedAt: ts } },
      }),
    };
    if (!("waiting" in state && /Pull|Creating/.test(state.waiting))) {
      s["containerID"] = `containerd://${pod.metadata.uid!.replace(/-/g, "")}`;
    }
    return s;
  });
  const finished = "terminated" in state;
  const cond = (type: string, ok: boolean, reason?: string) => ({
    type,
    status: ok ? "True" : "False",
    lastProbeTime: null,
    lastTransitionTime: ts,
    ...(reason && { reason }),
  });
  const notReadyReason = finished ? "PodCompleted" : "ContainersNotReady";
  const ip = String((pod["status"] as Json | undefined)?.["podIP"] ?? `10.244.0.${(podIp++ % 250) + 2}`);
  return {
    phase,
    conditions: [
      cond("PodReadyToStartContainers", !("waiting" in state && state.waiting === "ContainerCreating")),
      cond("Initialized", true, finished ? "PodCompleted" : undefined),
      cond("Ready", ready, ready ? undefined : notReadyReason),
      cond("ContainersReady", ready, ready ? undefined : notReadyReason),
      cond("PodScheduled", true),
    ],
    hostIP: "10.0.0.10",
    hostIPs: [{ ip: "10.0.0.10" }],
    podIP: ip,
    podIPs: [{ ip }],
    startTime: start,
    containerStatuses,
    qosClass: (pod["status"] as Json | undefined)?.["qosClass"] ?? "BestEffort",
  };
}

export function podReady(pod: KObject): boolean {
  const conds = ((pod["status"] as Json | undefined)?.["conditions"] ?? []) as Json[];
  return (
    !pod.metadata.deletionTimestamp && conds.some((c) => c["type"] === "Ready" && c["status"] === "True")
  );
}

export function podPhase(pod: KObject): string {
  return String((pod["status"] as Json | undefined)?.["phase"] ?? "Pending");
}

/** Starts a pod's lifecycle: schedules its transitions on the cluster's timeline. */
export function startPod(cluster: Cluster, pod: KObject, b: PodBehaviour): void {
  const t = cluster.type("pods");
  const now = cluster.now();
  const uid = pod.metadata.uid!;
  const live = () => {
    const p = cluster.store.get(t, pod.metadata.namespace, pod.metadata.name);
    return p && p.metadata.uid === uid && !p.metadata.deletionTimestamp ? p : undefined;
  };
  cluster.writeStatus(t, pod, podStatus(pod, now, "Pending", { waiting: "ContainerCreating" }));
  recordEvent(
    cluster,
    pod,
    "Normal",
    "Scheduled",
    `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to fake-node`,
    "default-scheduler",
  );
  const start = now + cluster.timings.podStartMs;
  const image = String((pod["spec"] as Json)["containers"]?.[0]?.["image"] ?? "");
  cluster.timeline.schedule(start, (at) => {
    const p = live();
    if (!p) return;
    switch (b.kind) {
      case "pull":
        cluster.writeStatus(
          t,
          p,
          podStatus(p, at, "Pending", {
            waiting: "ErrImagePull",
            message: `failed to pull image "${image}": not found`,
          }),
        );
        recordEvent(cluster, p, "Warning", "Failed", `Failed to pull image "${image}": not found`, "kubelet");
        cluster.timeline.schedule(at + cluster.timings.crashLoopMs, (at2) => {
          const q = live();
          if (q)
            cluster.writeStatus(
              t,
              q,
              podStatus(q, at2, "Pending", {
                waiting: "ImagePullBackOff",
                message: `Back-off pulling image "${image}"`,
              }),
            );
        });
        return;
      case "crash": {
        const restart = (n: number, when: number) => {
          const q = live();
          if (!q) return;
          cluster.writeStatus(
            t,
            q,
            podStatus(
              q,
              when,
              "Running",
              { waiting: "CrashLoopBackOff", message: `back-off restarting failed container` },
              n,
            ),
          );
          if (n === 1)
            recordEvent(cluster, q, "Warning", "BackOff", "Back-off restarting failed container", "kubelet");
          if (n < 5) cluster.timeline.schedule(when + cluster.timings.crashLoopMs, (w) => restart(n + 1, w));
        };
        restart(1, at);
        return;
      }
      case "serve":
        recordEvent(cluster, p, "Normal", "Started", "Started container", "kubelet");
        cluster.writeStatus(t, p, podStatus(p, at, "Running", { running: true }));
        return;
      case "run":
        recordEvent(cluster, p, "Normal", "Started", "Started container", "kubelet");
        cluster.writeStatus(t, p, podStatus(p, at, "Running", { running: true }));
        cluster.timeline.schedule(at + b.runMs, (end) => {
          const q = live();
          if (!q) return;
          cluster.writeStatus(
            t,
            q,
            podStatus(q, end, b.exitCode === 0 ? "Succeeded" : "Failed", { terminated: b.exitCode }),
          );
        });
        return;
    }
  });
}
