import { type ParseArgsConfig, parseArgs } from "node:util";
import { type App, createApp } from "../app.js";
import type { ApprovalKey } from "../approvals/keys.js";
import { withPersonPolicy } from "../approvals/person-policy.js";
import { type Config, loadConfig } from "../config/config.js";
import { createOsKeychain, type Keychain } from "../credentials/keychain.js";
import { createLogger, type Logger } from "../log.js";

/**
 * What every command starts from: configuration, logger, keychain (if the OS has one), and the app. `quiet`: a
 * command a person runs (approvals, policy, queue, doctor): warnings only, and nothing about a missing keychain,
 * which is a fact of the machine that `doctor` reports (`keychainMissing`) instead of every command repeating it.
 */
export async function openApp(
  options: { quiet?: boolean; passphraseKey?: ApprovalKey } = {},
): Promise<{ app: App; config: Config; logger: Logger; keychainMissing?: string }> {
  const first = loadConfig();
  const logger = createLogger(options.quiet ? "warn" : first.logLevel);
  const { keychain, missing } = openKeychain();
  if (missing && !options.quiet) logger.warn(`no OS keychain: ${missing}`);
  const config = await withPersonPolicy(first, keychain, loadConfig);
  for (const warning of config.warnings) logger.warn(warning);
  const app = await createApp(config, {
    logger,
    keychain,
    quietKeychain: options.quiet === true,
    ...(options.passphraseKey ? { passphraseKey: options.passphraseKey } : {}),
  });
  return { app, config, logger, ...(missing ? { keychainMissing: missing } : {}) };
}

/** The OS keychain, or null and why there is none. */
export function openKeychain(): { keychain: Keychain | null; missing?: string } {
  try {
    return { keychain: createOsKeychain() };
  } catch (error) {
    return { keychain: null, missing: error instanceof Error ? error.message : String(error) };
  }
}

/** The OS keychain, or null after saying once why there is none (the server, the desktop app). */
export function tryKeychain(logger: Logger): Keychain | null {
  const { keychain, missing } = openKeychain();
  if (missing) logger.warn(`no OS keychain: ${missing}`);
  return keychain;
}

export function print(line = ""): void {
  process.stdout.write(`${line}\n`);
}

type OptionsSpec = NonNullable<ParseArgsConfig["options"]>;

/** What a command accepts on its command line. `--help` (`-h`) is added to every command. */
export interface CommandSpec<O extends OptionsSpec> {
  /** The command as a person types it after `odoo-mcp` ("queue", "doctor"); "" for odoo-mcp itself. */
  name: string;
  /** Printed for `--help` (stdout, exit 0) and after a usage error (stderr, exit 2). */
  usage: string;
  /** Long options only; no `multiple`, no `default` (absent means not given). */
  options: O;
  /** How many positional arguments (subcommand, id) it takes at most; more is a usage error. */
  maxPositionals: number;
}

export interface ParsedCommand<O extends OptionsSpec> {
  values: { [K in keyof O]?: O[K]["type"] extends "string" ? string : boolean };
  positionals: string[];
}

/** Exit code of a command line that does not say what the command accepts. */
export const USAGE_ERROR = 2;

/**
 * A command's arguments through `util.parseArgs`, strict: an unknown option, an option without its value, a value
 * given to a flag or one positional too many is a usage error that names what is wrong. Returns the exit code when
 * the command must stop here (2 after a usage error, 0 after `--help`), else the parsed arguments.
 */
export function parseCommand<O extends OptionsSpec>(
  args: string[],
  spec: CommandSpec<O>,
): ParsedCommand<O> | number {
  const options: OptionsSpec = { ...spec.options, help: { type: "boolean", short: "h" } };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    return usageError(spec, describeParseError(args, options, error));
  }
  if (parsed.values.help) {
    print(spec.usage);
    return 0;
  }
  const extra = parsed.positionals[spec.maxPositionals];
  if (extra !== undefined) return usageError(spec, `unexpected argument "${extra}"`);
  return parsed as ParsedCommand<O>;
}

/** Prints `odoo-mcp NAME: problem` and the command's usage to stderr; returns the usage-error exit code. */
export function usageError(spec: Pick<CommandSpec<OptionsSpec>, "name" | "usage">, problem: string): number {
  const prefix = spec.name ? `odoo-mcp ${spec.name}` : "odoo-mcp";
  process.stderr.write(`${prefix}: ${problem}\n\n${spec.usage}\n`);
  return USAGE_ERROR;
}

/** Names the option parseArgs refused (its own messages name it too, but wordily and with hints about `--`). */
function describeParseError(args: string[], options: OptionsSpec, error: unknown): string {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const type = Object.hasOwn(options, token.name) ? options[token.name]?.type : undefined;
    if (type === undefined) return `unknown option "${token.rawName}"`;
    if (type === "boolean" && token.value !== undefined) return `option "${token.rawName}" takes no value`;
    if (
      type === "string" &&
      (token.value === undefined || (!token.inlineValue && token.value.startsWith("-")))
    )
      return `option "${token.rawName}" needs a value`;
  }
  return error instanceof Error ? error.message : String(error);
}
