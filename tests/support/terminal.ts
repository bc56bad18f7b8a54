import { execFile } from "node:child_process";

/**
 * Runs a command the way a person does at a terminal: inside a pseudo-terminal (util-linux `script`), so that
 * stdin and stderr are TTYs, typing `input` (e.g. "y\r") once the command is waiting for it. What the product asks
 * "at a terminal" is really asked; nothing in the product is bypassed.
 */
export function runInTerminal(
  command: string,
  args: string[],
  options: { env: Record<string, string | undefined>; input?: string[]; timeoutMs?: number },
): Promise<{ code: number | null; output: string }> {
  const quoted = [command, ...args].map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((resolve) => {
    const child = execFile(
      "script",
      ["-qefc", quoted, "/dev/null"],
      { env: { ...options.env, TERM: "dumb" }, timeout: options.timeoutMs ?? 30_000 },
      (error, stdout) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, output: String(stdout) });
      },
    );
    const answers = [...(options.input ?? [])];
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      // Each answer goes once its prompt is on the screen (a prompt ends with "] " or ": ").
      if (answers.length > 0 && /(\[y\/N\] |: )$/.test(seen)) {
        child.stdin?.write(answers.shift()!);
        seen = "";
        if (answers.length === 0) setTimeout(() => child.stdin?.end(), 200);
      }
    });
    if (answers.length === 0) child.stdin?.end();
  });
}
