import { toToolError } from "../mcp/error-map.js";
import type { Logger } from "../mcp/log.js";
import {
  type Channel,
  channels,
  type EventName,
  events,
  type Handlers,
  type Result,
  result,
} from "../shared/ipc.js";
import { CHANNEL_NAMES, eventChannel } from "./channel-names.js";
import type { IpcMainEventLike, IpcMainLike, WebContentsLike } from "./electron-api.js";

/**
 * The one IPC manager: one `ipcMain.handle` per channel of src/shared/ipc.ts. Every message is `unknown` until
 * its channel's zod schema accepts it; it is refused unless it comes from one of the app's own windows; every
 * answer is checked against its answer schema before it leaves (a wrong answer is logged and replaced by
 * INTERNAL_ERROR, never sent); nothing throws across IPC (Result<T>, errors mapped by toToolError).
 */

export interface SenderPolicy {
  /** Whether this message comes from the main frame of one of the app's own windows, showing its own page. */
  isOwnSender(event: IpcMainEventLike): boolean;
  /** Where events go: the app's own windows that are open now. */
  targets(): WebContentsLike[];
}

export interface IpcRouter {
  /** Sends a main → renderer event to every own window, validated against its schema first. */
  emit<E extends EventName>(event: E, payload: unknown): boolean;
  dispose(): void;
}

const failure = (code: string, message: string): Result<never> => ({ ok: false, error: { code, message } });

export function createIpcRouter(options: {
  ipcMain: IpcMainLike;
  handlers: Handlers;
  senders: SenderPolicy;
  logger: Logger;
}): IpcRouter {
  const { ipcMain, handlers, senders, logger } = options;

  const route = async (channel: Channel, event: IpcMainEventLike, payload: unknown) => {
    if (!senders.isOwnSender(event)) {
      logger.warn(`IPC ${channel} refused: the sender is not one of the app's windows`);
      return failure("PERMISSION_DENIED", "This message does not come from one of odoo-mcp's own windows.");
    }
    const request = channels[channel].request.safeParse(payload ?? {});
    if (!request.success)
      return failure(
        "VALIDATION_ERROR",
        request.error.issues
          .slice(0, 5)
          .map((issue) => `${issue.path.join(".") || "request"}: ${issue.message}`)
          .join("; "),
      );
    let value: unknown;
    try {
      const handler = handlers[channel] as (request: unknown) => Promise<unknown>;
      value = await handler(request.data);
    } catch (error) {
      const mapped = toToolError(error);
      if (mapped.code === "INTERNAL_ERROR")
        logger.error(`IPC ${channel} failed: ${error instanceof Error ? error.message : String(error)}`);
      return failure(mapped.code, mapped.message);
    }
    const answer = result(channels[channel].answer).safeParse({ ok: true, value });
    if (!answer.success) {
      logger.error(`IPC ${channel}: the handler's answer does not match its schema; not sent`, {
        issues: answer.error.issues.slice(0, 5).map((issue) => `${issue.path.join(".")}: ${issue.message}`),
      });
      return failure("INTERNAL_ERROR", "odoo-mcp failed unexpectedly; the details are in its log.");
    }
    return answer.data;
  };

  for (const channel of CHANNEL_NAMES)
    ipcMain.handle(channel, (event, payload) =>
      route(channel, event, payload).catch((error: unknown) => {
        logger.error(`IPC ${channel}: ${error instanceof Error ? error.message : String(error)}`);
        return failure("INTERNAL_ERROR", "odoo-mcp failed unexpectedly; the details are in its log.");
      }),
    );

  return {
    emit(event, payload) {
      const parsed = events[event].safeParse(payload);
      if (!parsed.success) {
        logger.error(`event ${event} does not match its schema; not sent`);
        return false;
      }
      for (const target of senders.targets())
        if (!target.isDestroyed()) target.send(eventChannel(event), parsed.data);
      return true;
    },
    dispose() {
      for (const channel of CHANNEL_NAMES) ipcMain.removeHandler(channel);
    },
  };
}
