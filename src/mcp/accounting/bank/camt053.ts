/**
 * ISO 20022 CAMT.053 (bank-to-customer statement, any version 001.02 to 001.13): one `Stmt` of one account. Each
 * `Ntry` is one line: its `Amt` (with `Ccy`) and `CdtDbtInd` (DBIT is money out), its `BookgDt`, the bank's
 * reference (`AcctSvcrRef`, else `NtryRef`, else the transaction's `EndToEndId` unless NOTPROVIDED), the label
 * (`RmtInf/Ustrd`, the structured creditor reference, else `AddtlNtryInf`), the counterparty (`RltdPties`:
 * the debtor of money in, the creditor of money out) and its IBAN. Balances: OPBD (or PRCD) and CLBD. A pending
 * entry (`Sts` PDNG or INFO) is not booked: refused with that reason.
 */
import {
  calendarDate,
  cleanText,
  invalid,
  MAX_LINES,
  negate,
  type ParsedStatement,
  plainDecimal,
  type RefusedLine,
  type StatementLine,
} from "./statement-line.js";
import { child, children, parseXml, textAt, type XmlElement } from "./xml.js";

function amountOf(element: XmlElement | undefined, where: string): { amount: string; currency?: string } {
  const raw = element?.text.trim() ?? "";
  const amount = plainDecimal(raw);
  if (!element || amount === null)
    throw invalid(`CAMT line ${element?.line ?? "?"}: ${where} has no amount (got ${JSON.stringify(raw)}).`);
  const currency = element.attributes.Ccy?.trim().toUpperCase();
  return { amount, ...(currency ? { currency } : {}) };
}

function signed(amount: string, indicator: string | undefined, line: number): string {
  if (indicator === "CRDT") return amount;
  if (indicator === "DBIT") return negate(amount);
  throw invalid(`CAMT line ${line}: CdtDbtInd must be CRDT or DBIT, got ${JSON.stringify(indicator ?? "")}.`);
}

function dateOf(element: XmlElement | undefined): string | null {
  const text = textAt(element, "Dt") ?? textAt(element, "DtTm");
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text ?? "");
  return m ? calendarDate(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

/** A party's name in every version's shape: `Dbtr/Nm` (up to 001.07) or `Dbtr/Pty/Nm` (from 001.08). */
function partyName(parties: XmlElement | undefined, role: string): string | undefined {
  return textAt(parties, role, "Nm") ?? textAt(parties, role, "Pty", "Nm");
}

function partyAccount(parties: XmlElement | undefined, role: string): string | undefined {
  return textAt(parties, `${role}Acct`, "Id", "IBAN") ?? textAt(parties, `${role}Acct`, "Id", "Othr", "Id");
}

function balance(statement: XmlElement, codes: string[]): string | undefined {
  for (const code of codes) {
    const bal = children(statement, "Bal").find((b) => textAt(b, "Tp", "CdOrPrtry", "Cd") === code);
    if (bal)
      return signed(
        amountOf(child(bal, "Amt"), `the ${code} balance`).amount,
        textAt(bal, "CdtDbtInd"),
        bal.line,
      );
  }
  return undefined;
}

export function parseCamt053(text: string): ParsedStatement {
  const doc = parseXml(text);
  const report = child(doc, "BkToCstmrStmt");
  if (doc.name !== "Document" || !report) {
    throw invalid(
      `This XML is not a CAMT.053 statement (its root is <${doc.name}>, not Document/BkToCstmrStmt).`,
    );
  }
  const statements = children(report, "Stmt");
  if (statements.length !== 1) {
    throw invalid(
      `The file holds ${statements.length} statements; import a file with one statement (one account) at a time.`,
    );
  }
  const statement = statements[0] as XmlElement;
  const entries = children(statement, "Ntry");
  if (entries.length > MAX_LINES) throw invalid(`The file has more than ${MAX_LINES} entries; split it.`);
  const lines: StatementLine[] = [];
  const refused: RefusedLine[] = [];
  for (const entry of entries) {
    const status = textAt(entry, "Sts") ?? textAt(entry, "Sts", "Cd");
    if (status === "PDNG" || status === "INFO") {
      refused.push({
        line: entry.line,
        reason: `a ${status === "PDNG" ? "pending" : "information"} entry, not booked`,
      });
      continue;
    }
    const { amount, currency } = amountOf(child(entry, "Amt"), "the entry");
    const indicator = textAt(entry, "CdtDbtInd");
    const date = dateOf(child(entry, "BookgDt")) ?? dateOf(child(entry, "ValDt"));
    if (!date)
      throw invalid(`CAMT line ${entry.line}: the entry has no booking date (BookgDt/Dt).`, {
        line: entry.line,
      });
    const details = children(child(entry, "NtryDtls"), "TxDtls");
    const first = details[0];
    const endToEnd = textAt(first, "Refs", "EndToEndId");
    const reference =
      textAt(entry, "AcctSvcrRef") ??
      textAt(entry, "NtryRef") ??
      textAt(first, "Refs", "AcctSvcrRef") ??
      (endToEnd && endToEnd !== "NOTPROVIDED" ? endToEnd : undefined);
    const remittance = details.flatMap((d) => [
      ...children(child(d, "RmtInf"), "Ustrd").map((u) => u.text),
      ...children(child(d, "RmtInf"), "Strd").map((s) => textAt(s, "CdtrRefInf", "Ref") ?? ""),
    ]);
    const label =
      cleanText(remittance.join(" ")) ||
      cleanText(textAt(entry, "AddtlNtryInf") ?? textAt(first, "AddtlTxInf"));
    const signedAmount = signed(amount, indicator, entry.line);
    const role = signedAmount.startsWith("-") ? "Cdtr" : "Dbtr";
    const parties = child(first, "RltdPties");
    const partner = cleanText(partyName(parties, role));
    const account = cleanText(partyAccount(parties, role));
    const type = cleanText(
      textAt(entry, "BkTxCd", "Prtry", "Cd") ?? textAt(entry, "BkTxCd", "Domn", "Fmly", "SubFmlyCd"),
    );
    lines.push({
      line: entry.line,
      date,
      amount: signedAmount,
      label,
      ...(partner ? { partnerName: partner } : {}),
      ...(reference ? { reference: cleanText(reference) } : {}),
      ...(account ? { accountNumber: account } : {}),
      ...(currency ? { currency } : {}),
      ...(type ? { transactionType: type } : {}),
    });
  }
  const currency = textAt(statement, "Acct", "Ccy")?.toUpperCase();
  const balanceStart = balance(statement, ["OPBD", "PRCD"]);
  const balanceEnd = balance(statement, ["CLBD"]);
  const name = cleanText(textAt(statement, "Id") ?? textAt(statement, "ElctrncSeqNb"));
  return {
    lines,
    refused,
    ...(currency ? { currency } : {}),
    ...(balanceStart !== undefined ? { balanceStart } : {}),
    ...(balanceEnd !== undefined ? { balanceEnd } : {}),
    ...(name ? { name } : {}),
  };
}
