/**
 * A duplicate check is a search followed by a create: two calls that search at the same moment both find nothing
 * and both create. An agent may call tools in parallel (or retry before the first call answers), so the tools that
 * refuse a duplicate (`create_vendor_bill`, `create_partner`, `import_bank_statement`) run their search and create
 * one call at a time per key (a vendor's reference, a VAT number, an email, a name, a bank journal): inside this
 * server process here, and among the server processes sharing a data folder (two MCP clients, the app and a
 * terminal) with the `across` the tool layer gives (tools/process-locks.ts: a lock file per key).
 *
 * Not shared with Odoo: a person creating the same record in Odoo's own window meanwhile, or a server with another
 * data folder, can still both create. Odoo offers no lock a client can hold between calls.
 */
const tails = new Map<string, Promise<void>>();

/** Runs `run` holding `keys` among processes too; the default holds nothing beyond this process. */
export type AcrossProcesses = <T>(keys: readonly string[], run: () => Promise<T>) => Promise<T>;
const thisProcessOnly: AcrossProcesses = (_keys, run) => run();

/**
 * Runs `run` once every earlier call sharing any of `keys` has finished. The keys are all taken at once (nothing is
 * awaited in between), so two calls with overlapping keys never wait for each other.
 */
export async function oneAtATime<T>(
  keys: readonly string[],
  run: () => Promise<T>,
  across: AcrossProcesses = thisProcessOnly,
): Promise<T> {
  const mine = [...new Set(keys)];
  const earlier = mine.map((key) => tails.get(key));
  let done = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  for (const key of mine) tails.set(key, finished);
  try {
    await Promise.all(earlier);
    return await across(mine, run);
  } finally {
    done();
    for (const key of mine) if (tails.get(key) === finished) tails.delete(key);
  }
}
