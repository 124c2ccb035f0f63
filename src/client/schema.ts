/**
 * Generated from Tenantry's OpenAPI document (GET /openapi.json) by openapi-typescript.
 * Do not edit: regenerate with `npm run generate:client` (scripts/generate-client.ts).
 */

export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness: the process is up; which installation and version it is
         * @description `installation_id` is generated once, at the first start on an empty database, and ends up in every platform name this installation makes (see docs/operations.md).
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness: the database answers and migrations are current
         * @description For a load balancer: 200 once this process can serve, 503 (with the reason) while its database is unreachable or its migrations are behind.
         */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List tenants
         * @description Ordered by creation (oldest first); destroyed tenants stay listed unless filtered out.
         */
        get: operations["listTenants"];
        put?: never;
        /**
         * Create a tenant
         * @description Records the tenant (`status: queued`) and starts its `create` operation. Send `Idempotency-Key` to make retries safe. Over the organization's `max_tenants` quota: 403 `QUOTA_EXCEEDED`; over `creates_per_minute`: 429 `RATE_LIMITED`.
         */
        post: operations["createTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a tenant by id or slug
         * @description The tenant with its resources (their provider ids, statuses and outputs).
         */
        get: operations["getTenant"];
        put?: never;
        post?: never;
        /**
         * Destroy a tenant
         * @description Deletes every resource in reverse dependency order and verifies each is gone. The tenant stays as a `destroyed` record.
         */
        delete: operations["deleteTenant"];
        options?: never;
        head?: never;
        /**
         * Change a tenant
         * @description A new blueprint (`name`, `name@N` or inline), params (merged; `null` removes one) or secrets (merged, write-only; a value the tenant already has changes nothing; undeclared ones are a 422 `UNDECLARED_SECRETS`) start an `update` operation: generation + 1, status `updating`, then `active`; the answer is 202 with the operation. A new name or labels (which replace the old ones) apply at once: 200 with `operation: null`. Send `If-Match: "<generation>"` to refuse the change (412) if the tenant changed since you read it. See `POST /v1/tenants/{id}/plan` for what a change would do.
         */
        patch: operations["updateTenant"];
        trace?: never;
    };
    "/v1/tenants/{id}/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Compact status of a tenant
         * @description What a backend polls: status, resource ids, outputs such as `site_url`, and the error if any.
         */
        get: operations["getTenantStatus"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/suspend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Suspend a tenant
         * @description Starts a `suspend` operation; 409 when the lifecycle does not allow it now.
         */
        post: operations["suspendTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resume a tenant
         * @description Starts a `resume` operation; 409 when the lifecycle does not allow it now.
         */
        post: operations["resumeTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry a tenant
         * @description Re-runs the failed operation of a `failed` tenant from where it stopped.
         */
        post: operations["retryTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/plan": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * What a change would do to a tenant, without applying it
         * @description Renders the tenant's blueprint (or `blueprint`, another version) with its params merged with `params` (`null` removes one), and compares the result with the tenant's recorded resources: create / update (with the changed fields) / replace / delete / no-op per resource, in the order they would run, with the monthly cost. Secrets are redacted.
         */
        post: operations["planTenantChange"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's timeline (append-only), oldest first
         * @description What happened to the tenant: lifecycle changes, steps, provider actions and health changes, each with who asked and the request it came with. `next_cursor` is the last event's id: pass it as `after`. With `Accept: text/event-stream`: the tenant's events as server-sent events, live, resumable with `Last-Event-ID`, as `GET /v1/events` describes.
         */
        get: operations["listTenantEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/resources/{name}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The last lines of a resource's build and runtime output
         * @description `name` is the resource key (`service:web`) or the service name (`web`). Lines are oldest first, prefixed by their source (`[build]`, `[run]`, `[cron]`); build lines come before runtime lines (the logs carry no timestamps to interleave them). With `Accept: text/event-stream` the answer is a stream: the tail as one `data:` event per line, then new lines as they are written (polled every 500 ms), and a `: keepalive` comment every 15 s, until the client disconnects.
         */
        get: operations["getTenantLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/resources/{name}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run a cron job now
         * @description Starts a run of the tenant's cron job now, as if its schedule fired, and answers at once (202). Runs never overlap: when one is going, none is started (`started: false`). The run's output is in the resource's logs (`[cron]` lines); its exit code, time and duration in the resource's outputs once it finished (`runs` grows by one). The tenant must be `active` or `degraded`.
         */
        post: operations["runCronJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/operations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's operations, newest first
         * @description Each with its steps, attempts, timings, error and who asked for it.
         */
        get: operations["listTenantOperations"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/operations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An operation with its steps, attempts, timings and error
         * @description What a 202 answer's `Location` points at: poll it until `status` is `succeeded`, `failed` or `canceled`.
         */
        get: operations["getOperation"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/blueprints/validate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Validate blueprint YAML without storing it
         * @description Every error and warning at once, each with a JSON pointer into the blueprint and its line and column.
         */
        post: operations["validateBlueprint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/blueprints/{name}/render": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * What a blueprint creates for a tenant, and what it costs
         * @description Resolves the blueprint (latest version, or `version`) for a would-be tenant: the ordered resource set with secrets redacted, and the monthly cost on the target.
         */
        post: operations["renderBlueprint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/blueprints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List blueprints (latest version of each)
         * @description The latest version of each of the organization's blueprints, by name, without sources.
         */
        get: operations["listBlueprints"];
        put?: never;
        /**
         * Push a blueprint version
         * @description Stores the next immutable version (201); content identical to the latest version returns it (200). A new name over the organization's `max_blueprints` quota: 403 `QUOTA_EXCEEDED`.
         */
        post: operations["pushBlueprint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/blueprints/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The latest version of a blueprint, with its source
         * @description Its latest version, with the YAML source.
         */
        get: operations["getBlueprint"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/blueprints/{name}/versions/{version}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One version of a blueprint, with its source
         * @description One immutable version, with its YAML source and its validated form (`parsed`).
         */
        get: operations["getBlueprintVersion"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/targets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The targets this installation serves, and what each can do
         * @description Per target: the resource kinds it serves (with suspend, logs, on-demand runs and the engine's time limits for each), whether it runs bootstrap hooks, and the kinds it lacks with what to configure. A blueprint a target cannot fully serve is refused at create with `UNSUPPORTED_RESOURCE`, naming each thing.
         */
        get: operations["listTargets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/environments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create an environment
         * @description Creates a tenant of the environment blueprint (`TENANTRY_ENVIRONMENT_BLUEPRINT`, chosen by `cloud.provider`) on the terraform target; the answer comes at once (`status: queued`). Poll `GET /v1/environments/{id}`.
         */
        post: operations["createEnvironment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/environments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an environment
         * @description Its status (`ready` once provisioned and bootstrapped) and non-secret outputs.
         */
        get: operations["getEnvironment"];
        put?: never;
        post?: never;
        /**
         * Destroy an environment
         * @description Starts the destroy of every resource of its stacks; the state ends empty.
         */
        delete: operations["deleteEnvironment"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the organization's API keys
         * @description Oldest first; revoked and expired keys stay listed. Keys themselves are never shown.
         */
        get: operations["listApiKeys"];
        put?: never;
        /**
         * Create an API key
         * @description The answer holds the key itself, this once: store it now. Only a platform admin makes `platform_admin` keys.
         */
        post: operations["createApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an API key
         * @description Its name, role, state and times; never the key itself.
         */
        get: operations["getApiKey"];
        put?: never;
        post?: never;
        /**
         * Revoke an API key
         * @description At once: the next request with it is a 401. A key cannot revoke itself.
         */
        delete: operations["revokeApiKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys/{id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate an API key
         * @description A new key with the same name, role and expiry (shown this once); the old one keeps working for `grace_seconds` (default a day), then is refused.
         */
        post: operations["rotateApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/organization": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's organization and key
         * @description Which organization the API key belongs to and what it may do: a cheap check of a key.
         */
        get: operations["getOwnOrganization"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/organizations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List organizations
         * @description Oldest first. Platform admin.
         */
        get: operations["listOrganizations"];
        put?: never;
        /**
         * Create an organization
         * @description With its first admin key, returned this once: hand it to the organization's owner. Platform admin.
         */
        post: operations["createOrganization"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/organizations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an organization
         * @description By id or slug. Platform admin.
         */
        get: operations["getOrganization"];
        put?: never;
        post?: never;
        /**
         * Delete an organization
         * @description With its keys, blueprints and the records of its destroyed tenants. Refused (409) while any of its tenants is not destroyed, and for the calling key's own organization. Platform admin.
         */
        delete: operations["deleteOrganization"];
        options?: never;
        head?: never;
        /**
         * Rename an organization
         * @description Its display name; the slug is permanent. Platform admin.
         */
        patch: operations["renameOrganization"];
        trace?: never;
    };
    "/v1/credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the organization's target credentials
         * @description One per target at most, by target. Secrets are never shown. 404 when this process serves no credentials.
         */
        get: operations["listCredentials"];
        put?: never;
        /**
         * Register the organization's credential for a target
         * @description Checked first with a cheap authenticated call (Render: GET /owners; Kubernetes: a namespace read; a cloud role: its shape only). A failed check is `CREDENTIAL_CHECK_FAILED` and stores nothing. Registering again for the same target replaces the credential (200); one that reaches another account while tenants use the old one is `CREDENTIAL_IN_USE`.
         */
        post: operations["registerCredential"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/credentials/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a credential (without its secret)
         * @description What may be shown of it (`display`), its status and the last check's error.
         */
        get: operations["getCredential"];
        put?: never;
        post?: never;
        /**
         * Delete a credential
         * @description Refused (`CREDENTIAL_IN_USE`) while the organization has tenants on its target.
         */
        delete: operations["deleteCredential"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/credentials/{id}/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check a credential again
         * @description The same call as at registration. The outcome is recorded: `status` `ok` clears the `access_error` condition of the organization's tenants on the target; `access_error` (with `last_error`) sets it.
         */
        post: operations["checkCredential"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The organization's audit log, oldest first
         * @description Every mutating API call (also refused ones, once the key is known) and every provider action of the engine. Filters combine; `action` ending in `.` or `*` is a prefix (`tenant.`). Append-only: entries are never changed or removed.
         */
        get: operations["listAuditEntries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/organization/quotas": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's organization's quotas
         * @description Each quota's limit and current use. Changed only by a platform admin.
         */
        get: operations["getOwnQuotas"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/organizations/{id}/quotas": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An organization's quotas
         * @description By organization id or slug. Platform admin.
         */
        get: operations["getOrganizationQuotas"];
        /**
         * Set an organization's quotas
         * @description Replaces every override: a quota not given (or null) goes back to the default. Platform admin.
         */
        put: operations["setOrganizationQuotas"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change some of an organization's quotas
         * @description Changes only the quotas given; null resets one to the default. Platform admin.
         */
        patch: operations["updateOrganizationQuotas"];
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The organization's events (every tenant's timeline), oldest first
         * @description The events of all the organization's tenants in one order (ids are ordered), each with its `tenant_id`; filter by `tenant` (id or slug) and `type`. Pages: pass `next_cursor` as `cursor` (or the last id as `after`). With `Accept: text/event-stream` the answer is a stream of server-sent events: each event as `id:` (its id), `event:` (its type) and `data:` (the object of the JSON page), new ones as they are recorded, and a `: keepalive` comment every 15 s, until the client disconnects. It starts after `Last-Event-ID` (as an EventSource resumes), else after `after`, else now; its first message is `id:` alone, where it starts. An event is sent once every event before it is visible, so resuming after an id misses nothing. Read the JSON pages for history; follow the stream for what happens next.
         */
        get: operations["listEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the organization's webhook endpoints
         * @description Oldest first, without their secrets.
         */
        get: operations["listWebhooks"];
        put?: never;
        /**
         * Register a webhook endpoint
         * @description Events recorded from now on that match `events` are POSTed to `url`, signed with the secret (`Tenantry-Signature`). The answer holds the secret this once.
         */
        post: operations["createWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a webhook endpoint
         * @description Without its secret; `consecutive_failures` and `failing_since` tell an endpoint that keeps failing.
         */
        get: operations["getWebhook"];
        put?: never;
        post?: never;
        /**
         * Delete a webhook endpoint
         * @description With its delivery log. A delivery in flight finishes; nothing is sent after it.
         */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        /**
         * Change a webhook endpoint
         * @description Its URL, filter, description, or whether it is enabled. A disabled endpoint keeps its place: enabled again, it gets the events recorded meanwhile.
         */
        patch: operations["updateWebhook"];
        trace?: never;
    };
    "/v1/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a webhook endpoint's signing secret
         * @description The next delivery is signed with the new secret (generated, or given), shown this once. The old one is not used again.
         */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A webhook endpoint's delivery log, oldest first
         * @description One entry per delivery of an event (a redelivery is its own), with its last attempt.
         */
        get: operations["listWebhookDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Deliver a delivery's event again
         * @description A new delivery of the same event (the same `Tenantry-Event-Id`), attempted after the endpoint's pending ones.
         */
        post: operations["redeliverWebhookDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * Actor
         * @description Who asked: an API key, or the engine
         */
        Actor: {
            /** @enum {string} */
            type: "api_key" | "system";
            id: string | null;
            name: string | null;
        };
        /**
         * ApiKey
         * @description An API key, never the key itself
         */
        ApiKey: {
            /** Format: uuid */
            id: string;
            name: string;
            role: components["schemas"]["Role"];
            /** @description The key's first characters, to tell keys apart; never the key */
            prefix: string;
            /**
             * @description `expiring`: rotated, valid until `expires_at` (its grace period)
             * @enum {string}
             */
            state: "active" | "expiring" | "expired" | "revoked";
            /** Format: date-time */
            created_at: string;
            last_used_at: string | null;
            expires_at: string | null;
            revoked_at: string | null;
            replaced_by: string | null;
        };
        /**
         * ApiKeyCreated
         * @description A new API key, with the key itself this once
         */
        ApiKeyCreated: {
            api_key: components["schemas"]["ApiKey"];
            /** @description The key itself: shown this once, never again */
            key: string;
        };
        /**
         * ApiKeyList
         * @description The organization's API keys, oldest first
         */
        ApiKeyList: {
            data: components["schemas"]["ApiKey"][];
        };
        /**
         * ApiKeyRotated
         * @description The new key (shown this once) and the old one, now expiring
         */
        ApiKeyRotated: {
            api_key: components["schemas"]["ApiKey"];
            /** @description The new key: shown this once */
            key: string;
            previous: components["schemas"]["ApiKey"];
        };
        /**
         * AuditEntry
         * @description One entry of the audit log
         */
        AuditEntry: {
            /** Format: uuid */
            id: string;
            /** Format: date-time */
            at: string;
            actor: {
                /** @enum {string} */
                type: "api_key" | "system";
                id: string | null;
                /** @description The API key's name at the time, or `system` */
                name: string;
            };
            organization_id: string;
            request_id: string | null;
            tenant_id: string | null;
            operation_id: string | null;
            /** @description `tenant.create`, `api_key.revoke`, `provider.create`… */
            action: string;
            /** @enum {string} */
            outcome: "succeeded" | "failed" | "refused";
            status: number | null;
            /** @description What changed, redacted: the names of secrets, never their values */
            summary: {
                [key: string]: unknown;
            };
        };
        /**
         * AuditEntryPage
         * @description One page; follow `next_cursor` for the next
         */
        AuditEntryPage: {
            data: components["schemas"]["AuditEntry"][];
            next_cursor: string | null;
        };
        /**
         * Blueprint
         * @description One immutable version of a blueprint
         */
        Blueprint: {
            id: string;
            name: string;
            version: number;
            digest: string;
            source?: string;
            /** @description The validated, typed form */
            parsed?: {
                [key: string]: unknown;
            };
            /** Format: date-time */
            created_at: string;
        };
        /**
         * BlueprintList
         * @description The latest version of each blueprint
         */
        BlueprintList: {
            data: components["schemas"]["Blueprint"][];
        };
        /**
         * BlueprintRef
         * @description The blueprint by name, or given inline
         */
        BlueprintRef: string | {
            /** @description Blueprint YAML (render.yaml format) */
            source: string;
            name?: string;
        };
        /**
         * BlueprintValidation
         * @description Every error and warning of a blueprint at once
         */
        BlueprintValidation: {
            valid: boolean;
            errors: components["schemas"]["Diagnostic"][];
            warnings: components["schemas"]["Diagnostic"][];
        };
        /**
         * CallerIdentity
         * @description The calling key and its organization
         */
        CallerIdentity: {
            organization: components["schemas"]["Organization"];
            api_key: components["schemas"]["ApiKey"];
        };
        /** Condition */
        Condition: {
            /** @enum {string} */
            type: "access_error" | "operation_stuck" | "unhealthy";
            message: string;
            /** Format: date-time */
            since: string;
            /** @description `operation_stuck`: the stuck operation */
            operation_id?: string;
            /** @description `operation_stuck`: the operation's kind */
            kind?: string;
            step?: string | null;
            /** @description `unhealthy`: `failed` or `degraded` */
            status?: string;
        };
        /**
         * Cost
         * @description The monthly cost of a set of resources on a target, line by line
         */
        Cost: {
            provider: string;
            currency: string;
            priceDate: string;
            lines: {
                key: string;
                kind: string;
                name: string;
                plan: string | null;
                monthly: number;
                detail: string;
            }[];
            totalMonthly: number;
            warnings: string[];
        };
        /** CreateApiKeyRequest */
        CreateApiKeyRequest: {
            name: string;
            role: components["schemas"]["Role"];
            /**
             * Format: date-time
             * @description When it stops working; absent: never
             */
            expires_at?: string;
        };
        /**
         * CreateEnvironmentRequest
         * @description The fields other than `name` (`cloud`, `cluster`, `data`, `beta9`…) are checked against the environment blueprint's parameters, each problem with its JSON pointer.
         */
        CreateEnvironmentRequest: {
            /** @description The environment's name (the tenant's) */
            name: string;
            cloud?: {
                /** @description `aws` or `gcp`: chooses the blueprint */
                provider?: string;
                region?: string;
                account_id?: string;
                role_arn?: string;
            } & {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        /** CreateOrganizationRequest */
        CreateOrganizationRequest: {
            /** @description A DNS label; permanent */
            slug: string;
            /** @description Default: the slug */
            name?: string;
            /** @description Name of its first admin key (default `admin`) */
            admin_key_name?: string;
        };
        /** CreateTenantRequest */
        CreateTenantRequest: {
            /** @description Display name */
            name: string;
            /** @description DNS label, unique per organization; derived from name when absent */
            slug?: string;
            blueprint: components["schemas"]["BlueprintRef"];
            /** @description Provider; default `local` */
            target?: string;
            /** @description The blueprint's parameters: JSON values (objects and lists for `object` and `array` parameters), checked against its declarations; every problem is answered at once at its pointer (`/params/cloud/region`) */
            params?: {
                [key: string]: unknown;
            };
            /** @description Write-only values (for `sync: false` env vars); encrypted at rest, never returned */
            secrets?: {
                [key: string]: string;
            };
            labels?: components["schemas"]["Labels"];
        };
        /**
         * CreateWebhookRequest
         * @description A webhook endpoint to register
         */
        CreateWebhookRequest: {
            /** @description http(s) URL the events are POSTed to; not a loopback or private address unless TENANTRY_OUTBOUND_ALLOWED_NETWORKS allows it */
            url: string;
            /** @description Event types to deliver (`tenant.status_changed`), or prefixes ending in "." (`resource.`); empty or absent: all */
            events?: string[];
            description?: string;
            /** @description The signing secret to use; absent: one is generated (`whsec_…`) */
            secret?: string;
        };
        /**
         * Credential
         * @description An organization's credential for a target, without its secret
         */
        Credential: {
            /** Format: uuid */
            id: string;
            name: string;
            target: string;
            /** @enum {string} */
            kind: "render_api_key" | "kubeconfig" | "kubernetes_token" | "cloud_role";
            /**
             * @description `access_error`: the platform refused it at the last check or use
             * @enum {string}
             */
            status: "ok" | "access_error";
            /** @description What may be shown: the workspace, the server, the last four characters of a key. Never the secret. */
            display: {
                [key: string]: string;
            };
            /** @description Grows each time the credential is replaced */
            version: number;
            last_checked_at: string | null;
            last_error: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * CredentialList
         * @description The organization's credentials, by target
         */
        CredentialList: {
            data: components["schemas"]["Credential"][];
        };
        /**
         * Diagnostic
         * @description One error or warning of a blueprint, where it is
         */
        Diagnostic: {
            /** @enum {string} */
            severity: "error" | "warning";
            /** @description Stable diagnostic code, e.g. unknown-key, missing-reference */
            code: string;
            /** @description JSON pointer into the blueprint */
            pointer: string;
            message: string;
            line?: number;
            column?: number;
        };
        /**
         * Environment
         * @description A BYOC environment: a tenant of the environment blueprint
         */
        Environment: {
            /** Format: uuid */
            environment_id: string;
            name: string;
            /** @description queued, provisioning, bootstrapping, ready, updating, failed, destroy_queued, destroying, destroyed (and Tenantry's other tenant statuses) */
            status: string;
            cloud: {
                provider: string | null;
                region: string | null;
            };
            /** @description Non-secret outputs: cluster_endpoint, beta9_endpoint, rds_endpoint, redis_endpoint, bucket_name… */
            outputs: {
                [key: string]: unknown;
            };
            error_message: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * EnvironmentCreated
         * @description An environment just recorded; poll it for its status
         */
        EnvironmentCreated: {
            /** Format: uuid */
            environment_id: string;
            status: string;
            /** Format: date-time */
            created_at: string;
        };
        /**
         * EnvironmentDestroying
         * @description An environment whose destroy started
         */
        EnvironmentDestroying: {
            /** Format: uuid */
            environment_id: string;
            status: string;
        };
        /**
         * Event
         * @description One entry of a tenant's timeline
         */
        Event: {
            id: number;
            type: string;
            message: string;
            operation_id: string | null;
            data: {
                [key: string]: unknown;
            };
            actor: components["schemas"]["Actor"];
            request_id: string | null;
            /** Format: date-time */
            created_at: string;
        };
        /**
         * EventPage
         * @description One page; follow `next_cursor` for the next
         */
        EventPage: {
            data: components["schemas"]["Event"][];
            next_cursor: string | null;
        };
        /**
         * FieldError
         * @description One problem of the request, at its JSON pointer
         */
        FieldError: {
            /** @description JSON pointer to the offending field: into the body (`/params/region`), or `/query/…`, `/path/…`, `/header/…` */
            pointer: string;
            message: string;
            /** @description For blueprint sources: the line in the YAML */
            line?: number;
            /** @description For blueprint sources: the column in the YAML */
            column?: number;
        };
        /**
         * Health
         * @description The process is up
         */
        Health: {
            /** @enum {string} */
            status: "ok";
            version: string;
            installation_id: string;
            /** @description The node this process runs on (TENANTRY_NODE_ID) */
            node_id: string;
        };
        /**
         * JobRun
         * @description A run of a cron job asked for
         */
        JobRun: {
            /** @description The cron job's resource key */
            resource: string;
            /** @description false when a run was already going: runs never overlap, so none was started */
            started: boolean;
            /** @description Finished runs recorded before this request; the new run is done once the resource's `runs` output is larger */
            runs: number;
        };
        /**
         * Labels
         * @description Free-form labels for filtering, e.g. {"plan":"pro"}
         */
        Labels: {
            [key: string]: string;
        };
        /**
         * NotReady
         * @description Not ready, and why
         */
        NotReady: {
            /** @enum {string} */
            status: "not_ready";
            reason: string;
        };
        /**
         * Operation
         * @description A unit of lifecycle work on a tenant, with its steps
         */
        Operation: {
            id: string;
            tenant_id: string;
            /** @enum {string} */
            kind: "create" | "update" | "suspend" | "resume" | "destroy" | "retry" | "heal";
            effective_kind: string;
            retry_of: string | null;
            /** @description queued | running | succeeded | failed | canceled */
            status: string;
            /** @description Failed attempts so far */
            attempt: number;
            max_attempts: number;
            next_run_at: string | null;
            error: {
                code: string;
                message: string;
            } | null;
            /** Format: date-time */
            created_at: string;
            started_at: string | null;
            finished_at: string | null;
            duration_ms: number | null;
            requested_by: components["schemas"]["Actor"];
            request_id: string | null;
            steps: components["schemas"]["Step"][];
        };
        /**
         * OperationPage
         * @description One page; follow `next_cursor` for the next
         */
        OperationPage: {
            data: components["schemas"]["Operation"][];
            next_cursor: string | null;
        };
        /**
         * Organization
         * @description An organization of this installation
         */
        Organization: {
            /** Format: uuid */
            id: string;
            /** @description Permanent */
            slug: string;
            name: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /** @description Tenants not yet destroyed */
            live_tenants: number;
            /** @description API keys neither revoked nor expired */
            active_keys: number;
        };
        /**
         * OrganizationCreated
         * @description A new organization and its first admin key
         */
        OrganizationCreated: {
            organization: components["schemas"]["Organization"];
            admin_key: components["schemas"]["ApiKey"];
            /** @description The first admin key itself: shown this once, never again */
            key: string;
        };
        /**
         * OrganizationEvent
         * @description One entry of the organization's timeline: a tenant's event
         */
        OrganizationEvent: {
            id: number;
            /**
             * Format: uuid
             * @description The tenant the event is about
             */
            tenant_id: string;
            type: string;
            message: string;
            operation_id: string | null;
            data: {
                [key: string]: unknown;
            };
            actor: components["schemas"]["Actor"];
            request_id: string | null;
            /** Format: date-time */
            created_at: string;
        };
        /**
         * OrganizationEventPage
         * @description One page; follow `next_cursor` for the next
         */
        OrganizationEventPage: {
            data: components["schemas"]["OrganizationEvent"][];
            next_cursor: string | null;
        };
        /**
         * OrganizationPage
         * @description One page; follow `next_cursor` for the next
         */
        OrganizationPage: {
            data: components["schemas"]["Organization"][];
            next_cursor: string | null;
        };
        /**
         * Plan
         * @description What a change would do to a tenant, resource by resource
         */
        Plan: {
            tenant_id: string;
            blueprint: {
                name: string;
                version: number;
            };
            params: {
                [key: string]: unknown;
            };
            actions: {
                /** @description create | update | replace | delete | no-op */
                action: string;
                key: string;
                kind: string;
                name: string;
                changes: {
                    path: string;
                    /** @description Absent when the field is new */
                    from?: unknown;
                    /** @description Absent when the field is removed */
                    to?: unknown;
                    forcesReplace: boolean;
                }[];
                reason?: string;
            }[];
            summary: {
                [key: string]: number;
            };
            cost: components["schemas"]["Cost"];
        };
        /** PlanRequest */
        PlanRequest: {
            blueprint?: components["schemas"]["BlueprintRef"];
            /** @description Merged into the tenant's params as a JSON Merge Patch (RFC 7386): objects field by field; null removes a param or field; lists are replaced */
            params?: {
                [key: string]: unknown;
            };
        };
        /**
         * Problem
         * @description RFC 9457 problem details, served as `application/problem+json`. `code` is stable (docs/errors.md); the members after `code` are extensions, each set only by the errors it names.
         */
        Problem: {
            type: string;
            title: string;
            status: number;
            detail: string;
            /** @description Stable error code; see docs/errors.md */
            code: string;
            instance?: string;
            /** @description Every problem of the request at once */
            errors?: components["schemas"]["FieldError"][];
            /** @description A free slug, when the requested one is taken */
            suggestion?: string;
            /** @description The tenant's status when a transition was refused */
            tenant_status?: string;
            action?: string;
            /** @description The tenant's current generation, on a 412 */
            generation?: number;
            /** @description The target that cannot serve the blueprint */
            target?: string;
            /** @description The organization's slug */
            organization?: string;
            /** @description The methods the path answers, on a 405 */
            allow?: string[];
            /** @description Tenants not yet destroyed, when an organization cannot be deleted */
            live_tenants?: number;
            /** @description The quota refused (QUOTA_EXCEEDED; creates_per_minute on RATE_LIMITED) */
            quota?: string;
            /** @description The quota's or rate's limit */
            limit?: number;
            /** @description The use counted against the limit */
            current?: number;
            /** @description Seconds until the request may succeed (also the Retry-After header) */
            retry_after?: number;
            /** @description What the target cannot serve, on UNSUPPORTED_RESOURCE */
            refusals?: components["schemas"]["Refusal"][];
            /** @description The secrets the blueprint does not declare, on UNDECLARED_SECRETS */
            undeclared?: string[];
        };
        /** PushBlueprintRequest */
        PushBlueprintRequest: {
            name: string;
            /** @description render.yaml-format YAML */
            source: string;
        };
        /**
         * QuotaOverrides
         * @description Quota overrides for one organization: a limit each, or null for the default
         */
        QuotaOverrides: {
            /** @description A limit (0 = unlimited), or null for the installation's default */
            max_tenants?: number | null;
            /** @description A limit (0 = unlimited), or null for the installation's default */
            max_concurrent_operations?: number | null;
            /** @description A limit (0 = unlimited), or null for the installation's default */
            max_blueprints?: number | null;
            /** @description A limit (0 = unlimited), or null for the installation's default */
            creates_per_minute?: number | null;
        };
        /**
         * QuotaState
         * @description One quota: its limit and the use counted against it
         */
        QuotaState: {
            /** @description The limit in force; 0 = unlimited */
            limit: number;
            /** @description The organization's use now */
            current: number;
            /** @description Set for this organization by a platform admin (else the default) */
            overridden: boolean;
        };
        /**
         * Quotas
         * @description An organization's quotas and its use of each (docs/quotas.md)
         */
        Quotas: {
            /** @description The organization's slug */
            organization: string;
            quotas: {
                max_tenants: components["schemas"]["QuotaState"];
                max_concurrent_operations: components["schemas"]["QuotaState"];
                max_blueprints: components["schemas"]["QuotaState"];
                creates_per_minute: components["schemas"]["QuotaState"];
            };
        };
        /**
         * Ready
         * @description Ready to serve
         */
        Ready: {
            /** @enum {string} */
            status: "ready";
        };
        /**
         * Refusal
         * @description One thing a target cannot serve
         */
        Refusal: {
            /** @description The resource's key (`service:web`); null for the blueprint as a whole */
            resource: string | null;
            /** @description The field at fault */
            field: string | null;
            message: string;
        };
        /**
         * RegisterCredentialRequest
         * @description A credential for a target: the fields of its `kind`
         */
        RegisterCredentialRequest: {
            /** @description render, kubernetes or terraform */
            target: string;
            /** @description render_api_key (render), kubeconfig or kubernetes_token (kubernetes), cloud_role (terraform) */
            kind: string;
            name?: string;
            /** @description render_api_key: the Render API key */
            api_key?: string;
            /** @description render_api_key: the workspace (tea-…/usr-…); absent: the only one the key reaches */
            workspace_id?: string;
            /** @description kubeconfig: the kubeconfig YAML */
            kubeconfig?: string;
            /** @description kubeconfig: the context to use; absent: its current context */
            context?: string;
            /** @description kubernetes_token: the API server's URL */
            server?: string;
            /** @description kubernetes_token: a bearer token (a service account's) */
            token?: string;
            /** @description kubernetes_token: the cluster's CA certificate (PEM) */
            ca_cert?: string;
            /** @description kubernetes_token: the namespace the check reads; default `default` */
            namespace?: string;
            /** @description cloud_role: aws, gcp or azure */
            provider?: string;
            /** @description cloud_role, aws: the role to assume */
            role_arn?: string;
            /** @description cloud_role, gcp: the service account to impersonate */
            service_account?: string;
            /** @description cloud_role, azure: the managed identity's client id */
            client_id?: string;
            /** @description cloud_role, azure: the Azure tenant id */
            tenant_id?: string;
            /** @description cloud_role, aws: the external id the role's trust policy asks for */
            external_id?: string;
        };
        /** RenameOrganizationRequest */
        RenameOrganizationRequest: {
            name: string;
        };
        /** RenderBlueprintRequest */
        RenderBlueprintRequest: {
            tenant: {
                name: string;
                slug?: string;
                /** Format: uuid */
                id?: string;
            };
            /** @description Default: the latest version */
            version?: number;
            target?: string;
            params?: {
                [key: string]: unknown;
            };
            /** @description Names of the secrets the tenant would be given (values not needed) */
            secrets?: string[];
            /**
             * @description Refuse (422) what the target cannot serve, as a create would. `false` for a price estimate only (`tenantry blueprints cost`): a blueprint still being written for the target can be costed
             * @default true
             */
            check_target?: boolean;
        };
        /**
         * RenderedBlueprint
         * @description What a blueprint creates for a tenant, and its cost
         */
        RenderedBlueprint: {
            blueprint: {
                name: string;
                version: number;
            };
            target: string;
            params: {
                [key: string]: unknown;
            };
            resources: {
                key: string;
                kind: string;
                name: string;
                depends_on: string[];
                /** @description Secrets redacted */
                spec: {
                    [key: string]: unknown;
                };
            }[];
            cost: components["schemas"]["Cost"];
        };
        /**
         * Resource
         * @description One of a tenant's resources, as recorded
         */
        Resource: {
            /** @description The blueprint's key, e.g. `service:web` */
            key: string;
            kind: string;
            /** @description Name on the platform */
            name: string;
            provider: string;
            provider_id: string | null;
            status: string;
            outputs: {
                [key: string]: unknown;
            };
        };
        /**
         * ResourceLogs
         * @description The last lines of a resource's output
         */
        ResourceLogs: {
            /** @description The resource's key */
            resource: string;
            /** @description Oldest first; each prefixed by its source: `[build] `, `[run] ` or `[cron] ` */
            lines: string[];
        };
        /**
         * Role
         * @description viewer reads; operator also changes tenants; admin also manages blueprints and keys; platform_admin also manages organizations
         * @enum {string}
         */
        Role: "platform_admin" | "admin" | "operator" | "viewer";
        /** RotateApiKeyRequest */
        RotateApiKeyRequest: {
            /** @description How long the old key keeps working. Default 86400 (a day) */
            grace_seconds?: number;
        };
        /**
         * RotateWebhookSecretRequest
         * @description The new secret, or none to generate one
         */
        RotateWebhookSecretRequest: {
            /** @description The signing secret to use; absent: one is generated (`whsec_…`) */
            secret?: string;
        };
        /**
         * Step
         * @description One step of an operation
         */
        Step: {
            seq: number;
            name: string;
            action: string;
            resource: string | null;
            status: string;
            attempts: number;
            detail: string | null;
            error_message: string | null;
            /** Format: date-time */
            started_at: string;
            finished_at: string | null;
            duration_ms: number | null;
        };
        /**
         * Target
         * @description A target tenants can run on, and what it can do
         */
        Target: {
            /** @description What tenants say as `target` */
            name: string;
            /** @description It runs `hooks.bootstrap` */
            bootstrap: boolean;
            /**
             * @description `node`: a tenant's objects live on the machine that made them, and only its workers work on it
             * @enum {string}
             */
            placement: "node" | "anywhere";
            kinds: {
                kind: string;
                suspend: boolean;
                logs: boolean;
                /** @description Runs on demand (cron jobs) */
                jobs: boolean;
                /** @description Longest single provider call for this kind */
                action_timeout_ms: number;
                /** @description Longest a resource of this kind may wait for its platform */
                max_wait_ms: number;
            }[];
            /** @description Kinds this target does not serve here */
            missing: {
                kind: string;
                /** @description What to configure to get it */
                why: string | null;
            }[];
        };
        /**
         * TargetList
         * @description The targets, by name
         */
        TargetList: {
            data: components["schemas"]["Target"][];
        };
        /**
         * Tenant
         * @description A tenant: one customer's copy of the product, made from a blueprint
         */
        Tenant: {
            /** Format: uuid */
            id: string;
            name: string;
            slug: string;
            /** @enum {string} */
            status: "queued" | "provisioning" | "bootstrapping" | "active" | "updating" | "suspending" | "suspended" | "resuming" | "degraded" | "failed" | "destroy_queued" | "destroying" | "destroyed";
            desired_state: string;
            target: string;
            blueprint: {
                name: string;
                version: number;
            };
            params: {
                [key: string]: unknown;
            };
            labels: {
                [key: string]: string;
            };
            error_message: string | null;
            failed_operation_id: string | null;
            generation: number;
            observed_generation: number;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            destroyed_at: string | null;
            /** @description What needs a person's attention beyond the status. `access_error`: the platform refused Tenantry's credentials (e.g. a revoked RENDER_API_KEY); cleared when the credential works again or the tenant settles after a retry. `operation_stuck`: its operation has been queued or running longer than TENANTRY_STUCK_OPERATION_AFTER since it was requested (`since`); cleared when it finishes. `unhealthy`: `failed` or `degraded` longer than TENANTRY_UNHEALTHY_TENANT_AFTER; cleared when it recovers. Raising and clearing each records a `condition.raised` / `condition.cleared` event. */
            conditions: components["schemas"]["Condition"][];
            /** @description Only when one tenant is read (`GET /v1/tenants/{id}`) */
            resources?: components["schemas"]["Resource"][];
        };
        /**
         * TenantPage
         * @description One page; follow `next_cursor` for the next
         */
        TenantPage: {
            data: components["schemas"]["Tenant"][];
            next_cursor: string | null;
        };
        /**
         * TenantStatus
         * @description What a backend polls of a tenant: its status, ids and outputs
         */
        TenantStatus: {
            id: string;
            name: string;
            slug: string;
            status: string;
            site_url: string | null;
            /** @description Provider id of each resource, by blueprint key */
            resource_ids: {
                [key: string]: string | null;
            };
            outputs: {
                [key: string]: {
                    [key: string]: unknown;
                };
            };
            error_message: string | null;
            /** @description What needs a person's attention beyond the status. `access_error`: the platform refused Tenantry's credentials (e.g. a revoked RENDER_API_KEY); cleared when the credential works again or the tenant settles after a retry. `operation_stuck`: its operation has been queued or running longer than TENANTRY_STUCK_OPERATION_AFTER since it was requested (`since`); cleared when it finishes. `unhealthy`: `failed` or `degraded` longer than TENANTRY_UNHEALTHY_TENANT_AFTER; cleared when it recovers. Raising and clearing each records a `condition.raised` / `condition.cleared` event. */
            conditions: components["schemas"]["Condition"][];
            operation: {
                id: string;
                kind: string;
                status: string;
                step: string | null;
            } | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * TenantWithOperation
         * @description A tenant and the operation just started on it
         */
        TenantWithOperation: {
            tenant: components["schemas"]["Tenant"];
            operation: components["schemas"]["Operation"];
        };
        /**
         * TenantWithOptionalOperation
         * @description A changed tenant, with the `update` operation the change started (null when none)
         */
        TenantWithOptionalOperation: {
            tenant: components["schemas"]["Tenant"];
            operation: components["schemas"]["Operation"] | null;
        };
        /** UpdateTenantRequest */
        UpdateTenantRequest: {
            blueprint?: components["schemas"]["BlueprintRef"];
            /** @description Merged into the tenant's params as a JSON Merge Patch (RFC 7386): objects field by field; null removes a param or field; lists are replaced */
            params?: {
                [key: string]: unknown;
            };
            labels?: components["schemas"]["Labels"];
            name?: string;
            /** @description Write-only values set or rotated (`null` removes one the blueprint does not require), merged into the tenant's; a changed value starts an `update` that redeploys what uses it. Only secrets the blueprint declares (`sync: false` env vars); never returned */
            secrets?: {
                [key: string]: string | null;
            };
        };
        /**
         * UpdateWebhookRequest
         * @description What to change; absent fields stay
         */
        UpdateWebhookRequest: {
            /** @description http(s) URL the events are POSTed to; not a loopback or private address unless TENANTRY_OUTBOUND_ALLOWED_NETWORKS allows it */
            url?: string;
            /** @description Event types to deliver (`tenant.status_changed`), or prefixes ending in "." (`resource.`); empty or absent: all */
            events?: string[];
            /** @description false: nothing is delivered; events wait */
            enabled?: boolean;
            description?: string | null;
        };
        /** ValidateBlueprintRequest */
        ValidateBlueprintRequest: {
            /** @description render.yaml-format YAML */
            source: string;
        };
        /**
         * Webhook
         * @description A webhook endpoint of the organization, without its secret
         */
        Webhook: {
            /** Format: uuid */
            id: string;
            url: string;
            description: string | null;
            /** @description The filter; empty: every event */
            events: string[];
            enabled: boolean;
            /** @description Deliveries that ended `failed` in a row (a success resets it). The endpoint stays enabled. */
            consecutive_failures: number;
            failing_since: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * WebhookDelivery
         * @description One delivery of an event to an endpoint, with its last attempt
         */
        WebhookDelivery: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            webhook_id: string;
            /** @description The event's id: `Tenantry-Event-Id` (a duplicate has the same) */
            event_id: number;
            event_type: string | null;
            /**
             * @description `pending`: to be attempted at `next_attempt_at`
             * @enum {string}
             */
            status: "pending" | "succeeded" | "failed";
            /** @description Attempts made so far */
            attempt: number;
            response_code: number | null;
            duration_ms: number | null;
            error: string | null;
            next_attempt_at: string | null;
            redelivery_of: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * WebhookDeliveryPage
         * @description One page; follow `next_cursor` for the next
         */
        WebhookDeliveryPage: {
            data: components["schemas"]["WebhookDelivery"][];
            next_cursor: string | null;
        };
        /**
         * WebhookList
         * @description The organization's webhook endpoints
         */
        WebhookList: {
            data: components["schemas"]["Webhook"][];
        };
        /**
         * WebhookWithSecret
         * @description A webhook endpoint and its signing secret, shown once
         */
        WebhookWithSecret: {
            webhook: components["schemas"]["Webhook"];
            /** @description The signing secret, shown this once: store it now */
            secret: string;
        };
    };
    responses: {
        /** @description The request is not valid; `errors` lists every problem at its pointer. Codes: `VALIDATION_FAILED` (The request is not valid). */
        BadRequest: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No API key, or one that is not valid (unknown, revoked, expired). Codes: `UNAUTHENTICATED` (Missing or invalid API key). */
        Unauthorized: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The key's role, or the organization's quota, does not allow this. Codes: `FORBIDDEN` (The API key's role does not allow this), `QUOTA_EXCEEDED` (The organization's quota does not allow this). */
        Forbidden: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Nothing with this id in the key's organization. Codes: `NOT_FOUND` (Not found), `TENANT_NOT_FOUND` (Tenant not found), `ENVIRONMENT_NOT_FOUND` (Environment not found), `API_KEY_NOT_FOUND` (API key not found), `ORGANIZATION_NOT_FOUND` (Organization not found), `CREDENTIAL_NOT_FOUND` (Credential not found), `WEBHOOK_NOT_FOUND` (Webhook endpoint not found), `WEBHOOK_DELIVERY_NOT_FOUND` (The webhook endpoint has no such delivery), `OPERATION_NOT_FOUND` (Operation not found), `BLUEPRINT_NOT_FOUND` (Blueprint not found), `RESOURCE_NOT_FOUND` (The tenant has no such resource). */
        NotFound: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The object's state does not allow this now. Codes: `SLUG_TAKEN` (The slug is already used by another tenant), `TRANSITION_NOT_ALLOWED` (The tenant's lifecycle does not allow this now), `ORGANIZATION_EXISTS` (An organization with this slug exists), `ORGANIZATION_NOT_EMPTY` (The organization still has tenants), `ORGANIZATION_PROTECTED` (The organization of the calling key cannot be deleted), `API_KEY_NOT_ACTIVE` (The API key is revoked, expired or already rotated), `CREDENTIAL_IN_USE` (Tenants of the organization use this credential's account), `JOB_NOT_RUNNABLE` (The cron job cannot run now). */
        Conflict: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `If-Match` names another generation than the tenant's. Codes: `PRECONDITION_FAILED` (The tenant changed since you read it). */
        PreconditionFailed: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The body is larger than 2 MiB. Codes: `PAYLOAD_TOO_LARGE` (The request body is too large). */
        ContentTooLarge: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The body is not `application/json`. Codes: `UNSUPPORTED_MEDIA_TYPE` (The request body is not JSON). */
        UnsupportedMediaType: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request is well-formed, but cannot be done as asked. Codes: `IDEMPOTENCY_KEY_REUSED` (Idempotency-Key was used with a different request), `BLUEPRINT_INVALID` (The blueprint is not valid), `CREDENTIAL_CHECK_FAILED` (The platform did not accept the credential), `CREDENTIAL_REQUIRED` (The organization has no credential for this target), `UNKNOWN_TARGET` (No provider serves this target), `UNSUPPORTED_RESOURCE` (The target cannot provide a resource of this blueprint), `UNDECLARED_SECRETS` (The blueprint declares no such secret), `NOT_A_CRON_JOB` (Only cron jobs can be run on demand). */
        UnprocessableContent: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Over the key's request rate, or the organization's `creates_per_minute` quota. Codes: `RATE_LIMITED` (Too many requests; retry after the time given). */
        TooManyRequests: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                "Retry-After": components["headers"]["RetryAfter"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description An unexpected error; it has been logged. Codes: `INTERNAL` (Internal error). */
        InternalError: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description This installation does not serve it. Codes: `ENVIRONMENTS_NOT_CONFIGURED` (The environments API is not configured here). */
        NotImplemented: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Tenantry's database cannot be reached right now; nothing was changed. Codes: `DATABASE_UNAVAILABLE` (Tenantry's database cannot be reached right now). */
        ServiceUnavailable: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                "Retry-After": components["headers"]["RetryAfter"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Not modified: the `If-None-Match` tag still matches; no body. */
        NotModified: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                ETag: components["headers"]["ETag"];
                [name: string]: unknown;
            };
            content?: never;
        };
    };
    parameters: {
        /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
        IfNoneMatch: string;
        /** @description Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`. */
        IdempotencyKey: string;
    };
    requestBodies: never;
    headers: {
        /** @description The request's id: the caller's own `X-Request-Id` when it is printable ASCII of at most 200 characters, else a new UUID. It marks the request's log lines, operations, events and audit entries. */
        XRequestId: string;
        /** @description Requests allowed per minute (per API key; per address before authentication). Set when the request was counted: every route but `/health`, `/ready` and `/metrics`, unless `TENANTRY_RATE_LIMIT_PER_MINUTE` is 0. */
        XRateLimitLimit: number;
        /** @description Requests left in the current minute. Set with `X-RateLimit-Limit`. */
        XRateLimitRemaining: number;
        /** @description Seconds until the current window ends. Set with `X-RateLimit-Limit`. */
        XRateLimitReset: number;
        /** @description Seconds to wait before retrying. */
        RetryAfter: number;
        /** @description A validator of the answer: send it back in `If-None-Match` for a 304 while nothing changed (on `PATCH /v1/tenants/{id}`: the tenant's generation, for `If-Match`). */
        ETag: string;
        /** @description Where the answer's object lives: what was created (201), or the operation doing the work (202); also on an idempotent replay. */
        Location: string;
        /** @description `true` when the answer is the stored one of an earlier request with the same `Idempotency-Key` (nothing was done again). */
        IdempotentReplayed: "true";
        /** @description The scheme to authenticate with (RFC 9110 §11.6.1). */
        WWWAuthenticate: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process is up */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready to serve */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Ready"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            /** @description Not ready, and why */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotReady"];
                };
            };
        };
    };
    listTenants: {
        parameters: {
            query?: {
                /** @description Comma-separated statuses, e.g. active,failed */
                status?: string;
                /** @description key=value; repeat to require several */
                label?: string | string[];
                /** @description Substring of name or slug */
                q?: string;
                limit?: number;
                cursor?: string;
            };
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page; follow `next_cursor` for the next */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantPage"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createTenant: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateTenantRequest"];
            };
        };
        responses: {
            /** @description A tenant and the operation just started on it */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantWithOperation"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getTenant: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A tenant: one customer's copy of the product, made from a blueprint */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tenant"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteTenant: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A tenant and the operation just started on it */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantWithOperation"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    updateTenant: {
        parameters: {
            query?: never;
            header?: {
                /** @description The generation you last read, e.g. "3" */
                "if-match"?: string;
                /** @description Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateTenantRequest"];
            };
        };
        responses: {
            /** @description A changed tenant, with the `update` operation the change started (null when none) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantWithOptionalOperation"];
                };
            };
            /** @description A changed tenant, with the `update` operation the change started (null when none) */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantWithOptionalOperation"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getTenantStatus: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What a backend polls of a tenant: its status, ids and outputs */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantStatus"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    suspendTenant: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A tenant and the operation just started on it */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantWithOperation"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    resumeTenant: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A tenant and the operation just started on it */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantWithOperation"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    retryTenant: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A tenant and the operation just started on it */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantWithOperation"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    planTenantChange: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PlanRequest"];
            };
        };
        responses: {
            /** @description What a change would do to a tenant, resource by resource */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Plan"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listTenantEvents: {
        parameters: {
            query?: {
                /** @description Only events with a larger id */
                after?: number;
                limit?: number;
            };
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page; follow `next_cursor` for the next — JSON, or with `Accept: text/event-stream` an event stream */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventPage"];
                    /**
                     * @example id: 41
                     *
                     *     id: 42
                     *     event: tenant.status_changed
                     *     data: {"id":42,"type":"tenant.status_changed","message":"queued → provisioning"}
                     *
                     *     : keepalive
                     */
                    "text/event-stream": string;
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getTenantLogs: {
        parameters: {
            query?: {
                /** @description How many lines, at most */
                tail?: number;
            };
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
                /** @description The resource's key (`service:web`) or its service name (`web`) */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The last lines of a resource's output — JSON, or with `Accept: text/event-stream` an event stream */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ResourceLogs"];
                    /**
                     * @example : following
                     *
                     *     data: [build] ==> Building
                     *
                     *     data: [run] listening on :10000
                     */
                    "text/event-stream": string;
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    runCronJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                /** @description The resource's key (`service:web`) or its service name (`web`) */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A run of a cron job asked for */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobRun"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listTenantOperations: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page; follow `next_cursor` for the next */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OperationPage"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getOperation: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A unit of lifecycle work on a tenant, with its steps */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Operation"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    validateBlueprint: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ValidateBlueprintRequest"];
            };
        };
        responses: {
            /** @description Every error and warning of a blueprint at once */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BlueprintValidation"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    renderBlueprint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RenderBlueprintRequest"];
            };
        };
        responses: {
            /** @description What a blueprint creates for a tenant, and its cost */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RenderedBlueprint"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listBlueprints: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The latest version of each blueprint */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BlueprintList"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    pushBlueprint: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PushBlueprintRequest"];
            };
        };
        responses: {
            /** @description One immutable version of a blueprint */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Blueprint"];
                };
            };
            /** @description One immutable version of a blueprint */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Blueprint"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getBlueprint: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One immutable version of a blueprint */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Blueprint"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getBlueprintVersion: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                name: string;
                version: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One immutable version of a blueprint */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Blueprint"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listTargets: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The targets, by name */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TargetList"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createEnvironment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        /** @description The fields other than `name` (`cloud`, `cluster`, `data`, `beta9`…) are checked against the environment blueprint's parameters, each problem with its JSON pointer. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateEnvironmentRequest"];
            };
        };
        responses: {
            /** @description An environment just recorded; poll it for its status */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EnvironmentCreated"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            501: components["responses"]["NotImplemented"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getEnvironment: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A BYOC environment: a tenant of the environment blueprint */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Environment"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteEnvironment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An environment whose destroy started */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EnvironmentDestroying"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listApiKeys: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The organization's API keys, oldest first */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyList"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createApiKey: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateApiKeyRequest"];
            };
        };
        responses: {
            /** @description A new API key, with the key itself this once */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyCreated"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getApiKey: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An API key, never the key itself */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    revokeApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An API key, never the key itself */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    rotateApiKey: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RotateApiKeyRequest"];
            };
        };
        responses: {
            /** @description The new key (shown this once) and the old one, now expiring */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyRotated"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getOwnOrganization: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The calling key and its organization */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallerIdentity"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listOrganizations: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page; follow `next_cursor` for the next */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrganizationPage"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createOrganization: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same request answers the stored response (for 24 hours); with a different request, a 422 `IDEMPOTENCY_KEY_REUSED`. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateOrganizationRequest"];
            };
        };
        responses: {
            /** @description A new organization and its first admin key */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrganizationCreated"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getOrganization: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An organization of this installation */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Organization"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteOrganization: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An organization of this installation */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Organization"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    renameOrganization: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RenameOrganizationRequest"];
            };
        };
        responses: {
            /** @description An organization of this installation */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Organization"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listCredentials: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The organization's credentials, by target */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CredentialList"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    registerCredential: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description A credential for a target: the fields of its `kind` */
        requestBody: {
            content: {
                "application/json": components["schemas"]["RegisterCredentialRequest"];
            };
        };
        responses: {
            /** @description An organization's credential for a target, without its secret */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Credential"];
                };
            };
            /** @description An organization's credential for a target, without its secret */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Credential"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getCredential: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An organization's credential for a target, without its secret */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Credential"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteCredential: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no content */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    checkCredential: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An organization's credential for a target, without its secret */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Credential"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listAuditEntries: {
        parameters: {
            query?: {
                /** @description A tenant's id */
                tenant?: string;
                /** @description An API key's id, or `system` */
                actor?: string;
                /** @description Exact (`tenant.create`), or a prefix ending in `.` or `*` (`tenant.`, `provider.*`) */
                action?: string;
                /** @description From this time (RFC 3339) */
                since?: string;
                /** @description Before this time (RFC 3339) */
                until?: string;
                /** @description One request's entries */
                request_id?: string;
                limit?: number;
                cursor?: string;
            };
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page; follow `next_cursor` for the next */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditEntryPage"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getOwnQuotas: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An organization's quotas and its use of each (docs/quotas.md) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Quotas"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getOrganizationQuotas: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An organization's quotas and its use of each (docs/quotas.md) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Quotas"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    setOrganizationQuotas: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** @description Quota overrides for one organization: a limit each, or null for the default */
        requestBody: {
            content: {
                "application/json": components["schemas"]["QuotaOverrides"];
            };
        };
        responses: {
            /** @description An organization's quotas and its use of each (docs/quotas.md) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Quotas"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    updateOrganizationQuotas: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** @description Quota overrides for one organization: a limit each, or null for the default */
        requestBody: {
            content: {
                "application/json": components["schemas"]["QuotaOverrides"];
            };
        };
        responses: {
            /** @description An organization's quotas and its use of each (docs/quotas.md) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Quotas"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listEvents: {
        parameters: {
            query?: {
                /** @description Only events with a larger id (the stream: start after it) */
                after?: number;
                /** @description `next_cursor` of the previous page (JSON only) */
                cursor?: string;
                limit?: number;
                /** @description Only this tenant's events (id or slug) */
                tenant?: string;
                /** @description Comma-separated event types; one ending in `.` or `.*` is a prefix (`tenant.`, `resource.*`) */
                type?: string;
            };
            header?: {
                /** @description The stream: resume after this event id (wins over `after`) */
                "last-event-id"?: string;
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page; follow `next_cursor` for the next — JSON, or with `Accept: text/event-stream` an event stream */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrganizationEventPage"];
                    /**
                     * @example id: 41
                     *
                     *     id: 42
                     *     event: tenant.status_changed
                     *     data: {"id":42,"type":"tenant.status_changed","message":"queued → provisioning"}
                     *
                     *     : keepalive
                     */
                    "text/event-stream": string;
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listWebhooks: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The organization's webhook endpoints */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookList"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description A webhook endpoint to register */
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateWebhookRequest"];
            };
        };
        responses: {
            /** @description A webhook endpoint and its signing secret, shown once */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookWithSecret"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A webhook endpoint of the organization, without its secret */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no content */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    updateWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** @description What to change; absent fields stay */
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateWebhookRequest"];
            };
        };
        responses: {
            /** @description A webhook endpoint of the organization, without its secret */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** @description The new secret, or none to generate one */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RotateWebhookSecretRequest"];
            };
        };
        responses: {
            /** @description A webhook endpoint and its signing secret, shown once */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookWithSecret"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listWebhookDeliveries: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: {
                /** @description An `ETag` of an earlier answer: the answer is an empty 304 while it still matches. */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page; follow `next_cursor` for the next */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDeliveryPage"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    redeliverWebhookDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                delivery_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One delivery of an event to an endpoint, with its last attempt */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "X-RateLimit-Limit": components["headers"]["XRateLimitLimit"];
                    "X-RateLimit-Remaining": components["headers"]["XRateLimitRemaining"];
                    "X-RateLimit-Reset": components["headers"]["XRateLimitReset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDelivery"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
}
