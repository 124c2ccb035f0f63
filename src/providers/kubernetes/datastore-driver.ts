import { randomBytes } from "node:crypto";
import type { RecordedResource } from "../../domain/resources.js";
import { nameTaken } from "../ownership.js";
import {
  ABSENT,
  type ActionResult,
  type Observation,
  type ProviderContext,
  ProviderError,
  type ResourceDriver,
} from "../provider.js";
import {
  DATASTORE_SECRET_KEYS,
  type DatastoreCredentials,
  type DatastoreKind,
  datastoreManifests,
  datastoreOutputs,
  datastoreSecretName,
} from "./datastore-manifests.js";
import { ANNOTATION_KEY, dnsLabel, isOwnedBy, type KubeObject } from "./manifests.js";
import { rolloutState, SUSPENDED, type Workload } from "./rollout.js";
import type { KubeTarget } from "./target.js";

/**
 * A database or Key Value instance run in the tenant's namespace, for development
 * (datastore-manifests.ts): its Secret (a password generated once and read back from the
 * cluster on every later apply), StatefulSet and Service, applied in that order and
 * followed until the StatefulSet is ready. Suspend scales it to 0 and keeps the volume;
 * delete removes every object of the resource, its volume claims included.
 */

const OBJECT_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "apps/v1", kind: "StatefulSet" },
  { apiVersion: "v1", kind: "Secret" },
  { apiVersion: "v1", kind: "PersistentVolumeClaim" },
];

/**
 * The StatefulSet is there but its Secret is not: its data was initialised with the lost
 * password, so a new one would not open it. Not repaired by itself.
 */
function secretLost(r: { key: string; externalName: string }): ProviderError {
  const secret = datastoreSecretName(r);
  return new ProviderError(
    `${r.key}: its credentials Secret ${secret} was deleted, and its data was initialised with that password: restore the Secret, or delete the StatefulSet ${dnsLabel(r.externalName)} and its volume claim to start empty`,
    { retryable: false, code: "KUBERNETES_DATASTORE_SECRET_LOST" },
  );
}

const newPassword = () => randomBytes(24).toString("base64url");

export function createKubeDatastoreDriver<K extends DatastoreKind>(target: KubeTarget): ResourceDriver<K> {
  const { client } = target;

  /** The StatefulSet of the resource, checked to be the tenant's. */
  async function statefulSetOf(ctx: ProviderContext, r: RecordedResource<K>): Promise<Workload | undefined> {
    const m = target.manifestContext(ctx);
    const name = dnsLabel(r.externalName);
    const found = await client.read<Workload>(ctx, {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name, namespace: m.namespace },
    });
    if (found && (!isOwnedBy(found, m.marker) || found.metadata.annotations?.[ANNOTATION_KEY] !== r.key)) {
      throw nameTaken(
        "StatefulSet",
        `${m.namespace}/${name}`,
        undefined,
        "it does not carry this tenant's labels",
      );
    }
    return found;
  }

  /** The credentials in the resource's Secret (undefined: none yet). */
  async function storedCredentials(
    ctx: ProviderContext,
    r: RecordedResource<K>,
  ): Promise<DatastoreCredentials | undefined> {
    const m = target.manifestContext(ctx);
    const name = datastoreSecretName(r);
    const secret = await client.read<KubeObject & { data?: Record<string, string> }>(ctx, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace: m.namespace },
    });
    if (!secret) return undefined;
    if (!isOwnedBy(secret, m.marker) || secret.metadata.annotations?.[ANNOTATION_KEY] !== r.key) {
      throw nameTaken(
        "Secret",
        `${m.namespace}/${name}`,
        undefined,
        "it does not carry this tenant's labels",
      );
    }
    const read = (key: string) => {
      const value = secret.data?.[key];
      return value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");
    };
    const password = read(DATASTORE_SECRET_KEYS.password);
    if (!password) return undefined;
    const rootPassword = read(DATASTORE_SECRET_KEYS.rootPassword);
    return { password, ...(rootPassword ? { rootPassword } : {}) };
  }

  async function applyAll(
    ctx: ProviderContext,
    r: RecordedResource<K>,
    running: boolean,
  ): Promise<ActionResult> {
    if ((await target.ensureNamespace(ctx)) === "terminating") {
      return { state: "pending", retryAfterMs: 1000, detail: "the tenant's namespace is still terminating" };
    }
    const m = target.manifestContext(ctx);
    // The password is generated once; the data directory was initialised with it.
    const stored = await storedCredentials(ctx, r);
    if (!stored && (await statefulSetOf(ctx, r))) throw secretLost(r);
    const credentials = stored ?? {
      password: newPassword(),
      ...(r.kind === "mysql" ? { rootPassword: newPassword() } : {}),
    };
    if (r.kind === "mysql" && !credentials.rootPassword) credentials.rootPassword = newPassword();
    const built = datastoreManifests(r, credentials, m);
    if (!running) {
      (built.statefulSet["spec"] as Record<string, unknown>)["replicas"] = 0;
      built.statefulSet.metadata.annotations = {
        ...built.statefulSet.metadata.annotations,
        [SUSPENDED]: "true",
      };
    }
    for (const object of [built.secret, built.statefulSet, built.service]) {
      ctx.throwIfAborted();
      await client.apply(ctx, object);
    }
    const { outputs, secretOutputs } = datastoreOutputs(r, credentials, m.namespace);
    const sts = await statefulSetOf(ctx, r);
    const seen = sts ? rolloutState(r.key, sts) : undefined;
    if (seen && (seen.state === "ready" || seen.state === "suspended")) {
      return { state: "done", providerId: seen.providerId, outputs, secretOutputs };
    }
    if (!running)
      return { state: "done", providerId: `StatefulSet/${built.statefulSet.metadata.name}`, outputs };
    return {
      state: "pending",
      retryAfterMs: seen?.retryAfterMs ?? 1000,
      providerId: `StatefulSet/${built.statefulSet.metadata.name}`,
      outputs,
      detail: seen?.detail ?? "starting",
    };
  }

  return {
    limits: { actionTimeoutMs: 60_000, maxWaitMs: 10 * 60_000 },

    async observe(ctx, r): Promise<Observation> {
      const sts = await statefulSetOf(ctx, r);
      if (!sts) return ABSENT;
      const seen = rolloutState(r.key, sts);
      const credentials = await storedCredentials(ctx, r);
      if (!credentials) throw secretLost(r);
      const out = datastoreOutputs(r, credentials, target.namespaceOf(ctx));
      // Applied in part (a worker died before the Service): apply completes it.
      const service = await client.read(ctx, {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: dnsLabel(r.externalName), namespace: target.namespaceOf(ctx) },
      });
      if (!service) return { ...seen, ...out, state: "diverged", detail: "its Service is missing" };
      return { ...seen, ...out };
    },

    apply: (ctx, r) => applyAll(ctx, r, true),

    setRunning: (ctx, r, running) => applyAll(ctx, r, running),

    async delete(ctx, r) {
      const left = await target.deleteResourceObjects(ctx, r, OBJECT_KINDS);
      if (left === 0) return { state: "done" };
      return { state: "pending", retryAfterMs: 1000, detail: `deleting ${left} objects` };
    },
  };
}
