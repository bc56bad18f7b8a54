import { t } from "./text.js";

/**
 * What a person must read before the document: a request that failed its integrity checks, one Odoo would refuse
 * now, one shown from the agent's arguments alone (Odoo unreachable), an invoice going to an address that is not
 * the customer's own. The approval window and the approval card in the chat say it in the same words.
 */
export function RequestWarnings({
  integrity,
  refused,
  fromArguments,
  recipientDiffers,
  newContact,
}: {
  integrity: string[];
  refused?: string | undefined;
  fromArguments: boolean;
  recipientDiffers?: boolean | undefined;
  newContact?: boolean | undefined;
}) {
  return (
    <>
      {integrity.length > 0 && (
        <div className="alert alert-danger" role="alert">
          <strong>Do not trust this request.</strong> It cannot be approved:
          <ul>
            {integrity.map((problem) => (
              <li key={problem}>{t(problem, 400)}</li>
            ))}
          </ul>
        </div>
      )}
      {refused && (
        <div className="alert alert-warning" role="alert">
          <strong>Odoo would refuse this now:</strong> {t(refused, 400)}
        </div>
      )}
      {fromArguments && (
        <div className="alert alert-warning">
          Odoo cannot be reached: shown from the exact arguments the agent sent, nothing looked up.
        </div>
      )}
      {recipientDiffers && (
        <p className="recipient differs">
          <span className="flag" role="note">
            The invoice goes to an address that is not the customer's own
            {newContact ? " — a new contact will be created" : ""}
          </span>
        </p>
      )}
    </>
  );
}
