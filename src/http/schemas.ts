import { type Static, Type } from "typebox";
import { MAX_BLUEPRINT_BYTES } from "../blueprints/validate.js";
import { OPERATION_KINDS, TENANT_STATUSES } from "../domain/lifecycle.js";
import { SLUG_PATTERN } from "../domain/slug.js";

/** Request and response schemas; the OpenAPI document is generated from these. */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Timestamp = Type.String({ format: "date-time" });
const LabelMap = Type.Record(
  Type.String({ pattern: "^[a-zA-Z0-9]([a-zA-Z0-9._/-]{0,61}[a-zA-Z0-9])?$" }),
  Type.String({ maxLength: 253 }),
  {
    description: 'Free-form labels for filtering, e.g. {"plan":"pro"}',
    maxProperties: 64,
    // A key that breaks the pattern is refused, not let through.
    additionalProperties: false,
  },
);

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: "Stable error code; see docs/errors.md" }),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          pointer: Type.String({ description: "JSON pointer to the offending field" }),
          message: Type.String(),
          line: Type.Optional(Type.Integer()),
          column: Type.Optional(Type.Integer()),
        }),
      ),
    ),
    suggestion: Type.Optional(Type.String({ description: "A free slug, when the requested one is taken" })),
    tenant_status: Type.Optional(
      Type.String({ description: "The tenant's status when a transition was refused" }),
    ),
    action: Type.Optional(Type.String()),
    generation: Type.Optional(Type.Integer({ description: "The tenant's current generation, on a 412" })),
    target: Type.Optional(Type.String({ description: "The target that cannot serve the blueprint" })),
    organization: Type.Optional(Type.String({ description: "The organization's slug" })),
    allow: Type.Optional(
      Type.Array(Type.String(), { description: "The methods the path answers, on a 405" }),
    ),
    live_tenants: Type.Optional(
      Type.Integer({ description: "Tenants not yet destroyed, when an organization cannot be deleted" }),
    ),
    quota: Type.Optional(
      Type.String({ description: "The quota refused (QUOTA_EXCEEDED; creates_per_minute on RATE_LIMITED)" }),
    ),
    limit: Type.Optional(Type.Integer({ description: "The quota's or rate's limit" })),
    current: Type.Optional(Type.Integer({ description: "The use counted against the limit" })),
    retry_after: Type.Optional(
      Type.Integer({ description: "Seconds until the request may succeed (also the Retry-After header)" }),
    ),
    refusals: Type.Optional(
      Type.Array(
        Type.Object({
          resource: Type.Union([Type.String(), Type.Null()], {
            description: "The resource's key (`service:web`); null for the blueprint as a whole",
          }),
          field: Type.Union([Type.String(), Type.Null()], { description: "The field at fault" }),
          message: Type.String(),
        }),
        { description: "What the target cannot serve, on UNSUPPORTED_RESOURCE" },
      ),
    ),
    undeclared: Type.Optional(
      Type.Array(Type.String(), {
        description: "The secrets the blueprint does not declare, on UNDECLARED_SECRETS",
      }),
    ),
  },
  { $id: "Problem", description: "RFC 9457 problem details" },
);

export const BlueprintRefSchema = Type.Union(
  [
    Type.String({ description: "A stored blueprint: NAME (latest version) or NAME@VERSION", minLength: 1 }),
    Type.Object(
      {
        source: Type.String({
          minLength: 1,
          maxLength: MAX_BLUEPRINT_BYTES,
          description: "Blueprint YAML (render.yaml format)",
        }),
        name: Type.Optional(Type.String({ pattern: "^[a-zA-Z0-9][a-zA-Z0-9._-]{0,99}$" })),
      },
      { additionalProperties: false },
    ),
  ],
  { description: "The blueprint by name, or given inline" },
);

export const CreateTenantBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: "Display name" }),
    slug: Type.Optional(
      Type.String({
        pattern: SLUG_PATTERN,
        description: "DNS label, unique per organization; derived from name when absent",
      }),
    ),
    blueprint: BlueprintRefSchema,
    target: Type.Optional(
      Type.String({ minLength: 1, maxLength: 63, description: "Provider; default `local`" }),
    ),
    params: Type.Optional(
      Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,63}$" }), Type.Unknown(), {
        description:
          "The blueprint's parameters: JSON values (objects and lists for `object` and `array` parameters), checked against its declarations; every problem is answered at once at its pointer (`/params/cloud/region`)",
        maxProperties: 256,
        additionalProperties: false,
      }),
    ),
    secrets: Type.Optional(
      Type.Record(
        Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,127}$" }),
        Type.String({ maxLength: 65536 }),
        {
          description: "Write-only values (for `sync: false` env vars); encrypted at rest, never returned",
          maxProperties: 256,
          additionalProperties: false,
        },
      ),
    ),
    labels: Type.Optional(LabelMap),
  },
  { additionalProperties: false },
);
export type CreateTenantBody = Static<typeof CreateTenantBody>;

const ResourceView = Type.Object({
  key: Type.String(),
  kind: Type.String(),
  name: Type.String({ description: "Name on the platform" }),
  provider: Type.String(),
  provider_id: Nullable(Type.String()),
  status: Type.String(),
  outputs: Type.Record(Type.String(), Type.Unknown()),
});

const Conditions = Type.Array(
  Type.Object({
    type: Type.Literal("access_error"),
    message: Type.String(),
    since: Timestamp,
  }),
  {
    description:
      "What needs a person's attention beyond the status. `access_error`: the platform refused Tenantry's credentials (e.g. a revoked RENDER_API_KEY); cleared when the tenant settles again after a retry.",
  },
);

export const TenantView = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String(),
    slug: Type.String(),
    status: Type.Union(TENANT_STATUSES.map((s) => Type.Literal(s))),
    desired_state: Type.String(),
    target: Type.String(),
    blueprint: Type.Object({ name: Type.String(), version: Type.Integer() }),
    params: Type.Record(Type.String(), Type.Unknown()),
    labels: Type.Record(Type.String(), Type.String()),
    error_message: Nullable(Type.String()),
    failed_operation_id: Nullable(Type.String()),
    generation: Type.Integer(),
    observed_generation: Type.Integer(),
    created_at: Timestamp,
    updated_at: Timestamp,
    destroyed_at: Nullable(Timestamp),
    conditions: Conditions,
    resources: Type.Optional(Type.Array(ResourceView)),
  },
  { $id: "Tenant" },
);

export const TenantStatusView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    slug: Type.String(),
    status: Type.String(),
    site_url: Nullable(Type.String()),
    resource_ids: Type.Record(Type.String(), Nullable(Type.String()), {
      description: "Provider id of each resource, by blueprint key",
    }),
    outputs: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
    error_message: Nullable(Type.String()),
    conditions: Conditions,
    operation: Nullable(
      Type.Object({
        id: Type.String(),
        kind: Type.String(),
        status: Type.String(),
        step: Nullable(Type.String()),
      }),
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: "TenantStatus" },
);

const StepView = Type.Object({
  seq: Type.Integer(),
  name: Type.String(),
  action: Type.String(),
  resource: Nullable(Type.String()),
  status: Type.String(),
  attempts: Type.Integer(),
  detail: Nullable(Type.String()),
  error_message: Nullable(Type.String()),
  started_at: Timestamp,
  finished_at: Nullable(Timestamp),
  duration_ms: Nullable(Type.Integer()),
});

/** Who asked: an API key, or the engine (`system`: its own operations and events). */
export const ActorView = Type.Object(
  {
    type: Type.Union([Type.Literal("api_key"), Type.Literal("system")]),
    id: Nullable(Type.String({ description: "The API key's id; null for `system`" })),
    name: Nullable(Type.String({ description: "The API key's name at the time; null for `system`" })),
  },
  { additionalProperties: false },
);

export const OperationView = Type.Object(
  {
    id: Type.String(),
    tenant_id: Type.String(),
    kind: Type.Union(OPERATION_KINDS.map((k) => Type.Literal(k))),
    effective_kind: Type.String(),
    retry_of: Nullable(Type.String()),
    status: Type.String({ description: "queued | running | succeeded | failed | canceled" }),
    attempt: Type.Integer({ description: "Failed attempts so far" }),
    max_attempts: Type.Integer(),
    next_run_at: Nullable(Timestamp),
    error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
    created_at: Timestamp,
    started_at: Nullable(Timestamp),
    finished_at: Nullable(Timestamp),
    duration_ms: Nullable(Type.Integer()),
    requested_by: ActorView,
    request_id: Nullable(Type.String({ description: "The X-Request-Id of the request that asked for it" })),
    steps: Type.Array(StepView),
  },
  { $id: "Operation" },
);

export const TenantWithOperation = Type.Object({ tenant: TenantView, operation: OperationView });

export const EventView = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  message: Type.String(),
  operation_id: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
  actor: ActorView,
  request_id: Nullable(
    Type.String({ description: "The request that recorded it, or that started its operation" }),
  ),
  created_at: Timestamp,
});

export const Page = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    next_cursor: Nullable(
      Type.String({ description: "Pass as `cursor` to get the next page; null on the last" }),
    ),
  });

export const ListTenantsQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ description: "Comma-separated statuses, e.g. active,failed" })),
    label: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String())], {
        description: "key=value; repeat to require several",
      }),
    ),
    q: Type.Optional(Type.String({ maxLength: 200, description: "Substring of name or slug" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const TenantParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const BlueprintBody = Type.Object(
  {
    name: Type.String({ pattern: "^[a-zA-Z0-9][a-zA-Z0-9._-]{0,99}$" }),
    source: Type.String({
      minLength: 1,
      maxLength: MAX_BLUEPRINT_BYTES,
      description: "render.yaml-format YAML",
    }),
  },
  { additionalProperties: false },
);

const DiagnosticView = Type.Object({
  severity: Type.Union([Type.Literal("error"), Type.Literal("warning")]),
  code: Type.String({ description: "Stable diagnostic code, e.g. unknown-key, missing-reference" }),
  pointer: Type.String({ description: "JSON pointer into the blueprint" }),
  message: Type.String(),
  line: Type.Optional(Type.Integer()),
  column: Type.Optional(Type.Integer()),
});

export const ValidateBody = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      maxLength: MAX_BLUEPRINT_BYTES,
      description: "render.yaml-format YAML",
    }),
  },
  { additionalProperties: false },
);

export const ValidationView = Type.Object({
  valid: Type.Boolean(),
  errors: Type.Array(DiagnosticView),
  warnings: Type.Array(DiagnosticView),
});

export const RenderBody = Type.Object(
  {
    tenant: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 200 }),
        slug: Type.Optional(Type.String({ pattern: SLUG_PATTERN })),
        id: Type.Optional(Type.String({ format: "uuid" })),
      },
      { additionalProperties: false },
    ),
    version: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: "Default: the latest version" }),
    ),
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    secrets: Type.Optional(
      Type.Array(Type.String(), {
        description: "Names of the secrets the tenant would be given (values not needed)",
      }),
    ),
    check_target: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          "Refuse (422) what the target cannot serve, as a create would. `false` for a price estimate only (`tenantry blueprints cost`): a blueprint still being written for the target can be costed",
      }),
    ),
  },
  { additionalProperties: false },
);

export const CostView = Type.Object({
  provider: Type.String(),
  currency: Type.String(),
  priceDate: Type.String(),
  lines: Type.Array(
    Type.Object({
      key: Type.String(),
      kind: Type.String(),
      name: Type.String(),
      plan: Nullable(Type.String()),
      monthly: Type.Number(),
      detail: Type.String(),
    }),
  ),
  totalMonthly: Type.Number(),
  warnings: Type.Array(Type.String()),
});

export const RenderView = Type.Object({
  blueprint: Type.Object({ name: Type.String(), version: Type.Integer() }),
  target: Type.String(),
  params: Type.Record(Type.String(), Type.Unknown()),
  resources: Type.Array(
    Type.Object({
      key: Type.String(),
      kind: Type.String(),
      name: Type.String(),
      depends_on: Type.Array(Type.String()),
      spec: Type.Record(Type.String(), Type.Unknown(), { description: "Secrets redacted" }),
    }),
  ),
  cost: CostView,
});

export const BlueprintView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    version: Type.Integer(),
    digest: Type.String(),
    source: Type.Optional(Type.String()),
    parsed: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: "The validated, typed form" }),
    ),
    created_at: Timestamp,
  },
  { $id: "Blueprint" },
);

export const PlanBody = Type.Object(
  {
    blueprint: Type.Optional(BlueprintRefSchema),
    params: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          "Merged into the tenant's params as a JSON Merge Patch (RFC 7386): objects field by field; null removes a param or field; lists are replaced",
      }),
    ),
  },
  { additionalProperties: false },
);

export const PlanView = Type.Object({
  tenant_id: Type.String(),
  blueprint: Type.Object({ name: Type.String(), version: Type.Integer() }),
  params: Type.Record(Type.String(), Type.Unknown()),
  actions: Type.Array(
    Type.Object({
      action: Type.String({ description: "create | update | replace | delete | no-op" }),
      key: Type.String(),
      kind: Type.String(),
      name: Type.String(),
      changes: Type.Array(
        Type.Object({
          path: Type.String(),
          from: Type.Optional(Type.Unknown({ description: "Absent when the field is new" })),
          to: Type.Optional(Type.Unknown({ description: "Absent when the field is removed" })),
          forcesReplace: Type.Boolean(),
        }),
      ),
      reason: Type.Optional(Type.String()),
    }),
  ),
  summary: Type.Record(Type.String(), Type.Integer()),
  cost: CostView,
});

export const UpdateTenantBody = Type.Object(
  {
    blueprint: Type.Optional(BlueprintRefSchema),
    params: Type.Optional(
      Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,63}$" }), Type.Unknown(), {
        description:
          "Merged into the tenant's params as a JSON Merge Patch (RFC 7386): objects field by field; null removes a param or field; lists are replaced",
      }),
    ),
    labels: Type.Optional(LabelMap),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    secrets: Type.Optional(
      Type.Record(
        Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,127}$" }),
        Type.Union([Type.String({ maxLength: 65536 }), Type.Null()]),
        {
          description:
            "Write-only values set or rotated (`null` removes one the blueprint does not require), merged into the tenant's; a changed value starts an `update` that redeploys what uses it. Only secrets the blueprint declares (`sync: false` env vars); never returned",
          maxProperties: 256,
          additionalProperties: false,
        },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const TenantWithOptionalOperation = Type.Object({
  tenant: TenantView,
  operation: Nullable(OperationView),
});

export const ResourceLogsParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  name: Type.String({
    minLength: 1,
    maxLength: 200,
    description: "The resource's key (`service:web`) or its service name (`web`)",
  }),
});

export const ResourceLogsQuery = Type.Object(
  {
    tail: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 5000, default: 200, description: "How many lines, at most" }),
    ),
  },
  { additionalProperties: false },
);

export const JobRunView = Type.Object({
  resource: Type.String({ description: "The cron job's resource key" }),
  started: Type.Boolean({
    description: "false when a run was already going: runs never overlap, so none was started",
  }),
  runs: Type.Integer({
    description:
      "Finished runs recorded before this request; the new run is done once the resource's `runs` output is larger",
  }),
});

export const ResourceLogsView = Type.Object({
  resource: Type.String({ description: "The resource's key" }),
  lines: Type.Array(Type.String(), {
    description: "Oldest first; each prefixed by its source: `[build] `, `[run] ` or `[cron] `",
  }),
});

/** `POST /v1/environments`: the seed's body; every field but `name` is a parameter of the environment blueprint. */
export const CreateEnvironmentBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: "The environment's name (the tenant's)" }),
    cloud: Type.Optional(
      Type.Object(
        {
          provider: Type.Optional(Type.String({ description: "`aws` or `gcp`: chooses the blueprint" })),
          region: Type.Optional(Type.String()),
          account_id: Type.Optional(Type.String()),
          role_arn: Type.Optional(Type.String()),
        },
        { additionalProperties: true },
      ),
    ),
  },
  {
    additionalProperties: true,
    description:
      "The fields other than `name` (`cloud`, `cluster`, `data`, `beta9`…) are checked against the environment blueprint's parameters, each problem with its JSON pointer.",
  },
);

export const EnvironmentView = Type.Object(
  {
    environment_id: Type.String({ format: "uuid" }),
    name: Type.String(),
    status: Type.String({
      description:
        "queued, provisioning, bootstrapping, ready, updating, failed, destroy_queued, destroying, destroyed (and Tenantry's other tenant statuses)",
    }),
    cloud: Type.Object({ provider: Nullable(Type.String()), region: Nullable(Type.String()) }),
    outputs: Type.Record(Type.String(), Type.Unknown(), {
      description:
        "Non-secret outputs: cluster_endpoint, beta9_endpoint, rds_endpoint, redis_endpoint, bucket_name…",
    }),
    error_message: Nullable(Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: "Environment" },
);

export const EnvironmentCreated = Type.Object({
  environment_id: Type.String({ format: "uuid" }),
  status: Type.String(),
  created_at: Timestamp,
});

export const EnvironmentDestroying = Type.Object({
  environment_id: Type.String({ format: "uuid" }),
  status: Type.String(),
});

export const RoleSchema = Type.Union(
  [Type.Literal("platform_admin"), Type.Literal("admin"), Type.Literal("operator"), Type.Literal("viewer")],
  {
    description:
      "viewer reads; operator also changes tenants; admin also manages blueprints and keys; platform_admin also manages organizations",
  },
);

export const ApiKeyView = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String(),
    role: RoleSchema,
    prefix: Type.String({ description: "The key's first characters, to tell keys apart; never the key" }),
    state: Type.Union(
      [Type.Literal("active"), Type.Literal("expiring"), Type.Literal("expired"), Type.Literal("revoked")],
      {
        description: "`expiring`: rotated, valid until `expires_at` (its grace period)",
      },
    ),
    created_at: Timestamp,
    last_used_at: Nullable(Timestamp),
    expires_at: Nullable(Timestamp),
    revoked_at: Nullable(Timestamp),
    replaced_by: Nullable(Type.String({ format: "uuid" })),
  },
  { description: "An API key, never the key itself" },
);

export const ApiKeyCreated = Type.Object({
  api_key: ApiKeyView,
  key: Type.String({ description: "The key itself: shown this once, never again" }),
});

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role: RoleSchema,
    expires_at: Type.Optional(
      Type.String({ format: "date-time", description: "When it stops working; absent: never" }),
    ),
  },
  { additionalProperties: false },
);

export const RotateApiKeyBody = Type.Object(
  {
    grace_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_592_000,
        description: "How long the old key keeps working. Default 86400 (a day)",
      }),
    ),
  },
  { additionalProperties: false },
);

export const RotatedApiKey = Type.Object({
  api_key: ApiKeyView,
  key: Type.String({ description: "The new key: shown this once" }),
  previous: ApiKeyView,
});

export const OrganizationView = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    slug: Type.String({ description: "Permanent" }),
    name: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
    live_tenants: Type.Integer({ description: "Tenants not yet destroyed" }),
    active_keys: Type.Integer({ description: "API keys neither revoked nor expired" }),
  },
  { description: "An organization of this installation" },
);

export const CreateOrganizationBody = Type.Object(
  {
    slug: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: SLUG_PATTERN,
      description: "A DNS label; permanent",
    }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Default: the slug" })),
    admin_key_name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: "Name of its first admin key (default `admin`)",
      }),
    ),
  },
  { additionalProperties: false },
);

export const AuditQuery = Type.Object(
  {
    tenant: Type.Optional(Type.String({ maxLength: 100, description: "A tenant's id" })),
    actor: Type.Optional(Type.String({ maxLength: 100, description: "An API key's id, or `system`" })),
    action: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: "Exact (`tenant.create`), or a prefix ending in `.` or `*` (`tenant.`, `provider.*`)",
      }),
    ),
    since: Type.Optional(Type.String({ format: "date-time", description: "From this time (RFC 3339)" })),
    until: Type.Optional(Type.String({ format: "date-time", description: "Before this time (RFC 3339)" })),
    request_id: Type.Optional(Type.String({ maxLength: 200, description: "One request's entries" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const OrganizationCreated = Type.Object({
  organization: OrganizationView,
  admin_key: ApiKeyView,
  key: Type.String({ description: "The first admin key itself: shown this once, never again" }),
});

export const RenameOrganizationBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const AuditEntryView = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    at: Timestamp,
    actor: Type.Object({
      type: Type.Union([Type.Literal("api_key"), Type.Literal("system")]),
      id: Nullable(Type.String({ description: "The API key's id; null for `system`" })),
      name: Type.String({ description: "The API key's name at the time, or `system`" }),
    }),
    organization_id: Type.String(),
    request_id: Nullable(
      Type.String({
        description:
          "X-Request-Id of the call (of a provider action: of the call that started its operation)",
      }),
    ),
    tenant_id: Nullable(Type.String()),
    operation_id: Nullable(Type.String()),
    action: Type.String({ description: "`tenant.create`, `api_key.revoke`, `provider.create`…" }),
    outcome: Type.Union([Type.Literal("succeeded"), Type.Literal("failed"), Type.Literal("refused")]),
    status: Nullable(
      Type.Integer({ description: "The HTTP status of an API call; null for provider actions" }),
    ),
    summary: Type.Record(Type.String(), Type.Unknown(), {
      description: "What changed, redacted: the names of secrets, never their values",
    }),
  },
  { description: "One entry of the audit log" },
);
