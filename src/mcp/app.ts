import { writeOperations } from "./accounting/index.js";
import { type AcrossProcesses, processLocks } from "./accounting/one-at-a-time.js";
import type { WriteOperation } from "./accounting/operation.js";
import { type Approvals, createApprovals } from "./approvals/core.js";
import { type ApprovalKey, loadKeychainKey } from "./approvals/keys.js";
import { openApprovalStore } from "./approvals/open.js";
import { pauseSwitch } from "./approvals/pause.js";
import { lockSigner } from "./approvals/store.js";
import { auditAnchorFor } from "./audit/anchor.js";
import { type AuditLog, createAuditLog } from "./audit/audit-log.js";
import type { Config } from "./config/config.js";
import type { Keychain } from "./credentials/keychain.js";
import { resolveCredentials } from "./credentials/resolve.js";
import { type Logger, registerSecret } from "./log.js";
import { createOdooClient } from "./odoo/client.js";
import { OdooAuthError } from "./odoo/errors.js";
import type { Odoo } from "./odoo/types.js";
import { createOfflineQueue, type OfflineQueue } from "./queue/offline-queue.js";

/** Everything a tool, the CLI or the desktop app needs, built once from the configuration. */
export interface App {
  config: Config;
  odoo: Odoo;
  /** The approval core's front door: what the tools, the CLI, the app and the bench call (its store stays behind it). */
  approvals: Approvals;
  /** The OS keychain, when this machine has one (the CLI's policy command seals with its key). */
  keychain: Keychain | null;
  /** `keychain`: decisions and records are signed with the OS keychain's key; `passphrase`: no keychain here. */
  keyMode: "keychain" | "passphrase";
  queue: OfflineQueue;
  audit: AuditLog;
  logger: Logger;
  /** Where the Odoo secret came from, for `doctor`; null when none is configured. */
  credentialSource: "keychain" | "env" | null;
  /** What the OS keychain could not do at start-up (hold the approval key, the audit chain's key), for `doctor`. */
  keychainNotes: string[];
  /** Duplicate checks' keys held among the processes sharing the data folder, its lock files signed with the key. */
  processLocks: AcrossProcesses;
  close(): Promise<void>;
}

export interface AppOptions {
  logger: Logger;
  keychain: Keychain | null;
  /** Inject a client (tests, bench); otherwise one is made from the configuration and the resolved secret. */
  odoo?: Odoo;
  operations?: ReadonlyMap<string, WriteOperation<unknown, unknown>>;
  /** How retries wait (tests shorten the 1-2-4-8 s backoff; production uses real time). */
  sleep?: (ms: number) => Promise<void>;
  /** The person's passphrase key (CLI, passphrase mode): this process then signs decisions with it. */
  passphraseKey?: ApprovalKey;
  /** Keep what the keychain could not do in `keychainNotes` without logging it (doctor says it). */
  quietKeychain?: boolean;
}

export async function createApp(config: Config, options: AppOptions): Promise<App> {
  const { logger, keychain } = options;
  const credentials = options.odoo ? null : await resolveCredentials(config, keychain);
  if (credentials) registerSecret(credentials.secret);
  const odoo =
    options.odoo ??
    (credentials
      ? createOdooClient(
          {
            url: config.odoo.url,
            database: config.odoo.database,
            username: config.odoo.username,
            secret: credentials.secret,
            secretKind: credentials.secretKind,
            api: config.odoo.api,
            timeoutMs: config.odoo.timeoutMs,
            ...(config.odoo.company !== undefined ? { company: config.odoo.company } : {}),
            allowSandbox: config.odoo.allowSandbox === true,
          },
          { logger: logger.child("odoo"), ...(options.sleep ? { sleep: options.sleep } : {}) },
        )
      : unconfiguredOdoo(config));
  // What the keychain could not do (hold the approval key, the audit chain's key) is kept for doctor, and logged
  // unless `quietKeychain` (a command a person runs, which would otherwise say it every time).
  const keychainNotes: string[] = [];
  const keychainNote = (scope: string) => ({
    warn(message: string) {
      keychainNotes.push(message);
      if (!options.quietKeychain) logger.child(scope).warn(message);
    },
  });
  // The keychain key, read once: it seals the approval store and signs the queue's locks.
  const sealKey = await loadKeychainKey(keychain, keychainNote("approvals"));
  const store = await openApprovalStore({
    sealKey,
    dataDir: config.dataDir,
    keychain,
    ...(options.passphraseKey ? { passphraseKey: options.passphraseKey } : {}),
    limits: {
      maxPendingPerClient: config.policy.maxPendingPerClient,
      maxPendingTotal: config.policy.maxPendingTotal,
    },
    logger: logger.child("approvals"),
  });
  const queue = createOfflineQueue(config.dataDir, sealKey ? { lockAuthority: lockSigner(sealKey) } : {});
  const anchor = await auditAnchorFor(keychain, { dataDir: config.dataDir, logger: keychainNote("audit") });
  const audit = createAuditLog(config.dataDir, anchor ? { anchor } : {});
  const operations = options.operations ?? writeOperations;
  const locks = processLocks(config.dataDir, sealKey ? lockSigner(sealKey) : undefined);
  const approvals = createApprovals({
    store,
    queue,
    audit,
    odoo,
    operations,
    policy: config.policy,
    logger,
    dryRun: config.dryRun,
    across: locks,
    pause: pauseSwitch({
      dataDir: config.dataDir,
      keychain,
      keyMode: store.sealed ? "keychain" : "passphrase",
    }),
  });
  const app: App = {
    config,
    odoo,
    approvals,
    keychain,
    keyMode: store.sealed ? "keychain" : "passphrase",
    queue,
    audit,
    logger,
    credentialSource: options.odoo ? "env" : (credentials?.source ?? null),
    keychainNotes,
    processLocks: locks,
    close: async () => {
      // The head of the last reads' audit lines, which waits up to a second (audit/audit-log.ts), is saved now.
      await audit.flush();
      await odoo.close();
    },
  };
  return app;
}

/** Stands in for the client when no secret is configured: every call explains how to configure one. */
function unconfiguredOdoo(config: Config): Odoo {
  const fail = async (): Promise<never> => {
    throw new OdooAuthError(
      "No Odoo credentials are configured. Run `odoo-mcp credentials set` (OS keychain) or set ODOO_API_KEY in .env.",
      undefined,
      undefined,
    );
  };
  return {
    settings: {
      url: config.odoo.url,
      database: config.odoo.database,
      username: config.odoo.username,
      secretKind: "api_key",
      api: config.odoo.api,
      timeoutMs: config.odoo.timeoutMs,
    },
    version: fail,
    api: fail,
    uid: fail,
    call: fail,
    searchRead: fail,
    read: fail,
    searchCount: fail,
    create: fail,
    write: fail,
    stats: () => ({ roundTrips: 0, odooMs: 0 }),
    close: async () => {},
  };
}
