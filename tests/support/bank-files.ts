import fs from "node:fs";
import path from "node:path";

/** The bank files in tests/fixtures/bank, as a bank exports them. */
export const bankFile = (name: string): string =>
  fs.readFileSync(path.resolve(import.meta.dirname, "../fixtures/bank", name), "utf8");

/** november.csv's column mapping: a European export (DD/MM/YYYY, 1.150,00). */
export const NOVEMBER_CSV = {
  date: "Booking date",
  amount: "Amount",
  label: "Description",
  partner: "Counterparty",
  reference: "Transaction id",
  date_format: "DD/MM/YYYY",
  decimal: ",",
  thousands: ".",
} as const;
