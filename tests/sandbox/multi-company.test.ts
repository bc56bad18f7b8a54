import { afterEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { kw } from "./helpers.js";

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

type Row = Record<string, unknown> & { id: number };
/** Element `i` of a many2one pair (or of a list) read from the sandbox. */
const at = (v: unknown, i: number): unknown => (Array.isArray(v) ? v[i] : undefined);
const ctx = (...ids: number[]) => ({ context: { allowed_company_ids: ids } });

/** The raw JSON-RPC error of a call (name, message, context), or undefined when it succeeds. */
async function rpcError(
  s: Sandbox,
  model: string,
  method: string,
  args: unknown[],
  kwargs: Record<string, unknown> = {},
): Promise<{ name: string; message: string; context: Record<string, unknown> } | undefined> {
  const res = await fetch(`${s.url}/jsonrpc`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      method: "call",
      id: 1,
      params: {
        service: "object",
        method: "execute_kw",
        args: [s.database, 2, s.apiKey, model, method, args, kwargs],
      },
    }),
  });
  const body = (await res.json()) as {
    error?: { data: { name: string; message: string; context: Record<string, unknown> } };
  };
  return body.error?.data;
}

/** A second company with the generic chart, linked to the admin, and a customer shared by both. */
async function twoCompanies(version: 17 | 18 | 19) {
  const s = await startSandbox({ version, now: () => new Date("2026-12-01T12:00:00Z") });
  sb = s;
  const [second] = (await kw(s, "res.company", "create", [
    [{ name: "Second Co", currency_id: 1 }],
  ])) as number[];
  const loaded = await kw(s, "account.chart.template", "try_loading", [[], "generic_coa", second], ctx(2));
  const customer = s.seed.partner({ name: "Shared Customer", email: "shared@example.com", is_company: true });
  return { s, second: second as number, loaded, customer };
}

async function invoice(s: Sandbox, customer: number, price: number, kwargs: Record<string, unknown> = {}) {
  const [id] = (await kw(
    s,
    "account.move",
    "create",
    [
      [
        {
          move_type: "out_invoice",
          partner_id: customer,
          invoice_date: "2026-11-02",
          invoice_date_due: "2026-12-02",
          invoice_line_ids: [[0, 0, { name: "Work", quantity: 1, price_unit: price, tax_ids: [[6, 0, []]] }]],
        },
      ],
    ],
    kwargs,
  )) as number[];
  return id as number;
}

describe.each([17, 18, 19] as const)("several companies on Odoo %i", (version) => {
  it("links a new company to its creator, and loads a chart of its own for it", async () => {
    const { s, second, loaded } = await twoCompanies(version);
    expect(second).toBe(2);
    expect(loaded).toBeUndefined(); // None: no `result` key
    const [admin] = (await kw(s, "res.users", "read", [[2]], {
      fields: ["company_id", "company_ids"],
    })) as Row[];
    expect(admin?.company_id).toEqual([1, "My Company"]);
    expect(admin?.company_ids).toEqual([2, 1]);
    const [company] = (await kw(s, "res.company", "read", [[2]], {
      fields: ["country_id", "currency_id", "partner_id"],
    })) as Row[];
    expect(company?.country_id).toEqual([233, "United States"]);
    expect(at(company?.partner_id, 1)).toBe("Second Co");

    const journals = (await kw(s, "account.journal", "search_read", [[]], {
      fields: ["code", "company_id"],
      order: "id",
    })) as Row[];
    const codesOf = (c: number) =>
      journals.filter((j) => (j.company_id as unknown[])[0] === c).map((j) => j.code);
    expect(codesOf(2)).toEqual(codesOf(1));
    expect(codesOf(2)).toContain("INV");
    const accounts = (await kw(s, "account.account", "search_read", [[["code", "=", "400000"]]], {
      fields: ["code"],
      order: "id",
    })) as Row[];
    expect(accounts).toHaveLength(2);
    expect(accounts[0]?.id).not.toBe(accounts[1]?.id);
  });

  it("puts records in the first allowed company, and reads span the allowed companies", async () => {
    const { s, customer } = await twoCompanies(version);
    const inSecond = await invoice(s, customer, 200, ctx(2));
    const inFirst = await invoice(s, customer, 100);
    const moves = (await kw(s, "account.move", "read", [[inSecond, inFirst]], {
      fields: ["company_id", "journal_id"],
    })) as Row[];
    expect(moves.map((m) => (m.company_id as unknown[])[0])).toEqual([2, 1]);
    const journals = (await kw(s, "account.journal", "search_read", [[["type", "=", "sale"]]], {
      fields: ["company_id"],
      ...ctx(2),
    })) as Row[];
    expect(journals.map((j) => j.id)).toEqual([at(moves[0]?.journal_id, 0)]);
    const taxes = (await kw(s, "account.tax", "search_read", [[["type_tax_use", "=", "sale"]]], {
      fields: ["company_id"],
    })) as Row[];
    expect(new Set(taxes.map((t) => (t.company_id as unknown[])[0]))).toEqual(new Set([1, 2]));

    // Each company journal numbers its own invoices.
    await kw(s, "account.move", "action_post", [[inSecond]], ctx(2));
    await kw(s, "account.move", "action_post", [[inFirst]]);
    const posted = (await kw(s, "account.move", "read", [[inSecond, inFirst]], {
      fields: ["name"],
      ...ctx(1, 2),
    })) as Row[];
    expect(posted.map((m) => m.name)).toEqual(["INV/2026/00001", "INV/2026/00001"]);
  });

  it("refuses companies the user is not in, and records of companies that are not allowed", async () => {
    const { s, customer } = await twoCompanies(version);
    const [third] = (await kw(s, "res.company", "create", [[{ name: "Third Co" }]])) as number[];
    await kw(s, "res.users", "write", [[2], { company_ids: [[3, third]] }]);
    for (const [model, method, args] of [
      ["account.journal", "search_read", [[]]],
      ["res.partner", "read", [[customer]]],
    ] as const) {
      const e = await rpcError(s, model, method, [...args], ctx(2, third as number));
      expect(e?.name).toBe("odoo.exceptions.AccessError");
      expect(e?.message).toBe("Access to unauthorized or invalid companies.");
    }

    const mine = await invoice(s, customer, 100);
    const refused = await rpcError(s, "account.move", "read", [[mine]], { fields: ["name"], ...ctx(2) });
    expect(refused?.name).toBe("odoo.exceptions.AccessError");
    expect(refused?.message).toMatch(/doesn't have 'read' access to:\n- Journal Entry \(account\.move\)/);
    if (version === 17) {
      expect(refused?.message).not.toMatch(/multi-company/);
      expect(refused?.context).toEqual({});
    } else {
      expect(refused?.message).toMatch(/switching to the company: My Company\.$/);
      expect(refused?.context).toEqual({ suggested_company: { id: 1, display_name: "My Company" } });
    }
    const post = await rpcError(s, "account.move", "action_post", [[mine]], ctx(2));
    expect(post?.name).toBe("odoo.exceptions.AccessError");
    expect(
      await kw(s, "account.move", "search_read", [[["id", "=", mine]]], { fields: ["name"], ...ctx(2) }),
    ).toEqual([]);
    // The record's own company, and no context at all, read it.
    expect(await kw(s, "account.move", "read", [[mine]], { fields: ["name"], ...ctx(1) })).toHaveLength(1);
    expect(await kw(s, "account.move", "read", [[mine]], { fields: ["name"] })).toHaveLength(1);
  });

  it("checks that an entry's journal is of its company (_check_company)", async () => {
    const { s, customer } = await twoCompanies(version);
    const secondSale = (
      (await kw(s, "account.journal", "search", [[["type", "=", "sale"]]], ctx(2))) as number[]
    )[0] as number;
    const before = (await kw(s, "account.move", "search", [[]])) as number[];
    const e = await rpcError(s, "account.move", "create", [
      [{ move_type: "out_invoice", partner_id: customer, company_id: 1, journal_id: secondSale }],
    ]);
    expect(e?.name).toBe("odoo.exceptions.UserError");
    expect(e?.message).toMatch(
      version === 19
        ? /^Uh-oh! You’ve got some company inconsistencies here:\n- “Draft Invoice” belongs to company “My Company” while “Journal” \(journal_id: '.+'\) belongs to another company\.\nTo avoid a mess/
        : version === 18
          ? /^Incompatible companies on records:\n- “Draft Invoice” belongs to company “My Company” and “Journal”/
          : /^Incompatible companies on records:\n- 'Draft Invoice \(\* \d+\)' belongs to company 'My Company' and 'Journal'/,
    );
    expect(await kw(s, "account.move", "search", [[]])).toEqual(before);

    const draft = await invoice(s, customer, 50);
    const refused = await rpcError(s, "account.move", "write", [[draft], { journal_id: secondSale }], ctx(1));
    expect(refused?.message).toContain(
      version === 19 ? "company “”" : version === 18 ? "company “False”" : "company False",
    );
    await kw(s, "account.move", "write", [[draft], { journal_id: secondSale }]);
    const [moved] = (await kw(s, "account.move", "read", [[draft]], { fields: ["company_id"] })) as Row[];
    expect(moved?.company_id).toEqual([2, "Second Co"]);
  });

  it("pays from the invoice's company bank journal and groups per company account", async () => {
    const { s, customer } = await twoCompanies(version);
    const inSecond = await invoice(s, customer, 200, ctx(2));
    const inFirst = await invoice(s, customer, 100);
    await kw(s, "account.move", "action_post", [[inSecond]], ctx(2));
    await kw(s, "account.move", "action_post", [[inFirst]]);
    const context = { active_model: "account.move", active_ids: [inSecond], allowed_company_ids: [2] };
    const [wizard] = (await kw(s, "account.payment.register", "create", [[{ payment_date: "2026-11-10" }]], {
      context,
    })) as number[];
    const action = (await kw(s, "account.payment.register", "action_create_payments", [[wizard]], {
      context,
    })) as { res_id: number };
    const [payment] = (await kw(s, "account.payment", "read", [[action.res_id]], {
      fields: ["name", "company_id", "journal_id"],
      ...ctx(2),
    })) as Row[];
    expect(payment?.name).toBe("PBNK1/2026/00001");
    expect(payment?.company_id).toEqual([2, "Second Co"]);
    const bank = (await kw(s, "account.journal", "search", [[["type", "=", "bank"]]], ctx(2))) as number[];
    expect(at(payment?.journal_id, 0)).toBe(bank[0]);

    const domain = [
      ["parent_state", "=", "posted"],
      ["account_id.account_type", "=", "income"],
    ];
    const group = async (...ids: number[]) =>
      version === 19
        ? ((await kw(
            s,
            "account.move.line",
            "formatted_read_group",
            [domain, ["account_id"], ["balance:sum"]],
            {
              ...ctx(...ids),
            },
          )) as Row[])
        : ((await kw(s, "account.move.line", "read_group", [domain, ["balance:sum"], ["account_id"]], {
            lazy: false,
            ...ctx(...ids),
          })) as Row[]);
    const onlySecond = await group(2);
    expect(onlySecond.map((r) => (r.account_id as unknown[])[1])).toEqual(["400000 Product Sales"]);
    const both = await group(1, 2);
    const labels = both.map((r) => (r.account_id as unknown[])[1]).sort();
    // 18+ keep codes per company: the other company's account has no code in the current company.
    expect(labels).toEqual(
      version === 17
        ? ["400000 Product Sales", "400000 Product Sales"]
        : ["400000 Product Sales", "Product Sales"],
    );
  });

  it("creates an employee from a name and a company, and keeps its expenses in its company", async () => {
    const { s } = await twoCompanies(version);
    const [employee] = (await kw(
      s,
      "hr.employee",
      "create",
      [[{ name: "Second Co Employee", company_id: 2 }]],
      ctx(2),
    )) as number[];
    const [read] = (await kw(s, "hr.employee", "read", [[employee]], {
      fields: ["company_id", "user_id", "work_contact_id"],
      ...ctx(2),
    })) as Row[];
    expect(read?.user_id).toBe(false);
    expect(at(read?.work_contact_id, 1)).toBe("Second Co Employee");
    const vals = { name: "Taxi", product_id: 1, total_amount_currency: 30, employee_id: employee };
    const e = await rpcError(s, "hr.expense", "create", [[vals]]);
    expect(e?.name).toBe("odoo.exceptions.UserError");
    expect(e?.message).toContain(
      version === 17
        ? "'Taxi' belongs to company 'My Company' and 'Employee' (employee_id: 'Second Co Employee')"
        : version === 18
          ? "“Taxi” belongs to company “My Company” and “Employee” (employee_id: 'Second Co Employee')"
          : "“Taxi” belongs to company “My Company” while “Employee” (employee_id: 'Second Co Employee')",
    );
    const [expense] = (await kw(s, "hr.expense", "create", [[vals]], ctx(2))) as number[];
    const [x] = (await kw(s, "hr.expense", "read", [[expense]], {
      fields: ["company_id", "account_id"],
      ...ctx(2),
    })) as Row[];
    expect(x?.company_id).toEqual([2, "Second Co"]);
    const [account] = (await kw(s, "account.account", "read", [[at(x?.account_id, 0)]], {
      fields: ["code", version === 17 ? "company_id" : "company_ids"],
    })) as Row[];
    expect(account?.code).toBe("600000");
    expect(version === 17 ? at(account?.company_id, 0) : account?.company_ids).toEqual(
      version === 17 ? 2 : [2],
    );
  });
});

describe("a single company", () => {
  it("answers as before: its own id as allowed company, no context, and nothing hidden", async () => {
    const s = await startSandbox({ version: 19 });
    sb = s;
    const customer = s.seed.partner({ name: "Solo Customer" });
    const id = await invoice(s, customer, 10, ctx(1));
    const [move] = (await kw(s, "account.move", "read", [[id]], { fields: ["company_id"] })) as Row[];
    expect(move?.company_id).toEqual([1, "My Company"]);
    const e = await rpcError(s, "account.move", "read", [[id]], { fields: ["name"], ...ctx(2) });
    expect(e?.message).toBe("Access to unauthorized or invalid companies.");
    const res = await fetch(`${s.url}/json/2/account.move/read`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `bearer ${s.apiKey}` },
      body: JSON.stringify({ ids: [id], fields: ["name"], context: { allowed_company_ids: [2] } }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { name: string }).name).toBe("odoo.exceptions.AccessError");
  });
});
