import type { Channel, EventName } from "../shared/ipc.js";

/**
 * The channel and event names alone, with no zod: the preload bundles this file and nothing else of the contract
 * (a sandboxed preload should stay small). The types below fail to compile if a name is missing or unknown.
 */
export const CHANNEL_NAMES = [
  "approvals.list",
  "approvals.decide",
  "approvals.receipt",
  "agent.status",
  "agent.setPaused",
  "settings.get",
  "settings.saveConnection",
  "settings.testConnection",
  "settings.setPolicy",
  "settings.setStartAtLogin",
  "settings.companies",
  "settings.setScope",
  "clients.configs",
  "clients.addToClaudeDesktop",
  "links.openOdoo",
] as const satisfies readonly Channel[];

export const EVENT_NAMES = ["approvals.changed", "agent.status"] as const satisfies readonly EventName[];

type Missing<All, Listed> = Exclude<All, Listed>;
/** Compile-time: every channel and event of the contract is listed. */
const complete: [
  Missing<Channel, (typeof CHANNEL_NAMES)[number]>,
  Missing<EventName, (typeof EVENT_NAMES)[number]>,
] extends [never, never]
  ? true
  : false = true;
void complete;

/** Events travel main → renderer on their own prefixed channel, apart from the invoke channels. */
export const eventChannel = (name: EventName): string => `odoo-mcp:event:${name}`;
