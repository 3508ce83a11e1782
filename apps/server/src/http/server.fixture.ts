/**
 * Test support (not exported): a server on 127.0.0.1 at a free port, the official `openai`
 * client pointed at it, and a way to wait until the engine is idle and read its block counts.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { pino } from "pino";
import type { EngineStats } from "../engine/index.js";
import { startServer, type ServeOptions, type SieveServer } from "./start-server.js";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
export const ASSETS = process.env.SIEVE_ASSETS ?? resolve(repoRoot, "../shared/assets");
export const STORIES_260K = join(ASSETS, "stories260K", "stories260K.bin");

/** stories260K when the shared assets are here, else the synthetic test-tiny (says why, once). */
export function smallModelSpec(): string {
  if (existsSync(STORIES_260K) && existsSync(join(ASSETS, "stories260K", "tok512.bin"))) return STORIES_260K;
  console.warn(`[server tests] ${STORIES_260K} not found (set SIEVE_ASSETS): using synth:test-tiny instead of stories260K`);
  return "synth:test-tiny";
}

export interface TestServer {
  server: SieveServer;
  url: string;
  client: OpenAI;
  /** The served model name. */
  model: string;
  /** Waits until nothing runs or waits in the engine, then returns its stats. */
  idleStats(): Promise<EngineStats>;
  close(): Promise<void>;
}

export async function startTestServer(options: ServeOptions = {}): Promise<TestServer> {
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    logger: pino({ level: process.env.SIEVE_TEST_LOG ?? "silent" }),
    engine: { kvBlocks: 256, maxSeqs: 16, ...options.engine },
    statsIntervalMs: 200,
    ...options,
  });
  await server.ready;
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: options.apiKey ?? "unused", maxRetries: 0, timeout: 60_000 });
  const idleStats = async () => {
    const engine = server.state.loaded!.engine;
    for (let i = 0; i < 200; i++) {
      const stats = await engine.stats();
      if (stats.running === 0 && stats.waiting === 0 && stats.inFlight === 0) return stats;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error("the engine did not become idle within 5 s");
  };
  return { server, url: server.url, client, model: server.state.loaded!.model.id, idleStats, close: () => server.close(1000) };
}

/** A response body as tests inspect it: loosely, field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields of JSON answers
export type LooseJson = any;

export interface RawResponse {
  status: number;
  json: LooseJson;
  headers: Headers;
}

/** POSTs raw bytes (for bodies the openai client would never send). */
export async function postRaw(url: string, body: string | Uint8Array, headers: Record<string, string> = { "content-type": "application/json" }): Promise<RawResponse> {
  const response = await fetch(url, { method: "POST", headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json, headers: response.headers };
}
