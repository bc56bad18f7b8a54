import type { AnswerOf, Bridge, Channel, EventName, events, RequestOf, Result } from "../shared/ipc.js";

/**
 * The only module that touches `window.odooMcp` (what the preload exposes). Every other module calls `call` and
 * `on`: an answer that is not ok becomes a thrown `BridgeError` with its code and message.
 */
declare global {
  interface Window {
    odooMcp?: Bridge;
  }
}

export class BridgeError extends Error {
  override readonly name = "BridgeError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function bridge(): Bridge {
  const found = window.odooMcp;
  if (!found) throw new BridgeError("INTERNAL_ERROR", "This window was opened outside the odoo-mcp app.");
  return found;
}

export async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<AnswerOf<C>> {
  const send = bridge()[channel] as unknown as (request: RequestOf<C>) => Promise<Result<AnswerOf<C>>>;
  const answer = await send(request);
  if (!answer.ok) throw new BridgeError(answer.error.code, answer.error.message);
  return answer.value;
}

type Payload<E extends EventName> = import("zod").infer<(typeof events)[E]>;

export function on<E extends EventName>(event: E, listener: (payload: Payload<E>) => void): () => void {
  return bridge().on(event, listener);
}

/** What a window shows of a failure: its message, written for the person; the code is for programs. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
