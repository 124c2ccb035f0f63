import { Counter, Histogram, type Registry } from "prom-client";
import type { Placement } from "../domain/placement.js";
import type { Operation } from "../domain/types.js";

/**
 * Prometheus metrics of the engine, registered on the process's registry: counted by the
 * workers of this process (sum them over processes). Every metric is listed, with what
 * to alert on, in docs/observability.md.
 */
export interface EngineMetrics {
  /** A pass started on the operation. */
  claimed(op: Operation): void;
  /** The claim took the operation over from a worker that never handed it back (died, or its lease ran out). */
  tookOver(op: Operation): void;
  finished(op: Operation, end: OperationEnd): void;
  /** An operation failed with the platform refusing Tenantry's credentials (`access_error`). */
  accessError(provider: string): void;
}

export interface OperationEnd {
  status: "succeeded" | "failed";
  /** The last pass alone, in seconds. */
  passSeconds: number;
  /** The tenant's target and where its resources run (the seed names' `cloud`/`region`). */
  target: string;
  placement: Placement;
  /** When it ended (epoch ms). @default now */
  at?: number;
}

/** Seconds, up to an hour: provisioning on a cloud takes minutes, a retried one longer. */
export const END_TO_END_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export function createEngineMetrics(registry: Registry): EngineMetrics {
  const registers = [registry];
  const claims = new Counter({
    name: "tenantry_operation_claims_total",
    help: "Reconcile passes started, by operation kind",
    labelNames: ["kind"],
    registers,
  });
  const takeovers = new Counter({
    name: "tenantry_lease_takeovers_total",
    help: "Claims that took an operation over from a worker that did not hand it back (it died, or its lease ran out), by operation kind",
    labelNames: ["kind"],
    registers,
  });
  const finished = new Counter({
    name: "tenantry_operations_total",
    help: "Operations finished, by kind and final status",
    labelNames: ["kind", "status"],
    registers,
  });
  const pass = new Histogram({
    name: "tenantry_operation_pass_seconds",
    help: "Duration of the last reconcile pass of a finished operation only (not its waits, retries or earlier passes: see tenantry_operation_duration_seconds)",
    labelNames: ["kind"],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers,
  });
  const endToEnd = new Histogram({
    name: "tenantry_operation_duration_seconds",
    help: "Operations from their request (created_at) to their end, waits and retries included, by kind, target and outcome",
    labelNames: ["kind", "target", "outcome"],
    buckets: END_TO_END_BUCKETS,
    registers,
  });
  // The names the BYOC team's dashboards and alerts use (no prefix): create operations.
  const environments = new Counter({
    name: "provisioning_environments_total",
    help: "Create operations (a create, or a retry of one) finished, by final status",
    labelNames: ["status"],
    registers,
  });
  const provisioning = new Histogram({
    name: "provisioning_duration_seconds",
    help: "Create operations (a create, or a retry of one) from their request to their end, waits and retries included",
    buckets: END_TO_END_BUCKETS,
    registers,
  });
  const errors = new Counter({
    name: "provisioning_errors_total",
    help: "Operations that failed, by cloud (a stack's cloud provider, else the target) and region (the stack's or the resources' region, else empty)",
    labelNames: ["cloud", "region"],
    registers,
  });
  const access = new Counter({
    name: "tenantry_provider_access_errors_total",
    help: "Operations that failed because the platform refused Tenantry's credentials (the access_error condition), by provider",
    labelNames: ["provider"],
    registers,
  });
  return {
    claimed: (op) => claims.inc({ kind: op.kind }),
    tookOver: (op) => takeovers.inc({ kind: op.kind }),
    finished: (op, end) => {
      // The clocks of this process and of the database (created_at): never below zero.
      const seconds = Math.max(0, ((end.at ?? Date.now()) - op.createdAt.getTime()) / 1000);
      finished.inc({ kind: op.kind, status: end.status });
      pass.observe({ kind: op.kind }, end.passSeconds);
      endToEnd.observe({ kind: op.kind, target: end.target, outcome: end.status }, seconds);
      if (op.effectiveKind === "create") {
        environments.inc({ status: end.status });
        provisioning.observe(seconds);
      }
      if (end.status === "failed") errors.inc({ cloud: end.placement.cloud, region: end.placement.region });
    },
    accessError: (provider) => access.inc({ provider }),
  };
}
