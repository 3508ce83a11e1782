// Talking to the server: JSON calls and OpenAI-style event streams (fetch + a small SSE parser).

/** Headers for API calls; the key (if any) comes from the playground's API key field. */
export function apiHeaders() {
  const headers = { "content-type": "application/json" };
  const key = document.getElementById("api-key")?.value.trim();
  if (key) headers.authorization = `Bearer ${key}`;
  return headers;
}

/** The error message of an OpenAI-shaped error body, or the status line. */
async function errorOf(response) {
  try {
    const body = await response.json();
    if (body?.error?.message) return `${response.status}: ${body.error.message}`;
  } catch {
    // not JSON
  }
  return `${response.status} ${response.statusText}`;
}

export async function getJson(path) {
  const response = await fetch(path, { headers: apiHeaders() });
  if (!response.ok) throw new Error(await errorOf(response));
  return response.json();
}

export async function postJson(path, body, signal) {
  const response = await fetch(path, { method: "POST", headers: apiHeaders(), body: JSON.stringify(body), signal });
  if (!response.ok) throw new Error(await errorOf(response));
  return response.json();
}

/**
 * POSTs a streaming request and calls onChunk with each parsed `data:` payload until `[DONE]`.
 * Comments (`: keep-alive`) are skipped; an `{"error": ...}` event throws.
 */
export async function postStream(path, body, onChunk, signal) {
  const response = await fetch(path, { method: "POST", headers: apiHeaders(), body: JSON.stringify(body), signal });
  if (!response.ok) throw new Error(await errorOf(response));
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data:")) continue;
        const data = line.slice(5).trim();
        if (data === "[DONE]") return;
        const payload = JSON.parse(data);
        if (payload.error) throw new Error(payload.error.message);
        onChunk(payload);
      }
    }
  }
}
