import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { documentDigest } from "../../src/mcp/approvals/ids.js";
import { openApprovalStore } from "../../src/mcp/approvals/open.js";
import { shownAsDecided } from "../../src/mcp/approvals/shown.js";
import type { ApprovalStore } from "../../src/mcp/approvals/store.js";
import { createMemoryKeychain, type Keychain } from "../../src/mcp/credentials/keychain.js";
import type { RequestDocument } from "../../src/shared/document.js";

/**
 * The document a person read is kept with their decision for the history: believed while its digest matches the
 * signed decision (and the seal), shown under a warning once an agent with file tools edits it.
 */
let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-shown-"));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const DOCUMENT: RequestDocument = {
  name: "Draft invoice for Harbour Bakery Ltd, 1,719.25 USD, dated 6 Dec 2026",
  effect: "Creates a draft invoice in Odoo. Nothing is posted and nothing is sent.",
  party: { role: "Customer", name: "Harbour Bakery Ltd" },
  lines: [{ description: "Oven service", quantity: "1", unit_price: "1,495.00", subtotal: "1,495.00 USD" }],
  amounts: [{ label: "Total", amount: "1,719.25 USD", strong: true }],
  rows: [{ label: "Due date", value: "5 Jan 2027" }],
};

const noKeychain: Keychain = {
  get: async () => {
    throw new Error("no OS keychain available: test");
  },
  set: async () => {
    throw new Error("no OS keychain available: test");
  },
  delete: async () => false,
};

async function decided(store: ApprovalStore) {
  const made = await store.create({
    tool: "create_invoice",
    args: { customer_name: "Harbour Bakery Ltd" },
    meta: { target: "invoice for Harbour Bakery Ltd", amount: "1719.25", currency: "USD" },
    ttlMs: 3_600_000,
  });
  await store.decide(made.id, { decision: "approved", channel: "tray", actor: "ada", document: DOCUMENT });
  return made.id;
}
const shown = async (store: ApprovalStore, id: string) => {
  const record = (await store.get(id))!;
  return shownAsDecided(record, {
    integrity: store.integrity(record),
    sealed: store.sealed,
    decisionVerifies: store.holdsDecisionKey(record),
  });
};
/** The request's file as an agent reads it. */
type Raw = { shownDocument: RequestDocument; decision: { documentSha256?: string } };
/** What an agent with file tools does: rewrites the request's file. */
async function edit(id: string, change: (raw: Raw) => void) {
  const file = path.join(dataDir, "approvals", `${id}.json`);
  const raw = JSON.parse(await readFile(file, "utf8"));
  change(raw);
  await writeFile(file, JSON.stringify(raw));
}
const cheaper = (raw: Raw) => {
  raw.shownDocument.amounts[0]!.amount = "17.19 USD";
};

describe("the document kept with a decision", () => {
  it("keychain mode: kept with its digest in the signed decision; an edited copy is named as such", async () => {
    const store = await openApprovalStore({ dataDir, keychain: createMemoryKeychain() });
    const id = await decided(store);
    const record = (await store.get(id))!;
    expect(record.decision?.documentSha256).toBe(documentDigest(DOCUMENT));
    expect(await shown(store, id)).toEqual({ document: DOCUMENT });

    await edit(id, cheaper);
    expect((await shown(store, id))?.problem).toBe(
      "This copy was changed after the decision: it is not what the person read.",
    );
    // The digest rewritten to match: the seal still tells.
    await edit(id, (raw) => {
      raw.decision.documentSha256 = documentDigest(raw.shownDocument);
    });
    expect((await shown(store, id))?.problem).toMatch(/changed outside odoo-mcp/);
  });

  it("without a keychain: the decision's signature covers the digest, so rewriting both is caught", async () => {
    const store = await openApprovalStore({ dataDir, keychain: noKeychain });
    const id = await decided(store);
    expect(await shown(store, id)).toEqual({ document: DOCUMENT });
    await edit(id, (raw) => {
      cheaper(raw);
      raw.decision.documentSha256 = documentDigest(raw.shownDocument);
    });
    expect((await shown(store, id))?.problem).toMatch(/cannot be checked here/);
  });

  it("a decision without a document keeps none (and its signature is the one it always was)", async () => {
    const store = await openApprovalStore({ dataDir, keychain: createMemoryKeychain() });
    const made = await store.create({
      tool: "create_invoice",
      args: {},
      meta: { target: "x" },
      ttlMs: 3_600_000,
    });
    const record = await store.decide(made.id, { decision: "rejected", channel: "cli", actor: "ada" });
    expect(record.decision?.documentSha256).toBeUndefined();
    expect(shownAsDecided(record, { integrity: [], sealed: true, decisionVerifies: true })).toBeNull();
    expect(store.holdsDecisionKey(record)).toBe(true);
  });
});
