import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The rule of docs/ARCHITECTURE.md: `src/mcp` (the published server) never imports `src/sandbox` (the fake
 * Odoo) or `src/bench`, so that the server cannot end up talking to the fake by a code path of its own. The only
 * exceptions are the `demo` and `sandbox` commands, which load the sandbox with a dynamic `import()` when they run.
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
