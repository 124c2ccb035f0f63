import { Counter, Histogram, type Registry } from "prom-client";
import type { Operation } from "../domain/types.js";

/** Prometheus metrics of the engine, registered on the process's registry. */
export interface EngineMetrics {
  claimed(op: Operation): void;
  finished(op: Operation, status: "succeeded" | "failed", seconds: number): void;
}

export function createEngineMetrics(registry: Registry): EngineMetrics {
  const claims = new Counter({
    name: "tenantry_operation_claims_total",
    help: "Reconcile passes started, by operation kind",
    labelNames: ["kind"],
    registers: [registry],
  });
  const finished = new Counter({
    name: "tenantry_operations_total",
    help: "Operations finished, by kind and final status",
    labelNames: ["kind", "status"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "tenantry_operation_pass_seconds",
    help: "Duration of the reconcile pass that finished an operation",
    labelNames: ["kind"],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [registry],
  });
  return {
    claimed: (op) => claims.inc({ kind: op.kind }),
    finished: (op, status, seconds) => {
      finished.inc({ kind: op.kind, status });
      duration.observe({ kind: op.kind }, seconds);
    },
  };
}
