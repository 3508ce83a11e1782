// The playground: chat and completion modes, streamed or whole, with the sampling controls.
import { postJson, postStream } from "./api.js";

const $ = (id) => document.getElementById(id);

let modelId = "";
let messages = [];
let running = null; // AbortController of the request in flight

function mode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

function samplingParams() {
  const params = {
    temperature: Number($("temperature").value),
    top_p: Number($("top-p").value),
    max_tokens: Math.max(1, Number($("max-tokens").value) || 16),
  };
  const topK = Number($("top-k").value);
  if (topK > 0) params.top_k = Math.floor(topK);
  const seed = $("seed").value.trim();
  if (seed !== "") params.seed = Math.floor(Number(seed));
  return params;
}

function showError(message) {
  const box = $("error-box");
  box.hidden = !message;
  box.textContent = message ?? "";
}

function setRunning(controller) {
  running = controller;
  $("send-button").disabled = !!controller;
  $("stop-button").disabled = !controller;
}

function addMessage(role, text) {
  const div = document.createElement("div");
  div.className = `message ${role}`;
  const label = document.createElement("span");
  label.className = "role";
  label.textContent = role;
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  div.append(label, body);
  $("transcript").append(div);
  div.scrollIntoView({ block: "end" });
  return body;
}

/** Runs one request; `onText` receives each piece of text; returns the usage and finish reason. */
async function run(path, body, onText, signal) {
  const started = performance.now();
  let firstAt = null;
  let usage = null;
  let finish = null;
  const take = (text) => {
    if (!text) return;
    firstAt ??= performance.now();
    onText(text);
  };
  if ($("stream").checked) {
    await postStream(path, { ...body, stream: true, stream_options: { include_usage: true } }, (chunk) => {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) return;
      take(choice.delta ? choice.delta.content : choice.text);
      if (choice.finish_reason) finish = choice.finish_reason;
    }, signal);
  } else {
    const response = await postJson(path, body, signal);
    const choice = response.choices[0];
    take(choice.message ? choice.message.content : choice.text);
    usage = response.usage;
    finish = choice.finish_reason;
  }
  return { usage, finish, started, firstAt, ended: performance.now() };
}

function showStats({ usage, finish, started, firstAt, ended }) {
  const parts = [];
  if (usage) parts.push(`${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens`);
  if (firstAt !== null) parts.push(`first text after ${Math.round(firstAt - started)} ms`);
  if (usage && usage.completion_tokens > 1 && firstAt !== null && ended > firstAt) {
    parts.push(`${((usage.completion_tokens - 1) / ((ended - firstAt) / 1000)).toFixed(1)} tokens/s`);
  }
  if (finish) parts.push(`finish: ${finish}`);
  $("run-stats").textContent = parts.join(" · ");
}

async function send(event) {
  event.preventDefault();
  if (running) return;
  const text = $("prompt-input").value;
  showError(null);
  $("run-stats").textContent = "";
  const controller = new AbortController();
  setRunning(controller);
  let target;
  try {
    let result;
    if (mode() === "chat") {
      if (!text.trim()) return;
      messages.push({ role: "user", content: text });
      addMessage("user", text);
      $("prompt-input").value = "";
      target = addMessage("assistant", "");
      target.classList.add("streaming");
      let reply = "";
      result = await run("/v1/chat/completions", { model: modelId, messages, ...samplingParams() }, (piece) => {
        reply += piece;
        target.textContent = reply;
        target.parentElement.scrollIntoView({ block: "end" });
      }, controller.signal);
      messages.push({ role: "assistant", content: reply });
    } else {
      const output = $("output");
      output.textContent = "";
      const echo = document.createElement("span");
      echo.className = "prompt-echo";
      echo.textContent = text;
      target = document.createElement("span");
      target.className = "generated streaming";
      output.append(echo, target);
      result = await run("/v1/completions", { model: modelId, prompt: text, ...samplingParams() }, (piece) => {
        target.textContent += piece;
      }, controller.signal);
    }
    showStats(result);
  } catch (e) {
    if (e.name === "AbortError") $("run-stats").textContent = "stopped";
    else showError(e.message);
  } finally {
    target?.classList.remove("streaming");
    setRunning(null);
  }
}

function applyMode() {
  const chat = mode() === "chat";
  $("transcript").hidden = !chat;
  $("completion-view").hidden = chat;
  $("prompt-input").placeholder = chat ? "Type a message…" : "Type the beginning of a text…";
}

export function initPlayground(model) {
  modelId = model.id;
  const chatInput = document.querySelector('input[name="mode"][value="chat"]');
  if (!model.hasChatTemplate) {
    // Without a chat template the server answers chat requests with a 400; offer completion only.
    chatInput.disabled = true;
    document.querySelector('input[name="mode"][value="completion"]').checked = true;
    $("chat-note").textContent = "(this model has no chat template: completion only)";
  }
  for (const input of document.querySelectorAll('input[name="mode"]')) input.addEventListener("change", applyMode);
  applyMode();
  $("prompt-form").addEventListener("submit", send);
  $("prompt-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("prompt-form").requestSubmit();
  });
  $("stop-button").addEventListener("click", () => running?.abort());
  $("clear-button").addEventListener("click", () => {
    messages = [];
    $("transcript").textContent = "";
    $("output").textContent = "";
    $("run-stats").textContent = "";
    showError(null);
  });
  $("temperature").addEventListener("input", () => ($("temperature-value").textContent = Number($("temperature").value).toFixed(2)));
  $("top-p").addEventListener("input", () => ($("top-p-value").textContent = Number($("top-p").value).toFixed(2)));
}
