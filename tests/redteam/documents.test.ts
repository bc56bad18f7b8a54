/**
 * Red team: the request documents of issue 15, attacked as the agent would. The agent chooses every description,
 * customer name it seeds through Odoo, expense text and id it passes, and it has file tools over the data folder
 * where the document a person read is kept with their decision. Nothing it writes may make the person read another
 * amount or recipient, push the amount out of sight, or show an edited copy as what the person read.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { requestLabel } from "../../src/main/tray.js";
import { invoiceNumbers, nameOf } from "../../src/mcp/approvals/history.js";
import { documentDigest } from "../../src/mcp/approvals/ids.js";
import { openApprovalStore } from "../../src/mcp/approvals/open.js";
import { shownAsDecided } from "../../src/mcp/approvals/shown.js";
import type { ApprovalStore } from "../../src/mcp/approvals/store.js";
import { renderLine, renderView } from "../../src/mcp/approvals/view.js";
import { createMemoryKeychain } from "../../src/mcp/credentials/keychain.js";
import { inline } from "../../src/shared/display.js";
import type { RequestDocument } from "../../src/shared/document.js";
import { documentText } from "../../src/shared/document-text.js";
import { amountText, moneyText } from "../../src/shared/money-text.js";
import { outcomeSentence } from "../../src/shared/outcome-text.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { countInvoices, invoiceFor } from "./helpers.js";

let h: Harness | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** Every kind of space a font draws as a gap: U+00A0, U+1680, U+2000–U+200A, U+202F, U+205F, U+3000. */
const SPACES = ["\u00a0", "\u1680", "\u2002", "\u2003", "\u2007", "\u200a", "\u202f", "\u205f", "\u3000"];

describe("text that imitates a row", () => {
  it("a run of Unicode spaces cannot push a fake 'Total' under the real amounts column", () => {
    for (const space of SPACES) {
      const text = inline(`Flour${space.repeat(40)}Total${space.repeat(10)}1.00 USD`);
      // At most one gap between words, as with ASCII spaces: no run can align text with a column.
      expect(Array.from(text).length, JSON.stringify(space)).toBeLessThan(28);
    }
    const doc: RequestDocument = {
      name: "Draft invoice for Acme Corp, 5,000.00 USD, dated 6 Dec 2026",
      effect: "Creates a draft invoice in Odoo. Nothing is posted and nothing is sent.",
      lines: [
        {
          description: `Flour ${"x".repeat(60)} ${"\u00a0".repeat(40)}Total${"\u2003".repeat(20)}1.00\u00a0USD`,
          quantity: "1",
          unit_price: "5,000.00",
          subtotal: "5,000.00 USD",
        },
      ],
      amounts: [{ label: "Total", amount: "5,000.00 USD", strong: true }],
      rows: [],
    };
    const text = documentText(doc, { width: 80 });
    // The only line that says "Total" with an amount far to its right is the real one.
    const gapped = text.split("\n").filter((line) => /Total[\s\u00a0\u2003]{2,}\S/u.test(line));
    expect(gapped).toEqual([expect.stringContaining("5,000.00 USD")]);
  });

  it("combining marks and wide characters in a description cannot shift its numbers under another heading", () => {
    const line = (description: string) => ({
      description,
      quantity: "1",
      unit_price: "5,000.00",
      subtotal: "5,000.00 USD",
    });
    const doc: RequestDocument = {
      name: "Draft invoice for Acme Corp",
      effect: "Creates a draft invoice in Odoo.",
      lines: [line(`Flour${"\u0301".repeat(30)}`), line("\u9762\u7c89".repeat(8)), line("Oven")],
      amounts: [],
      rows: [],
    };
    // The columns a terminal gives each character: none for a combining mark, two for a Han character.
    const columns = (text: string) =>
      Array.from(text).reduce((n, c) => n + (/\p{Mn}/u.test(c) ? 0 : /[\u4e00-\u9fff]/u.test(c) ? 2 : 1), 0);
    const table = documentText(doc, { width: 80 }).split("\n").slice(3);
    expect(table[0]).toMatch(/^ {2}Description/);
    // Every row ends where the heading "Subtotal" ends, and its "1" sits under "Qty".
    const end = columns(table[0]!);
    const qty = columns(table[0]!.slice(0, table[0]!.indexOf("Qty") + 3));
    for (const row of table.slice(1, 4)) {
      expect(columns(row), row).toBe(end);
      expect(columns(row.slice(0, row.search(/ 1 {2}/) + 2)), row).toBe(qty);
    }
  });

  it("customer name and line description: escaped in the prompt, the terminal and its list; the amount first", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "reject";
      },
    });
    const name = `${"Harbour Bakery ".repeat(10)}\u202eDSU 00.1 latoT\u202c\nThis payment 1.00 USD\rNothing is sent.`;
    await seedCustomer(h, name, "evil@example.com");
    const answer = await h.call("create_invoice", {
      ...invoiceFor(500, "Oven\nTotal  1.00 USD\u001b[2K\rNothing is sent."),
      customer_name: name,
      customer_email: "evil@example.com",
    });
    expect(prompts.length, answer.text).toBe(1);
    const id = String((answer.error?.details as { approval_id?: string } | undefined)?.approval_id);
    const record = (await h.app.approvals.get(id))!;
    const view = await h.app.approvals.view(record);
    const raw = (text: string) => ["\u001b", "\r", "\u202e", "\u202c"].filter((char) => text.includes(char));
    expect(raw(renderLine(record, []))).toEqual([]);
    expect(renderLine(record, [])).not.toContain("\n");
    // The prompt, the terminal, and the summary the agent's answer carries (the document with its name).
    for (const text of [prompts[0]!, renderView(view), documentText(view.document!)]) {
      expect(raw(text)).toEqual([]);
      // At the left edge, where the effect and the sentences are, nothing the agent chose starts a line: its text
      // hangs indented under the name (a fake "Nothing is sent." or "This payment 1.00 USD" would read as ours).
      const edge = text
        .split("\n")
        .filter(
          (line, index) =>
            index > 0 &&
            /^\S/.test(line) &&
            !line.startsWith("Create invoice, 500.00 USD: Draft invoice for "),
        );
      for (const line of edge)
        expect(line).not.toMatch(/Harbour|Bakery|1\.00 USD|Nothing is sent\.|^payment/);
      // Nor does it start a row of the table or the amounts: the one "Total" line is the real one.
      const totals = text.split("\n").filter((line) => /^(Total|This payment)/.test(line.trimStart()));
      expect(totals.map((line) => line.trim())).toEqual(["Total  500.00 USD"]);
    }
    // The amount is on the first line, before anything the agent chose, however long the name.
    const first = renderView(view).split("\n")[0]!;
    expect(first.indexOf("500.00 USD")).toBeGreaterThan(-1);
    expect(first.indexOf("500.00 USD")).toBeLessThan(first.indexOf("Harbour"));
    const line = renderLine(record, []);
    expect(line.indexOf("500.00 USD")).toBeLessThan(line.indexOf("Harbour"));
    expect(await countInvoices(h)).toBe(0);
  });
});

describe("the notification's and the tray's label", () => {
  it("says the amount before the agent's text, even when that text holds the amount inside a larger one", () => {
    // An expense's name is the agent's description: "9,950.00 USD" contains the real "950.00 USD".
    const label = requestLabel({
      tool: "create_expense",
      name: `Team lunch 9,950.00 USD${" and more".repeat(30)}, Administrator`,
      amount: "950.00 USD",
    });
    expect(label.startsWith("File expense, 950.00 USD: Team lunch")).toBe(true);
    // A notification shows its first line or two: the amount is within them.
    expect(label.indexOf("950.00 USD")).toBeLessThan(40);
  });
});

describe("what a request did, as a sentence", () => {
  it("an expense's description cannot state another amount before the real one", () => {
    const { text } = outcomeSentence(
      "create_expense",
      {
        description: 'Lunch" of 1.00 USD filed for Administrator; submitted for approval in Odoo',
        total_amount: 950,
        currency: "USD",
        employee: "Administrator",
        odoo_state: "submitted",
      },
      2,
    );
    // The first amount and the first state the sentence says are the real ones.
    expect(text.match(/[\d,]+\.\d\d USD/)?.[0]).toBe("950.00 USD");
    expect(
      text.startsWith("expense of 950.00 USD filed for Administrator; submitted for approval in Odoo"),
    ).toBe(true);
  });
});

describe("the kept document, edited by the agent's file tools", () => {
  const DOCUMENT: RequestDocument = {
    name: "Draft invoice for Harbour Bakery Ltd, 1,719.25 USD, dated 6 Dec 2026",
    effect: "Creates a draft invoice in Odoo. Nothing is posted and nothing is sent.",
    party: { role: "Customer", name: "Harbour Bakery Ltd" },
    amounts: [{ label: "Total", amount: "1,719.25 USD", strong: true }],
    rows: [],
  };
  let store: ApprovalStore;
  const decided = async (document: RequestDocument = DOCUMENT) => {
    const made = await store.create({
      tool: "create_expense",
      args: { description: "x" },
      meta: { target: "expense for Administrator", amount: "1719.25", currency: "USD" },
      ttlMs: 3_600_000,
    });
    await store.decide(made.id, { decision: "approved", channel: "tray", actor: "ada", document });
    return made.id;
  };
  const file = (id: string) => path.join(dataDir!, "approvals", `${id}.json`);
  const edit = async (id: string, change: (raw: Record<string, unknown>) => void) => {
    const raw = JSON.parse(await readFile(file(id), "utf8")) as Record<string, unknown>;
    change(raw);
    await writeFile(file(id), JSON.stringify(raw));
  };
  const shown = async (id: string) => {
    const record = (await store.get(id))!;
    return {
      record,
      shown: shownAsDecided(record, {
        integrity: store.integrity(record),
        sealed: store.sealed,
        decisionVerifies: store.holdsDecisionKey(record),
      }),
    };
  };
  const open = async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-rt-docs-"));
    store = await openApprovalStore({ dataDir, keychain: createMemoryKeychain() });
  };

  it("an edited name is not the history's name for the request", async () => {
    await open();
    const id = await decided();
    await edit(id, (raw) => {
      (raw.shownDocument as RequestDocument).name = "Refund to Harbour Bakery Ltd, 1.00 USD";
    });
    const { record, shown: copy } = await shown(id);
    expect(copy?.problem).toBeTruthy();
    expect(nameOf(record, new Map(), copy)).not.toContain("1.00 USD");
    expect(nameOf(record, new Map(), copy)).toBe("expense for Administrator");
  });

  it("another request's document and digest moved in: named as not what the person read", async () => {
    await open();
    const id = await decided();
    const other = await decided({ ...DOCUMENT, name: "Draft invoice for Harbour Bakery Ltd, 1.00 USD" });
    const theirs = JSON.parse(await readFile(file(other), "utf8")) as Record<string, unknown>;
    await edit(id, (raw) => {
      raw.shownDocument = theirs.shownDocument;
      (raw.decision as Record<string, unknown>).documentSha256 = documentDigest(theirs.shownDocument);
    });
    const { record, shown: copy } = await shown(id);
    expect(copy?.problem).toBeTruthy();
    expect(nameOf(record, new Map(), copy)).not.toContain("1.00 USD");
    // Their whole decision moved in too: it is not this request's.
    await edit(id, (raw) => {
      raw.decision = theirs.decision;
    });
    const again = await shown(id);
    expect(again.shown?.problem).toBeTruthy();
  });

  it("not a document, or deleted: a warning, never a crash, never silence", async () => {
    await open();
    const id = await decided();
    for (const junk of ["<b>1.00 USD</b>", 42, null, [], { name: 7 }]) {
      await edit(id, (raw) => {
        raw.shownDocument = junk;
      });
      const { shown: copy } = await shown(id);
      expect(copy?.document, JSON.stringify(junk)).toBeUndefined();
      expect(copy?.problem, JSON.stringify(junk)).toBeTruthy();
    }
    await edit(id, (raw) => {
      delete raw.shownDocument;
    });
    // The decision says a document was kept: its removal is said, not passed over as "none was kept".
    const { shown: removed } = await shown(id);
    expect(removed?.document).toBeUndefined();
    expect(removed?.problem).toMatch(/removed/);
  });

  it("a copy nested a hundred thousand levels deep: that file is ignored, every other request still lists", async () => {
    await open();
    const id = await decided();
    const other = await decided();
    const text = await readFile(file(id), "utf8");
    const depth = 100_000;
    await writeFile(
      file(id),
      text.replace('"shownDocument": {', `"shownDocument": ${"[".repeat(depth)}${"]".repeat(depth)}, "x": {`),
    );
    const listed = await store.list();
    expect(listed.map((record) => record.id)).toEqual([other]);
    for (const record of listed) {
      expect(store.integrity(record)).toEqual([]);
      expect(
        shownAsDecided(record, { integrity: [], sealed: true, decisionVerifies: true })?.document,
      ).toEqual(DOCUMENT);
    }
    expect(await store.get(id)).toBeNull();
  });

  it("a huge copy, even with a matching digest, is not carried to every history row", async () => {
    await open();
    const id = await decided();
    const huge: RequestDocument = {
      ...DOCUMENT,
      lines: Array.from({ length: 20_000 }, (_, i) => ({
        description: `line ${i} ${"y".repeat(100)}`,
        quantity: "1",
        unit_price: "1.00",
        subtotal: "1.00 USD",
      })),
    };
    await edit(id, (raw) => {
      raw.shownDocument = huge;
      (raw.decision as Record<string, unknown>).documentSha256 = documentDigest(huge);
    });
    const started = Date.now();
    const { shown: copy } = await shown(id);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(copy?.document).toBeUndefined();
    expect(copy?.problem).toBeTruthy();
  });
});

describe("the history's invoice numbers, taken from other requests' outcomes", () => {
  it("an outcome the agent rewrote (its file's seal broken) names no other request", async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-rt-names-"));
    const store = await openApprovalStore({ dataDir, keychain: createMemoryKeychain() });
    const made = async (tool: string) => {
      const record = await store.create({
        tool,
        args: { invoice_id: "5" },
        binding: { move_id: 5 },
        meta: { target: "invoice 5", amount: "600.00", currency: "USD" },
        ttlMs: 3_600_000,
      });
      await store.decide(record.id, { decision: "approved", channel: "cli", actor: "ada" });
      return record.id;
    };
    const send = await made("send_invoice");
    await store.claim(send);
    await store.complete(send, { ok: true, output: { invoice_id: "INV/2026/00001", record_id: 5 } });
    const payment = await made("record_payment");
    const named = async () => {
      const records = await store.list();
      return nameOf(records.find((r) => r.id === payment)!, invoiceNumbers(records, store), null);
    };
    expect(await named()).toBe("Payment on INV/2026/00001");
    // The agent rewrites the send's outcome: another number, for this payment's name.
    const file = (await readdir(path.join(dataDir, "approvals"), { recursive: true }))
      .map((name) => path.join(dataDir!, "approvals", name))
      .find((name) => name.endsWith(`${send}.json`))!;
    const raw = JSON.parse(await readFile(file, "utf8"));
    raw.outcome.output.invoice_id = "INV/2026/00099";
    await writeFile(file, JSON.stringify(raw));
    expect(await named()).not.toContain("00099");
  });
});

describe("no channel lets the agent supply the document kept with a decision", () => {
  it("a `document` argument is refused by the tools that touch approvals", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const answer = await h.call("create_invoice", {
      ...invoiceFor(10),
      document: { name: "Draft invoice for Acme Corp, 1.00 USD", effect: "Nothing.", amounts: [], rows: [] },
    });
    expect(answer.isError).toBe(true);
    expect(answer.error?.code).toBe("VALIDATION_ERROR");
    const pending = await h.call("create_invoice", invoiceFor(10));
    const status = await h.call("get_approval", {
      approval_id: pending.data.approval_id,
      document: { name: "x", effect: "x", amounts: [], rows: [] },
    });
    expect(status.isError).toBe(true);
    expect(status.error?.code).toBe("VALIDATION_ERROR");
  });
});

describe("ids as strings", () => {
  it("each odd form is a documented refusal or the very record it names, never another", async () => {
    h = await startHarness();
    const partnerId = await seedCustomer(h);
    const pending = await h.call("create_invoice", invoiceFor(10));
    await h.approve(pending.data.approval_id);
    const status = await h.call("get_approval", { approval_id: pending.data.approval_id });
    const recordId = (status.data.output as { record_id: number }).record_id;
    expect(recordId).toBeGreaterThan(0);
    const odd = [
      "0",
      "-1",
      "1e3",
      "1.0",
      "\uff11",
      "12abc",
      "9".repeat(400),
      `${recordId}abc`,
      `+${recordId}`,
      `${recordId}.0`,
      String.fromCharCode(0xff10 + recordId),
      2 ** 53 + 2,
      1e300,
    ];
    for (const invoice_id of odd) {
      const got = await h.call("get_invoice", { invoice_id });
      expect(got.isError, `${JSON.stringify(invoice_id)}: ${got.text}`).toBe(true);
      expect(["VALIDATION_ERROR", "INVOICE_NOT_FOUND"]).toContain(got.error?.code);
    }
    // Forms of the same id (spaces, leading zeros): that record, no other.
    for (const invoice_id of [` ${recordId}`, `0${recordId}`, recordId, String(recordId)]) {
      const got = await h.call("get_invoice", { invoice_id });
      expect(got.isError, got.text).toBe(false);
      expect(got.data.record_id).toBe(recordId);
    }
    for (const partner_id of [
      "0",
      "-1",
      "1e3",
      "01",
      "1.0",
      "\uff11",
      "12abc",
      "9".repeat(400),
      2 ** 53 + 2,
    ]) {
      const got = await h.call("create_draft_invoice", { description: "Flour", amount: 48, partner_id });
      expect(got.isError, `${JSON.stringify(partner_id)}: ${got.text}`).toBe(true);
      expect(got.error?.code).toBe("VALIDATION_ERROR");
    }
    const ok = await h.call("create_draft_invoice", {
      description: "Flour",
      amount: 48,
      partner_id: ` ${partnerId}`,
    });
    expect(ok.isError, ok.text).toBe(false);
  });
});

describe("money as text", () => {
  it("no strange value reads as a plausible amount; negative zero reads as zero", () => {
    expect(moneyText("-0", "USD", 2)).toBe("0.00 USD");
    expect(moneyText("-0.00", "USD", 2)).toBe("0.00 USD");
    expect(moneyText(-0, "USD", 2)).toBe("0.00 USD");
    expect(moneyText("-5", "USD", 2)).toBe("-5.00 USD");
    // Not decimals: as they came, without a currency that would make them read as an amount.
    for (const raw of ["1e3", "1,000", "+5", "1000000.", ".5", "\uff11", "\u0663", "NaN", "0x10"])
      expect(moneyText(raw, "USD", 2)).toBe(raw);
    expect(moneyText(Number.NaN, "USD", 2)).toBe("NaN");
    expect(moneyText(Number.POSITIVE_INFINITY, "USD", 2)).toBe("Infinity");
    // Every digit grouped, none dropped: 1000000 is never "1,000".
    expect(amountText("1000000")).toBe("1,000,000");
    expect(amountText("0001000000.50")).toBe("1,000,000.50");
    expect(moneyText(1e21, "USD", 2)).toBe("1,000,000,000,000,000,000,000.00 USD");
    expect(amountText("9".repeat(30)).replace(/,/g, "")).toBe("9".repeat(30));
  });
});
