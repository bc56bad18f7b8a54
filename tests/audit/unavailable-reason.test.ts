import { describe, expect, it } from "vitest";
import { auditUnavailableReason } from "../../src/mcp/audit/audit-log.js";
import { KeychainUnavailableError } from "../../src/mcp/credentials/keychain.js";
import { registerSecret } from "../../src/mcp/log.js";

const errno = (code: string) => Object.assign(new Error(`${code}: something at /data/Logs`), { code });

describe("why the audit log cannot be written, told to the person", () => {
  it("says what to do for each cause: a full disk, a folder that cannot be written, a busy lock, the keychain", () => {
    expect(auditUnavailableReason(errno("ENOSPC"))).toMatch(/disk is full/);
    expect(auditUnavailableReason(errno("EACCES"))).toMatch(/cannot be written: check its permissions/);
    expect(auditUnavailableReason(errno("EROFS"))).toMatch(/permissions/);
    expect(
      auditUnavailableReason(new Error("timed out waiting for the lock /d/Logs/.audit.lock (held by pid 9)")),
    ).toMatch(/another odoo-mcp process held the audit log's lock too long/);
    expect(auditUnavailableReason(new KeychainUnavailableError("Secret Service: no result found"))).toMatch(
      /OS keychain.*did not answer/,
    );
  });

  it("keeps any other cause, redacted and short, never a secret", () => {
    registerSecret("audit-reason-secret-7f3a91");
    const reason = auditUnavailableReason(
      new Error(`odd failure with audit-reason-secret-7f3a91 ${"x".repeat(500)}`),
    );
    expect(reason).toMatch(/^odd failure/);
    expect(reason).not.toContain("audit-reason-secret-7f3a91");
    expect(reason.length).toBeLessThan(300);
  });
});
