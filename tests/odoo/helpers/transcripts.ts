import { type RecordedMajor, readRecording } from "../../fixtures/recordings.js";
import type { Reply } from "./scripted-server.js";

/**
 * The recordings of real Odoo 17, 18 and 19 servers (`tests/fixtures/odoo-recordings/NN/`): the replies the
 * scripted server sends come from here, never from hand-written bodies.
 */

export type OdooMajor = RecordedMajor;

export interface RecordedStep {
  name: string;
  transport: string;
  request: {
    method: string;
    path: string;
    headers: Record<string, string>;
    body: unknown;
  };
  response: {
    status: number;
    content_type: string;
    headers?: Record<string, string>;
    body: unknown;
  };
}

interface Transcript {
  odoo_version: string;
  steps: RecordedStep[];
}

const cache = new Map<string, Transcript>();

export function transcript(major: OdooMajor, file: string): Transcript {
  const key = `${major}/${file}`;
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = readRecording(major, `${file}.json`) as Transcript;
    cache.set(key, loaded);
  }
  return loaded;
}

export function recordedStep(major: OdooMajor, file: string, name: string): RecordedStep {
  const step = transcript(major, file).steps.find((candidate) => candidate.name === name);
  if (!step) throw new Error(`no step "${name}" in tests/fixtures/odoo-recordings/${major}/${file}.json`);
  return step;
}

/** The recorded answer as the scripted server sends it; a JSON-RPC answer echoes `id`. */
export function recordedReply(step: RecordedStep, id?: unknown): Reply {
  const { status, content_type: contentType, headers, body } = step.response;
  let sent: unknown = body;
  if (id !== undefined && typeof body === "object" && body !== null && "jsonrpc" in body)
    sent = { ...(body as Record<string, unknown>), id };
  return { status, contentType, headers, body: typeof sent === "string" ? sent : JSON.stringify(sent) };
}

/** Replaces the placeholders of the recordings (`<API_KEY>`, `<PASSWORD>`) with the test's secret. */
export function withSecret(value: unknown, secret: string): unknown {
  return JSON.parse(JSON.stringify(value).split("<API_KEY>").join(secret).split("<PASSWORD>").join(secret));
}
