import type { Odoo } from "../../src/mcp/odoo/types.js";

/**
 * Bank statement fixtures on the sandbox, made the way lab scenario 20 made them on a real Odoo 19
 * (tests/fixtures/lab-scenarios/20-reconcile.mjs): the admin given "Show Full Accounting Features" (a fresh 19
 * database's admin may not create statement lines), posted invoices and bills, statement lines created directly.
 */
export interface BankWorld {
  odoo: Odoo;
  customer: number;
  vendor: number;
  journal: number;
  invoice(price: number, type?: "out_invoice" | "in_invoice"): Promise<{ id: number; name: string }>;
  line(amount: number, label: string, partner?: number | null): Promise<number>;
  /** A payment registered through Odoo's wizard for the whole invoice: its id and number. */
  registerPayment(invoiceId: number): Promise<{ id: number; name: string }>;
  state(invoiceIds: number[]): Promise<Record<string, unknown>[]>;
  statementLine(id: number): Promise<Record<string, unknown>>;
}

let unique = 0;

/**
 * Gives the admin "Show Full Accounting Features", as a person does once in Odoo: a fresh Odoo 19 database's admin
 * may not create statement lines without it (odoo-recordings/19/19-bank-import). 17 and 18 were not recorded
 * refusing them: their sandbox has no rights check, and nothing is given there.
 */
export async function grantFullAccounting(odoo: Odoo, version: 17 | 18 | 19 = 19): Promise<void> {
  if (version !== 19) return;
  const [user] = await odoo.searchRead("res.users", [["login", "=", "admin"]], ["id"]);
  const [group] = await odoo.searchRead(
    "ir.model.data",
    [
      ["module", "=", "account"],
      ["name", "=", "group_account_user"],
    ],
    ["res_id"],
  );
  if (user && group) await odoo.write("res.users", [user.id as number], { group_ids: [[4, group.res_id]] });
}

export async function bankWorld(odoo: Odoo): Promise<BankWorld> {
  await grantFullAccounting(odoo);
  const tag = `${process.pid}-${++unique}`;
  const customer = await odoo.create("res.partner", { name: `Harbour Bakery ${tag}`, is_company: true });
  const vendor = await odoo.create("res.partner", {
    name: `Imprimerie Delvaux ${tag}`,
    is_company: true,
    supplier_rank: 1,
  });
  const [journal] = await odoo.searchRead("account.journal", [["type", "=", "bank"]], ["id"], {
    order: "id",
  });
  const journalId = journal?.id as number;
  return {
    odoo,
    customer,
    vendor,
    journal: journalId,
    async invoice(price, type = "out_invoice") {
      const id = await odoo.create("account.move", {
        move_type: type,
        partner_id: type === "out_invoice" ? customer : vendor,
        invoice_date: "2026-11-02",
        invoice_line_ids: [[0, 0, { name: "Bread", quantity: 1, price_unit: price, tax_ids: [[6, 0, []]] }]],
      });
      await odoo.call({ model: "account.move", method: "action_post", ids: [id] });
      const [move] = await odoo.read("account.move", [id], ["name"]);
      return { id, name: String(move?.name) };
    },
    async line(amount, label, partner = amount > 0 ? customer : vendor) {
      return odoo.create("account.bank.statement.line", {
        journal_id: journalId,
        date: "2026-11-12",
        payment_ref: label,
        amount,
        ...(partner ? { partner_id: partner } : {}),
      });
    },
    async registerPayment(invoiceId) {
      const context = { active_model: "account.move", active_ids: [invoiceId] };
      const wizard = await odoo.create("account.payment.register", { payment_date: "2026-11-10" }, context);
      const action = await odoo.call<{ res_id: number }>({
        model: "account.payment.register",
        method: "action_create_payments",
        ids: [wizard],
        context,
      });
      const [payment] = await odoo.read("account.payment", [action.res_id], ["name"]);
      return { id: action.res_id, name: String(payment?.name) };
    },
    state: (ids) => odoo.read("account.move", ids, ["name", "payment_state", "amount_residual"]),
    async statementLine(id) {
      const [row] = await odoo.read(
        "account.bank.statement.line",
        [id],
        ["is_reconciled", "amount_residual", "move_id"],
      );
      return row ?? {};
    },
  };
}
