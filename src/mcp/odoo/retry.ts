import type { Logger } from "../log.js";
import { sleep } from "../sleep.js";
import { OdooConnectionError } from "./errors.js";

/**
 * Retries what is safe to retry: connection errors only, with exponential backoff (1 s, 2 s, 4 s, 8 s, then
 * the last error is thrown). A call that is not idempotent (a write) is sent again only when the failure
 * proves that nothing reached Odoo (`maybeApplied` false: refused, DNS, connect timeout, 503). Faults of
 * Odoo (auth, access, validation, server errors) and protocol errors are never retried: sending the same
 * request again would get the same answer.
 */

export const RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000];

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = sleep;

export interface RetryOptions {
  idempotent: boolean;
  sleep?: Sleep;
  logger?: Logger;
  /** Backoff before each new attempt; its length is the number of retries. */
  delaysMs?: readonly number[];
  signal?: AbortSignal;
  /** What is being attempted, for the log (`res.partner.search_read`); never arguments. */
  what?: string;
}

/** Whether `error` may go away if the same request is sent again. */
export function isRetryable(error: unknown, idempotent: boolean): boolean {
  if (!(error instanceof OdooConnectionError)) return false;
  return idempotent || !error.maybeApplied;
}

export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const delays = options.delaysMs ?? RETRY_DELAYS_MS;
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      const delay = delays[attempt];
      if (delay === undefined || options.signal?.aborted || !isRetryable(error, options.idempotent))
        throw error;
      options.logger?.warn("Odoo request failed; retrying", {
        what: options.what,
        attempt: attempt + 1,
        retryInMs: delay,
        error: error instanceof Error ? error.message : String(error),
      });
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}
