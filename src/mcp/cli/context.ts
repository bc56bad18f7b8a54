import { type App, createApp } from "../app.js";
import type { ApprovalKey } from "../approvals/keys.js";
import { type Config, loadConfig } from "../config/config.js";
import { createOsKeychain, type Keychain } from "../credentials/keychain.js";
import { createLogger, type Logger } from "../log.js";

/** What every command starts from: configuration, logger, keychain (if the OS has one), and the app. */
export async function openApp(
  options: { quiet?: boolean; passphraseKey?: ApprovalKey } = {},
): Promise<{ app: App; config: Config; logger: Logger }> {
  const config = loadConfig();
  const logger = createLogger(options.quiet ? "warn" : config.logLevel);
  for (const warning of config.warnings) logger.warn(warning);
  const keychain = tryKeychain(logger);
  const app = await createApp(config, {
    logger,
    keychain,
    ...(options.passphraseKey ? { passphraseKey: options.passphraseKey } : {}),
  });
  return { app, config, logger };
}

export function tryKeychain(logger: Logger): Keychain | null {
  try {
    return createOsKeychain();
  } catch (error) {
    logger.warn(`no OS keychain: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

export function print(line = ""): void {
  process.stdout.write(`${line}\n`);
}

export function flag(args: string[], name: string): boolean {
  return args.includes(name);
}

export function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const value = args[index + 1];
  return value === undefined || value.startsWith("--") ? undefined : value;
}

/** Positional arguments: everything that is neither a flag nor a flag's value. */
export function positionals(args: string[], valued: string[] = []): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (valued.includes(arg)) i++;
    else if (!arg.startsWith("--")) out.push(arg);
  }
  return out;
}
