import { z } from "zod";
import { requestDocument } from "./document.js";
import { TOOLSETS } from "./toolsets.js";
import { personView } from "./views.js";

/**
 * The one contract between the desktop app's windows (renderer) and its main process. Every request and every
 * answer is validated with these schemas on both sides; the preload exposes one named function per channel and
 * nothing else. A secret (API key, password) only ever travels renderer → main (settings.saveConnection), never
 * back: no answer schema has a field that could carry one.
 */

export const errorShape = z.object({ code: z.string(), message: z.string() });
/** What every handler answers: it never throws across IPC. */
export const result = <T extends z.ZodType>(value: T) =>
  z.discriminatedUnion("ok", [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: errorShape }),
  ]);
export type Result<T> = { ok: true; value: T } | { ok: false; error: z.infer<typeof errorShape> };

const approvalId = z.string().regex(/^apr_[a-z2-7]{26}$/, "not an approval id");
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date written YYYY-MM-DD");

/** A request as the window shows it: the person's view (derived now), or for a decided one, its history. */
export const approvalItem = personView.extend({
  /** The expense's receipt, when it has one (the bytes come through approvals.receipt). */
  receipt: z.object({ name: z.string(), mimetype: z.string(), size: z.number().int() }).optional(),
  /** Set when the invoice goes to an address that is not the customer's own. */
  recipient_differs: z.boolean().optional(),
  queued: z.boolean(),
  /** The hash of the exact arguments shown: sent back with a decision, so that a request changed since is refused. */
  args_hash: z.string().optional(),
  /**
   * A decided request, as the history shows it: its current name (an invoice by its number once it has one), its
   * amount with its currency, what became of it (outcome-text.ts), a link per Odoo record it made or changed, and
   * the document the person read when deciding, with a warning when that copy does not check (shown.ts).
   */
  history: z
    .object({
      name: z.string(),
      amount: z.string().optional(),
      done: z.string(),
      links: z.array(z.object({ label: z.string(), url: z.string() })),
      shown: z.object({ document: requestDocument.optional(), problem: z.string().optional() }).optional(),
    })
    .optional(),
});
export type ApprovalItem = z.infer<typeof approvalItem>;

/**
 * Whether a history vanished (src/mcp/history-check.ts): the audit log or the approval journal is gone, cut short
 * or started over while the OS keychain remembers it longer. `fresh`: a new installation; `no_keychain`: nothing to
 * compare against; `unknown`: the keychain did not answer.
 */
export const historyStatus = z.object({
  state: z.enum(["intact", "fresh", "no_keychain", "unknown", "vanished"]),
  /** Each vanished log: which, what the keychain remembers, what is on disk, in one sentence. */
  vanished: z.array(
    z.object({
      log: z.enum(["audit", "journal"]),
      message: z.string(),
      found: z.string(),
      remembered: z.number().int(),
    }),
  ),
  /** What to do (when something vanished). */
  advice: z.string().optional(),
});
export type HistoryStatus = z.infer<typeof historyStatus>;

export const agentStatus = z.object({
  paused: z.boolean(),
  connection: z.enum(["connected", "unreachable", "not_configured"]),
  queued: z.number().int(),
  pending: z.number().int(),
  key_mode: z.enum(["keychain", "passphrase"]),
  /** What the person should know about the configuration (a policy file that was not honoured, say). */
  warnings: z.array(z.string()).default([]),
  /** Whether the audit log or the approval journal vanished (absent from a main process that does not check). */
  history: historyStatus.optional(),
});
export type AgentStatus = z.infer<typeof agentStatus>;

export const policyRule = z.object({
  rule: z.string(),
  value: z.unknown(),
  source: z.string(),
  meaning: z.string(),
});

/** A toolset, as ODOO_MCP_TOOLSETS names it. */
export const toolset = z.enum(TOOLSETS);

/**
 * What the agent sees and where it works, as the person chooses it in the settings window (kept in the OS
 * keychain, never in a file the agent could write). `company`: a company id among the user's, or null for the
 * user's current company in Odoo. At least one toolset.
 */
export const agentScope = z.strictObject({
  company: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable(),
  toolsets: z
    .array(toolset)
    .min(1, "choose at least one toolset")
    .max(TOOLSETS.length)
    .refine((sets) => new Set(sets).size === sets.length, "a toolset is named twice"),
  read_only: z.boolean(),
});
export type AgentScope = z.infer<typeof agentScope>;

/** Where an effective value of the scope comes from. */
export const scopeSource = z.enum(["environment", "settings", "default"]);

export const scopeView = z.object({
  /** The person's choice as saved (the defaults when nothing is saved). */
  saved: agentScope,
  /** What a server started now works with: the environment (the MCP client's configuration) wins, `.env` may narrow. */
  effective: z.object({
    /** The company id or name the server is told (ODOO_COMPANY), or null: the user's current company. */
    company: z.union([z.number(), z.string()]).nullable(),
    toolsets: z.array(toolset),
    read_only: z.boolean(),
    /** The tools a server started now lists. */
    tools: z.array(z.string()),
  }),
  sources: z.object({ company: scopeSource, toolsets: scopeSource, read_only: scopeSource }),
  /** Every toolset and its tools, from the tool definitions. */
  toolsets: z.array(
    z.object({
      name: toolset,
      tools: z.array(z.object({ name: z.string(), title: z.string(), read_only: z.boolean() })),
    }),
  ),
  /** False without an OS keychain: the choice cannot be protected, so it cannot be saved here. */
  can_save: z.boolean(),
});
export type ScopeView = z.infer<typeof scopeView>;

export const companyChoice = z.object({ id: z.number().int(), name: z.string() });

export const settingsView = z.object({
  odoo: z.object({
    url: z.string(),
    database: z.string(),
    username: z.string(),
    /**
     * The Odoo secret a server started now signs in with, as `resolveCredentials` finds it: saved in the keychain,
     * or in the environment the app was started with (an MCP client's configuration); null: none. Never the secret.
     */
    secret: z
      .object({ source: z.enum(["keychain", "env"]), kind: z.enum(["api_key", "password"]) })
      .nullable(),
  }),
  data_dir: z.string(),
  start_at_login: z.boolean(),
  policy: z.array(policyRule),
  /** The rules no setting changes (money going out never approved in the chat...), in the approval core's words. */
  fixed_rules: z.array(z.string()),
  warnings: z.array(z.string()),
  /** Company, toolsets and read-only mode (absent from a main process that does not offer them). */
  scope: scopeView.optional(),
});
export type SettingsView = z.infer<typeof settingsView>;

export const connectionReport = z.object({
  ok: z.boolean(),
  /** `label` is what the window shows: the check's name in a bookkeeper's words. */
  checks: z.array(z.object({ name: z.string(), label: z.string(), ok: z.boolean(), detail: z.string() })),
  facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const clientConfigs = z.object({
  claude_desktop: z.string(),
  claude_code: z.string(),
  generic: z.string(),
});

/** renderer → main: name → { request, answer } (answer wrapped in `result`). */
export const channels = {
  "approvals.list": {
    request: z.strictObject({
      scope: z.enum(["pending", "history"]),
      tool: z.string().max(64).optional(),
      from: isoDate.optional(),
      to: isoDate.optional(),
      limit: z.number().int().min(1).max(500).default(100),
    }),
    answer: z.object({ items: z.array(approvalItem) }),
  },
  "approvals.decide": {
    request: z.strictObject({
      ids: z.array(approvalId).min(1).max(50),
      decision: z.enum(["approved", "rejected"]),
      reason: z.string().max(500).optional(),
      /** The argument hashes the person was shown, one per id: a request changed since is not decided. */
      args_hashes: z.array(z.string().max(128)).optional(),
      /**
       * One request (a batch) approved in part: the indices of its document's `items` the person kept checked
       * (`PersonDecision.keep`). Absent: the whole of each request.
       */
      keep: z.array(z.number().int().min(0).max(100_000)).min(1).max(100_000).optional(),
    }),
    answer: z.object({
      results: z.array(
        z.object({
          id: z.string(),
          ok: z.boolean(),
          status: z.string().optional(),
          error: errorShape.optional(),
          /** What was done, in a sentence (outcome-text.ts): "INV/2026/00001 posted and emailed to …". */
          done: z.string().optional(),
        }),
      ),
    }),
  },
  "approvals.receipt": {
    request: z.strictObject({ id: approvalId }),
    answer: z.object({ name: z.string(), mimetype: z.string(), data_url: z.string() }),
  },
  "agent.status": { request: z.strictObject({}), answer: agentStatus },
  "agent.setPaused": { request: z.strictObject({ paused: z.boolean() }), answer: agentStatus },
  "settings.get": { request: z.strictObject({}), answer: settingsView },
  "settings.saveConnection": {
    request: z.strictObject({
      url: z.string().max(2048),
      database: z.string().max(256),
      username: z.string().max(256),
      /** Sent once, stored in the keychain, never shown again. Absent: keep the saved one. */
      secret: z.string().min(1).max(4096).optional(),
      secret_kind: z.enum(["api_key", "password"]).default("api_key"),
    }),
    answer: settingsView,
  },
  "settings.testConnection": { request: z.strictObject({}), answer: connectionReport },
  "settings.setPolicy": {
    request: z.strictObject({ rule: z.string().max(64), value: z.string().max(64).nullable() }),
    answer: settingsView,
  },
  "settings.setStartAtLogin": { request: z.strictObject({ enabled: z.boolean() }), answer: settingsView },
  /** The companies the configured Odoo user can work in, read from Odoo (as `odoo-mcp doctor` does). */
  "settings.companies": {
    request: z.strictObject({}),
    answer: z.object({ user_current: companyChoice, choices: z.array(companyChoice) }),
  },
  /** Saves the company, toolsets and read-only mode (the keychain; audited); servers take it at their next start. */
  "settings.setScope": { request: agentScope, answer: settingsView },
  "clients.configs": { request: z.strictObject({}), answer: clientConfigs },
  "clients.addToClaudeDesktop": {
    request: z.strictObject({}),
    answer: z.object({ path: z.string(), backup: z.string().nullable(), added: z.boolean() }),
  },
  "links.openOdoo": { request: z.strictObject({ url: z.string().max(4096) }), answer: z.object({}) },
} as const;

export type Channel = keyof typeof channels;
export type RequestOf<C extends Channel> = z.input<(typeof channels)[C]["request"]>;
export type AnswerOf<C extends Channel> = z.infer<(typeof channels)[C]["answer"]>;

/** main → renderer events. */
export const events = {
  "approvals.changed": z.object({ ids: z.array(z.string()) }),
  "agent.status": agentStatus,
} as const;
export type EventName = keyof typeof events;

/** What the preload exposes as `window.odooMcp`: one named function per channel, and a subscription per event. */
export type Bridge = {
  [C in Channel]: (request: RequestOf<C>) => Promise<Result<AnswerOf<C>>>;
} & {
  on<E extends EventName>(event: E, listener: (payload: z.infer<(typeof events)[E]>) => void): () => void;
};

/** Handlers in the main process, one per channel: given a validated request, an answer (or a thrown error). */
export type Handlers = {
  [C in Channel]: (request: z.output<(typeof channels)[C]["request"]>) => Promise<AnswerOf<C>>;
};
