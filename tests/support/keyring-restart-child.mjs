// Run under scripts/with-keyring.sh by tests/credentials/keyring-restart.test.ts: the built OS keychain keeps
// working after the Secret Service's daemon dies and the bus starts it again. Prints one JSON line.
import { execFileSync } from "node:child_process";
import { createOsKeychain } from "../../dist/mcp/credentials/keychain.js";

const daemonPid = () => {
  const out = execFileSync("dbus-send", [
    "--session",
    "--print-reply",
    "--dest=org.freedesktop.DBus",
    "/org/freedesktop/DBus",
    "org.freedesktop.DBus.GetConnectionUnixProcessID",
    "string:org.freedesktop.secrets",
  ]).toString();
  return Number(/uint32 (\d+)/.exec(out)?.[1]);
};
const gone = async (pid) => {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`daemon ${pid} did not end`);
};

const keychain = createOsKeychain("odoo-mcp-restart-test");
const result = {};
await keychain.set("account", "before");
result.before = await keychain.get("account");
const first = daemonPid();
process.kill(first, "SIGKILL");
await gone(first);
try {
  result.afterKill = await keychain.get("account");
  await keychain.set("account", "after");
  result.afterSet = await keychain.get("account");
} catch (error) {
  result.error = error instanceof Error ? error.message : String(error);
}
result.restarted = daemonPid() !== first;
process.stdout.write(`${JSON.stringify(result)}\n`);
