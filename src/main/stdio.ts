import type { Readable, Writable } from "node:stream";
import { Writable as WritableStream } from "node:stream";
import { StdioServerTransport, serveStdio as serveMcpStdio } from "@modelcontextprotocol/server/stdio";
import type { App } from "../mcp/app.js";
import { createMcpServer } from "../mcp/server.js";

/** The standard streams of the process (the real `process`, or a test's). */
export interface StdioStreams {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/**
 * stdout belongs to the MCP protocol. From here on, whatever else writes to the process's stdout (console.log, a
 * library, Electron's own JavaScript) lands on stderr: only the transport keeps a handle on the real stream.
 */
export function claimStdout(streams: StdioStreams): Writable {
  const { stdout, stderr } = streams;
  const write = stdout.write.bind(stdout) as (chunk: unknown, encoding?: unknown, cb?: unknown) => boolean;
  const protocol = new WritableStream({
    write(chunk, encoding, callback) {
      write(chunk, encoding, callback);
    },
  });
  stdout.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) =>
    (stderr.write as (chunk: unknown, encoding?: unknown, cb?: unknown) => boolean)(
      chunk,
      encoding,
      cb,
    )) as typeof stdout.write;
  return protocol;
}

/**
 * `--stdio`: the MCP server over the process's streams, exactly as `odoo-mcp serve` (the same server and the same
 * background runner). `closed` settles when the client closes stdin.
 */
export async function serveStdio(
  app: App,
  streams: StdioStreams,
): Promise<{ closed: Promise<void>; stop(): Promise<void> }> {
  const protocol = claimStdout(streams);
  const { build, cleanup } = createMcpServer(app);
  const stdio = serveMcpStdio(({ era }) => build(era), {
    transport: new StdioServerTransport(streams.stdin, protocol),
  });
  const background = app.approvals.startRunner();
  const closed = new Promise<void>((resolve) => {
    streams.stdin.once("end", resolve);
    streams.stdin.once("close", resolve);
  });
  let stopped = false;
  return {
    closed,
    async stop() {
      if (stopped) return;
      stopped = true;
      await background.stop();
      await stdio.close().catch(() => {});
      await cleanup();
    },
  };
}
