import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { TOOLSETS, type Toolset } from "../../shared/toolsets.js";
import {
  type ApprovalPolicy,
  DEFAULT_POLICY,
  isStricter,
  type PolicyKey,
  type PolicySources,
} from "../approvals/policy.js";
import { NotRegularFileError, readRegularTextSync } from "../fsutil/regular.js";
import type { LogLevel } from "../log.js";
import type { ToolAccess } from "../tools/toolsets.js";
import { parseDotenv } from "./dotenv.js";

/**
 * The configuration, read once at start-up from `.env` (in the working folder, or `envFile`) and the
 * environment (which wins), validated with zod. Nothing here runs at import time. An error names the key and
 * what is wrong with it; it never repeats the value of a secret key.
 */
export interface Config {
  odoo: {
    url: string;
    database: string;
    username: string;
    apiKey?: string;
    password?: string;
    api: "auto" | "json2" | "jsonrpc";
    timeoutMs: number;
    /** `ODOO_COMPANY`: the company to work in, by id (digits) or name; absent: the user's current company. */
    company?: number | string;
    /** `ODOO_MCP_ALLOW_SANDBOX=true`: accept `odoo-mcp sandbox` (a fake Odoo) as the server. Absent: refused. */
    allowSandbox?: true;
  };
  dataDir: string;
  dryRun: boolean;
  httpPort?: number;
  httpToken?: string;
  /** Who decides what (see approvals/policy.ts), and where each rule came from. */
  policy: ApprovalPolicy;
  policySources: PolicySources;
  /** Settings that were ignored, and why (a `.env` that tried to loosen the policy, say): logged and in `doctor`. */
  warnings: string[];
  logLevel: LogLevel;
  /** Which tools the agent sees (ODOO_MCP_TOOLSETS, ODOO_MCP_READ_ONLY); `.env` may only narrow it. */
  tools: ToolAccess;
  /**
   * ODOO_MCP_REMINDER_DAYS: a customer reminded within this many days is not reminded again unless the call says
   * so (send_reminder's `again`). `.env` may only lengthen it.
   */
  reminderDays: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
  }
}

/** Secret keys: their values are never quoted in an error. */
const SECRET_KEYS = new Set(["ODOO_API_KEY", "ODOO_PASSWORD", "ODOO_MCP_HTTP_TOKEN"]);

/** Canonical key → accepted aliases (the sketch's names). */
const ALIASES: Record<string, string[]> = {
  ODOO_DATABASE: ["ODOO_DB"],
  ODOO_USERNAME: ["ODOO_USER"],
};

const KEYS = [
  "ODOO_URL",
  "ODOO_DATABASE",
  "ODOO_USERNAME",
  "ODOO_API_KEY",
  "ODOO_PASSWORD",
  "ODOO_API",
  "ODOO_TIMEOUT_MS",
  "ODOO_COMPANY",
  "ODOO_MCP_DATA_DIR",
  "DRY_RUN",
  "ODOO_MCP_PORT",
  "ODOO_MCP_HTTP_TOKEN",
  "ODOO_MCP_APPROVAL_WAIT_MS",
  "ODOO_MCP_APPROVAL_TTL_HOURS",
  "ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD",
  "ODOO_MCP_ELICITATION",
  "ODOO_MCP_ELICITATION_MAX_AMOUNT",
  "ODOO_MCP_ELICITATION_DAILY_COUNT",
  "ODOO_MCP_ELICITATION_DAILY_TOTAL",
  "ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT",
  "ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL",
  "ODOO_MCP_MAX_PENDING",
  "ODOO_MCP_MAX_PENDING_TOTAL",
  "ODOO_MCP_LOG_LEVEL",
  "ODOO_MCP_ALLOW_SANDBOX",
  "ODOO_MCP_TOOLSETS",
  "ODOO_MCP_READ_ONLY",
  "ODOO_MCP_REMINDER_DAYS",
] as const;
type Key = (typeof KEYS)[number];

const BOOLEAN = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ["true", "false", "1", "0", "yes", "no"].includes(v), "must be true or false (or 1/0)")
  .transform((v) => v === "true" || v === "1" || v === "yes");

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const DECIMAL = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, "must be a non-negative decimal number, e.g. 100 or 99.50");

const SCHEMA = z.object({
  ODOO_URL: z
    .string()
    .trim()
    .default("http://localhost:8069")
    .refine((v) => {
      try {
        const url = new URL(v);
        return (url.protocol === "http:" || url.protocol === "https:") && !url.username && !url.password;
      } catch {
        return false;
      }
    }, "must be an http(s) URL without credentials in it, e.g. https://odoo.example.com")
    .transform((v) => v.replace(/\/+$/, "")),
  ODOO_DATABASE: z.string().trim().default(""),
  ODOO_USERNAME: z.string().trim().default(""),
  ODOO_API_KEY: z.string().optional(),
  ODOO_PASSWORD: z.string().optional(),
  ODOO_API: z.enum(["auto", "json2", "jsonrpc"], { error: "must be auto, json2 or jsonrpc" }).default("auto"),
  ODOO_TIMEOUT_MS: integer(100, 600_000).default(30_000),
  // An id (digits) or a company's name; empty means the user's current company.
  ODOO_COMPANY: z
    .string()
    .trim()
    .max(256, "must be a company id or name")
    .optional()
    .transform((v) => (!v ? undefined : /^\d+$/.test(v) ? Number(v) : v))
    .refine(
      (v) => v !== 0 && (typeof v !== "number" || Number.isSafeInteger(v)),
      "must be a company id or name",
    ),
  ODOO_MCP_DATA_DIR: z.string().trim().optional(),
  DRY_RUN: BOOLEAN.default(false),
  ODOO_MCP_PORT: integer(1, 65_535).optional(),
  ODOO_MCP_HTTP_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  ODOO_MCP_APPROVAL_WAIT_MS: integer(0, 3_600_000).default(0),
  ODOO_MCP_APPROVAL_TTL_HOURS: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, "must be a positive number of hours")
    .transform(Number)
    .refine((n) => n > 0 && n <= 24 * 365, "must be more than 0 and at most a year")
    .default(72),
  ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD: DECIMAL.default(DEFAULT_POLICY.expenseThreshold),
  ODOO_MCP_ELICITATION: BOOLEAN.default(DEFAULT_POLICY.elicitation),
  ODOO_MCP_ELICITATION_MAX_AMOUNT: DECIMAL.default(DEFAULT_POLICY.elicitationMaxAmount),
  ODOO_MCP_ELICITATION_DAILY_COUNT: integer(0, 1_000_000).default(DEFAULT_POLICY.elicitationBudget.count),
  ODOO_MCP_ELICITATION_DAILY_TOTAL: DECIMAL.default(DEFAULT_POLICY.elicitationBudget.total),
  ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT: integer(0, 1_000_000).default(DEFAULT_POLICY.autoBudget.count),
  ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL: DECIMAL.default(DEFAULT_POLICY.autoBudget.total),
  ODOO_MCP_MAX_PENDING: integer(1, 10_000).default(DEFAULT_POLICY.maxPendingPerClient),
  ODOO_MCP_MAX_PENDING_TOTAL: integer(1, 100_000).default(DEFAULT_POLICY.maxPendingTotal),
  ODOO_MCP_LOG_LEVEL: z
    .enum(["debug", "info", "warn", "error", "silent"], {
      error: "must be debug, info, warn, error or silent",
    })
    .default("info"),
  ODOO_MCP_ALLOW_SANDBOX: BOOLEAN.default(false),
  ODOO_MCP_TOOLSETS: z
    .string()
    .trim()
    .toLowerCase()
    .transform((v) => [...new Set(v.split(",").map((name) => name.trim()))].filter((name) => name !== ""))
    .refine(
      (names) => names.every((name) => name === "all" || (TOOLSETS as readonly string[]).includes(name)),
      `must be a comma-separated list of ${TOOLSETS.join(", ")} (or all)`,
    )
    .transform((names): readonly Toolset[] | undefined =>
      names.includes("all") ? undefined : (names as Toolset[]),
    )
    .optional(),
  ODOO_MCP_READ_ONLY: BOOLEAN.default(false),
  ODOO_MCP_REMINDER_DAYS: integer(0, 3_650).default(7),
});

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A `.env` file to read instead of `<cwd>/.env`; it must exist. */
  envFile?: string;
  /**
   * Approval rules the person set with `odoo-mcp policy` (already verified against the keychain key by the
   * caller): they may loosen the policy; the environment still wins over them, and `.env` may still tighten them.
   */
  personPolicy?: Partial<Record<string, string>>;
}

/** The keys of the approval rules, as `odoo-mcp policy` and the environment name them. */
export const POLICY_VARIABLES = [
  "ODOO_MCP_APPROVAL_TTL_HOURS",
  "ODOO_MCP_APPROVAL_WAIT_MS",
  "ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD",
  "ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT",
  "ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL",
  "ODOO_MCP_ELICITATION",
  "ODOO_MCP_ELICITATION_MAX_AMOUNT",
  "ODOO_MCP_ELICITATION_DAILY_COUNT",
  "ODOO_MCP_ELICITATION_DAILY_TOTAL",
  "ODOO_MCP_MAX_PENDING",
  "ODOO_MCP_MAX_PENDING_TOTAL",
] as const;

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const fileValues = readDotenv(
    options.envFile ?? path.join(cwd, ".env"),
    options.envFile !== undefined,
    problems,
  );

  const fromEnv: Partial<Record<Key, string>> = {};
  const fromFile: Partial<Record<Key, string>> = {};
  for (const key of KEYS) {
    const inEnv = pick(env, key);
    const inFile = pick(fileValues, key);
    if (inEnv !== undefined) fromEnv[key] = inEnv;
    if (inFile !== undefined) fromFile[key] = inFile;
  }
  const warnings: string[] = [];
  // A file the agent can write may not move the data folder (the approval store, the audit log).
  if (fromFile.ODOO_MCP_DATA_DIR !== undefined && fromEnv.ODOO_MCP_DATA_DIR === undefined)
    warnings.push(
      "ODOO_MCP_DATA_DIR in .env is ignored: the data folder (approvals, audit log) is set only in the environment, i.e. the MCP client's configuration",
    );
  delete fromFile.ODOO_MCP_DATA_DIR;
  // Nor move the agent into another company: the company (whose books every call reads and writes) comes from the
  // environment, where the desktop app also puts the company chosen in its settings window. `.env` may only say
  // the same thing.
  if (fromFile.ODOO_COMPANY !== undefined) {
    const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
    if (fromEnv.ODOO_COMPANY === undefined)
      warnings.push(
        `ODOO_COMPANY in .env is ignored: the company the agent works in is set only in the environment (the MCP client's configuration) or in the desktop app's settings window; the user's current company in Odoo is used`,
      );
    else if (!same(fromFile.ODOO_COMPANY, fromEnv.ODOO_COMPANY))
      warnings.push(
        `ODOO_COMPANY in .env is ignored: it names another company than the environment (the MCP client's configuration, or the company chosen in the desktop app's settings window), which is used`,
      );
  }
  delete fromFile.ODOO_COMPANY;
  // Nor send a secret the environment holds to a server .env names.
  if (
    fromFile.ODOO_URL !== undefined &&
    fromEnv.ODOO_URL === undefined &&
    (fromEnv.ODOO_API_KEY !== undefined || fromEnv.ODOO_PASSWORD !== undefined)
  ) {
    warnings.push(
      "ODOO_URL in .env is ignored: the Odoo secret comes from the environment, so the server it goes to must come from there too",
    );
    delete fromFile.ODOO_URL;
  }
  const fromPerson: Partial<Record<Key, string>> = {};
  for (const key of POLICY_VARIABLES) {
    const value = options.personPolicy?.[key];
    if (value !== undefined && value !== "") fromPerson[key] = value;
  }
  const raw: Partial<Record<Key, string>> = { ...fromFile, ...fromPerson, ...fromEnv };

  const parse = (values: Partial<Record<Key, string>>, origin: string) => {
    const parsed = SCHEMA.safeParse(values);
    if (!parsed.success)
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0] ?? "configuration");
        const shown = SECRET_KEYS.has(key) ? "" : ` (got "${values[key as Key] ?? ""}")`;
        problems.push(`${key} ${issue.message}${shown}${origin}`);
      }
    return parsed.success ? parsed.data : null;
  };
  const merged = parse(raw, "");
  if (problems.length > 0 || !merged) throw new ConfigError(problems);
  const v = merged;
  // The policy as the environment and the person's own policy set it; .env is then taken only where stricter.
  const base = parse({ ...fromPerson, ...fromEnv }, " (in the policy set with odoo-mcp policy)");
  if (!base) throw new ConfigError(problems);
  // What the rules would be if .env were taken everywhere the environment is silent (over the person's rules).
  const withFile = parse({ ...fromPerson, ...fromFile, ...fromEnv }, "");
  if (!withFile) throw new ConfigError(problems);
  const { policy, sources } = resolvePolicy(
    policyOf(base),
    policyOf(withFile),
    { env: fromEnv, person: fromPerson, file: fromFile },
    warnings,
  );

  const config: Config = {
    odoo: {
      url: v.ODOO_URL,
      database: v.ODOO_DATABASE,
      username: v.ODOO_USERNAME,
      ...(v.ODOO_API_KEY ? { apiKey: v.ODOO_API_KEY } : {}),
      ...(v.ODOO_PASSWORD ? { password: v.ODOO_PASSWORD } : {}),
      api: v.ODOO_API,
      timeoutMs: v.ODOO_TIMEOUT_MS,
      ...(v.ODOO_COMPANY !== undefined ? { company: v.ODOO_COMPANY } : {}),
      ...(v.ODOO_MCP_ALLOW_SANDBOX ? { allowSandbox: true as const } : {}),
    },
    dataDir: path.resolve(cwd, v.ODOO_MCP_DATA_DIR ?? defaultDataDir(env)),
    dryRun: v.DRY_RUN,
    ...(v.ODOO_MCP_PORT !== undefined ? { httpPort: v.ODOO_MCP_PORT } : {}),
    ...(v.ODOO_MCP_HTTP_TOKEN ? { httpToken: v.ODOO_MCP_HTTP_TOKEN } : {}),
    policy,
    policySources: sources,
    warnings,
    logLevel: v.ODOO_MCP_LOG_LEVEL,
    tools: resolveToolAccess(parse(fromEnv, "") ?? v, fromFile, parse(fromFile, " (in .env)"), warnings),
    reminderDays: Math.max(v.ODOO_MCP_REMINDER_DAYS, base.ODOO_MCP_REMINDER_DAYS),
  };
  if (v.ODOO_MCP_REMINDER_DAYS < base.ODOO_MCP_REMINDER_DAYS)
    warnings.push(
      `ODOO_MCP_REMINDER_DAYS in .env is ignored: it may only lengthen the ${base.ODOO_MCP_REMINDER_DAYS} days between two reminders, never shorten them`,
    );
  return config;
}

/**
 * The environment (the MCP client's configuration) says which tools the agent may see; `.env`, which the agent
 * may be able to write, may only narrow it: its toolsets count where the environment's allow them, and its
 * read-only mode can turn read-only on, never off.
 */
function resolveToolAccess(
  env: Parsed,
  fromFile: Partial<Record<Key, string>>,
  file: Parsed | null,
  warnings: string[],
): ToolAccess {
  let toolsets = env.ODOO_MCP_TOOLSETS;
  let readOnly = env.ODOO_MCP_READ_ONLY;
  if (file && fromFile.ODOO_MCP_TOOLSETS !== undefined && file.ODOO_MCP_TOOLSETS !== undefined) {
    const allowed = toolsets;
    const asked = file.ODOO_MCP_TOOLSETS;
    const beyond = allowed ? asked.filter((set) => !allowed.includes(set)) : [];
    if (beyond.length > 0)
      warnings.push(
        `ODOO_MCP_TOOLSETS in .env names ${beyond.join(", ")}, which the environment does not offer: ignored (.env may only narrow the toolsets)`,
      );
    toolsets = asked.filter((set) => !allowed || allowed.includes(set));
  }
  if (file && fromFile.ODOO_MCP_READ_ONLY !== undefined) {
    if (file.ODOO_MCP_READ_ONLY) readOnly = true;
    else if (readOnly)
      warnings.push(
        "ODOO_MCP_READ_ONLY=false in .env is ignored: the environment makes the server read-only, and .env may only narrow what the agent sees",
      );
  }
  if (toolsets?.length === 0) warnings.push("no toolset is left to offer: the agent sees no tool");
  return { ...(toolsets ? { toolsets } : {}), readOnly };
}

type Parsed = z.output<typeof SCHEMA>;

function policyOf(v: Parsed): ApprovalPolicy {
  return {
    ttlMs: Math.round(v.ODOO_MCP_APPROVAL_TTL_HOURS * 3_600_000),
    waitMs: v.ODOO_MCP_APPROVAL_WAIT_MS,
    expenseThreshold: v.ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD,
    autoBudget: { count: v.ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT, total: v.ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL },
    elicitation: v.ODOO_MCP_ELICITATION,
    elicitationMaxAmount: v.ODOO_MCP_ELICITATION_MAX_AMOUNT,
    elicitationBudget: {
      count: v.ODOO_MCP_ELICITATION_DAILY_COUNT,
      total: v.ODOO_MCP_ELICITATION_DAILY_TOTAL,
    },
    maxPendingPerClient: v.ODOO_MCP_MAX_PENDING,
    maxPendingTotal: v.ODOO_MCP_MAX_PENDING_TOTAL,
  };
}

/** The keys behind each rule, to say where it came from. */
const POLICY_KEYS: Record<PolicyKey, Key[]> = {
  ttlMs: ["ODOO_MCP_APPROVAL_TTL_HOURS"],
  waitMs: ["ODOO_MCP_APPROVAL_WAIT_MS"],
  expenseThreshold: ["ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD"],
  autoBudget: ["ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT", "ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL"],
  elicitation: ["ODOO_MCP_ELICITATION"],
  elicitationMaxAmount: ["ODOO_MCP_ELICITATION_MAX_AMOUNT"],
  elicitationBudget: ["ODOO_MCP_ELICITATION_DAILY_COUNT", "ODOO_MCP_ELICITATION_DAILY_TOTAL"],
  maxPendingPerClient: ["ODOO_MCP_MAX_PENDING"],
  maxPendingTotal: ["ODOO_MCP_MAX_PENDING_TOTAL"],
};

/**
 * `.env` sits in a folder the agent may write: a rule it sets is taken only when it is at least as strict as the
 * one the environment (or the default) gives; a looser one is ignored, with a warning.
 */
function resolvePolicy(
  base: ApprovalPolicy,
  merged: ApprovalPolicy,
  from: {
    env: Partial<Record<Key, string>>;
    person: Partial<Record<Key, string>>;
    file: Partial<Record<Key, string>>;
  },
  warnings: string[],
): { policy: ApprovalPolicy; sources: PolicySources } {
  const { env: fromEnv, person: fromPerson, file: fromFile } = from;
  const policy = { ...base };
  const sources = {} as PolicySources;
  for (const key of Object.keys(POLICY_KEYS) as PolicyKey[]) {
    const keys = POLICY_KEYS[key];
    sources[key] = keys.some((k) => fromEnv[k] !== undefined)
      ? "environment"
      : keys.some((k) => fromPerson[k] !== undefined)
        ? "odoo-mcp policy"
        : "default";
    if (!keys.some((k) => fromFile[k] !== undefined && fromEnv[k] === undefined)) continue;
    if (isStricter(key, merged[key], base[key])) {
      (policy as Record<PolicyKey, unknown>)[key] = merged[key];
      sources[key] = ".env";
    } else
      warnings.push(
        `${keys.join(", ")} in .env is ignored: it would loosen the approval policy, which only the environment (the MCP client's configuration) may do`,
      );
  }
  return { policy, sources };
}

/** The platform's per-user data folder + `/odoo-mcp`. */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  if (platform === "win32") {
    const appData = env.APPDATA || path.win32.join(home, "AppData", "Roaming");
    return path.win32.join(appData, "odoo-mcp");
  }
  if (platform === "darwin") return path.posix.join(home, "Library", "Application Support", "odoo-mcp");
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.posix.join(home, ".local", "share");
  return path.posix.join(base, "odoo-mcp");
}

function pick(source: Record<string, string | undefined>, key: Key): string | undefined {
  for (const name of [key, ...(ALIASES[key] ?? [])]) {
    const value = source[name];
    if (value !== undefined && value !== "") return value;
  }
  return undefined;
}

function readDotenv(file: string, required: boolean, problems: string[]): Record<string, string> {
  let text: string;
  try {
    // Without blocking: a FIFO put where .env is (the agent may write that folder) is refused, never waited on.
    // A link the person made to their .env is followed; what it points to must be a file.
    text = readRegularTextSync(file, { followSymlinks: true });
  } catch (error) {
    if (error instanceof NotRegularFileError) {
      problems.push(`cannot read ${error.message}`);
      return {};
    }
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT" && !required) return {};
    problems.push(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : String(code ?? error)}`);
    return {};
  }
  const { values, errors } = parseDotenv(text);
  for (const error of errors) problems.push(`${file} ${error}`);
  return values;
}
