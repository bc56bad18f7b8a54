import { inline } from "./display.js";

/**
 * Where a decision was given, in the words the person reads: the one table for the CLI (`approvals list`), the
 * app's history and the tray's notifications. An approval given in the MCP client's own prompt ("in the chat") is
 * the one the agent may have answered itself, so it is always named as such, with the client it came through.
 */
export const CHANNEL_WORDS: Readonly<Record<string, string>> = {
  cli: "at the terminal",
  tray: "in the app",
  elicitation: "in the chat",
  auto: "automatically",
};

/** "in the chat", "at the terminal"...; an unknown channel as "via <channel>" (escaped). */
export function channelWords(channel: string): string {
  return Object.hasOwn(CHANNEL_WORDS, channel) ? CHANNEL_WORDS[channel]! : `via ${inline(channel, 30)}`;
}

/**
 * "approved in the chat (Claude Code)", "rejected at the terminal", "approved automatically". `client` is the MCP
 * client's own name for itself (the client's word, escaped here), shown for a decision given in the chat.
 */
export function decidedWords(decision: { decision: string; channel: string }, client?: string): string {
  const verb = decision.decision === "rejected" ? "rejected" : "approved";
  const named = decision.channel === "elicitation" && client ? ` (${inline(client, 60)})` : "";
  return `${verb} ${channelWords(decision.channel)}${named}`;
}
