import { describe, expect, it } from "vitest";
import {
  completionEvent,
  isTransitional,
  type LifecycleEvent,
  TENANT_STATUSES,
  type TenantStatus,
  transition,
  type WorkKind,
} from "../src/domain/lifecycle.js";

const WORK: WorkKind[] = ["create", "update", "suspend", "resume", "destroy", "heal"];
const EVENTS: LifecycleEvent[] = [
  { type: "update" },
  { type: "suspend" },
  { type: "resume" },
  { type: "destroy" },
  ...WORK.map((failedKind) => ({ type: "retry", failedKind }) as const),
  { type: "heal" },
  { type: "started" },
  { type: "provisioned", bootstrap: false },
  { type: "provisioned", bootstrap: true },
  { type: "bootstrapped" },
  { type: "updated" },
  { type: "suspended" },
  { type: "resumed" },
  { type: "destroyed" },
  { type: "healed" },
  { type: "degraded" },
  { type: "failed" },
];

const key = (e: LifecycleEvent) =>
  e.type === "retry"
    ? `retry(${e.failedKind})`
    : e.type === "provisioned"
      ? `provisioned(bootstrap=${e.bootstrap})`
      : e.type;

/**
 * The whole lifecycle as a table: every allowed (status, event) pair and where it leads.
 * Every pair not listed must be refused; the exhaustive test below checks both ways.
 */
const ALLOWED: Record<string, TenantStatus> = {
  "queued|started": "provisioning",
  "queued|destroy": "destroy_queued",
  "queued|failed": "failed",
  "provisioning|provisioned(bootstrap=false)": "active",
  "provisioning|provisioned(bootstrap=true)": "bootstrapping",
  "provisioning|failed": "failed",
  "bootstrapping|bootstrapped": "active",
  "bootstrapping|failed": "failed",
  "active|update": "updating",
  "active|suspend": "suspending",
  "active|destroy": "destroy_queued",
  "active|degraded": "degraded",
  "updating|updated": "active",
  "updating|failed": "failed",
  "suspending|suspended": "suspended",
  "suspending|failed": "failed",
  "suspended|resume": "resuming",
  "suspended|destroy": "destroy_queued",
  "resuming|resumed": "active",
  "resuming|failed": "failed",
  "degraded|update": "updating",
  "degraded|suspend": "suspending",
  "degraded|destroy": "destroy_queued",
  "degraded|heal": "updating",
  "degraded|healed": "active",
  "failed|destroy": "destroy_queued",
  "failed|retry(create)": "queued",
  "failed|retry(update)": "updating",
  "failed|retry(suspend)": "suspending",
  "failed|retry(resume)": "resuming",
  "failed|retry(destroy)": "destroy_queued",
  "failed|retry(heal)": "updating",
  "destroy_queued|started": "destroying",
  "destroy_queued|failed": "failed",
  "destroying|destroyed": "destroyed",
  "destroying|failed": "failed",
};

describe("tenant lifecycle", () => {
  it("allows exactly the transitions of the product's lifecycle, for every status and event", () => {
    let checked = 0;
    for (const from of TENANT_STATUSES) {
      for (const event of EVENTS) {
        const expected = ALLOWED[`${from}|${key(event)}`];
        const result = transition(from, event);
        if (expected) {
          expect(result, `${from} + ${key(event)}`).toEqual({ ok: true, status: expected });
        } else {
          expect(result.ok, `${from} + ${key(event)} must be refused`).toBe(false);
          if (!result.ok) expect(result.reason).toMatch(/cannot|already/);
        }
        checked++;
      }
    }
    expect(checked).toBe(TENANT_STATUSES.length * EVENTS.length);
  });

  it("walks the happy path queued → active ⇄ suspended → destroyed", () => {
    const path: [LifecycleEvent, TenantStatus][] = [
      [{ type: "started" }, "provisioning"],
      [{ type: "provisioned", bootstrap: true }, "bootstrapping"],
      [{ type: "bootstrapped" }, "active"],
      [{ type: "suspend" }, "suspending"],
      [{ type: "suspended" }, "suspended"],
      [{ type: "resume" }, "resuming"],
      [{ type: "resumed" }, "active"],
      [{ type: "destroy" }, "destroy_queued"],
      [{ type: "started" }, "destroying"],
      [{ type: "destroyed" }, "destroyed"],
    ];
    let status: TenantStatus = "queued";
    for (const [event, to] of path) {
      const r = transition(status, event);
      expect(r).toEqual({ ok: true, status: to });
      status = to;
    }
  });

  it("refuses anything on a destroyed tenant", () => {
    for (const event of EVENTS) expect(transition("destroyed", event).ok).toBe(false);
    expect(transition("destroyed", { type: "destroy" })).toEqual({
      ok: false,
      reason: "the tenant is already destroyed",
    });
  });

  it("lets every transitional status fail, and no settled one", () => {
    for (const s of TENANT_STATUSES) expect(transition(s, { type: "failed" }).ok).toBe(isTransitional(s));
  });

  it("completes each kind of work in the status its operation aims for", () => {
    const ends: Record<WorkKind, [TenantStatus, TenantStatus]> = {
      create: ["provisioning", "active"],
      update: ["updating", "active"],
      heal: ["updating", "active"],
      suspend: ["suspending", "suspended"],
      resume: ["resuming", "active"],
      destroy: ["destroying", "destroyed"],
    };
    for (const kind of WORK) {
      const [from, to] = ends[kind];
      expect(transition(from, completionEvent(kind))).toEqual({ ok: true, status: to });
    }
  });
});
