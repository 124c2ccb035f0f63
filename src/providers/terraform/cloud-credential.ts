import type { CredentialSecret } from "../../domain/credentials.js";
import type { RecordedResource, StackSpec } from "../../domain/resources.js";

/**
 * An organization's `cloud_role` credential (`/v1/credentials`, docs/credentials.md) as the
 * cloud account of its tenants' stacks. A stack still says which cloud it is in
 * (`cloud.provider`, `region`, `project`); the credential supplies the account it is
 * reached through when the stack names none:
 *
 * - `aws`: a stack on `aws` without `roleArn` assumes the credential's `role_arn`, with its
 *   `external_id` (the stack's own `externalId` is kept when it has one);
 * - `gcp`: a stack on `google` without `serviceAccount` impersonates the credential's
 *   `service_account`;
 * - `azure`: no stack is on Azure (the root module configures aws and google only): unused.
 *
 * A stack that names its own role or service account keeps it: a blueprint that takes the
 * account from the tenant's parameters (one customer account per tenant) is more specific
 * than the organization's default. Stacks without `cloud` are left alone. Pure.
 */
export function withOrganizationCloud<T extends Pick<RecordedResource<"stack">, "spec">>(
  stacks: readonly T[],
  credential: CredentialSecret | null | undefined,
): T[] {
  if (credential?.kind !== "cloud_role") return [...stacks];
  return stacks.map((stack) => {
    const cloud = stack.spec.cloud;
    const filled = fill(cloud, credential);
    return filled === cloud ? stack : { ...stack, spec: { ...stack.spec, cloud: filled } };
  });
}

const named = (v: string | undefined): v is string => typeof v === "string" && v.trim() !== "";

function fill(
  cloud: StackSpec["cloud"],
  credential: Extract<CredentialSecret, { kind: "cloud_role" }>,
): StackSpec["cloud"] {
  if (!cloud) return cloud;
  if (
    cloud.provider === "aws" &&
    credential.provider === "aws" &&
    credential.roleArn &&
    !named(cloud.roleArn)
  ) {
    const externalId = named(cloud.externalId) ? cloud.externalId : credential.externalId;
    return { ...cloud, roleArn: credential.roleArn, ...(externalId ? { externalId } : {}) };
  }
  if (
    cloud.provider === "google" &&
    credential.provider === "gcp" &&
    credential.serviceAccount &&
    !named(cloud.serviceAccount)
  ) {
    return { ...cloud, serviceAccount: credential.serviceAccount };
  }
  return cloud;
}
