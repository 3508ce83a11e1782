/**
 * One streaming completion, timed the way a user feels it: time to the first text, time between
 * text chunks, time to [DONE]. Any non-200 status, error event or stream without [DONE] is an error.
 */

export interface StreamResult {
  ok: boolean;
  error?: string;
  ttftMs?: number;
  e2eMs: number;
  /**
   * Time per output token after the first: (end - first text) / (tokens - 1), as vLLM's
   * benchmark reports TPOT. Per-chunk gaps would mostly measure how this client batches reads.
   */
  tpotMs?: number;
  completionTokens: number;
}

export async function streamCompletion(url: string, body: Record<string, unknown>): Promise<StreamResult> {
  const started = performance.now();
  const fail = (error: string): StreamResult => ({ ok: false, error, e2eMs: performance.now() - started, completionTokens: 0 });
  let response: Response;
  try {
    response = await fetch(`${url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
    });
  } catch (e) {
    return fail(`fetch: ${(e as Error).message}`);
  }
  if (response.status !== 200) return fail(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let ttft: number | undefined;
  let tokens = 0;
  let done = false;
  try {
    while (!done) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (!event.startsWith("data: ")) continue;
        const data = event.slice(6);
        if (data === "[DONE]") {
          done = true;
          break;
        }
        const chunk = JSON.parse(data) as { error?: { message: string }; usage?: { completion_tokens: number }; choices: { text?: string }[] };
        if (chunk.error) return fail(`stream error: ${chunk.error.message}`);
        if (chunk.usage) tokens = chunk.usage.completion_tokens;
        if (chunk.choices[0]?.text && ttft === undefined) ttft = performance.now() - started;
      }
    }
  } catch (e) {
    return fail(`read: ${(e as Error).message}`);
  }
  if (!done) return fail("the stream ended without data: [DONE]");
  const e2e = performance.now() - started;
  const tpot = ttft !== undefined && tokens > 1 ? (e2e - ttft) / (tokens - 1) : undefined;
  return { ok: true, ttftMs: ttft, e2eMs: e2e, tpotMs: tpot, completionTokens: tokens };
}
