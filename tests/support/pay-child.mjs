// One approved payment applied in a process of its own, as the executor of a server, the app or a terminal does
// (tests/tools/two-processes.test.ts): the BUILT record_payment operation, with the process locks of the data folder
// as the executor gives them (ApplyRef.across). Argument: JSON {connection, dataDir, invoice, amount, date}. Prints
// the output as JSON (without the locks, two at once each saw the amount due drop by both: RECONCILIATION_FAILED).
import { processLocks } from "../../dist/mcp/accounting/one-at-a-time.js";
import { recordPaymentOperation } from "../../dist/mcp/accounting/payments.js";
import { newApprovalId } from "../../dist/mcp/approvals/ids.js";
import { createOdooClient } from "../../dist/mcp/odoo/client.js";

const { connection, dataDir, invoice, amount, date } = JSON.parse(process.argv[2]);
const odoo = createOdooClient(connection);
try {
  const input = { invoice_id: invoice, amount, payment_date: date, payment_method: "bank_transfer" };
  const marker = await recordPaymentOperation.mark(odoo, input);
  const output = await recordPaymentOperation.apply(odoo, input, {
    approvalId: newApprovalId(),
    marker,
    across: processLocks(dataDir),
  });
  process.stdout.write(JSON.stringify(output));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: `${error?.code ?? ""} ${error?.message ?? error}` }));
} finally {
  await odoo.close();
}
