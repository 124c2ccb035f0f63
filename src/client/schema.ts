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
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                            version: string;
                            installation_id: string;
                            /** @description The node this process runs on (TENANTRY_NODE_ID) */
                            node_id: string;
                        };
                    };
                };
            };
        };
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
        /** Readiness: the database answers and migrations are current */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ready";
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "not_ready";
                            reason: string;
                        };
                    };
                };
            };
        };
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
        get: {
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
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["def-1"][];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a tenant
         * @description Records the tenant (`status: queued`) and starts its `create` operation. Send `Idempotency-Key` to make retries safe.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description Display name */
                        name: string;
                        /** @description DNS label, unique per organization; derived from name when absent */
                        slug?: string;
                        /** @description The blueprint by name, or given inline */
                        blueprint: string | {
                            /** @description Blueprint YAML (render.yaml format) */
                            source: string;
                            name?: string;
                        };
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
                        /** @description Free-form labels for filtering, e.g. {"plan":"pro"} */
                        labels?: {
                            [key: string]: string;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tenant: components["schemas"]["def-1"];
                            operation: components["schemas"]["def-2"];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        /** Get a tenant by id or slug */
        get: {
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
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            slug: string;
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
                            /** @description What needs a person's attention beyond the status. `access_error`: the platform refused Tenantry's credentials (e.g. a revoked RENDER_API_KEY); cleared when the tenant settles again after a retry. */
                            conditions: {
                                /** @enum {string} */
                                type: "access_error";
                                message: string;
                                /** Format: date-time */
                                since: string;
                            }[];
                            resources?: {
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
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Destroy a tenant
         * @description Deletes every resource in reverse dependency order and verifies each is gone. The tenant stays as a `destroyed` record.
         */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tenant: components["schemas"]["def-1"];
                            operation: components["schemas"]["def-2"];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /**
         * Change a tenant
         * @description A new blueprint (`name`, `name@N` or inline), params (merged; `null` removes one) or secrets (merged, write-only; a value the tenant already has changes nothing; undeclared ones are a 422 `UNDECLARED_SECRETS`) start an `update` operation: generation + 1, status `updating`, then `active`; the answer is 202 with the operation. A new name or labels (which replace the old ones) apply at once: 200 with `operation: null`. Send `If-Match: "<generation>"` to refuse the change (412) if the tenant changed since you read it. See `POST /v1/tenants/{id}/plan` for what a change would do.
         */
        patch: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The generation you last read, e.g. "3" */
                    "if-match"?: string;
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The blueprint by name, or given inline */
                        blueprint?: string | {
                            /** @description Blueprint YAML (render.yaml format) */
                            source: string;
                            name?: string;
                        };
                        /** @description Merged into the tenant's params as a JSON Merge Patch (RFC 7386): objects field by field; null removes a param or field; lists are replaced */
                        params?: {
                            [key: string]: unknown;
                        };
                        /** @description Free-form labels for filtering, e.g. {"plan":"pro"} */
                        labels?: {
                            [key: string]: string;
                        };
                        name?: string;
                        /** @description Write-only values set or rotated (`null` removes one the blueprint does not require), merged into the tenant's; a changed value starts an `update` that redeploys what uses it. Only secrets the blueprint declares (`sync: false` env vars); never returned */
                        secrets?: {
                            [key: string]: string | null;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tenant: components["schemas"]["def-1"];
                            operation: components["schemas"]["def-2"] | null;
                        };
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tenant: components["schemas"]["def-1"];
                            operation: components["schemas"]["def-2"] | null;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        get: {
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
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                            /** @description What needs a person's attention beyond the status. `access_error`: the platform refused Tenantry's credentials (e.g. a revoked RENDER_API_KEY); cleared when the tenant settles again after a retry. */
                            conditions: {
                                /** @enum {string} */
                                type: "access_error";
                                message: string;
                                /** Format: date-time */
                                since: string;
                            }[];
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
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        post: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tenant: components["schemas"]["def-1"];
                            operation: components["schemas"]["def-2"];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        post: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tenant: components["schemas"]["def-1"];
                            operation: components["schemas"]["def-2"];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        post: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tenant: components["schemas"]["def-1"];
                            operation: components["schemas"]["def-2"];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        post: {
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
                    "application/json": {
                        /** @description The blueprint by name, or given inline */
                        blueprint?: string | {
                            /** @description Blueprint YAML (render.yaml format) */
                            source: string;
                            name?: string;
                        };
                        /** @description Merged into the tenant's params as a JSON Merge Patch (RFC 7386): objects field by field; null removes a param or field; lists are replaced */
                        params?: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                            cost: {
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
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        /** The tenant's timeline (append-only), oldest first */
        get: {
            parameters: {
                query?: {
                    /** @description Only events with a larger id */
                    after?: number;
                    limit?: number;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: number;
                                type: string;
                                message: string;
                                operation_id: string | null;
                                data: {
                                    [key: string]: unknown;
                                };
                                actor: {
                                    type: "api_key" | "system";
                                    id: string | null;
                                    name: string | null;
                                };
                                request_id: string | null;
                                /** Format: date-time */
                                created_at: string;
                            }[];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        get: {
            parameters: {
                query?: {
                    /** @description How many lines, at most */
                    tail?: number;
                };
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
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The resource's key */
                            resource: string;
                            /** @description Oldest first; each prefixed by its source: `[build] `, `[run] ` or `[cron] ` */
                            lines: string[];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        post: {
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
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The cron job's resource key */
                            resource: string;
                            /** @description false when a run was already going: runs never overlap, so none was started */
                            started: boolean;
                            /** @description Finished runs recorded before this request; the new run is done once the resource's `runs` output is larger */
                            runs: number;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        /** The tenant's operations, newest first */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["def-2"][];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        /** An operation with its steps, attempts, timings and error */
        get: {
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
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            tenant_id: string;
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
                            requested_by: {
                                type: "api_key" | "system";
                                id: string | null;
                                name: string | null;
                            };
                            request_id: string | null;
                            steps: {
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
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description render.yaml-format YAML */
                        source: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            valid: boolean;
                            errors: {
                                severity: "error" | "warning";
                                /** @description Stable diagnostic code, e.g. unknown-key, missing-reference */
                                code: string;
                                /** @description JSON pointer into the blueprint */
                                pointer: string;
                                message: string;
                                line?: number;
                                column?: number;
                            }[];
                            warnings: {
                                severity: "error" | "warning";
                                /** @description Stable diagnostic code, e.g. unknown-key, missing-reference */
                                code: string;
                                /** @description JSON pointer into the blueprint */
                                pointer: string;
                                message: string;
                                line?: number;
                                column?: number;
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        post: {
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
                    "application/json": {
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
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                            cost: {
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
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        /** List blueprints (latest version of each) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["def-3"][];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Push a blueprint version
         * @description Stores the next immutable version; content identical to the latest version returns it (200).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /** @description render.yaml-format YAML */
                        source: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                    };
                };
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        /** The latest version of a blueprint, with its source */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        /** One version of a blueprint, with its source */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                    version: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["def-4"][];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        post: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                };
                path?: never;
                cookie?: never;
            };
            /** @description The fields other than `name` (`cloud`, `cluster`, `data`, `beta9`…) are checked against the environment blueprint's parameters, each problem with its JSON pointer. */
            requestBody: {
                content: {
                    "application/json": {
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
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            environment_id: string;
                            status: string;
                            /** Format: date-time */
                            created_at: string;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                501: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        get: {
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
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                501: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Destroy an environment
         * @description Starts the destroy of every resource of its stacks; the state ends empty.
         */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            environment_id: string;
                            status: string;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                501: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                                /** @description viewer reads; operator also changes tenants; admin also manages blueprints and keys; platform_admin also manages organizations */
                                role: "platform_admin" | "admin" | "operator" | "viewer";
                                /** @description The key's first characters, to tell keys apart; never the key */
                                prefix: string;
                                /** @description `expiring`: rotated, valid until `expires_at` (its grace period) */
                                state: "active" | "expiring" | "expired" | "revoked";
                                /** Format: date-time */
                                created_at: string;
                                last_used_at: string | null;
                                expires_at: string | null;
                                revoked_at: string | null;
                                replaced_by: string | null;
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create an API key
         * @description The answer holds the key itself, this once: store it now.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /** @description viewer reads; operator also changes tenants; admin also manages blueprints and keys; platform_admin also manages organizations */
                        role: "platform_admin" | "admin" | "operator" | "viewer";
                        /**
                         * Format: date-time
                         * @description When it stops working; absent: never
                         */
                        expires_at?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description An API key, never the key itself */
                            api_key: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                                /** @description viewer reads; operator also changes tenants; admin also manages blueprints and keys; platform_admin also manages organizations */
                                role: "platform_admin" | "admin" | "operator" | "viewer";
                                /** @description The key's first characters, to tell keys apart; never the key */
                                prefix: string;
                                /** @description `expiring`: rotated, valid until `expires_at` (its grace period) */
                                state: "active" | "expiring" | "expired" | "revoked";
                                /** Format: date-time */
                                created_at: string;
                                last_used_at: string | null;
                                expires_at: string | null;
                                revoked_at: string | null;
                                replaced_by: string | null;
                            };
                            /** @description The key itself: shown this once, never again */
                            key: string;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        /** Get an API key */
        get: {
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
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            /** @description viewer reads; operator also changes tenants; admin also manages blueprints and keys; platform_admin also manages organizations */
                            role: "platform_admin" | "admin" | "operator" | "viewer";
                            /** @description The key's first characters, to tell keys apart; never the key */
                            prefix: string;
                            /** @description `expiring`: rotated, valid until `expires_at` (its grace period) */
                            state: "active" | "expiring" | "expired" | "revoked";
                            /** Format: date-time */
                            created_at: string;
                            last_used_at: string | null;
                            expires_at: string | null;
                            revoked_at: string | null;
                            replaced_by: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Revoke an API key
         * @description At once: the next request with it is a 401. A key cannot revoke itself.
         */
        delete: {
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
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            /** @description viewer reads; operator also changes tenants; admin also manages blueprints and keys; platform_admin also manages organizations */
                            role: "platform_admin" | "admin" | "operator" | "viewer";
                            /** @description The key's first characters, to tell keys apart; never the key */
                            prefix: string;
                            /** @description `expiring`: rotated, valid until `expires_at` (its grace period) */
                            state: "active" | "expiring" | "expired" | "revoked";
                            /** Format: date-time */
                            created_at: string;
                            last_used_at: string | null;
                            expires_at: string | null;
                            revoked_at: string | null;
                            replaced_by: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        post: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description How long the old key keeps working. Default 86400 (a day) */
                        grace_seconds?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description An API key, never the key itself */
                            api_key: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                                /** @description viewer reads; operator also changes tenants; admin also manages blueprints and keys; platform_admin also manages organizations */
                                role: "platform_admin" | "admin" | "operator" | "viewer";
                                /** @description The key's first characters, to tell keys apart; never the key */
                                prefix: string;
                                /** @description `expiring`: rotated, valid until `expires_at` (its grace period) */
                                state: "active" | "expiring" | "expired" | "revoked";
                                /** Format: date-time */
                                created_at: string;
                                last_used_at: string | null;
                                expires_at: string | null;
                                revoked_at: string | null;
                                replaced_by: string | null;
                            };
                            /** @description The new key: shown this once */
                            key: string;
                            /** @description An API key, never the key itself */
                            previous: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                                /** @description viewer reads; operator also changes tenants; admin also manages blueprints and keys; platform_admin also manages organizations */
                                role: "platform_admin" | "admin" | "operator" | "viewer";
                                /** @description The key's first characters, to tell keys apart; never the key */
                                prefix: string;
                                /** @description `expiring`: rotated, valid until `expires_at` (its grace period) */
                                state: "active" | "expiring" | "expired" | "revoked";
                                /** Format: date-time */
                                created_at: string;
                                last_used_at: string | null;
                                expires_at: string | null;
                                revoked_at: string | null;
                                replaced_by: string | null;
                            };
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description An organization of this installation */
                            organization: {
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
                            /** @description An API key, never the key itself */
                            api_key: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                                /** @description viewer reads; operator also changes tenants; admin also manages blueprints and keys; platform_admin also manages organizations */
                                role: "platform_admin" | "admin" | "operator" | "viewer";
                                /** @description The key's first characters, to tell keys apart; never the key */
                                prefix: string;
                                /** @description `expiring`: rotated, valid until `expires_at` (its grace period) */
                                state: "active" | "expiring" | "expired" | "revoked";
                                /** Format: date-time */
                                created_at: string;
                                last_used_at: string | null;
                                expires_at: string | null;
                                revoked_at: string | null;
                                replaced_by: string | null;
                            };
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
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
                            }[];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create an organization
         * @description With its first admin key, returned this once: hand it to the organization's owner. Platform admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description A DNS label; permanent */
                        slug: string;
                        /** @description Default: the slug */
                        name?: string;
                        /** @description Name of its first admin key (default `admin`) */
                        admin_key_name?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description An organization of this installation */
                            organization: {
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
                            /** @description An API key, never the key itself */
                            admin_key: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                                /** @description viewer reads; operator also changes tenants; admin also manages blueprints and keys; platform_admin also manages organizations */
                                role: "platform_admin" | "admin" | "operator" | "viewer";
                                /** @description The key's first characters, to tell keys apart; never the key */
                                prefix: string;
                                /** @description `expiring`: rotated, valid until `expires_at` (its grace period) */
                                state: "active" | "expiring" | "expired" | "revoked";
                                /** Format: date-time */
                                created_at: string;
                                last_used_at: string | null;
                                expires_at: string | null;
                                revoked_at: string | null;
                                replaced_by: string | null;
                            };
                            /** @description The first admin key itself: shown this once, never again */
                            key: string;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        get: {
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
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Delete an organization
         * @description With its keys, blueprints and the records of its destroyed tenants. Refused (409) while any of its tenants is not destroyed, and for the calling key's own organization. Platform admin.
         */
        delete: {
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
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /**
         * Rename an organization
         * @description Its display name; the slug is permanent. Platform admin.
         */
        patch: {
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
                    "application/json": {
                        name: string;
                    };
                };
            };
            responses: {
                /** @description An organization of this installation */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
         * @description One per target at most, by target. Secrets are never shown.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                                target: string;
                                kind: "render_api_key" | "kubeconfig" | "kubernetes_token" | "cloud_role";
                                /** @description `access_error`: the platform refused it at the last check or use */
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
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Register the organization's credential for a target
         * @description Checked first with a cheap authenticated call (Render: GET /owners; Kubernetes: a namespace read; a cloud role: its shape only). A failed check is `CREDENTIAL_CHECK_FAILED` and stores nothing. Registering again for the same target replaces the credential (200); one that reaches another account while tenants use the old one is `CREDENTIAL_IN_USE`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
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
                };
            };
            responses: {
                /** @description An organization's credential for a target, without its secret */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            target: string;
                            kind: "render_api_key" | "kubeconfig" | "kubernetes_token" | "cloud_role";
                            /** @description `access_error`: the platform refused it at the last check or use */
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
                    };
                };
                /** @description An organization's credential for a target, without its secret */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            target: string;
                            kind: "render_api_key" | "kubeconfig" | "kubernetes_token" | "cloud_role";
                            /** @description `access_error`: the platform refused it at the last check or use */
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
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        /** Get a credential (without its secret) */
        get: {
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
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            target: string;
                            kind: "render_api_key" | "kubeconfig" | "kubernetes_token" | "cloud_role";
                            /** @description `access_error`: the platform refused it at the last check or use */
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
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Delete a credential
         * @description Refused (`CREDENTIAL_IN_USE`) while the organization has tenants on its target.
         */
        delete: {
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
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        post: {
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
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            target: string;
                            kind: "render_api_key" | "kubeconfig" | "kubernetes_token" | "cloud_role";
                            /** @description `access_error`: the platform refused it at the last check or use */
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
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        get: {
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
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                /** Format: uuid */
                                id: string;
                                /** Format: date-time */
                                at: string;
                                actor: {
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
                                outcome: "succeeded" | "failed" | "refused";
                                status: number | null;
                                /** @description What changed, redacted: the names of secrets, never their values */
                                summary: {
                                    [key: string]: unknown;
                                };
                            }[];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description An organization's quotas and its use of each (docs/quotas.md) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The organization's slug */
                            organization: string;
                            quotas: {
                                max_tenants: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                                max_concurrent_operations: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                                max_blueprints: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                                creates_per_minute: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                            };
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
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
        get: {
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
                /** @description An organization's quotas and its use of each (docs/quotas.md) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The organization's slug */
                            organization: string;
                            quotas: {
                                max_tenants: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                                max_concurrent_operations: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                                max_blueprints: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                                creates_per_minute: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                            };
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        /**
         * Set an organization's quotas
         * @description Replaces every override: a quota not given (or null) goes back to the default. Platform admin.
         */
        put: {
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
                    "application/json": {
                        /** @description A limit (0 = unlimited), or null for the installation's default */
                        max_tenants?: number | null;
                        /** @description A limit (0 = unlimited), or null for the installation's default */
                        max_concurrent_operations?: number | null;
                        /** @description A limit (0 = unlimited), or null for the installation's default */
                        max_blueprints?: number | null;
                        /** @description A limit (0 = unlimited), or null for the installation's default */
                        creates_per_minute?: number | null;
                    };
                };
            };
            responses: {
                /** @description An organization's quotas and its use of each (docs/quotas.md) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The organization's slug */
                            organization: string;
                            quotas: {
                                max_tenants: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                                max_concurrent_operations: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                                max_blueprints: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                                creates_per_minute: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                            };
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change some of an organization's quotas
         * @description Changes only the quotas given; null resets one to the default. Platform admin.
         */
        patch: {
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
                    "application/json": {
                        /** @description A limit (0 = unlimited), or null for the installation's default */
                        max_tenants?: number | null;
                        /** @description A limit (0 = unlimited), or null for the installation's default */
                        max_concurrent_operations?: number | null;
                        /** @description A limit (0 = unlimited), or null for the installation's default */
                        max_blueprints?: number | null;
                        /** @description A limit (0 = unlimited), or null for the installation's default */
                        creates_per_minute?: number | null;
                    };
                };
            };
            responses: {
                /** @description An organization's quotas and its use of each (docs/quotas.md) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The organization's slug */
                            organization: string;
                            quotas: {
                                max_tenants: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                                max_concurrent_operations: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                                max_blueprints: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                                creates_per_minute: {
                                    /** @description The limit in force; 0 = unlimited */
                                    limit: number;
                                    /** @description The organization's use now */
                                    current: number;
                                    /** @description Set for this organization by a platform admin (else the default) */
                                    overridden: boolean;
                                };
                            };
                        };
                    };
                };
                /** @description RFC 9457 problem details */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
                /** @description RFC 9457 problem details */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["def-0"];
                    };
                };
            };
        };
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * Problem
         * @description RFC 9457 problem details
         */
        "def-0": {
            type: string;
            title: string;
            status: number;
            detail: string;
            /** @description Stable error code; see docs/errors.md */
            code: string;
            instance?: string;
            errors?: {
                /** @description JSON pointer to the offending field */
                pointer: string;
                message: string;
                line?: number;
                column?: number;
            }[];
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
            refusals?: {
                /** @description The resource's key (`service:web`); null for the blueprint as a whole */
                resource: string | null;
                /** @description The field at fault */
                field: string | null;
                message: string;
            }[];
            /** @description The secrets the blueprint does not declare, on UNDECLARED_SECRETS */
            undeclared?: string[];
        };
        /** Tenant */
        "def-1": {
            /** Format: uuid */
            id: string;
            name: string;
            slug: string;
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
            /** @description What needs a person's attention beyond the status. `access_error`: the platform refused Tenantry's credentials (e.g. a revoked RENDER_API_KEY); cleared when the tenant settles again after a retry. */
            conditions: {
                /** @enum {string} */
                type: "access_error";
                message: string;
                /** Format: date-time */
                since: string;
            }[];
            resources?: {
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
            }[];
        };
        /** Operation */
        "def-2": {
            id: string;
            tenant_id: string;
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
            requested_by: {
                type: "api_key" | "system";
                id: string | null;
                name: string | null;
            };
            request_id: string | null;
            steps: {
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
            }[];
        };
        /** Blueprint */
        "def-3": {
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
        /** Target */
        "def-4": {
            /** @description What tenants say as `target` */
            name: string;
            /** @description It runs `hooks.bootstrap` */
            bootstrap: boolean;
            /** @description `node`: a tenant's objects live on the machine that made them, and only its workers work on it */
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
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
