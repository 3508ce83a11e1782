/** Test support (not exported): collecting a request's events. */
import type { RequestStream } from "./request-stream.js";
import type { EngineErrorEvent, EngineEvent, EngineFinishEvent } from "./types.js";

export interface Collected {
  tokenIds: number[];
  text: string;
  finish?: EngineFinishEvent;
  error?: EngineErrorEvent;
  events: EngineEvent[];
}

export async function collect(stream: RequestStream): Promise<Collected> {
  const out: Collected = { tokenIds: [], text: "", events: [] };
  for await (const e of stream) {
    out.events.push(e);
    if (e.type === "token") {
      out.tokenIds.push(e.tokenId);
      out.text += e.text;
    } else if (e.type === "finish") {
      out.text += e.text;
      out.finish = e;
    } else {
      out.error = e;
    }
  }
  return out;
}
