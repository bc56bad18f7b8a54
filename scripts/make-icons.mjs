#!/usr/bin/env node
// Draws the app's icons and the tray icons as real PNG files, with no image library: a few shapes as signed
// distances, 4×4 supersampled, written by a tiny PNG encoder (zlib from Node). Re-run after changing a shape:
//   node scripts/make-icons.mjs
// Output (committed): assets/icon.png (1024, macOS and Windows build their .icns/.ico from it),
// assets/icons/<n>x<n>.png (Linux), mcpb/icon.png (512, the MCP Bundle), assets/tray/*.png.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { deflateSync } from "node:zlib";

const ROOT = path.resolve(import.meta.dirname, "..");

// ---- PNG encoder (RGBA, 8 bits, no interlace) ----
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// ---- shapes in a unit square (0..1), as signed distances (negative inside) ----
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;
const ring = (cx, cy, r, w) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - w / 2;
const segment = (ax, ay, bx, by, w) => (x, y) => {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy) - w / 2;
};
const roundedSquare = (inset, radius) => (x, y) => {
  const half = 0.5 - inset - radius;
  const qx = Math.abs(x - 0.5) - half;
  const qy = Math.abs(y - 0.5) - half;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
};
const union =
  (...shapes) =>
  (x, y) =>
    Math.min(...shapes.map((s) => s(x, y)));
const minus = (a, b) => (x, y) => Math.max(a(x, y), -b(x, y));

/** Paints layers ([shape, [r,g,b,a]]) back to front, 4×4 samples a pixel. */
function render(size, layers) {
  const out = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          let [cr, cg, cb, ca] = [0, 0, 0, 0];
          for (const [shape, [lr, lg, lb, la]] of layers) {
            if (shape(x, y) > 0) continue;
            const alpha = la / 255;
            cr = lr * alpha + cr * (1 - alpha);
            cg = lg * alpha + cg * (1 - alpha);
            cb = lb * alpha + cb * (1 - alpha);
            ca = alpha + ca * (1 - alpha);
          }
          r += cr;
          g += cg;
          b += cb;
          a += ca;
        }
      }
      const samples = n * n;
      const alpha = a / samples;
      const i = (py * size + px) * 4;
      // Colour is stored un-premultiplied.
      out[i] = alpha ? Math.round(r / samples / alpha) : 0;
      out[i + 1] = alpha ? Math.round(g / samples / alpha) : 0;
      out[i + 2] = alpha ? Math.round(b / samples / alpha) : 0;
      out[i + 3] = Math.round(alpha * 255);
    }
  }
  return out;
}

// ---- the drawings ----
const PLUM = [113, 75, 103, 255]; // Odoo's plum
const WHITE = [255, 255, 255, 255];
const BLACK = [0, 0, 0, 255];
const STATE_COLOURS = {
  connected: [46, 160, 67, 255],
  unreachable: [210, 140, 20, 255],
  unconfigured: [130, 130, 130, 255],
  paused: [200, 60, 60, 255],
};

/** A check mark in a round ledger: the app approves. */
const check = segment(0.3, 0.52, 0.44, 0.66, 0.09);
const checkLong = segment(0.44, 0.66, 0.71, 0.36, 0.09);
const appLayers = [
  [roundedSquare(0.06, 0.18), PLUM],
  [ring(0.5, 0.5, 0.3, 0.06), WHITE],
  [union(check, checkLong), WHITE],
];

/** The tray glyph: a ring with a check mark; the state is a badge in the lower right corner. */
const trayGlyph = union(
  ring(0.44, 0.44, 0.34, 0.1),
  segment(0.28, 0.46, 0.4, 0.58, 0.1),
  segment(0.4, 0.58, 0.6, 0.34, 0.1),
);
const BADGE = circle(0.8, 0.8, 0.17);
const BADGE_GAP = circle(0.8, 0.8, 0.26);
/** What the badge looks like per state, so a monochrome (template) icon still tells the states apart. */
const BADGES = {
  connected: BADGE, // a solid dot
  // unreachable: a dot with a cross would not read at 16 px; a ring with a dash through it does.
  unreachable: union(ring(0.8, 0.8, 0.13, 0.06), segment(0.7, 0.9, 0.9, 0.7, 0.06)),
  unconfigured: ring(0.8, 0.8, 0.12, 0.07), // a hollow ring
  paused: union(segment(0.75, 0.68, 0.75, 0.92, 0.07), segment(0.86, 0.68, 0.86, 0.92, 0.07)), // two bars
};

function trayLayers(state, template) {
  const glyph = minus(trayGlyph, BADGE_GAP);
  const glyphColour = template ? BLACK : [60, 60, 60, 255];
  const badgeColour = template ? BLACK : STATE_COLOURS[state];
  return [
    [glyph, glyphColour],
    [BADGES[state], badgeColour],
  ];
}

function write(relative, size, layers) {
  const file = path.join(ROOT, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, encodePng(size, size, render(size, layers)));
  return relative;
}

const written = [];
written.push(write("assets/icon.png", 1024, appLayers));
written.push(write("mcpb/icon.png", 512, appLayers));
for (const size of [16, 32, 48, 64, 128, 256, 512]) written.push(write(`assets/icons/${size}x${size}.png`, size, appLayers));
for (const state of Object.keys(STATE_COLOURS)) {
  // macOS: template images (black + alpha; the menu bar tints them), 16 pt at 1× and 2×.
  written.push(write(`assets/tray/tray-${state}Template.png`, 16, trayLayers(state, true)));
  written.push(write(`assets/tray/tray-${state}Template@2x.png`, 32, trayLayers(state, true)));
  // Windows and Linux: coloured, 16 px and 32 px (high DPI).
  written.push(write(`assets/tray/tray-${state}.png`, 16, trayLayers(state, false)));
  written.push(write(`assets/tray/tray-${state}@2x.png`, 32, trayLayers(state, false)));
}
process.stdout.write(`${written.join("\n")}\n`);
