/** A line under the window or a section: what was done, or why it was not. */
export type Notice = { kind: "ok" | "error"; text: string } | null;
