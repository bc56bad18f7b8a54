/**
 * `import_bank_statement`: a bank file's transactions into a bank or cash journal, as Odoo's own import does it
 * (odoo-recordings/19/19-bank-import): `account.bank.statement.line` records, each a posted entry with its
 * liquidity item on the journal's account and its suspense item waiting to be reconciled, grouped in an
 * `account.bank.statement` when the file gives its balances. No money moves, so no approval (audited, and
 * previewed under DRY_RUN, by the tool).
 *
 * Exactly once: each line carries the import's fingerprint (bank/fingerprint.ts) in Odoo, in the line's
 * `unique_import_id` where Odoo has one (the Enterprise and OCA import modules add it; the running Odoo's
 * `fields_get` says), else in its entry's `ref` ("Reference", which a person sees in the entry's name: Community
 * has no other field). Lines whose fingerprint Odoo holds are duplicates, never created again; a statement whose
 * first lines were imported before starts where they end (its `balance_start` plus theirs, as Odoo's import does).
 * Two imports into one journal at the same moment run one after the other, in this process and among the server
 * processes sharing the data folder (one-at-a-time.ts).
 * Lines are created in batches: a statement with its lines in one call (one transaction), else a `create` of up to
 * `BATCH` lines per call; a failure between batches leaves whole batches, which the next import finds.
 */
import { z } from "zod";
import type { RequestDocument } from "../../shared/document.js";
import { documentText } from "../../shared/document-text.js";
import { ToolError } from "../errors.js";
import { addDecimal, compareDecimal, displayMoney, parseDecimal, rescale } from "../money.js";
import { OdooAccessError } from "../odoo/errors.js";
import { likeLiteral } from "../odoo/like.js";
import type { Odoo } from "../odoo/types.js";
import type { CsvMapping } from "./bank/csv.js";
import { fingerprints } from "./bank/fingerprint.js";
import { readStatementFile, type StatementFormat } from "./bank/read-file.js";
import { isZero, type RefusedLine, type StatementLine } from "./bank/statement-line.js";
import { type AcrossProcesses, oneAtATime } from "./one-at-a-time.js";
import type { DryRunnable } from "./operation.js";
import { type AccountingSession, companyFact, getSession, withCompany } from "./session.js";
import { m2oId, m2oName, num, type OdooRecord, str } from "./values.js";

export interface ImportStatementInput {
  /** A bank or cash journal: its id, name or code. */
  journal: string | number;
  content: string;
  encoding?: "text" | "base64";
  format?: StatementFormat;
  csv?: CsvMapping;
}

/** What `import_bank_statement` answers: the one definition (the tool's output schema extends it). */
export const importStatementResult = z.object({
  status: z.literal("imported"),
  format: z.string(),
  new: z.number().int(),
  duplicate: z.number().int(),
  /** "line 12: in EUR, the journal is in USD": the file's line and why. */
  refused: z.array(z.string()),
  statement_id: z.number().int().nullable(),
  line_ids: z.array(z.number().int()),
  warnings: z.array(z.string()),
});
export type ImportStatementOutput = z.infer<typeof importStatementResult>;

const LINE_MODEL = "account.bank.statement.line";
const JOURNAL_FIELDS = [
  "name",
  "code",
  "type",
  "currency_id",
  "company_id",
  "default_account_id",
  "suspense_account_id",
];
/** Lines per create call, and fingerprints per search. */
const BATCH = 500;

interface BankJournal {
  id: number;
  name: string;
  code: string;
  currency: string;
  decimals: number;
}

interface NewLine {
  line: StatementLine;
  fingerprint: string;
}

interface ImportPlan {
  session: AccountingSession;
  journal: BankJournal;
  format: StatementFormat;
  /** Where the fingerprint lives on the line: `unique_import_id` when Odoo has it, else `ref`. */
  field: "unique_import_id" | "ref";
  fresh: NewLine[];
  duplicates: StatementLine[];
  refused: RefusedLine[];
  statement: { name: string; balanceStart: string; balanceEnd: string } | null;
  warnings: string[];
}

const describe = (row: OdooRecord) => `${str(row.name) ?? "?"} (${str(row.code) ?? "?"}, id ${row.id})`;

async function bankJournals(odoo: Odoo): Promise<OdooRecord[]> {
  return odoo.searchRead("account.journal", [["type", "in", ["bank", "cash"]]], JOURNAL_FIELDS, {
    order: "id",
  });
}

/** The journal by id, name or code; refused clearly when it is not a bank or cash journal. */
async function findJournal(
  odoo: Odoo,
  session: AccountingSession,
  wanted: string | number,
): Promise<BankJournal> {
  const byId = typeof wanted === "number" || /^[1-9]\d{0,14}$/.test(wanted.trim());
  const text = String(wanted).trim();
  const rows = await odoo.searchRead(
    "account.journal",
    byId
      ? [["id", "=", Number(text)]]
      : ["|", ["name", "=ilike", likeLiteral(text)], ["code", "=ilike", likeLiteral(text)]],
    JOURNAL_FIELDS,
  );
  const banks = rows.filter((r) => r.type === "bank" || r.type === "cash");
  const others = rows.filter((r) => !banks.includes(r));
  if (banks.length > 1) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `Several bank journals match "${text}": ${banks.map(describe).join(", ")}; give the id.`,
    );
  }
  const row = banks[0];
  if (!row) {
    const candidates = (await bankJournals(odoo)).map(describe).join(", ") || "none";
    const why = others[0]
      ? `${describe(others[0])} is a ${str(others[0].type)} journal, not a bank or cash journal`
      : `No journal ${byId ? `with id ${text}` : `named "${text}"`}`;
    throw new ToolError(
      "VALIDATION_ERROR",
      `${why}: a statement goes into a bank or cash journal (${candidates}).`,
      {
        journals: candidates,
      },
    );
  }
  if (!m2oId(row.suspense_account_id) || !m2oId(row.default_account_id)) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `The journal ${describe(row)} has no ${m2oId(row.default_account_id) ? "suspense" : "bank"} account in Odoo; set it on the journal first.`,
    );
  }
  let currency = session.company.currency;
  let decimals = session.company.decimals;
  const currencyId = m2oId(row.currency_id);
  if (currencyId && currencyId !== session.company.currencyId) {
    const [cur] = await odoo.read("res.currency", [currencyId], ["name", "decimal_places"]);
    currency = str(cur?.name) ?? m2oName(row.currency_id) ?? currency;
    decimals = num(cur?.decimal_places ?? decimals);
  }
  return { id: row.id as number, name: str(row.name) ?? "", code: str(row.code) ?? "", currency, decimals };
}

/** `unique_import_id` when the running Odoo has it on statement lines (Enterprise, OCA), else `ref`. */
async function fingerprintField(odoo: Odoo): Promise<"unique_import_id" | "ref"> {
  const fields = await odoo.call<Record<string, unknown>>({
    model: LINE_MODEL,
    method: "fields_get",
    args: { allfields: ["unique_import_id"], attributes: ["type"] },
  });
  return fields && "unique_import_id" in fields ? "unique_import_id" : "ref";
}

/** The fingerprints Odoo already holds on this journal's lines. */
async function known(odoo: Odoo, journalId: number, field: string, prints: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < prints.length; i += BATCH) {
    const rows = await odoo.searchRead(
      LINE_MODEL,
      [
        ["journal_id", "=", journalId],
        [field, "in", prints.slice(i, i + BATCH)],
      ],
      [field, "statement_id"],
    );
    for (const row of rows) if (typeof row[field] === "string") found.add(row[field] as string);
  }
  return found;
}

/** Why a line cannot go into this journal, or null: another currency, too many decimals, nothing to book. */
function refusal(line: StatementLine, fileCurrency: string | undefined, journal: BankJournal): string | null {
  const currency = line.currency ?? fileCurrency;
  if (currency && currency !== journal.currency)
    return `in ${currency}, the journal is in ${journal.currency}`;
  const value = parseDecimal(line.amount);
  if (!value || value.scale > journal.decimals)
    return `the amount ${line.amount} has more decimals than ${journal.currency}`;
  if (isZero(line.amount)) return "the amount is 0";
  if (amountNumber(line.amount, journal.decimals) === null)
    return `the amount ${line.amount} has too many digits to be booked exactly`;
  return null;
}

interface Target {
  session: AccountingSession;
  journal: BankJournal;
  file: ReturnType<typeof readStatementFile>;
}

/** The file parsed (a malformed one is refused before Odoo is asked), then the journal it goes into. */
async function target(odoo: Odoo, input: ImportStatementInput): Promise<Target> {
  const file = readStatementFile(input);
  const session = await getSession(odoo);
  return { session, file, journal: await findJournal(odoo, session, input.journal) };
}

/** Which lines are new, duplicate or refused, and the statement to group them in; read-only. */
async function planImport(odoo: Odoo, { session, journal, file }: Target): Promise<ImportPlan> {
  const { format, parsed } = file;
  const field = await fingerprintField(odoo);
  const prints = fingerprints(journal.id, parsed.lines);
  const held = await known(odoo, journal.id, field, prints);
  const fresh: NewLine[] = [];
  const duplicates: StatementLine[] = [];
  const refused = [...parsed.refused];
  parsed.lines.forEach((line, i) => {
    const fingerprint = prints[i] as string;
    if (held.has(fingerprint)) duplicates.push(line);
    else {
      const why = refusal(line, parsed.currency, journal);
      if (why) refused.push({ line: line.line, reason: why });
      else fresh.push({ line, fingerprint });
    }
  });
  refused.sort((a, b) => a.line - b.line);
  const warnings: string[] = [];
  let statement: ImportPlan["statement"] = null;
  if (parsed.balanceStart !== undefined && parsed.balanceEnd !== undefined && fresh.length) {
    const sum = (lines: StatementLine[], from: string) =>
      lines.reduce((s, l) => addDecimal(s, l.amount), from);
    const last =
      fresh
        .map((f) => f.line.date)
        .sort()
        .at(-1) ?? "";
    statement = {
      name: parsed.name || `${journal.code} Statement ${last}`,
      // Odoo's import: lines already imported are left out, and the statement starts after them.
      balanceStart: sum(duplicates, parsed.balanceStart),
      balanceEnd: parsed.balanceEnd,
    };
    for (const balance of [statement.balanceStart, statement.balanceEnd])
      if (amountNumber(balance, journal.decimals) === null)
        throw new ToolError(
          "VALIDATION_ERROR",
          `The statement's balance ${balance} has too many digits to be booked exactly; nothing was imported.`,
        );
    const reached = sum(
      fresh.map((f) => f.line),
      statement.balanceStart,
    );
    if (compareDecimal(reached, parsed.balanceEnd) !== 0) {
      warnings.push(
        `The statement's lines reach ${reached}, not its closing balance ${parsed.balanceEnd}: Odoo shows it as incomplete until the missing lines are entered.`,
      );
    }
  }
  return { session, journal, format, field, fresh, duplicates, refused, statement, warnings };
}

/**
 * An exact decimal as the JSON number Odoo stores (rounded to the currency: the file's own digits); null when no
 * JSON number reads back as exactly that amount (too many digits for a double: it would be booked as a nearby one).
 */
function amountNumber(amount: string, decimals: number): number | null {
  const value = parseDecimal(amount);
  if (!value) return null;
  const minor = rescale(value, decimals);
  const number = Number(minor) / 10 ** decimals;
  const back = parseDecimal(number);
  return back && rescale(back, decimals) === minor ? number : null;
}

function lineVals(plan: ImportPlan, item: NewLine): Record<string, unknown> {
  const { line } = item;
  return {
    journal_id: plan.journal.id,
    date: line.date,
    amount: amountNumber(line.amount, plan.journal.decimals),
    payment_ref: line.label || line.partnerName || line.reference || "/",
    ...(line.partnerName ? { partner_name: line.partnerName } : {}),
    ...(line.accountNumber ? { account_number: line.accountNumber } : {}),
    ...(line.transactionType ? { transaction_type: line.transactionType } : {}),
    [plan.field]: item.fingerprint,
  };
}

async function createLines(odoo: Odoo, vals: Record<string, unknown>[]): Promise<number[]> {
  return odoo.call<number[]>({ model: LINE_MODEL, method: "create", args: { vals_list: vals } });
}

/** Creates what the plan says, in batches; answers the statement id and the new lines' ids. */
async function write(
  odoo: Odoo,
  plan: ImportPlan,
  progress: ImportProgress,
): Promise<{ statementId: number | null; lineIds: number[] }> {
  const vals = plan.fresh.map((item) => lineVals(plan, item));
  const told = async () => {
    if (vals.length > BATCH)
      await progress(lineIds.length, vals.length, `${lineIds.length} of ${vals.length} lines created`);
  };
  const lineIds: number[] = [];
  let statementId: number | null = null;
  let rest = vals;
  if (plan.statement) {
    const first = vals.slice(0, BATCH);
    rest = vals.slice(BATCH);
    const created = await odoo.call<number[] | number>({
      model: "account.bank.statement",
      method: "create",
      args: {
        vals_list: [
          {
            name: plan.statement.name,
            balance_start: amountNumber(plan.statement.balanceStart, plan.journal.decimals),
            balance_end_real: amountNumber(plan.statement.balanceEnd, plan.journal.decimals),
            line_ids: first.map((v) => [0, 0, v]),
          },
        ],
      },
    });
    statementId = Array.isArray(created) ? (created[0] ?? null) : created;
    const prints = first.map((v) => v[plan.field] as string);
    const rows = await odoo.searchRead(
      LINE_MODEL,
      [
        ["journal_id", "=", plan.journal.id],
        [plan.field, "in", prints],
      ],
      [plan.field, "statement_id"],
    );
    lineIds.push(...rows.map((r) => r.id as number));
    rest = rest.map((v) => ({ ...v, statement_id: statementId }));
    await told();
  }
  for (let i = 0; i < rest.length; i += BATCH) {
    lineIds.push(...(await createLines(odoo, rest.slice(i, i + BATCH))));
    await told();
  }
  return { statementId, lineIds: lineIds.sort((a, b) => a - b) };
}

function result(
  plan: ImportPlan,
  created: { statementId: number | null; lineIds: number[] },
): ImportStatementOutput {
  return {
    status: "imported",
    format: plan.format,
    new: plan.fresh.length,
    duplicate: plan.duplicates.length,
    refused: plan.refused.map((r) => `line ${r.line}: ${r.reason}`),
    statement_id: created.statementId,
    line_ids: created.lineIds,
    warnings: plan.warnings,
  };
}

/** Told after each batch of a file of more than one batch (MCP progress notifications). */
export type ImportProgress = (done: number, total: number, message: string) => Promise<void>;

/**
 * Imports the file: the look-ups, the duplicate search and the creates, one import per journal at a time in this
 * process, and among processes with `across` (one-at-a-time.ts); `progress` hears of each batch created.
 */
export async function importBankStatement(
  odoo: Odoo,
  input: ImportStatementInput,
  options: { across?: AcrossProcesses; progress?: ImportProgress } = {},
): Promise<ImportStatementOutput> {
  const { across, progress = async () => {} } = options;
  const found = await target(odoo, input);
  return oneAtATime(
    [`bank-statement|${found.journal.id}`],
    async () => {
      const plan = await planImport(odoo, found);
      try {
        return result(plan, await write(odoo, plan, progress));
      } catch (error) {
        if (error instanceof OdooAccessError) {
          throw new ToolError(
            "PERMISSION_DENIED",
            "Odoo does not let this user create bank statement lines: in Odoo, Settings > Users, give the user " +
              'the accounting right that includes bank statements ("Show Full Accounting Features"). Nothing was imported.',
            undefined,
            { cause: error },
          );
        }
        throw error;
      }
    },
    across,
  );
}

function importDocument(plan: ImportPlan): RequestDocument {
  const { journal } = plan;
  const money = (amount: string) => {
    const value = parseDecimal(amount);
    return value
      ? displayMoney(rescale(value, journal.decimals), journal.decimals, journal.currency)
      : amount;
  };
  const total = plan.fresh.reduce((s, f) => addDecimal(s, f.line.amount), "0");
  return {
    name: `Bank statement into ${journal.name} (${journal.code}): ${plan.fresh.length} new lines`,
    effect:
      "Creates the new lines in Odoo's bank journal, each waiting to be reconciled" +
      `${plan.statement ? ", grouped in one statement" : ""}. No money moves.`,
    amounts: [{ label: "New lines, net", amount: money(total), strong: true }],
    rows: [
      { label: "Duplicates (already in Odoo)", value: String(plan.duplicates.length) },
      { label: "Refused", value: String(plan.refused.length) },
      ...(plan.statement
        ? [
            { label: "Statement", value: plan.statement.name },
            {
              label: "Balances",
              value: `${money(plan.statement.balanceStart)} to ${money(plan.statement.balanceEnd)}`,
            },
          ]
        : []),
    ],
  };
}

/** `import_bank_statement` under DRY_RUN: the same parsing and look-ups, read-only, and what it would create. */
export const statementImportPreview: DryRunnable<ImportStatementInput, ImportStatementOutput> = {
  tool: "import_bank_statement",
  result: importStatementResult,

  async prepare(odoo, input) {
    const plan = await planImport(odoo, await target(odoo, input));
    const document = importDocument(plan);
    const preview = { ...result(plan, { statementId: null, lineIds: [] }) } as Partial<ImportStatementOutput>;
    delete preview.status;
    return {
      summary: withCompany(plan.session, documentText(document)),
      document,
      target: document.name,
      direction: "none",
      facts: {
        ...companyFact(plan.session),
        preview,
        fingerprint_field: plan.field,
        statement: plan.statement && {
          name: plan.statement.name,
          balance_start: plan.statement.balanceStart,
          balance_end_real: plan.statement.balanceEnd,
        },
        first_lines: plan.fresh.slice(0, 5).map((f) => lineVals(plan, f)),
      },
      // Never stored: no approval (this is its dry run).
      binding: {},
    };
  },

  async dryRun(_odoo, prepared) {
    const { preview, ...facts } = prepared.facts as { preview: Partial<ImportStatementOutput> };
    return {
      fields: { ...preview, statement_id: null, line_ids: null },
      would: { odoo_calls: [`${LINE_MODEL} create`], ...facts },
    };
  },
};
