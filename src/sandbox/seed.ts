import {
  ACCOUNT_TYPES,
  defaultTaxRounding,
  defineAccounting,
  registerPaymentModels,
  taxMethods,
} from "./accounting.js";
import { defineBankAccounts } from "./bank-accounts.js";
import { defineBankStatements } from "./bank-statements.js";
import { doCreate, hooks } from "./base-methods.js";
import { companyRule, currentCompanyId, defineCompanies } from "./companies.js";
import { defineCurrencies } from "./currencies.js";
import { defineExpenses } from "./expense.js";
import { validationError } from "./fault.js";
import {
  bool,
  char,
  date,
  datetime,
  define,
  float,
  int,
  json,
  m2m,
  m2o,
  money,
  sel,
  text,
} from "./fields.js";
import { defineTaxBase } from "./journal-items.js";
import { defineMail, defineMessagePost } from "./mail.js";
import {
  commercialPartnerId,
  createGeneric,
  Database,
  datetimeString,
  type Env,
  type Model,
  type Rec,
  type Vals,
  type Version,
} from "./orm.js";
import { definePartners } from "./partners.js";
import { defineReversal } from "./reversal.js";
import { NONE } from "./rpc.js";
import { SEED_DATA } from "./seed-data.js";

type SeedVersion = (typeof SEED_DATA)["19"];

function data(v: Version): SeedVersion {
  return SEED_DATA[String(v) as "19"] as SeedVersion;
}

function insertAt(model: Model, id: number, vals: Vals): Rec {
  const rec: Rec = { ...vals, id };
  model.records.set(id, rec);
  if (model.nextId <= id) model.nextId = id + 1;
  return rec;
}

function partnerDisplay(rec: Rec, env: Env): string | false {
  const name = typeof rec.name === "string" ? rec.name : "";
  if (typeof rec.parent_id === "number" && !rec.is_company) {
    // Odoo prefixes the commercial company's name (the top-level company), else the parent's.
    const partners = env.db.model("res.partner");
    const commercial = partners.rec(commercialPartnerId(env, rec.id));
    const parent =
      commercial?.is_company && commercial.id !== rec.id ? commercial : partners.rec(rec.parent_id);
    const pname = parent && typeof parent.name === "string" ? parent.name : "";
    if (name) return `${pname}, ${name}`;
    const labels: Record<string, string> = {
      invoice: "Invoice Address",
      delivery: "Delivery Address",
      other: "Other Address",
    };
    return `${pname}, ${labels[String(rec.type)] ?? ""}`.trim();
  }
  return name || false;
}

/** The generic chart's general journals between the recorded ones (ids as in the recordings). */
const GENERAL_JOURNALS: Record<number, { name: string; code: string }> = {
  3: { name: "Miscellaneous Operations", code: "MISC" },
  4: { name: "Exchange Difference", code: "EXCH" },
  5: { name: "Cash Basis Taxes", code: "CABA" },
};

function defineBase(db: Database, d: SeedVersion): void {
  const v = db.version;
  const partner = define(
    db,
    "res.partner",
    {
      name: char("Name"),
      complete_name: char("Complete Name", { compute: (r, env) => partnerDisplay(r, env) }),
      email: char("Email"),
      phone: char("Phone"),
      is_company: bool("Is a Company"),
      customer_rank: int("Customer Rank"),
      supplier_rank: int("Supplier Rank"),
      company_id: m2o("res.company", "Company"),
      active: bool("Active"),
      parent_id: m2o("res.partner", "Related Company"),
      child_ids: { type: "one2many", relation: "res.partner", inverse: "parent_id", string: "Contact" },
      type: sel("Address Type", [
        ["contact", "Contact"],
        ["invoice", "Invoice Address"],
        ["delivery", "Delivery Address"],
        ["other", "Other Address"],
      ]),
      street: char("Street"),
      city: char("City"),
      zip: char("Zip"),
      country_id: m2o("res.country", "Country"),
      vat: char("Tax ID"),
      ref: char("Reference"),
      lang: char("Language"),
      commercial_partner_id: m2o("res.partner", "Commercial Entity", {
        compute: (r, env) => commercialPartnerId(env, r.id),
      }),
    },
    {
      order: "complete_name, id desc",
      displayName: (r, env) => partnerDisplay(r, env),
    },
  );
  hooks.set(partner, {
    create: (env, model, vals) => {
      if (!vals.name && (vals.type ?? "contact") === "contact") {
        throw validationError("The operation cannot be completed: Contacts require a name");
      }
      return createGeneric(env, model, vals, {
        active: true,
        customer_rank: 0,
        supplier_rank: 0,
        company_id: false,
        is_company: false,
        type: "contact",
        lang: "en_US",
      });
    },
  });
  insertAt(partner, 1, {
    name: "My Company",
    email: "accounting@example.com",
    is_company: true,
    active: true,
  });
  insertAt(partner, 2, { name: "OdooBot", email: "odoobot@example.com", active: false });
  insertAt(partner, 3, { name: "Administrator", email: d.user.email, active: true });
  for (let id = 4; id < d.firstPartner; id++)
    insertAt(partner, id, { name: `Internal ${id}`, active: false });

  const country = define(db, "res.country", { name: char("Country Name"), code: char("Country Code") });
  insertAt(country, 233, { name: "United States", code: "US" });
  const currency = define(db, "res.currency", {
    name: char("Currency"),
    symbol: char("Symbol"),
    decimal_places: int("Decimal Places"),
    rounding: float("Rounding Factor"),
    position: sel("Symbol Position", [
      ["after", "After Amount"],
      ["before", "Before Amount"],
    ]),
    active: bool("Active"),
    rate: float("Current Rate"),
  });
  insertAt(currency, 1, {
    name: "USD",
    symbol: "$",
    decimal_places: 2,
    rounding: 0.01,
    position: "before",
    active: true,
    rate: 1,
  });
  // A foreign currency, inactive and without a rate as in a fresh Odoo (a user activates it and gives it a rate,
  // res.currency.rate, to invoice in it: currencies.ts).
  insertAt(currency, 125, {
    name: "EUR",
    symbol: "€",
    decimal_places: 2,
    rounding: 0.01,
    position: "after",
    active: false,
    rate: 1,
  });
  const company = define(db, "res.company", {
    name: char("Company Name"),
    currency_id: m2o("res.currency", "Currency"),
    email: char("Email"),
    country_id: m2o("res.country", "Country"),
    partner_id: m2o("res.partner", "Partner"),
    account_fiscal_country_id: m2o("res.country", "Fiscal Country"),
    fiscalyear_last_month: sel(
      "Fiscalyear Last Month",
      Array.from({ length: 12 }, (_, i) => [
        String(i + 1),
        new Date(Date.UTC(2000, i, 1)).toLocaleString("en-US", { month: "long", timeZone: "UTC" }),
      ]),
    ),
    fiscalyear_last_day: int("Fiscalyear Last Day"),
    account_journal_payment_debit_account_id: m2o("account.account", "Journal Outstanding Receipts"),
    account_journal_payment_credit_account_id: m2o("account.account", "Journal Outstanding Payments"),
    tax_calculation_rounding_method: sel(
      "Tax Calculation Rounding Method",
      v === 19
        ? [
            ["round_globally", "Round per Tax"],
            ["round_per_line", "Round per Line"],
          ]
        : [
            ["round_per_line", "Round per Line"],
            ["round_globally", "Round Globally"],
          ],
    ),
  });
  insertAt(company, 1, {
    tax_calculation_rounding_method: defaultTaxRounding(v),
    name: "My Company",
    currency_id: 1,
    email: "accounting@example.com",
    country_id: 233,
    partner_id: 1,
    account_fiscal_country_id: 233,
  });
  const users = define(
    db,
    "res.users",
    {
      name: char("Name", {
        compute: (r, env) => env.db.model("res.partner").rec(r.partner_id as number)?.name ?? false,
      }),
      login: char("Login"),
      email: char("Email", {
        compute: (r, env) => env.db.model("res.partner").rec(r.partner_id as number)?.email ?? false,
      }),
      partner_id: m2o("res.partner", "Related Partner"),
      company_id: m2o("res.company", "Company"),
      company_ids: m2m("res.company", "Companies"),
      tz: char("Timezone"),
      lang: char("Language"),
      active: bool("Active"),
      employee_ids: {
        type: "one2many",
        relation: "hr.employee",
        inverse: "user_id",
        string: "Related employee",
      },
    },
    {
      displayName: (r, env) => {
        const p = env.db.model("res.partner").rec(r.partner_id as number);
        return typeof p?.name === "string" ? p.name : false;
      },
    },
    {
      context_get: {
        kind: "model",
        owner: "<lambda>",
        params: [],
        // Odoo reads the user's own lang and tz (false when unset) and adds the uid.
        fn: ({ env, model }) => {
          const user = model.rec(env.uid);
          return { lang: user?.lang ?? false, tz: user?.tz ?? false, uid: env.uid };
        },
      },
    },
  );
  // The superuser that installed everything (inactive, shown as OdooBot).
  insertAt(users, 1, {
    login: "__system__",
    partner_id: 2,
    company_id: 1,
    company_ids: [1],
    tz: false,
    lang: "en_US",
    active: false,
  });
  insertAt(users, 2, {
    login: d.user.login,
    partner_id: 3,
    company_id: 1,
    company_ids: [1],
    tz: false,
    lang: "en_US",
    active: true,
  });

  // Not an ORM table (`_auto = False`): no magic columns besides its own create_date.
  const apikeys = define(
    db,
    "res.users.apikeys",
    {
      name: char("Description"),
      scope: char("Scope"),
      create_date: datetime("Creation Date"),
      user_id: m2o("res.users", "User"),
      ...(v >= 18 ? { expiration_date: datetime("Expiration Date") } : {}),
    },
    { logAccess: false },
  );
  insertAt(apikeys, 1, {
    name: d.apikey.name,
    scope: false,
    create_date: `${db.now().toISOString().slice(0, 10)} 00:00:00`,
    user_id: 2,
    ...(v >= 18 ? { expiration_date: false } : {}),
  });
  const modules = define(
    db,
    "ir.module.module",
    {
      name: char("Technical Name"),
      state: sel("Status", [
        ["uninstallable", "Uninstallable"],
        ["uninstalled", "Not Installed"],
        ["installed", "Installed"],
        ["to upgrade", "To be upgraded"],
        ["to remove", "To be removed"],
        ["to install", "To be installed"],
      ]),
      latest_version: char("Installed Version"),
      shortdesc: char("Module Name"),
    },
    { order: "application desc, sequence, name" },
  );
  for (const m of d.modules)
    insertAt(modules, m.id, { name: m.name, state: m.state, latest_version: m.latest_version });
  modules.options.order = "name";

  const accountFields: Record<string, ReturnType<typeof char>> = {
    code: char("Code"),
    name: char("Account Name"),
    account_type: sel("Type", ACCOUNT_TYPES),
    reconcile: bool("Allow Reconciliation"),
    internal_group: sel("Internal Group", [
      ["equity", "Equity"],
      ["asset", "Asset"],
      ["liability", "Liability"],
      ["income", "Income"],
      ["expense", "Expense"],
      ["off", "Off Balance"],
    ]),
    currency_id: m2o("res.currency", "Account Currency"),
    ...(v === 17
      ? { company_id: m2o("res.company", "Company") }
      : { company_ids: m2m("res.company", "Companies") }),
    ...(v === 19 ? { active: bool("Active") } : { deprecated: bool("Deprecated") }),
  };
  const account = define(db, "account.account", accountFields, {
    order: "code",
    // 18+ keep an account's code per company: an account of another company than the current one has none.
    displayName: (r, env) =>
      v === 17 || ((r.company_ids as number[] | undefined) ?? []).includes(currentCompanyId(env))
        ? `${String(r.code)} ${String(r.name)}`
        : String(r.name),
  });
  for (const a of d.accounts) {
    insertAt(account, a.id, {
      ...a,
      currency_id: false,
      ...(v === 17 ? { company_id: 1 } : { company_ids: [1] }),
      ...(v === 19 ? { active: true } : { deprecated: false }),
    });
  }
  const codeToId = new Map(d.accounts.map((a) => [a.code, a.id]));
  // The generic chart's outstanding receipts/payments accounts, as Odoo sets them on the company.
  Object.assign(company.rec(1) ?? {}, {
    fiscalyear_last_month: "12",
    fiscalyear_last_day: 31,
    account_journal_payment_debit_account_id: codeToId.get("101403") ?? false,
    account_journal_payment_credit_account_id: codeToId.get("101404") ?? false,
  });
  const tax = define(
    db,
    "account.tax",
    {
      name: char("Tax Name"),
      amount: float("Amount"),
      amount_type: sel("Tax Computation", [
        ["group", "Group of Taxes"],
        ["fixed", "Fixed"],
        ["percent", "Percentage of Price"],
        ["division", "Percentage of Price Tax Included"],
      ]),
      type_tax_use: sel("Tax Type", [
        ["sale", "Sales"],
        ["purchase", "Purchases"],
        ["none", "None"],
      ]),
      price_include: bool("Included in Price"),
      company_id: m2o("res.company", "Company"),
      active: bool("Active"),
      account_id: m2o("account.account", "Tax Account"),
      sequence: int("Sequence"),
    },
    { order: "sequence, id" },
    taxMethods,
  );
  for (const t of d.taxes) {
    insertAt(tax, t.id, {
      ...t,
      company_id: 1,
      active: true,
      sequence: 1,
      account_id: codeToId.get(t.type_tax_use === "sale" ? "251000" : "131000") ?? false,
    });
  }
  const journal = define(db, "account.journal", {
    name: char("Journal Name"),
    code: char("Short Code"),
    type: sel("Type", [
      ["sale", "Sales"],
      ["purchase", "Purchase"],
      ["cash", "Cash"],
      ["bank", "Bank"],
      ["credit", "Credit Card"],
      ["general", "Miscellaneous"],
    ]),
    currency_id: m2o("res.currency", "Currency"),
    company_id: m2o("res.company", "Company"),
    default_account_id: m2o("account.account", "Default Account"),
    active: bool("Active"),
    inbound_payment_method_line_ids: {
      type: "one2many",
      relation: "account.payment.method.line",
      string: "Inbound Payment Methods",
      compute: (r, env) =>
        [...env.db.model("account.payment.method.line").records.values()]
          .filter((l) => l.journal_id === r.id && l.payment_type === "inbound")
          .map((l) => l.id),
    },
    outbound_payment_method_line_ids: {
      type: "one2many",
      relation: "account.payment.method.line",
      string: "Outbound Payment Methods",
      compute: (r, env) =>
        [...env.db.model("account.payment.method.line").records.values()]
          .filter((l) => l.journal_id === r.id && l.payment_type === "outbound")
          .map((l) => l.id),
    },
  });
  for (const j of d.journals)
    insertAt(journal, j.id, { ...j, currency_id: false, company_id: 1, active: true });
  const maxJournal = Math.max(...d.journals.map((j) => j.id));
  for (let id = 1; id <= maxJournal; id++) {
    if (!journal.records.has(id)) {
      insertAt(journal, id, {
        name: GENERAL_JOURNALS[id]?.name ?? `Journal ${id}`,
        code: GENERAL_JOURNALS[id]?.code ?? `J${id}`,
        type: "general",
        currency_id: false,
        company_id: 1,
        active: true,
        default_account_id: false,
      });
    }
  }
  const method = define(db, "account.payment.method", {
    name: char("Name"),
    code: char("Code"),
    payment_type: sel("Type", [
      ["inbound", "Inbound"],
      ["outbound", "Outbound"],
    ]),
  });
  for (const m of d.methods) insertAt(method, m.id, { ...m });
  const methodLine = define(
    db,
    "account.payment.method.line",
    {
      name: char("Name"),
      code: char("Code", {
        compute: (r, env) =>
          env.db.model("account.payment.method").rec(r.payment_method_id as number)?.code ?? false,
      }),
      payment_type: sel("Payment Type", [
        ["inbound", "Inbound"],
        ["outbound", "Outbound"],
      ]),
      payment_method_id: m2o("account.payment.method", "Payment Method"),
      journal_id: m2o("account.journal", "Journal"),
      payment_account_id: m2o("account.account", "Outstanding Receipts/Payments Account"),
      sequence: int("Sequence"),
    },
    {
      order: "sequence, id",
      displayName: (r, env) => {
        if (env.version === 17) return String(r.name);
        const j = env.db.model("account.journal").rec(r.journal_id as number);
        return `${String(r.name)} (${String(j?.name ?? "")})`;
      },
    },
  );
  for (const l of d.methodLines) {
    insertAt(methodLine, l.id, { ...l, payment_account_id: false });
  }
  const uom = define(db, "uom.uom", { name: char("Unit") });
  const product = define(
    db,
    "product.product",
    {
      name: char("Name"),
      default_code: char("Internal Reference"),
      standard_price: float("Cost"),
      list_price: float("Sales Price"),
      can_be_expensed: bool("Can be Expensed"),
      type: sel("Product Type", [
        ["consu", "Goods"],
        ["service", "Service"],
        ["combo", "Combo"],
      ]),
      uom_id: m2o("uom.uom", "Unit"),
      supplier_taxes_id: m2m("account.tax", "Purchase Taxes"),
      taxes_id: m2m("account.tax", "Sales Taxes"),
      active: bool("Active"),
      property_account_expense_id: m2o("account.account", "Expense Account"),
    },
    {
      order: "default_code, name, id",
      displayName: (r) => (r.default_code ? `[${String(r.default_code)}] ${String(r.name)}` : String(r.name)),
    },
  );
  for (const p of d.products) {
    const [uomId, uomName] = p.uom_id as unknown as [number, string];
    if (!uom.records.has(uomId)) insertAt(uom, uomId, { name: uomName });
    insertAt(product, p.id, {
      name: p.name,
      default_code: p.default_code,
      standard_price: p.standard_price,
      list_price: p.list_price,
      can_be_expensed: true,
      type: "service",
      uom_id: uomId,
      supplier_taxes_id: [],
      taxes_id: [],
      active: true,
    });
  }
  const employee = define(db, "hr.employee", {
    name: char("Employee Name"),
    user_id: m2o("res.users", "User"),
    work_contact_id: m2o("res.partner", "Work Contact"),
    company_id: m2o("res.company", "Company"),
    work_email: char("Work Email"),
    active: bool("Active"),
  });
  insertAt(employee, 1, {
    name: "Administrator",
    user_id: 2,
    work_contact_id: 3,
    company_id: 1,
    work_email: false,
    active: true,
  });
  if (v !== 19) {
    // 17/18 employees have the admin's email as work email.
    const e = employee.rec(1);
    if (e) e.work_email = d.user.email;
  }
  void date;
  void json;
  void money;
  void text;
}

/** Applies the recorded fields_get answers so that strings and selections match Odoo exactly. */
function applyFieldsGet(db: Database, d: SeedVersion): void {
  const fg = d.fieldsGet as Record<string, Record<string, Record<string, unknown>>>;
  for (const [modelName, fields] of Object.entries(fg)) {
    const model = db.models.get(modelName);
    if (!model) continue;
    for (const [fname, desc] of Object.entries(fields)) {
      const f = model.field(fname);
      if (!f) continue;
      if (typeof desc.string === "string") f.string = desc.string;
      if (Array.isArray(desc.selection)) f.selection = desc.selection as Array<[string, string]>;
      if (typeof desc.readonly === "boolean") f.readonly = desc.readonly;
      if (typeof desc.required === "boolean") f.required = desc.required;
    }
  }
}

export function buildDatabase(version: Version, now: () => Date): Database {
  const db = new Database(version, now);
  db.uid = 1;
  const d = data(version);
  defineBase(db, d);
  defineAccounting(db);
  registerPaymentModels(db);
  defineMail(db);
  defineExpenses(db);
  definePartners(db);
  defineBankAccounts(db);
  defineBankStatements(db);
  defineMessagePost(db, ["account.move", "account.payment", "hr.expense"]);
  defineCompanies(db);
  defineCurrencies(db);
  defineTaxBase(db);
  defineReversal(db);
  db.recordRule = companyRule;
  applyFieldsGet(db, d);
  stampSeed(db);
  db.uid = 2;
  return db;
}

/** The seeded records were created at installation by the superuser (uid 1), before the sandbox started. */
function stampSeed(db: Database): void {
  const at = datetimeString(db.now());
  for (const model of db.models.values()) {
    if (!model.logAccess) continue;
    for (const rec of model.records.values()) {
      if (rec.create_date === undefined) Object.assign(rec, { create_uid: 1, create_date: at });
      if (rec.write_date === undefined) Object.assign(rec, { write_uid: 1, write_date: at });
    }
  }
}

export interface SandboxSeed {
  partner(vals: Vals): number;
  invoice(vals: Vals & { post?: boolean }): number;
  create(model: string, vals: Vals): number;
}

export function seedApi(db: Database): SandboxSeed {
  const create = (model: string, vals: Vals): number => {
    const env = db.env();
    const rec = doCreate(env, db.model(model), [vals])[0];
    return rec?.id ?? 0;
  };
  return {
    partner: (vals) => create("res.partner", vals),
    invoice: (vals) => {
      const { post, ...rest } = vals;
      const id = create("account.move", { move_type: "out_invoice", ...rest });
      if (post) {
        const m = db.model("account.move").methods.get("action_post");
        m?.fn({ env: db.env(), model: db.model("account.move"), ids: [id], args: {} });
      }
      return id;
    },
    create,
  };
}

export { NONE };
