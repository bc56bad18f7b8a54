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
 * Which items of a batch a person approved (`keep`: indices in the document's `items`), numbered from 1 as they
 * chose them: "2 of 3 items (1, 3)"; "items 1, 3" when the count of items is not known.
 */
export function keptWords(keep: readonly number[], items?: number): string {
  const numbers = inline(keep.map((index) => index + 1).join(", "), 200);
  return items === undefined ? `items ${numbers}` : `${keep.length} of ${items} items (${numbers})`;
}

/**
 * "approved in the chat (Claude Code)", "rejected at the terminal", "approved automatically", "approved 2 of 3
 * items (1, 3) in the app". `client` is the MCP client's own name for itself (the client's word, escaped here),
 * shown for a decision given in the chat; `items`: how many items the batch has, when its decision kept some.
 */
export function decidedWords(
  decision: { decision: string; channel: string; keep?: readonly number[] | undefined },
  client?: string,
  items?: number,
): string {
  const verb = decision.decision === "rejected" ? "rejected" : "approved";
  const kept = decision.keep ? ` ${keptWords(decision.keep, items)}` : "";
  const named = decision.channel === "elicitation" && client ? ` (${inline(client, 60)})` : "";
  return `${verb}${kept} ${channelWords(decision.channel)}${named}`;
}
