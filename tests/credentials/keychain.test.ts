import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApprovalStore } from "../../src/mcp/approvals/open.js";
import {
  createOsKeychain,
  type Keychain,
  keychainAccount,
  probeKeychain,
} from "../../src/mcp/credentials/keychain.js";
import { buildForChildren } from "../approvals/helpers/build.js";

const run = promisify(execFile);

/**
 * Against the real OS keychain (GNOME Keyring over D-Bus on Linux). This test does not skip: without a keychain it
 * fails and says how to run it.
 */
const HOW_TO =
  "These tests need a real OS keychain. On Linux run them inside a D-Bus session with an unlocked GNOME Keyring: " +
  "bash scripts/with-keyring.sh npx vitest run tests/credentials " +
  "(needs: apt-get install -y gnome-keyring dbus libsecret-tools)";

// A service name of its own per run, so the test never touches the product's real entries.
const service = `odoo-mcp-test-${randomBytes(4).toString("hex")}`;
let keychain: Keychain;
const created: string[] = [];

beforeAll(async () => {
  keychain = createOsKeychain(service);
  try {
    await probeKeychain(keychain);
  } catch (error) {
    throw new Error(`${HOW_TO}\nReason: ${error instanceof Error ? error.message : String(error)}`);
  }
});
afterAll(async () => {
  for (const account of created) await keychain?.delete(account).catch(() => {});
});

describe("OS keychain", () => {
  it("stores, reads back and deletes a secret", async () => {
    const account = keychainAccount("https://odoo.example.com/", "books", "ada", "api_key");
    created.push(account);
    const secret = `key-${randomBytes(12).toString("hex")}`;
    expect(await keychain.get(account)).toBeNull();
    await keychain.set(account, secret);
    expect(await keychain.get(account)).toBe(secret);
    // A second handle (as another process would have) sees it too.
    expect(await createOsKeychain(service).get(account)).toBe(secret);
    expect(await keychain.delete(account)).toBe(true);
    expect(await keychain.delete(account)).toBe(false);
    expect(await keychain.get(account)).toBeNull();
  });

  it("keeps the approval signing key in the keychain, never in the data folder", async () => {
    created.push("approval-signing-key", "approval-journal-head");
    const dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-kc-"));
    try {
      const store = await openApprovalStore({ dataDir, keychain });
      expect(store.sealed).toBe(true);
      const key = await keychain.get("approval-signing-key");
      expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      const record = await store.create({
        tool: "t",
        args: { a: 1 },
        meta: { target: "" },
        ttlMs: 60_000,
      });
      await store.decide(record.id, { decision: "approved", channel: "cli", actor: "me" });
      // A second store (another process) uses the same key, so it verifies the first one's signatures.
      const other = await openApprovalStore({ dataDir, keychain: createOsKeychain(service) });
      expect(await other.claim(record.id)).not.toBeNull();
      const files = await readdir(dataDir, { recursive: true });
      expect(files).not.toContain(".approval-key");
      for (const file of files.filter((f) => f.endsWith(".json")))
        expect(await readFile(path.join(dataDir, file), "utf8")).not.toContain(key!);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("keychainAccount", () => {
  it("names one entry per server, database, user and kind", () => {
    expect(keychainAccount("HTTPS://Odoo.Example.com/", "books", "ada", "api_key")).toBe(
      "api_key:ada@books@https://odoo.example.com",
    );
    expect(keychainAccount("https://odoo.example.com", "books", "ada", "password")).not.toBe(
      keychainAccount("https://odoo.example.com", "books", "ada", "api_key"),
    );
    expect(keychainAccount("https://odoo.example.com", "other", "ada", "api_key")).not.toBe(
      keychainAccount("https://odoo.example.com", "books", "ada", "api_key"),
    );
  });
});

describe("without a keychain", () => {
  let build: { dir: string; cleanup(): Promise<void> } | undefined;
  afterAll(async () => {
    await build?.cleanup();
  });

  it("fails with a clear message that names the problem and never the secret", async () => {
    if (process.platform !== "linux") return;
    build = await buildForChildren();
    // A process whose D-Bus address leads nowhere: the Secret Service cannot be reached.
    const script = `
      import path from "node:path";
import { promisify } from "node:util";
      import { pathToFileURL } from "node:url";
      const { createOsKeychain } = await import(pathToFileURL(path.join(process.env.BUILD_DIR, "mcp/credentials/keychain.js")).href);
      const error = await createOsKeychain("odoo-mcp-test").set("x", "super-secret-value-123").catch((e) => e);
      process.stdout.write(JSON.stringify({ name: error?.name, message: error?.message }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: {
        ...process.env,
        BUILD_DIR: build.dir,
        DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/odoo-mcp-bus",
      },
    });
    const error = JSON.parse(stdout) as { name?: string; message?: string };
    expect(error.name).toBe("KeychainUnavailableError");
    expect(error.message).toMatch(/^no OS keychain available: /);
    expect(error.message).not.toContain("super-secret-value-123");
  }, 60_000);
});
