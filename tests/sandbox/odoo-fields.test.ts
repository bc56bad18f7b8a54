import { afterEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { kw } from "./helpers.js";

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

type Row = Record<string, unknown>;

/** A clock the test moves by hand. */
function clock(start: string) {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    advance: (seconds: number) => {
      t += seconds * 1000;
    },
  };
}

describe("magic fields (create_uid, create_date, write_uid, write_date)", () => {
  it("are listed by fields_get on every model", async () => {
    sb = await startSandbox();
    for (const model of ["res.partner", "account.move", "account.move.line", "hr.expense", "res.users"]) {
      const fg = (await kw(sb, model, "fields_get", [], {
        attributes: ["string", "type", "relation"],
      })) as Record<string, Row>;
      expect(fg.create_uid).toEqual({ string: "Created by", type: "many2one", relation: "res.users" });
      expect(fg.write_uid).toEqual({ string: "Last Updated by", type: "many2one", relation: "res.users" });
      expect(fg.create_date).toEqual({ string: "Created on", type: "datetime" });
      expect(fg.write_date).toEqual({ string: "Last Updated on", type: "datetime" });
    }
  });

  it("are stamped from the sandbox clock in UTC with the authenticated user, and write moves write_*", async () => {
    const c = clock("2026-11-22T12:00:00.000Z");
    sb = await startSandbox({ now: c.now });
    const fields = ["create_uid", "create_date", "write_uid", "write_date"];
    const id = (await kw(sb, "res.partner", "create", [{ name: "Stamped SA" }])) as number;
    const [created] = (await kw(sb, "res.partner", "read", [[id]], { fields })) as Row[];
    expect(created).toEqual({
      id,
      create_uid: [2, "Administrator"],
      create_date: "2026-11-22 12:00:00",
      write_uid: [2, "Administrator"],
      write_date: "2026-11-22 12:00:00",
    });
    c.advance(90);
    await kw(sb, "res.partner", "write", [[id], { phone: "+1 555 0100" }]);
    const [written] = (await kw(sb, "res.partner", "read", [[id]], { fields })) as Row[];
    expect(written?.create_date).toBe("2026-11-22 12:00:00");
    expect(written?.write_date).toBe("2026-11-22 12:01:30");
  });

  it("can be searched and ordered by", async () => {
    const c = clock("2026-11-22T08:00:00.000Z");
    sb = await startSandbox({ now: c.now });
    const a = (await kw(sb, "res.partner", "create", [{ name: "Zeta first" }])) as number;
    c.advance(3600);
    const b = (await kw(sb, "res.partner", "create", [{ name: "Alpha second" }])) as number;
    const recent = await kw(sb, "res.partner", "search", [[["create_date", ">=", "2026-11-22 08:30:00"]]]);
    expect(recent).toEqual([b]);
    const mine = (await kw(sb, "res.partner", "search", [[["create_uid", "=", 2]]], {
      order: "create_date desc",
    })) as number[];
    expect(mine.slice(0, 2)).toEqual([b, a]);
    const rows = (await kw(sb, "res.partner", "search_read", [[["id", "in", [a, b]]]], {
      fields: ["name"],
      order: "write_date asc",
    })) as Row[];
    expect(rows.map((r) => r.id)).toEqual([a, b]);
  });

  it("show the superuser on the seeded records", async () => {
    sb = await startSandbox();
    const [company] = (await kw(sb, "res.company", "read", [[1]], {
      fields: ["create_uid", "write_uid"],
    })) as Row[];
    expect(company).toEqual({ id: 1, create_uid: [1, "OdooBot"], write_uid: [1, "OdooBot"] });
  });
});

describe("commercial entity", () => {
  it("is the top-level company for a contact, on the partner, the invoice and its journal items", async () => {
    sb = await startSandbox();
    const company = (await kw(sb, "res.partner", "create", [
      { name: "Parent Corp", is_company: true },
    ])) as number;
    const dept = (await kw(sb, "res.partner", "create", [
      { name: "Accounts", parent_id: company },
    ])) as number;
    const person = (await kw(sb, "res.partner", "create", [
      { name: "Jane Payable", parent_id: dept, email: "jane@parent.example" },
    ])) as number;
    const partners = (await kw(sb, "res.partner", "read", [[company, dept, person]], {
      fields: ["commercial_partner_id"],
    })) as Row[];
    expect(partners.map((p) => p.commercial_partner_id)).toEqual([
      [company, "Parent Corp"],
      [company, "Parent Corp"],
      [company, "Parent Corp"],
    ]);
    const move = (await kw(sb, "account.move", "create", [
      {
        move_type: "out_invoice",
        partner_id: person,
        invoice_date: "2026-11-02",
        invoice_line_ids: [[0, 0, { name: "Service", quantity: 1, price_unit: 100 }]],
      },
    ])) as number;
    const [inv] = (await kw(sb, "account.move", "read", [[move]], {
      fields: ["partner_id", "commercial_partner_id", "line_ids"],
    })) as Row[];
    expect(inv?.partner_id).toEqual([person, "Parent Corp, Jane Payable"]);
    expect(inv?.commercial_partner_id).toEqual([company, "Parent Corp"]);
    const items = (await kw(sb, "account.move.line", "read", [inv?.line_ids], {
      fields: ["partner_id"],
    })) as Row[];
    expect(new Set(items.map((l) => JSON.stringify(l.partner_id)))).toEqual(
      new Set([JSON.stringify([company, "Parent Corp"])]),
    );
    const found = await kw(sb, "account.move", "search", [[["commercial_partner_id", "=", company]]]);
    expect(found).toEqual([move]);
  });

  it("is the partner itself for a company or a contact without parent, even one with a parent that is a company", async () => {
    sb = await startSandbox();
    const parent = (await kw(sb, "res.partner", "create", [{ name: "Holding", is_company: true }])) as number;
    const sub = (await kw(sb, "res.partner", "create", [
      { name: "Subsidiary", is_company: true, parent_id: parent },
    ])) as number;
    const loner = (await kw(sb, "res.partner", "create", [{ name: "Solo Person" }])) as number;
    const rows = (await kw(sb, "res.partner", "read", [[sub, loner]], {
      fields: ["commercial_partner_id"],
    })) as Row[];
    expect(rows.map((r) => (r.commercial_partner_id as [number, string])[0])).toEqual([sub, loner]);
  });
});

describe("res.users.context_get", () => {
  it("answers the user's own lang and tz: false as seeded, then the tz written on the user", async () => {
    sb = await startSandbox();
    expect(await kw(sb, "res.users", "context_get", [])).toEqual({ lang: "en_US", tz: false, uid: 2 });
    await kw(sb, "res.users", "write", [[2], { tz: "Europe/Brussels" }]);
    expect(await kw(sb, "res.users", "context_get", [])).toEqual({
      lang: "en_US",
      tz: "Europe/Brussels",
      uid: 2,
    });
    const [user] = (await kw(sb, "res.users", "read", [[2]], { fields: ["tz"] })) as Row[];
    expect(user?.tz).toBe("Europe/Brussels");
  });
});

describe("account.move invoice_payment_term_id", () => {
  it("accepts false at create, and a payment term that exists", async () => {
    sb = await startSandbox();
    const customer = (await kw(sb, "res.partner", "create", [{ name: "Terms Customer" }])) as number;
    const line = [0, 0, { name: "Work", quantity: 1, price_unit: 50 }];
    const plain = (await kw(sb, "account.move", "create", [
      {
        move_type: "out_invoice",
        partner_id: customer,
        invoice_payment_term_id: false,
        invoice_line_ids: [line],
      },
    ])) as number;
    const [read] = (await kw(sb, "account.move", "read", [[plain]], {
      fields: ["invoice_payment_term_id"],
    })) as Row[];
    expect(read?.invoice_payment_term_id).toBe(false);
    const term = (await kw(sb, "account.payment.term", "create", [{ name: "Net 45" }])) as number;
    const withTerm = (await kw(sb, "account.move", "create", [
      {
        move_type: "out_invoice",
        partner_id: customer,
        invoice_payment_term_id: term,
        invoice_line_ids: [line],
      },
    ])) as number;
    const [again] = (await kw(sb, "account.move", "read", [[withTerm]], {
      fields: ["invoice_payment_term_id"],
    })) as Row[];
    expect(again?.invoice_payment_term_id).toEqual([term, "Net 45"]);
    await expect(
      kw(sb, "account.move", "create", [{ move_type: "out_invoice", invoice_payment_term_id: 999999 }]),
    ).rejects.toThrow(/MissingError/);
  });
});

describe("expense reports on 18", () => {
  it("get a draft vendor bill at approval, posted by action_sheet_move_post", async () => {
    sb = await startSandbox({ version: 18, now: () => new Date("2026-11-22T12:00:00Z") });
    const exp = (await kw(sb, "hr.expense", "create", [
      { name: "Taxi", product_id: 1, total_amount_currency: 30, employee_id: 1, date: "2026-11-05" },
    ])) as number;
    const action = (await kw(sb, "hr.expense", "action_submit_expenses", [[exp]])) as { res_id: number };
    const sheet = action.res_id;
    await kw(sb, "hr.expense.sheet", "action_submit_sheet", [[sheet]]);
    await kw(sb, "hr.expense.sheet", "action_approve_expense_sheets", [[sheet]]);
    const fields = ["state", "payment_state", "account_move_ids"];
    const [approved] = (await kw(sb, "hr.expense.sheet", "read", [[sheet]], { fields })) as Row[];
    expect(approved?.state).toBe("approve");
    const [moveId] = (approved?.account_move_ids ?? []) as number[];
    const [bill] = (await kw(sb, "account.move", "read", [[moveId]], {
      fields: ["state", "move_type", "partner_id", "ref", "amount_total", "invoice_date"],
    })) as Row[];
    expect(bill).toMatchObject({
      state: "draft",
      move_type: "in_invoice",
      partner_id: [3, "Administrator"],
      ref: "Taxi",
      amount_total: 30,
      invoice_date: "2026-11-22",
    });
    await kw(sb, "hr.expense.sheet", "action_sheet_move_post", [[sheet]]);
    const [posted] = (await kw(sb, "hr.expense.sheet", "read", [[sheet]], { fields })) as Row[];
    expect(posted).toMatchObject({ state: "post", payment_state: "not_paid" });
    const [e] = (await kw(sb, "hr.expense", "read", [[exp]], { fields: ["state"] })) as Row[];
    expect(e?.state).toBe("approved");
  });
});
