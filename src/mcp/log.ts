/**
 * Logging to stderr only: stdout belongs to the MCP protocol. Every line passes through `redact`, so a
 * secret registered with `registerSecret` never reaches the log even if some code puts it in a message.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

const secrets = new Set<string>();
const SECRET_KEY = /pass(word)?|secret|api[_-]?key|token|authorization|cookie|session_id/i;

/** Remember a secret so that `redact` masks it wherever it appears. Short strings are ignored (too common). */
export function registerSecret(secret: string | undefined | null): void {
  if (secret && secret.length >= 6) secrets.add(secret);
}

/** Masks registered secrets in strings and drops values of secret-looking keys, recursively. */
export function redact<T>(value: T): T {
  return redactValue(value, 0) as T;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") {
    let out = value;
    for (const secret of secrets) out = out.split(secret).join("[REDACTED]");
    return out;
  }
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      SECRET_KEY.test(key) && item !== undefined && item !== null
        ? "[REDACTED]"
        : redactValue(item, depth + 1);
  }
  return out;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

export function createLogger(
  level: LogLevel = "info",
  scope = "odoo-mcp",
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const emit = (at: Exclude<LogLevel, "silent">, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[level]) return;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(redact(fields))}` : "";
    write(`${new Date().toISOString()} ${at.toUpperCase()} [${scope}] ${redact(message)}${extra}`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (child) => createLogger(level, `${scope}:${child}`, write),
  };
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = createLogger("silent");
