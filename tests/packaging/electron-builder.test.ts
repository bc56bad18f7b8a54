import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { minimatch } from "minimatch";
import { beforeAll, describe, expect, it } from "vitest";
import { readPng } from "./png.js";

/**
 * electron-builder.yml cannot be exercised here (electron-builder needs the Electron binary, which these
 * machines cannot download), so its structure is checked instead: electron-builder's own JSON schema, the app's
 * identity, that every `files` pattern ships something from a real build and nothing it must not, the native
 * keychain binaries left outside the asar, the fuses as docs/PACKAGING.md documents them, and the icons.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);
const yaml = require("js-yaml") as { load(text: string): unknown };

interface BuilderConfig {
  appId: string;
  productName: string;
  copyright: string;
  extraMetadata?: { main?: string };
  files: string[];
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  mac: { target: string[]; category: string; icon: string; extendInfo?: Record<string, unknown> };
  win: { target: string[]; icon: string };
  linux: { target: string[]; category: string; icon: string };
  directories: { output: string };
}
const config = yaml.load(readFileSync(path.join(ROOT, "electron-builder.yml"), "utf8")) as BuilderConfig;

/** Every file under dir, as a path relative to ROOT with forward slashes. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(ROOT, relative))) {
      const child = `${relative}/${name}`;
      if (statSync(path.join(ROOT, child)).isDirectory()) walk(child);
      else out.push(child);
    }
  };
  if (existsSync(path.join(ROOT, dir))) walk(dir);
  return out;
}

/** True when a source folder holds code (so its build output must exist). */
function hasSource(dir: string): boolean {
  return filesUnder(dir).some((file) => /\.(ts|tsx|mts|js|mjs|html|css)$/.test(file));
}

/** What app.asar would hold of the project's own files: electron-builder's include-then-exclude order. */
function shipped(candidates: string[]): string[] {
  return candidates.filter((file) => {
    let included = false;
    for (const pattern of config.files) {
      if (pattern.startsWith("!")) {
        if (minimatch(file, pattern.slice(1), { dot: true })) included = false;
      } else if (minimatch(file, pattern, { dot: true })) included = true;
    }
    return included;
  });
}

describe("electron-builder.yml", () => {
  let candidates: string[];
  beforeAll(() => {
    if (!existsSync(path.join(ROOT, "dist/mcp/bin/odoo-mcp.js")))
      throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
    candidates = ["package.json", ...filesUnder("dist"), ...filesUnder("assets")];
  });

  it("passes electron-builder's own configuration schema", () => {
    const Ajv = require("ajv") as new (
      options: object,
    ) => {
      validate(schema: object, data: unknown): boolean;
      errors?: unknown[] | null;
    };
    const schema = JSON.parse(readFileSync(require.resolve("app-builder-lib/scheme.json"), "utf8"));
    const ajv = new Ajv({ allErrors: true, strict: false });
    const valid = ajv.validate(schema, config);
    expect(ajv.errors ?? [], JSON.stringify(ajv.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it("names the app and builds dmg, nsis, AppImage and deb", () => {
    expect(config.appId).toMatch(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/);
    expect(config.productName).toBe("odoo-mcp");
    expect(config.copyright).toMatch(/Copyright/);
    expect(config.mac.target).toEqual(["dmg"]);
    expect(config.mac.category).toMatch(/^public\.app-category\./);
    expect(config.mac.extendInfo?.LSUIElement).toBe(true);
    expect(config.win.target).toEqual(["nsis"]);
    expect(config.linux.target).toEqual(["AppImage", "deb"]);
    expect(config.linux.category.split(";")).toContain("Office");
  });

  it("ships the main process it starts: extraMetadata.main is inside `files` (and built, once src/main has it)", () => {
    const main =
      config.extraMetadata?.main ?? JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).main;
    expect(main).toBe("dist/main/main.js");
    expect(shipped([main])).toEqual([main]);
    if (existsSync(path.join(ROOT, "src/main/main.ts"))) expect(existsSync(path.join(ROOT, main))).toBe(true);
  });

  it("every `files` pattern ships something from the build; preload and renderer once their source exists", () => {
    // dist/preload and dist/renderer are built by the desktop issue's own steps (the preload bundle, vite):
    // they must ship something as soon as their source folder holds code.
    const builtLater: Record<string, string> = {
      "dist/preload/**": "src/preload",
      "dist/renderer/**": "src/renderer",
    };
    const unmatched: string[] = [];
    for (const pattern of config.files.filter((p) => !p.startsWith("!"))) {
      const later = builtLater[pattern];
      if (later && !hasSource(later)) continue;
      if (!candidates.some((file) => minimatch(file, pattern, { dot: true }))) unmatched.push(pattern);
    }
    expect(unmatched).toEqual([]);
    expect(config.files).toEqual(expect.arrayContaining(Object.keys(builtLater)));
  });

  it("ships the server, the shared shapes and the tray icons, but not the sandbox, the benchmarks or source maps", () => {
    const files = shipped(candidates);
    expect(files).toContain("package.json");
    expect(files).toContain("dist/mcp/bin/odoo-mcp.js");
    expect(files).toContain("dist/mcp/server.js");
    expect(files).toContain("dist/shared/ipc.js");
    expect(files).toContain("dist/main/approval-handlers.js");
    expect(files).toContain("assets/tray/tray-connectedTemplate.png");
    expect(files.filter((file) => /^dist\/(sandbox|bench)\//.test(file))).toEqual([]);
    expect(files.filter((file) => file.endsWith(".map"))).toEqual([]);
    // The build does produce what is kept out (so the exclusions are tested against real files).
    expect(candidates.some((file) => file.startsWith("dist/sandbox/"))).toBe(true);
    expect(candidates.some((file) => file.endsWith(".map"))).toBe(true);
  });

  it("leaves the keychain's native binary outside the asar, and nothing else of the keychain package", () => {
    const keyring = readdirSync(path.join(ROOT, "node_modules/@napi-rs"))
      .filter((name) => name.startsWith("keyring"))
      .flatMap((name) => filesUnder(`node_modules/@napi-rs/${name}`));
    const unpacked = keyring.filter((file) => config.asarUnpack.some((pattern) => minimatch(file, pattern)));
    expect(unpacked.length).toBeGreaterThan(0);
    expect(unpacked.every((file) => file.endsWith(".node"))).toBe(true);
    expect(keyring.filter((file) => file.endsWith(".node"))).toEqual(unpacked);
  });

  it("sets every fuse, each as docs/PACKAGING.md documents it", () => {
    const docs = readFileSync(path.join(ROOT, "docs/PACKAGING.md"), "utf8");
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
    const schema = JSON.parse(readFileSync(require.resolve("app-builder-lib/scheme.json"), "utf8"));
    const known = Object.keys(schema.definitions.FuseOptionsV1.properties).filter(
      (fuse) => fuse !== "resetAdHocDarwinSignature",
    );
    expect(Object.keys(config.electronFuses).sort()).toEqual(known.sort());
    for (const [fuse, value] of Object.entries(config.electronFuses)) {
      expect(docs, `docs/PACKAGING.md documents ${fuse}`).toMatch(
        new RegExp(`\\|\\s*\`${fuse}\`\\s*\\|\\s*${value}\\s*\\|`),
      );
    }
  });
});

describe("icons", () => {
  it("the app icon is a 1024×1024 PNG (macOS and Windows derive .icns/.ico from it)", () => {
    expect(config.mac.icon).toBe("assets/icon.png");
    expect(config.win.icon).toBe("assets/icon.png");
    const icon = readPng(path.join(ROOT, "assets/icon.png"));
    expect([icon.width, icon.height]).toEqual([1024, 1024]);
  });

  it("Linux gets one PNG a size, each named for its real size", () => {
    const names = readdirSync(path.join(ROOT, config.linux.icon)).sort();
    expect(names).toEqual(["16", "32", "48", "64", "128", "256", "512"].map((n) => `${n}x${n}.png`).sort());
    for (const name of names) {
      const size = Number(name.split("x")[0]);
      const png = readPng(path.join(ROOT, config.linux.icon, name));
      expect([png.width, png.height], name).toEqual([size, size]);
    }
  });

  const STATES = ["connected", "unreachable", "unconfigured", "paused"];
  it("each tray state has a macOS template image (black and alpha only) at 16 and 32 px, and a coloured one", () => {
    for (const state of STATES) {
      for (const [suffix, size] of [
        ["", 16],
        ["@2x", 32],
      ] as const) {
        const template = readPng(path.join(ROOT, `assets/tray/tray-${state}Template${suffix}.png`));
        expect([template.width, template.height]).toEqual([size, size]);
        let opaque = 0;
        for (let i = 0; i < template.rgba.length; i += 4) {
          if (template.rgba[i + 3] === 0) continue;
          opaque++;
          expect([template.rgba[i], template.rgba[i + 1], template.rgba[i + 2]]).toEqual([0, 0, 0]);
        }
        expect(opaque, `${state}${suffix} draws something`).toBeGreaterThan(size * 2);
        const coloured = readPng(path.join(ROOT, `assets/tray/tray-${state}${suffix}.png`));
        expect([coloured.width, coloured.height]).toEqual([size, size]);
      }
    }
  });

  it("the tray states look different from each other, even as monochrome templates", () => {
    const images = STATES.map(
      (state) => readPng(path.join(ROOT, `assets/tray/tray-${state}Template@2x.png`)).rgba,
    );
    for (let a = 0; a < images.length; a++)
      for (let b = a + 1; b < images.length; b++)
        expect(images[a]?.equals(images[b] as Buffer), `${STATES[a]} vs ${STATES[b]}`).toBe(false);
  });
});
