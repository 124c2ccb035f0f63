import type { DesiredResource } from "../../domain/resources.js";
import {
  ANNOTATION_KEY,
  dnsLabel,
  type KubeObject,
  LABEL_RESOURCE,
  type ManifestContext,
  metadata,
  ownerLabels,
  serviceDns,
} from "./manifests.js";

/**
 * In-cluster data stores for development (`TENANTRY_KUBERNETES_DATASTORES=in-cluster`): a
 * database or Key Value instance without an external server becomes a one-replica
 * StatefulSet in the tenant's namespace, with a volume claim for its data, a Service, and a
 * Secret holding its generated password. Pure: the driver (datastore-driver.ts) sends these.
 *
 * | blueprint | image | port | data |
 * | --- | --- | --- | --- |
 * | `databases:` (PostgreSQL) | `postgres:<postgresMajorVersion or 17>` | 5432 | `diskSizeGB` (default 10) GiB |
 * | `databases:` `engine: mariadb` | `mariadb:11.4` | 3306 | 10 GiB |
 * | `databases:` `engine: mysql` | `mysql:8.4` | 3306 | 10 GiB |
 * | `keyvalue` | `redis:7.4` (append-only file on) | 6379 | 1 GiB |
 *
 * Not for production: one replica, no backups, no failover. Production tenants use
 * external servers (TENANTRY_KUBERNETES_POSTGRES_URL, _MYSQL_URL, _REDIS_URL). The images
 * can come from a mirror (TENANTRY_KUBERNETES_DATASTORE_IMAGES).
 */

export type DatastoreKind = "postgres" | "mysql" | "keyvalue";

/** The credentials of one data store, kept in its Secret (generated once, reused on every apply). */
export interface DatastoreCredentials {
  password: string;
  /** MySQL/MariaDB: the server's root password (the container needs one). */
  rootPassword?: string;
}

export interface DatastoreManifests {
  secret: KubeObject;
  statefulSet: KubeObject;
  service: KubeObject;
}

interface Shape {
  image: string;
  port: number;
  portName: string;
  mountPath: string;
  diskGi: number;
  env: Record<string, unknown>[];
  args?: string[];
  probe: Record<string, unknown>;
}

/** A SQL identifier from a blueprint name: lowercase letters, digits and `_`, not starting with a digit. */
export function sqlIdentifier(name: string, max: number): string {
  let id = name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (id === "" || /^[0-9]/.test(id)) id = `db_${id}`;
  return id.slice(0, max);
}

/** The database and user a data store has (`databaseName`/`user` from the blueprint, else from its name). */
export function datastoreNames(resource: DesiredResource<DatastoreKind>): { database: string; user: string } {
  if (resource.kind === "keyvalue") return { database: "0", user: "default" };
  const spec = resource.spec;
  const max = resource.kind === "mysql" ? 32 : 63;
  return {
    database: spec.databaseName ?? sqlIdentifier(spec.name, 64),
    user: spec.user ?? sqlIdentifier(spec.name, max),
  };
}

export const DATASTORE_SECRET_KEYS = { password: "password", rootPassword: "root-password" } as const;

function fromSecret(name: string, secret: string, key: string): Record<string, unknown> {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

function shapeOf(
  resource: DesiredResource<DatastoreKind>,
  secret: string,
  images: ManifestContext["datastoreImages"] = {},
): Shape {
  const { database, user } = datastoreNames(resource);
  switch (resource.kind) {
    case "postgres": {
      const version = resource.spec.postgresMajorVersion ?? "17";
      return {
        image: (images.postgres ?? "postgres:{version}").replaceAll("{version}", version),
        port: 5432,
        portName: "postgres",
        mountPath: "/var/lib/postgresql/data",
        diskGi: resource.spec.diskSizeGB ?? 10,
        env: [
          { name: "POSTGRES_DB", value: database },
          { name: "POSTGRES_USER", value: user },
          fromSecret("POSTGRES_PASSWORD", secret, DATASTORE_SECRET_KEYS.password),
          // initdb wants an empty folder; a volume's root may hold lost+found.
          { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
        ],
        probe: { exec: { command: ["pg_isready", "-U", user, "-d", database, "-h", "127.0.0.1"] } },
      };
    }
    case "mysql": {
      const mariadb = resource.spec.engine === "mariadb";
      const prefix = mariadb ? "MARIADB" : "MYSQL";
      return {
        image: mariadb ? (images.mariadb ?? "mariadb:11.4") : (images.mysql ?? "mysql:8.4"),
        port: 3306,
        portName: "mysql",
        mountPath: "/var/lib/mysql",
        diskGi: 10,
        env: [
          { name: `${prefix}_DATABASE`, value: database },
          { name: `${prefix}_USER`, value: user },
          fromSecret(`${prefix}_PASSWORD`, secret, DATASTORE_SECRET_KEYS.password),
          fromSecret(`${prefix}_ROOT_PASSWORD`, secret, DATASTORE_SECRET_KEYS.rootPassword),
        ],
        probe: { tcpSocket: { port: 3306 } },
      };
    }
    case "keyvalue":
      return {
        image: images.redis ?? "redis:7.4",
        port: 6379,
        portName: "redis",
        mountPath: "/data",
        diskGi: 1,
        env: [fromSecret("REDIS_PASSWORD", secret, DATASTORE_SECRET_KEYS.password)],
        // Kubernetes expands $(VAR) in args from the container's env.
        args: [
          "--requirepass",
          "$(REDIS_PASSWORD)",
          "--appendonly",
          "yes",
          ...(resource.spec.maxmemoryPolicy ? ["--maxmemory-policy", resource.spec.maxmemoryPolicy] : []),
        ],
        probe: { tcpSocket: { port: 6379 } },
      };
  }
}

function meta(
  name: string,
  ctx: ManifestContext,
  resource: { key: string; externalName: string; kind: DatastoreKind },
) {
  return metadata(name, ctx, resource, {
    labels: { "app.kubernetes.io/component": resource.kind === "keyvalue" ? "keyvalue" : "database" },
  });
}

/** The name of a data store's Secret. */
export function datastoreSecretName(resource: { externalName: string }): string {
  return dnsLabel(`${dnsLabel(resource.externalName, 50)}-credentials`);
}

/** The objects of one in-cluster data store (see the table at the top). */
export function datastoreManifests(
  resource: DesiredResource<DatastoreKind>,
  credentials: DatastoreCredentials,
  ctx: ManifestContext,
): DatastoreManifests {
  const name = dnsLabel(resource.externalName);
  const secretName = datastoreSecretName(resource);
  const shape = shapeOf(resource, secretName, ctx.datastoreImages);
  const selector = { [LABEL_RESOURCE]: name };
  const container: Record<string, unknown> = {
    name: "main",
    image: shape.image,
    env: shape.env,
    ...(shape.args ? { args: shape.args } : {}),
    ports: [{ name: shape.portName, containerPort: shape.port, protocol: "TCP" }],
    readinessProbe: { ...shape.probe, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...shape.probe, periodSeconds: 10, failureThreshold: 6, initialDelaySeconds: 30 },
    volumeMounts: [{ name: "data", mountPath: shape.mountPath }],
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
  };
  return {
    secret: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: meta(secretName, ctx, resource),
      type: "Opaque",
      stringData: {
        [DATASTORE_SECRET_KEYS.password]: credentials.password,
        ...(credentials.rootPassword
          ? { [DATASTORE_SECRET_KEYS.rootPassword]: credentials.rootPassword }
          : {}),
      },
    },
    statefulSet: {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: meta(name, ctx, resource),
      spec: {
        replicas: 1,
        serviceName: name,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...ownerLabels(ctx.marker), ...selector } },
          spec: { containers: [container], terminationGracePeriodSeconds: 30 },
        },
        volumeClaimTemplates: [
          {
            metadata: {
              name: "data",
              labels: { ...ctx.labels, ...ownerLabels(ctx.marker), ...selector },
              annotations: { [ANNOTATION_KEY]: resource.key },
            },
            spec: {
              accessModes: ["ReadWriteOnce"],
              ...(ctx.storageClass ? { storageClassName: ctx.storageClass } : {}),
              resources: { requests: { storage: `${shape.diskGi}Gi` } },
            },
          },
        ],
      },
    },
    service: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(name, ctx, resource),
      spec: {
        type: "ClusterIP",
        selector,
        ports: [{ name: shape.portName, port: shape.port, targetPort: shape.port }],
      },
    },
  };
}

/** What the tenant's outputs say of a data store (as on the other targets), and its secret ones. */
export function datastoreOutputs(
  resource: DesiredResource<DatastoreKind>,
  credentials: DatastoreCredentials,
  namespace: string,
): { outputs: Record<string, unknown>; secretOutputs: Record<string, string> } {
  const host = serviceDns(dnsLabel(resource.externalName), namespace);
  const { database, user } = datastoreNames(resource);
  const pw = encodeURIComponent(credentials.password);
  if (resource.kind === "keyvalue") {
    return {
      outputs: { host, port: 6379, hostport: `${host}:6379`, user },
      secretOutputs: {
        password: credentials.password,
        connectionString: `redis://${user}:${pw}@${host}:6379`,
      },
    };
  }
  const port = resource.kind === "postgres" ? 5432 : 3306;
  const scheme = resource.kind === "postgres" ? "postgresql" : "mysql";
  return {
    outputs: { host, port, database, user },
    secretOutputs: {
      password: credentials.password,
      connectionString: `${scheme}://${encodeURIComponent(user)}:${pw}@${host}:${port}/${encodeURIComponent(database)}`,
    },
  };
}
