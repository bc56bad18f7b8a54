import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The rules of docs/ARCHITECTURE.md ("Rooms and what each may import"), read from the syntax tree of every source
 * file. Two kinds:
 * - `src/mcp` (the published server) never imports `src/sandbox` (the fake Odoo) or `src/bench`, so that the
 *   server cannot end up talking to the fake by a code path of its own. The only exceptions are the `demo` and
 *   `sandbox` commands, which load the sandbox with a dynamic `import()` when they run.
 * - Each room imports only the rooms its line of ROOMS names (and the foundation), and only the packages its
 *   platform has: no Electron or React in `src/mcp`, nothing of Node, Electron or `src/mcp` in the windows.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const MCP = path.join(ROOT, "src/mcp");
const SANDBOX = path.join(ROOT, "src/sandbox");
const BENCH = path.join(ROOT, "src/bench");
const MAY_LOAD_SANDBOX = new Set(["src/mcp/cli/demo.ts", "src/mcp/cli/sandbox.ts"]);

interface Edge {
  from: string;
  specifier: string;
  /** Absolute path the relative specifier points at; undefined for packages (`node:fs`, `zod`). */
  target: string | undefined;
  dynamic: boolean;
}

/** Every import of a source text: `import`, `import type`, `export … from`, `import()`, read from its syntax tree. */
function importsOf(file: string, text: string): Edge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const edges: Edge[] = [];
  const add = (specifier: string, dynamic: boolean) =>
    edges.push({
      from: path.relative(ROOT, file),
      specifier,
      target: specifier.startsWith(".") ? path.resolve(path.dirname(file), specifier) : undefined,
      dynamic,
    });
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      add(node.moduleSpecifier.text, false);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [first] = node.arguments;
      // A computed specifier could hide anything: it counts as an import of an unknown module.
      add(first && ts.isStringLiteralLike(first) ? first.text : "<computed>", true);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const literal = node.argument.literal;
      if (ts.isStringLiteral(literal)) add(literal.text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const inside = (target: string | undefined, dir: string) =>
  target !== undefined && (target === dir || target.startsWith(`${dir}${path.sep}`));

/** The edges that break the rule. */
function violations(edges: Edge[]): Edge[] {
  return edges.filter((edge) => {
    if (edge.specifier === "<computed>") return true;
    if (inside(edge.target, BENCH)) return true;
    if (inside(edge.target, SANDBOX)) return !(edge.dynamic && MAY_LOAD_SANDBOX.has(edge.from));
    return false;
  });
}

describe("the import graph of src/mcp", () => {
  const files = sourceFiles(MCP);
  const edges = files.flatMap((file) => importsOf(file, readFileSync(file, "utf8")));

  it("never reaches src/sandbox or src/bench, except the demo and sandbox commands' dynamic import()", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(violations(edges)).toEqual([]);
  });

  it("sees the two allowed dynamic imports of the sandbox (the scan reads what it checks)", () => {
    const allowed = edges.filter((edge) => inside(edge.target, SANDBOX)).map((edge) => edge.from);
    expect(new Set(allowed)).toEqual(MAY_LOAD_SANDBOX);
  });

  it("flags every kind of forbidden import in a file of src/mcp", () => {
    const demo = path.join(MCP, "cli/demo.ts");
    const tools = path.join(MCP, "tools/example.ts");
    const text = [
      'import { startSandbox } from "../../sandbox/index.js";',
      'import type { Sandbox } from "../../sandbox/index.js";',
      'export { sandboxEnv } from "../../sandbox/connection.js";',
      'const bench = await import("../../bench/bench.js");',
      'type S = import("../../sandbox/index.js").Sandbox;',
      "const any = await import(name);",
      'const fine = await import("../../sandbox/index.js");',
    ].join("\n");
    const flagged = violations(importsOf(tools, text)).map((edge) => edge.specifier);
    expect(flagged).toEqual([
      "../../sandbox/index.js",
      "../../sandbox/index.js",
      "../../sandbox/connection.js",
      "../../bench/bench.js",
      "../../sandbox/index.js",
      "<computed>",
      "../../sandbox/index.js",
    ]);
    // In the demo command only the dynamic import of the sandbox is allowed; a static one is not.
    const inDemo = violations(importsOf(demo, text)).map(
      (edge) => `${edge.specifier}${edge.dynamic ? " ()" : ""}`,
    );
    expect(inDemo).toEqual([
      "../../sandbox/index.js",
      "../../sandbox/index.js",
      "../../sandbox/connection.js",
      "../../bench/bench.js ()",
      "../../sandbox/index.js",
      "<computed> ()",
    ]);
  });
});

/**
 * The rooms of `src` and what each may import (docs/ARCHITECTURE.md draws the same table). A room is a folder of
 * `src/mcp` (`mcp/approvals`), a single file there (`mcp/server`), or a top-level folder of `src` (`main`).
 * FOUNDATION is what every room of `src/mcp` and the desktop's main process may import: errors, money, dates,
 * the logger, files, HMAC, and the amounts as a person reads them (`shared/money-text.ts`, which the windows share); it imports only itself and `mcp/odoo`'s error types (error-map turns them into contract codes).
 * An entry with `.ts` names one file of a room, not the whole room.
 */
const FOUNDATION = [
  "mcp/errors",
  "mcp/error-map",
  "mcp/money",
  "mcp/dates",
  "mcp/sleep",
  "mcp/log",
  "mcp/version",
  "mcp/fsutil",
  "mcp/hmac",
  "shared/money-text.ts",
];
const ROOMS: Record<string, readonly string[]> = {
  "mcp/odoo": [],
  "mcp/credentials": ["mcp/config"],
  "mcp/queue": [],
  "mcp/chain": [],
  "mcp/audit": ["mcp/chain", "mcp/credentials"],
  "mcp/accounting": ["mcp/odoo", "shared/document.ts", "shared/document-text.ts"],
  "mcp/reports": ["mcp/accounting", "mcp/odoo", "shared/report-types.ts"],
  "mcp/config": ["mcp/approvals/policy.ts", "mcp/tools/toolsets.ts", "shared/toolsets.ts"],
  "mcp/approvals": [
    "mcp/accounting",
    "mcp/audit",
    "mcp/chain",
    "mcp/config",
    "mcp/credentials",
    "mcp/odoo",
    "mcp/queue",
    "shared",
  ],
  "mcp/history-check": ["mcp/approvals", "mcp/audit", "mcp/credentials"],
  "mcp/tools": [
    "mcp/accounting",
    "mcp/approvals",
    "mcp/audit",
    "mcp/odoo",
    "mcp/reports",
    "shared/toolsets.ts",
    "shared/views.ts",
  ],
  "mcp/app": [
    "mcp/accounting",
    "mcp/approvals",
    "mcp/audit",
    "mcp/config",
    "mcp/credentials",
    "mcp/odoo",
    "mcp/queue",
  ],
  "mcp/server": ["mcp/accounting", "mcp/app", "mcp/apps", "mcp/tools", "shared"],
  "mcp/http-server": ["mcp/app", "mcp/server"],
  "mcp/cli": ["mcp/*", "shared", "sandbox"],
  "mcp/bin": ["mcp/cli"],
  /** The MCP Apps as the server offers them: their HTML, their tools (the app-only reads), each tool's `_meta`. */
  "mcp/apps": ["mcp/tools"],
  main: ["mcp/*", "shared"],
  renderer: ["shared", "ui"],
  /** What the windows and the MCP Apps share: the document's layout, the escaping, the look. */
  ui: ["shared"],
  /** The MCP Apps shown inside the chat: a browser page like the windows, and what the server says over the host. */
  apps: ["shared", "ui"],
  shared: [],
  sandbox: ["mcp/odoo"],
  bench: ["mcp/*", "sandbox"],
};
/** Packages a room may not import, by platform: the server is plain Node, the windows are a browser page. */
const FORBIDDEN_PACKAGES: Record<string, RegExp> = {
  mcp: /^(electron|react|react-dom)(\/|$)/,
  sandbox: /^(electron|react|react-dom)(\/|$)/,
  shared: /^(?!zod$)/,
  renderer: /^(node:|electron)|^(fs|path|os|child_process|crypto)$/,
  ui: /^(node:|electron)|^(fs|path|os|child_process|crypto)$/,
  apps: /^(node:|electron)|^(fs|path|os|child_process|crypto)$/,
};

const SRC = path.join(ROOT, "src");

function roomOf(file: string): { room: string; file: string } {
  const rel = path.relative(SRC, file).split(path.sep).join("/").replace(/\.js$/, ".ts");
  const parts = rel.split("/");
  if (parts[0] !== "mcp") return { room: parts[0] ?? rel, file: rel };
  const room = parts.length === 2 ? `mcp/${(parts[1] ?? "").replace(/\.tsx?$/, "")}` : `mcp/${parts[1]}`;
  return { room, file: rel };
}

function allowed(from: string, to: { room: string; file: string }): boolean {
  if (to.room === from) return true;
  if (from.startsWith("mcp/") || from === "main") {
    if (FOUNDATION.includes(to.room) || FOUNDATION.includes(to.file)) return true;
  }
  if (FOUNDATION.includes(from) && to.room === "mcp/odoo") return to.file === "mcp/odoo/errors.ts";
  const rules = ROOMS[from];
  if (rules === undefined) return false;
  return rules.some((rule) => {
    if (rule === "mcp/*") return to.room.startsWith("mcp/");
    if (rule.endsWith(".ts")) return to.file === rule;
    return to.room === rule;
  });
}

/** The edges of `src` that break a room's rule, as "from → to" lines. */
function roomViolations(edges: Edge[]): string[] {
  const out: string[] = [];
  for (const edge of edges) {
    const from = roomOf(path.join(ROOT, edge.from)).room;
    if (edge.target === undefined) {
      const platform = from.split("/")[0] ?? from;
      const forbidden = FORBIDDEN_PACKAGES[platform];
      if (forbidden?.test(edge.specifier)) out.push(`${edge.from} → ${edge.specifier}`);
      continue;
    }
    if (!inside(edge.target, SRC)) {
      if (!edge.from.startsWith("src/renderer/") || !edge.specifier.endsWith(".css"))
        out.push(`${edge.from} → ${edge.specifier}`);
      continue;
    }
    const to = roomOf(edge.target);
    if (!allowed(from, to)) out.push(`${edge.from} → ${to.file}`);
  }
  return out;
}

describe("the rooms of src", () => {
  const files = readdirSync(SRC, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
  const edges = files.flatMap((file) => importsOf(file, readFileSync(file, "utf8")));

  it("import only what docs/ARCHITECTURE.md allows them", () => {
    expect(edges.length).toBeGreaterThan(500);
    expect(roomViolations(edges)).toEqual([]);
  });

  it("every room of src is in the table (a new room is a decision, written down)", () => {
    const rooms = new Set(files.map((file) => roomOf(file).room));
    const unlisted = [...rooms].filter((room) => ROOMS[room] === undefined && !FOUNDATION.includes(room));
    expect(unlisted).toEqual([]);
  });

  it("flags what breaks a rule: a window reaching Node or the server, the server reaching Electron, a room skipping down", () => {
    const at = (rel: string) => path.join(SRC, rel);
    const probe = (rel: string, text: string) => roomViolations(importsOf(at(rel), text));
    expect(probe("renderer/approvals/App.tsx", 'import { readFile } from "node:fs";')).toHaveLength(1);
    expect(probe("renderer/approvals/App.tsx", 'import { x } from "../../mcp/money.js";')).toHaveLength(1);
    expect(probe("renderer/approvals/App.tsx", 'import { x } from "../../shared/ipc.js";')).toEqual([]);
    expect(probe("mcp/approvals/core.ts", 'import { app } from "electron";')).toHaveLength(1);
    expect(probe("mcp/accounting/invoices.ts", 'import { x } from "../approvals/core.js";')).toHaveLength(1);
    expect(probe("mcp/odoo/client.ts", 'import { x } from "../accounting/invoices.js";')).toHaveLength(1);
    expect(probe("mcp/tools/definition.ts", 'import { x } from "../../main/tray.js";')).toHaveLength(1);
    expect(probe("shared/ipc.ts", 'import { x } from "../mcp/tools/toolsets.js";')).toHaveLength(1);
    expect(probe("mcp/odoo/client.ts", 'import { x } from "../money.js";')).toEqual([]);
    // The MCP Apps: a browser page, like the windows; the server's folder for them is plain Node.
    expect(probe("apps/approval/Card.tsx", 'import { readFile } from "node:fs";')).toHaveLength(1);
    expect(
      probe("apps/approval/Card.tsx", 'import { x } from "../../mcp/tools/approval-view.js";'),
    ).toHaveLength(1);
    expect(probe("apps/approval/Card.tsx", 'import { x } from "../../renderer/bridge.js";')).toHaveLength(1);
    expect(probe("apps/approval/Card.tsx", 'import { x } from "../../ui/DocumentView.js";')).toEqual([]);
    expect(probe("ui/DocumentView.tsx", 'import { x } from "../renderer/bridge.js";')).toHaveLength(1);
    expect(probe("mcp/apps/index.ts", 'import { x } from "react";')).toHaveLength(1);
  });
});
