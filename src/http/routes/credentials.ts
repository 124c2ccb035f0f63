import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { TenantryError } from "../../domain/errors.js";
import type { CredentialRow } from "../../services/credential-service.js";
import { principalOf } from "../auth.js";
import { problems } from "../openapi.js";
import { List, TenantParams } from "../schemas.js";
import type { HttpDeps } from "../server.js";

const Timestamp = Type.String({ format: "date-time" });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
/** A secret field of the body: write-only, never in an answer. */
const Secret = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 65_536, description }));
const Field = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description }));

export const CredentialView = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String(),
    target: Type.String(),
    kind: Type.Union([
      Type.Literal("render_api_key"),
      Type.Literal("kubeconfig"),
      Type.Literal("kubernetes_token"),
      Type.Literal("cloud_role"),
    ]),
    status: Type.Union([Type.Literal("ok"), Type.Literal("access_error")], {
      description: "`access_error`: the platform refused it at the last check or use",
    }),
    display: Type.Record(Type.String(), Type.String(), {
      description:
        "What may be shown: the workspace, the server, the last four characters of a key. Never the secret.",
    }),
    version: Type.Integer({ description: "Grows each time the credential is replaced" }),
    last_checked_at: Nullable(Timestamp),
    last_error: Nullable(Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: "Credential", description: "An organization's credential for a target, without its secret" },
);

export const RegisterCredentialBody = Type.Object(
  {
    target: Type.String({ minLength: 1, maxLength: 63, description: "render, kubernetes or terraform" }),
    kind: Type.String({
      minLength: 1,
      maxLength: 63,
      description:
        "render_api_key (render), kubeconfig or kubernetes_token (kubernetes), cloud_role (terraform)",
    }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    api_key: Secret("render_api_key: the Render API key"),
    workspace_id: Field("render_api_key: the workspace (tea-…/usr-…); absent: the only one the key reaches"),
    kubeconfig: Secret("kubeconfig: the kubeconfig YAML"),
    context: Field("kubeconfig: the context to use; absent: its current context"),
    server: Field("kubernetes_token: the API server's URL"),
    token: Secret("kubernetes_token: a bearer token (a service account's)"),
    ca_cert: Secret("kubernetes_token: the cluster's CA certificate (PEM)"),
    namespace: Field("kubernetes_token: the namespace the check reads; default `default`"),
    provider: Field("cloud_role: aws, gcp or azure"),
    role_arn: Field("cloud_role, aws: the role to assume"),
    service_account: Field("cloud_role, gcp: the service account to impersonate"),
    client_id: Field("cloud_role, azure: the managed identity's client id"),
    tenant_id: Field("cloud_role, azure: the Azure tenant id"),
    external_id: Secret("cloud_role, aws: the external id the role's trust policy asks for"),
  },
  {
    additionalProperties: false,
    title: "RegisterCredentialRequest",
    description: "A credential for a target: the fields of its `kind`",
  },
);

export function credentialView(c: CredentialRow) {
  return {
    id: c.id,
    name: c.name,
    target: c.target,
    kind: c.kind,
    status: c.status,
    display: c.display,
    version: c.version,
    last_checked_at: c.lastCheckedAt?.toISOString() ?? null,
    last_error: c.lastError,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

/**
 * `/v1/credentials`: the organization's own credentials for targets (docs/credentials.md).
 * Write-only: no answer ever holds a secret. Viewers read, admins register and delete,
 * operators re-check.
 */
export const credentialRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, deps) => {
  const { db } = deps;
  const service = () => {
    if (!deps.credentials) throw new TenantryError("NOT_FOUND", "credentials are not served by this process");
    return deps.credentials;
  };

  app.get(
    "/v1/credentials",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "listCredentials",
        tags: ["credentials"],
        summary: "List the organization's target credentials",
        description:
          "One per target at most, by target. Secrets are never shown. 404 when this process serves no credentials.",
        response: {
          200: List(CredentialView, "CredentialList", "The organization's credentials, by target"),
          ...problems(404),
        },
      },
    },
    async (request) => ({ data: (await service().list(db, principalOf(request))).map(credentialView) }),
  );

  app.post(
    "/v1/credentials",
    {
      config: { role: "admin", openapi: { location: [200, 201] } },
      schema: {
        operationId: "registerCredential",
        tags: ["credentials"],
        summary: "Register the organization's credential for a target",
        description:
          "Checked first with a cheap authenticated call (Render: GET /owners; Kubernetes: a namespace read; a cloud role: its shape only). A failed check is `CREDENTIAL_CHECK_FAILED` and stores nothing. Registering again for the same target replaces the credential (200); one that reaches another account while tenants use the old one is `CREDENTIAL_IN_USE`.",
        body: RegisterCredentialBody,
        response: { 200: CredentialView, 201: CredentialView, ...problems(404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { credential, replaced } = await service().register(db, principalOf(request), request.body);
      reply.header("location", `/v1/credentials/${credential.id}`);
      return reply.status(replaced ? 200 : 201).send(credentialView(credential));
    },
  );

  app.get(
    "/v1/credentials/:id",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "getCredential",
        tags: ["credentials"],
        summary: "Get a credential (without its secret)",
        description: "What may be shown of it (`display`), its status and the last check's error.",
        params: TenantParams,
        response: { 200: CredentialView, ...problems(404) },
      },
    },
    async (request) => credentialView(await service().get(db, principalOf(request), request.params.id)),
  );

  app.delete(
    "/v1/credentials/:id",
    {
      config: { role: "admin" },
      schema: {
        operationId: "deleteCredential",
        tags: ["credentials"],
        summary: "Delete a credential",
        description: "Refused (`CREDENTIAL_IN_USE`) while the organization has tenants on its target.",
        params: TenantParams,
        response: { 204: Type.Null(), ...problems(404, 409) },
      },
    },
    async (request, reply) => {
      await db.tx((q) => service().delete(q, principalOf(request), request.params.id));
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/v1/credentials/:id/check",
    {
      config: { role: "operator" },
      schema: {
        operationId: "checkCredential",
        tags: ["credentials"],
        summary: "Check a credential again",
        description:
          "The same call as at registration. The outcome is recorded: `status` `ok` clears the `access_error` condition of the organization's tenants on the target; `access_error` (with `last_error`) sets it.",
        params: TenantParams,
        response: { 200: CredentialView, ...problems(404) },
      },
    },
    async (request) => credentialView(await service().recheck(db, principalOf(request), request.params.id)),
  );
};
