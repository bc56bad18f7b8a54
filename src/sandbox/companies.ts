/**
 * Several companies, as Odoo 17/18/19 handle them (odoo/api.py `Environment.companies`/`company`, the multi-company
 * record rules, odoo/models.py `_check_company`, base/models/res_company.py `create`, account's
 * `account.chart.template.try_loading`). With a single company nothing here changes an answer.
 */
import { doCreate, hooks } from "./base-methods.js";
import { accessError, OdooFault, pyRepr } from "./fault.js";
import { define, m2o, char as str } from "./fields.js";
import {
  createGeneric,
  type Database,
  displayName,
  type Env,
  type Model,
  type Rec,
  rawValue,
  type Vals,
} from "./orm.js";
import { NONE } from "./rpc.js";

/** Models whose multi-company record rule is not the plain `company_id in allowed companies (or unset)`. */
const NO_COMPANY_RULE = new Set(["res.users", "res.company", "account.payment.register"]);

/** `_description` of the models an access error can name. */
const DESCRIPTIONS: Record<string, string> = {
  "account.move": "Journal Entry",
  "account.move.line": "Journal Item",
  "account.journal": "Journal",
  "account.tax": "Tax",
  "account.account": "Account",
  "account.payment": "Payments",
  "hr.expense": "Expense",
  "hr.expense.sheet": "Expense Report",
  "hr.employee": "Employee",
  "res.partner": "Contact",
};

const user = (env: Env): Rec | undefined => env.db.model("res.users").rec(env.uid);

/** The companies the user belongs to (`res.users.company_ids`). */
export function userCompanyIds(env: Env): number[] {
  const ids = user(env)?.company_ids;
  return Array.isArray(ids) ? (ids as number[]) : [1];
}

function contextCompanies(env: Env): number[] | undefined {
  const ids = env.context.allowed_company_ids;
  if (!Array.isArray(ids) || ids.length === 0) return undefined;
  return ids.filter((x): x is number => typeof x === "number");
}

/**
 * `env.companies`: the context's `allowed_company_ids`, each of which must be one of the user's companies
 * ("Access to unauthorized or invalid companies."), or else every company of the user.
 */
export function allowedCompanyIds(env: Env): number[] {
  const ctx = contextCompanies(env);
  if (!ctx) return userCompanyIds(env);
  const mine = userCompanyIds(env);
  if (ctx.some((id) => !mine.includes(id))) {
    throw accessError("Access to unauthorized or invalid companies.");
  }
  return ctx;
}

/** `env.company`: the first allowed company of the context, else the user's `company_id`. */
export function currentCompanyId(env: Env): number {
  const ctx = contextCompanies(env);
  if (ctx?.[0] !== undefined) return ctx[0];
  const c = user(env)?.company_id;
  return typeof c === "number" ? c : 1;
}

/** Checked by every call, before any record is touched. */
export function checkAllowedCompanies(env: Env): void {
  allowedCompanyIds(env);
}

function hasCompanyRule(model: Model): boolean {
  if (NO_COMPANY_RULE.has(model.name) || model.options.transient) return false;
  const f = model.field("company_id") ?? model.field("company_ids");
  return f?.relation === "res.company";
}

/** The companies a record belongs to ([] = shared by every company). */
export function recordCompanies(env: Env, model: Model, rec: Rec): number[] {
  if (model.field("company_id")?.relation === "res.company") {
    const c = rawValue(env, model, rec, "company_id");
    return typeof c === "number" ? [c] : [];
  }
  const cs = rawValue(env, model, rec, "company_ids");
  return Array.isArray(cs) ? (cs as number[]) : [];
}

/** The multi-company record rule of a model, or undefined when it hides nothing (every company is allowed). */
export function companyRule(env: Env, model: Model): ((rec: Rec) => boolean) | undefined {
  if (!hasCompanyRule(model)) return undefined;
  const allowed = allowedCompanyIds(env);
  const all = [...env.db.model("res.company").records.keys()];
  if (all.every((id) => allowed.includes(id))) return undefined;
  return (rec) => {
    const cs = recordCompanies(env, model, rec);
    return cs.length === 0 || cs.some((c) => allowed.includes(c));
  };
}

const OPERATION: Record<string, string> = { write: "write", unlink: "unlink" };

/** A method on records of a company that is not allowed fails as Odoo's record rules make it fail. */
export function checkRecordAccess(env: Env, model: Model, ids: number[], method: string): void {
  const rule = companyRule(env, model);
  if (!rule) return;
  const forbidden = ids.map((id) => model.rec(id)).filter((r): r is Rec => r !== undefined && !rule(r));
  const first = forbidden[0];
  if (!first) return;
  const operation = OPERATION[method] ?? "read";
  const name = displayName(env, env.db.model("res.users"), user(env) ?? { id: env.uid }) || "";
  let message =
    "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n" +
    `Sorry, ${name} (id=${env.uid}) doesn't have '${operation}' access to:\n` +
    `- ${DESCRIPTIONS[model.name] ?? model.name} (${model.name})\n\n` +
    "If you really, really need access, perhaps you can win over your friendly administrator with a batch of freshly baked cookies.";
  let context: Vals = {};
  if (env.version !== 17) {
    // 18+: the hint names a company of the user that would show the record.
    const mine = userCompanyIds(env);
    const suggested = recordCompanies(env, model, first).find((c) => mine.includes(c));
    const company = suggested === undefined ? undefined : env.db.model("res.company").rec(suggested);
    if (company) {
      message += `\n\nThis seems to be a multi-company issue, you might be able to access the record by switching to the company: ${String(company.name)}.`;
      context = { suggested_company: { id: company.id, display_name: company.name } };
    }
  }
  throw new OdooFault("odoo.exceptions.AccessError", message, 403, false, context);
}

/** One line of `_check_company`'s error: a record whose field points to a record of another company. */
export interface CompanyMismatch {
  model: Model;
  rec: Rec;
  /** The record's company, or undefined when it is not among the allowed companies (Odoo then names none). */
  company: number | undefined;
  field: string;
  corecord: { model: Model; rec: Rec };
}

/** The UserError of odoo/models.py `_check_company`, worded per version. */
export function companyMismatchError(env: Env, mismatches: CompanyMismatch[]): OdooFault {
  const v = env.version;
  const lines = mismatches.map((m) => {
    let label = displayName(env, m.model, m.rec) || "";
    // 18+ name a draft entry without its "(* id)" suffix here.
    if (v !== 17 && m.model.name === "account.move") label = label.replace(/ \(\* \d+\)$/, "");
    const company = m.company === undefined ? undefined : env.db.model("res.company").rec(m.company);
    const companyName = company ? String(company.name) : undefined;
    const fieldString = m.model.field(m.field)?.string ?? m.field;
    const target = pyRepr(displayName(env, m.corecord.model, m.corecord.rec) || "");
    if (v === 17) {
      return `- ${pyRepr(label)} belongs to company ${pyRepr(companyName ?? false)} and ${pyRepr(fieldString)} (${m.field}: ${target}) belongs to another company.`;
    }
    const c = companyName ?? (v === 18 ? "False" : "");
    const verb = v === 19 ? "while" : "and";
    return `- “${label}” belongs to company “${c}” ${verb} “${fieldString}” (${m.field}: ${target}) belongs to another company.`;
  });
  const message =
    v === 19
      ? `Uh-oh! You’ve got some company inconsistencies here:\n${lines.join("\n")}\nTo avoid a mess, no company crossover is allowed!`
      : `Incompatible companies on records:\n${lines.join("\n")}`;
  return new OdooFault("odoo.exceptions.UserError", message, 422);
}

/**
 * `_check_company` of one many2one: the target's company must be the record's (a target shared by every
 * company passes). `company` is the record's company, undefined when it is not an allowed one.
 */
export function checkCompanyField(
  env: Env,
  model: Model,
  rec: Rec,
  field: string,
  company: number | undefined,
): CompanyMismatch | undefined {
  const f = model.field(field);
  const target = typeof rec[field] === "number" ? env.db.model(f?.relation ?? "").rec(rec[field]) : undefined;
  if (!f?.relation || !target) return undefined;
  const comodel = env.db.model(f.relation);
  const theirs = recordCompanies(env, comodel, target);
  if (theirs.length === 0 || (company !== undefined && theirs.includes(company))) return undefined;
  return { model, rec, company, field, corecord: { model: comodel, rec: target } };
}

/** Removes a record whose create failed: its id stays consumed, as a PostgreSQL sequence keeps it. */
export function dropFailed(model: Model, rec: Rec): void {
  model.records.delete(rec.id);
}

// ---------- res.company create, the chart of a new company ----------

/** Links a company to a user: it comes before the user's default company, as Odoo lists them. */
function linkCompany(db: Database, uid: number, companyId: number): void {
  const u = db.model("res.users").rec(uid);
  if (!u) return;
  const ids = Array.isArray(u.company_ids) ? [...(u.company_ids as number[])] : [];
  if (ids.includes(companyId)) return;
  const at = ids.indexOf(u.company_id as number);
  if (at < 0) ids.push(companyId);
  else ids.splice(at, 0, companyId);
  u.company_ids = ids;
}

/**
 * `try_loading(template_code, company)` of the generic chart: the new company gets a copy of the first
 * company's accounts (same codes), taxes, journals and payment method lines, numbered after the existing ones.
 */
export function loadChart(env: Env, companyId: number): void {
  const db = env.db;
  const v = db.version;
  const accounts = db.model("account.account");
  const accountMap = new Map<number, number>();
  const inFirst = (a: Rec) =>
    v === 17 ? a.company_id === 1 : ((a.company_ids as number[] | undefined) ?? []).includes(1);
  for (const a of [...accounts.records.values()].filter(inFirst).sort((x, y) => x.id - y.id)) {
    const { id, create_uid, create_date, write_uid, write_date, ...vals } = a;
    void create_uid;
    void create_date;
    void write_uid;
    void write_date;
    const copy = accounts.insert({
      ...vals,
      ...(v === 17 ? { company_id: companyId } : { company_ids: [companyId] }),
    });
    accountMap.set(id, copy.id);
  }
  const mapAccount = (x: unknown) => (typeof x === "number" ? (accountMap.get(x) ?? x) : false);
  const clone = (modelName: string, extra: (r: Rec) => Vals, keep: (r: Rec) => boolean) => {
    const model = db.model(modelName);
    const map = new Map<number, number>();
    for (const r of [...model.records.values()].filter(keep).sort((x, y) => x.id - y.id)) {
      const { id, create_uid, create_date, write_uid, write_date, ...vals } = r;
      void create_uid;
      void create_date;
      void write_uid;
      void write_date;
      map.set(id, model.insert({ ...vals, ...extra(r) }).id);
    }
    return map;
  };
  clone(
    "account.tax",
    (t) => ({ company_id: companyId, account_id: mapAccount(t.account_id) }),
    (t) => t.company_id === 1,
  );
  const journalMap = clone(
    "account.journal",
    (j) => ({ company_id: companyId, default_account_id: mapAccount(j.default_account_id) }),
    (j) => j.company_id === 1,
  );
  clone(
    "account.payment.method.line",
    (l) => ({
      journal_id: journalMap.get(l.journal_id as number) ?? false,
      payment_account_id: mapAccount(l.payment_account_id),
    }),
    (l) => journalMap.has(l.journal_id as number),
  );
  const companies = db.model("res.company");
  const first = companies.rec(1);
  const company = companies.rec(companyId);
  if (first && company) {
    Object.assign(company, {
      fiscalyear_last_month: first.fiscalyear_last_month ?? "12",
      fiscalyear_last_day: first.fiscalyear_last_day ?? 31,
      account_journal_payment_debit_account_id: mapAccount(first.account_journal_payment_debit_account_id),
      account_journal_payment_credit_account_id: mapAccount(first.account_journal_payment_credit_account_id),
    });
  }
}

export function defineCompanies(db: Database): void {
  const companies = db.model("res.company");
  hooks.set(companies, {
    create: (env, model, vals) => {
      const partners = env.db.model("res.partner");
      const v: Vals = { ...vals };
      if (v.name && !v.partner_id) {
        const [partner] = doCreate(env, partners, [
          {
            name: v.name,
            is_company: true,
            email: v.email ?? false,
            ...(typeof v.country_id === "number" ? { country_id: v.country_id } : {}),
          },
        ]);
        v.partner_id = partner?.id ?? false;
      }
      const mine = env.db.model("res.company").rec(currentCompanyId(env));
      const rec = createGeneric(env, model, v, {
        currency_id: mine?.currency_id ?? 1,
        // The recorded databases give a new company the country of the first one (United States).
        country_id: mine?.country_id ?? false,
        account_fiscal_country_id: mine?.country_id ?? false,
        email: false,
      });
      // base/models/res_company.py create: the creating user and the superuser get the new company.
      for (const uid of new Set([env.uid, 1])) linkCompany(env.db, uid, rec.id);
      return rec;
    },
  });

  define(
    db,
    "account.chart.template",
    { name: str("Name") },
    { logAccess: false },
    {
      try_loading: {
        kind: "records",
        params: [
          { name: "template_code", required: true },
          { name: "company", required: true },
          { name: "install_demo" },
          ...(db.version === 17 ? [] : [{ name: "force_create" }]),
        ],
        fn: ({ env, args }) => {
          const raw = args.company;
          const companyId = typeof raw === "number" ? raw : Array.isArray(raw) ? Number(raw[0]) : NaN;
          const company = env.db.model("res.company").rec(companyId);
          if (!company) throw accessError("Access to unauthorized or invalid companies.");
          const hasChart = [...env.db.model("account.journal").records.values()].some(
            (j) => j.company_id === companyId,
          );
          if (!hasChart) loadChart(env, companyId);
          return NONE;
        },
      },
    },
  );

  // An employee needs only a name and a company: it gets its own work contact.
  const employees = db.model("hr.employee");
  if (!employees.field("parent_id")) employees.fields.parent_id = m2o("hr.employee", "Manager");
  hooks.set(employees, {
    create: (env, model, vals) => {
      const rec = createGeneric(env, model, vals, {
        user_id: false,
        parent_id: false,
        work_email: false,
        active: true,
        company_id: currentCompanyId(env),
      });
      if (!rec.work_contact_id) {
        const [partner] = doCreate(env, env.db.model("res.partner"), [
          {
            name: rec.name ?? false,
            email: rec.work_email || false,
            company_id: rec.company_id ?? false,
          },
        ]);
        rec.work_contact_id = partner?.id ?? false;
      }
      return rec;
    },
  });
  const products = db.model("product.product");
  if (!products.field("company_id")) products.fields.company_id = m2o("res.company", "Company");
}
