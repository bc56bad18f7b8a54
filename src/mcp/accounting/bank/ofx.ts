/**
 * OFX bank and credit card statements, 1.x (SGML: leaf elements are not closed, a header of `KEY:VALUE` lines)
 * and 2.x (XML). Both are read by one tokenizer: an element with a value is a leaf, closed or not; one without
 * opens an aggregate that its end tag closes. Each `STMTTRN` is one line: `DTPOSTED`, `TRNAMT` (signed), `FITID`
 * (the bank's id), `NAME` (or `PAYEE/NAME`) and `MEMO` as the label, `TRNTYPE`; a `CURRENCY/CURSYM` names the
 * line's currency, else the statement's `CURDEF`. `LEDGERBAL/BALAMT` is the closing balance; the opening one is
 * the closing one less the lines (what Odoo's own OFX import does). Only the five XML entities and character
 * references are decoded; anything else is kept as written.
 */
import { addDecimal } from "../../money.js";
import {
  calendarDate,
  cleanText,
  invalid,
  MAX_LINES,
  negate,
  type ParsedStatement,
  plainDecimal,
  type StatementLine,
} from "./statement-line.js";

interface Aggregate {
  name: string;
  line: number;
  values: Record<string, string>;
  children: Aggregate[];
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#")) {
      const code = ref[1] === "x" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
        ? String.fromCodePoint(code)
        : whole;
    }
    return ENTITIES[ref] ?? whole;
  });
}

function tokenize(text: string): Aggregate {
  const start = text.search(/<OFX>/i);
  if (start < 0) throw invalid("This is not an OFX file: it has no <OFX> element.");
  const root: Aggregate = { name: "#root", line: 1, values: {}, children: [] };
  const stack: Aggregate[] = [root];
  let line = text.slice(0, start).split("\n").length;
  let last = start;
  const tag = /<(\/?)([A-Za-z0-9_.]+)[^>]*>([^<]*)/g;
  tag.lastIndex = start;
  let count = 0;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    for (let i = last; i < m.index; i++) if (text.charCodeAt(i) === 10) line++;
    last = m.index;
    if (++count > MAX_LINES * 40) throw invalid("The OFX file is too large for a bank statement.");
    const name = (m[2] ?? "").toUpperCase();
    const value = (m[3] ?? "").trim();
    const top = stack[stack.length - 1] as Aggregate;
    if (m[1]) {
      const at = stack.map((a) => a.name).lastIndexOf(name);
      if (at > 0) stack.length = at;
      continue;
    }
    if (value) top.values[name] = decode(value);
    else {
      const aggregate: Aggregate = { name, line, values: {}, children: [] };
      top.children.push(aggregate);
      stack.push(aggregate);
      if (stack.length > 64) throw invalid(`OFX line ${line}: elements nested too deep.`);
    }
  }
  return root;
}

function find(aggregate: Aggregate, name: string): Aggregate[] {
  const out: Aggregate[] = [];
  const walk = (a: Aggregate) => {
    for (const c of a.children) {
      if (c.name === name) out.push(c);
      else walk(c);
    }
  };
  walk(aggregate);
  return out;
}

/** OFX dates: `YYYYMMDD[HHMMSS[.XXX]][[-5:EST]]`; the day as written. */
function ofxDate(text: string | undefined): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec(text ?? "");
  return m ? calendarDate(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

/** OFX amounts have `.` decimals; some banks write `,`. */
function ofxAmount(text: string | undefined): string | null {
  const t = (text ?? "").replace(/\s/g, "");
  return plainDecimal(t.includes(".") ? t : t.replace(",", "."));
}

export function parseOfx(text: string): ParsedStatement {
  const root = tokenize(text);
  const statements = [...find(root, "STMTRS"), ...find(root, "CCSTMTRS")];
  if (statements.length !== 1) {
    throw invalid(
      statements.length
        ? `The file holds ${statements.length} statements; import a file with one account at a time.`
        : "The OFX file holds no bank statement (STMTRS or CCSTMTRS).",
    );
  }
  const statement = statements[0] as Aggregate;
  const currency = statement.values.CURDEF?.toUpperCase();
  const transactions = find(statement, "STMTTRN");
  if (transactions.length > MAX_LINES)
    throw invalid(`The file has more than ${MAX_LINES} transactions; split it.`);
  const lines: StatementLine[] = transactions.map((t) => {
    const v = t.values;
    const date = ofxDate(v.DTPOSTED);
    if (!date)
      throw invalid(`OFX line ${t.line}: DTPOSTED ${JSON.stringify(v.DTPOSTED ?? "")} is not a date.`, {
        line: t.line,
      });
    const amount = ofxAmount(v.TRNAMT);
    if (amount === null)
      throw invalid(`OFX line ${t.line}: TRNAMT ${JSON.stringify(v.TRNAMT ?? "")} is not an amount.`, {
        line: t.line,
      });
    const payee = find(t, "PAYEE")[0]?.values.NAME;
    const name = cleanText(v.NAME ?? payee);
    const memo = cleanText(v.MEMO);
    const label = !memo
      ? name
      : !name || memo.includes(name)
        ? memo
        : name.includes(memo)
          ? name
          : `${name} ${memo}`;
    const lineCurrency = find(t, "CURRENCY")[0]?.values.CURSYM?.toUpperCase();
    const reference = cleanText(v.FITID);
    const account = cleanText(find(t, "BANKACCTTO")[0]?.values.ACCTID);
    const type = cleanText(v.TRNTYPE);
    return {
      line: t.line,
      date,
      amount,
      label: cleanText(label),
      ...(name ? { partnerName: name } : {}),
      ...(reference ? { reference } : {}),
      ...(account ? { accountNumber: account } : {}),
      ...(lineCurrency ? { currency: lineCurrency } : {}),
      ...(type ? { transactionType: type } : {}),
    };
  });
  const ledger = find(statement, "LEDGERBAL")[0];
  const balanceEnd = ledger ? ofxAmount(ledger.values.BALAMT) : null;
  if (ledger && balanceEnd === null)
    throw invalid(`OFX line ${ledger.line}: LEDGERBAL has no BALAMT amount.`);
  // OFX gives no opening balance: the closing one less the lines (Odoo's OFX import computes it so).
  const balanceStart =
    balanceEnd === null ? null : lines.reduce((sum, l) => addDecimal(sum, negate(l.amount)), balanceEnd);
  return {
    lines,
    refused: [],
    ...(currency ? { currency } : {}),
    ...(balanceEnd !== null && balanceStart !== null ? { balanceStart, balanceEnd } : {}),
  };
}
