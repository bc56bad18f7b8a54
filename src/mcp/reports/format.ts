import { formatMinor, minorToNumber } from "../money.js";
import type { Account } from "./ledger.js";

/** `123456789n, 2` → `"1,234,567.89"`, negatives in parentheses-free minus form: `"-1,234.50"`. */
export function money(minor: bigint, decimals: number): string {
  const [intPart = "0", fracPart] = formatMinor(minor, decimals).split(".");
  const negative = intPart.startsWith("-");
  const digits = negative ? intPart.slice(1) : intPart;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${fracPart === undefined ? "" : `.${fracPart}`}`;
}

export function num(minor: bigint, decimals: number): number {
  return minorToNumber(minor, decimals);
}

export function accountLabel(account: Account): string {
  return account.code ? `${account.code} ${account.name}` : account.name;
}

export interface AccountAmount {
  account_id: number;
  code: string;
  name: string;
  account_type: string | null;
  amount: number;
}

export function accountAmount(account: Account, minor: bigint, decimals: number): AccountAmount {
  return {
    account_id: account.id,
    code: account.code,
    name: account.name,
    account_type: account.type,
    amount: num(minor, decimals),
  };
}
