/**
 * The person's terminal. A decision is typed here, on a real terminal (stdin and stderr are TTYs), never read from
 * a pipe: an agent whose shell commands run without a terminal cannot answer these prompts, and the answer is
 * not an argument, an environment variable or a file.
 */

export function hasTerminal(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

export class NoTerminalError extends Error {
  override readonly name = "NoTerminalError";
}

/** Reads one line from the terminal; without echo when `hidden`. Ctrl-C cancels. */
export function readLine(prompt: string, options: { hidden?: boolean } = {}): Promise<string> {
  if (!hasTerminal())
    return Promise.reject(
      new NoTerminalError(
        "this needs a person at a terminal (stdin is not a terminal); run it yourself in one",
      ),
    );
  const stdin = process.stdin;
  // Echo off before the prompt shows: what is typed as soon as the prompt appears (or ahead of it) is never
  // echoed by the terminal itself, which a passphrase typed fast otherwise was.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const onData = (data: Buffer) => {
      for (const char of data.toString("utf8")) {
        if (char === "\r" || char === "\n") return finish(value);
        if (char === "\u0003" || char === "\u0004") return fail(new NoTerminalError("cancelled"));
        if (char === "\u007f" || char === "\b") {
          if (value && !options.hidden) process.stderr.write("\b \b");
          value = Array.from(value).slice(0, -1).join("");
        } else if (char >= " ") {
          value += char;
          if (!options.hidden) process.stderr.write(char);
        }
      }
    };
    const cleanup = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    const finish = (result: string) => {
      cleanup();
      resolve(result);
    };
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    stdin.on("data", onData);
  });
}

/** Asks a yes/no question on the terminal: only "y" or "yes" is a yes. */
export async function confirm(question: string): Promise<boolean> {
  const answer = await readLine(`${question} [y/N] `);
  return /^(y|yes)$/i.test(answer.trim());
}
