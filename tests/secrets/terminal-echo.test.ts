/**
 * A passphrase typed at the terminal is never echoed: echo goes off (raw mode) before the prompt is written, so
 * what a person types the moment the prompt appears is not shown by the terminal. Found by the session scan
 * (tests/secrets/session.test.ts): the passphrase sometimes appeared in the terminal's output, right after its
 * prompt, because the prompt was written while the terminal still echoed.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { readLine } from "../../src/mcp/cli/terminal.js";

const stdin = process.stdin as NodeJS.ReadStream & { setRawMode(mode: boolean): NodeJS.ReadStream };
const original = {
  stdinTTY: Object.getOwnPropertyDescriptor(stdin, "isTTY"),
  stderrTTY: Object.getOwnPropertyDescriptor(process.stderr, "isTTY"),
  setRawMode: stdin.setRawMode,
};

afterEach(() => {
  vi.restoreAllMocks();
  for (const [target, key, descriptor] of [
    [stdin, "isTTY", original.stdinTTY],
    [process.stderr, "isTTY", original.stderrTTY],
  ] as const) {
    if (descriptor) Object.defineProperty(target, key, descriptor);
    else delete (target as unknown as Record<string, unknown>)[key];
  }
  stdin.setRawMode = original.setRawMode;
});

describe("reading a hidden line at the terminal", () => {
  it("turns echo off before the prompt is shown, and never writes what is typed", async () => {
    const events: string[] = [];
    Object.defineProperty(stdin, "isTTY", { value: true, configurable: true });
    Object.defineProperty(process.stderr, "isTTY", { value: true, configurable: true });
    stdin.setRawMode = (mode: boolean) => {
      events.push(`raw ${mode}`);
      return stdin;
    };
    vi.spyOn(stdin, "resume").mockImplementation(() => stdin);
    vi.spyOn(stdin, "pause").mockImplementation(() => stdin);
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      events.push(`write ${String(chunk)}`);
      return true;
    });
    const line = readLine("Approval passphrase: ", { hidden: true });
    stdin.emit("data", Buffer.from("my secret phrase\r"));
    expect(await line).toBe("my secret phrase");
    expect(events[0]).toBe("raw true");
    expect(events[1]).toBe("write Approval passphrase: ");
    expect(events.join("\n")).not.toContain("secret");
    expect(events).toContain("raw false");
  });
});
