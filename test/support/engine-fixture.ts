import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { Principal } from "../../src/domain/types.js";
import type { SecretBox } from "../../src/lib/crypto.js";
import { ProviderRegistry } from "../../src/providers/provider.js";
import { bootstrapOrganization, ensureEncryptionKey } from "../../src/services/bootstrap.js";
import { TenantService } from "../../src/services/tenant-service.js";
import { createTestDatabase, type TestDatabase } from "./db.js";
import { createProbeProvider, ensureProbeSchema, type ProbeProvider } from "./probe-provider.js";
import { spawnWorkerChild, type WorkerChild } from "./worker-child.js";

const logger = pino({ level: "silent" });

/**
 * This test file's own database, set up as the engine tests need it: a data dir, an
 * encryption key, the bootstrapped organization with its admin key, and the probe's schema.
 */
export interface EngineDatabase {
  testDb: TestDatabase;
  dataDir: string;
  /** The encryption key in hex, as TENANTRY_ENCRYPTION_KEY takes it. */
  encryptionKey: string;
  secrets: SecretBox;
  /** The bootstrapped admin key. */
  principal: Principal;
  /** Drops the database and removes the data dir. */
  dispose(): Promise<void>;
}

/**
 * Creates an {@link EngineDatabase}; `name` goes into the data dir's name
 * (`tenantry-<name>-…`). What was created is removed again when a step fails.
 */
export async function createEngineDatabase(name: string): Promise<EngineDatabase> {
  let testDb: TestDatabase | undefined;
  let dataDir: string | undefined;
  const dispose = async () => {
    await testDb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    testDb = await createTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), `tenantry-${name}-`));
    const encryptionKey = randomBytes(32).toString("hex");
    const secrets = await ensureEncryptionKey(
      testDb.db,
      { encryptionKey: Buffer.from(encryptionKey, "hex"), dataDir },
      logger,
    );
    await bootstrapOrganization(
      testDb.db,
      { adminApiKey: `tnt_${randomBytes(24).toString("hex")}`, dataDir },
      logger,
    );
    const { rows } = await testDb.db.query<{ id: string; organization_id: string }>(
      "select id, organization_id from api_keys where role in ('admin', 'platform_admin') order by created_at limit 1",
    );
    const principal: Principal = {
      apiKeyId: rows[0]!.id,
      organizationId: rows[0]!.organization_id,
      role: "admin",
    };
    await ensureProbeSchema(testDb.db);
    return { testDb, dataDir, encryptionKey, secrets, principal, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** What {@link useEngineFixture} sets up; its properties are there once `beforeAll` has run. */
export interface EngineFixture {
  readonly testDb: TestDatabase;
  readonly dataDir: string;
  readonly encryptionKey: string;
  readonly principal: Principal;
  /** The probe of this process: it only lets {@link tenants} validate the blueprints' kinds. */
  readonly probe: ProbeProvider;
  readonly tenants: TenantService;
  /**
   * Starts a worker process on this file's database (see `spawnWorkerChild`), with the
   * fixture's `workerEnv` and then `env`; it is killed after the test (its output printed
   * when the test failed).
   */
  startWorker(name: string, env?: Record<string, string>): Promise<WorkerChild>;
}

/**
 * Engine tests across worker processes: registers the `beforeAll`, `afterEach` and
 * `afterAll` hooks of the calling file and returns the fixture they fill in.
 */
export function useEngineFixture(options: {
  /** Goes into the data dir's name. */
  name: string;
  /** Environment of every worker process (lease, poll interval, retries, …). */
  workerEnv: Record<string, string>;
}): EngineFixture {
  let engineDb: EngineDatabase | undefined;
  let probe: ProbeProvider | undefined;
  let tenants: TenantService | undefined;
  const children: WorkerChild[] = [];

  beforeAll(async () => {
    engineDb = await createEngineDatabase(options.name);
    probe = createProbeProvider({ databaseUrl: engineDb.testDb.url });
    // Generous attempts: the test server is shared, and a moment without free connections
    // is a transient error the engine retries (each retry counts as an attempt).
    tenants = new TenantService({
      providers: new ProviderRegistry().register(probe),
      secrets: engineDb.secrets,
      maxAttempts: 20,
    });
  });

  afterEach(async (ctx) => {
    const failed = ctx.task.result?.state === "fail";
    for (const child of children.splice(0)) {
      if (failed)
        console.error(`--- output of worker ${child.name} (${child.workerId}) ---\n${child.output()}`);
      await child.kill();
    }
  });

  afterAll(async () => {
    for (const child of children.splice(0)) await child.kill();
    await probe?.close();
    await engineDb?.dispose();
  });

  function ready<T>(value: T | undefined): T {
    if (value === undefined) throw new Error("the engine fixture is set up in beforeAll");
    return value;
  }

  const fixture: EngineFixture = {
    get testDb() {
      return ready(engineDb).testDb;
    },
    get dataDir() {
      return ready(engineDb).dataDir;
    },
    get encryptionKey() {
      return ready(engineDb).encryptionKey;
    },
    get principal() {
      return ready(engineDb).principal;
    },
    get probe() {
      return ready(probe);
    },
    get tenants() {
      return ready(tenants);
    },
    async startWorker(name, env = {}) {
      const child = await spawnWorkerChild(name, {
        DATABASE_URL: fixture.testDb.url,
        TENANTRY_DATA_DIR: fixture.dataDir,
        TENANTRY_ENCRYPTION_KEY: fixture.encryptionKey,
        ...options.workerEnv,
        ...env,
      });
      children.push(child);
      return child;
    },
  };
  return fixture;
}
