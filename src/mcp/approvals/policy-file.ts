import path from "node:path";
import { z } from "zod";
import { readTextIfExists, writeFileAtomic } from "../fsutil/files.js";
import { NotRegularFileError } from "../fsutil/regular.js";
import type { ApprovalKey } from "./keys.js";

/**
 * The approval rules a person set with `odoo-mcp policy set` (later: the app's settings window). They may loosen
 * the policy, so they are protected like a decision: sealed with the keychain key. A policy file written by
 * anyone else (an agent with file tools), or edited, is not honoured: the rules fall back to the environment and
 * the defaults, and the caller says so. Without a keychain nothing on disk can be protected, so no such file is
 * honoured at all. Nor is anything that is not a file (a FIFO, a link): refused at once, by name.
 */
export const POLICY_FILE = "approval-policy.json";

const fileSchema = z.object({
  v: z.literal(1),
  values: z.record(z.string(), z.string()),
  set_by: z.string(),
  set_at: z.string(),
  seal: z.string(),
});
type PolicyFile = z.infer<typeof fileSchema>;

const payload = (file: Omit<PolicyFile, "seal">) => ({ kind: "approval-policy", ...file });

export type PersonPolicy =
  | { state: "none" }
  | { state: "valid"; values: Record<string, string>; setBy: string; setAt: string }
  | { state: "refused"; reason: string };

export async function readPersonPolicy(dataDir: string, key: ApprovalKey | null): Promise<PersonPolicy> {
  const file = path.join(dataDir, POLICY_FILE);
  let text: string | undefined;
  try {
    text = await readTextIfExists(file, { root: dataDir });
  } catch (error) {
    if (error instanceof NotRegularFileError)
      return { state: "refused", reason: `${error.message}; it is ignored` };
    throw error;
  }
  if (text === undefined) return { state: "none" };
  if (key?.source !== "keychain")
    return {
      state: "refused",
      reason: `${file} is ignored: without an OS keychain a policy file cannot be protected; set the rules in the MCP client's configuration`,
    };
  let parsed: PolicyFile;
  try {
    parsed = fileSchema.parse(JSON.parse(text));
  } catch {
    return { state: "refused", reason: `${file} is not a policy odoo-mcp wrote; it is ignored` };
  }
  const { seal, ...rest } = parsed;
  if (!key.verify(payload(rest), seal))
    return {
      state: "refused",
      reason: `${file} was changed outside odoo-mcp (its seal is broken); it is ignored`,
    };
  return { state: "valid", values: parsed.values, setBy: parsed.set_by, setAt: parsed.set_at };
}

export async function writePersonPolicy(
  dataDir: string,
  key: ApprovalKey,
  values: Record<string, string>,
  setBy: string,
  now: Date = new Date(),
): Promise<void> {
  const rest = { v: 1 as const, values, set_by: setBy, set_at: now.toISOString() };
  const file: PolicyFile = { ...rest, seal: key.sign(payload(rest)) };
  await writeFileAtomic(path.join(dataDir, POLICY_FILE), `${JSON.stringify(file, null, 2)}\n`, {
    root: dataDir,
  });
}
