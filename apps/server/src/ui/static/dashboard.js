// The live dashboard: polls GET /api/dashboard and draws cards, time-series charts and the
// per-layer sparsity heatmap.
import { getJson } from "./api.js";
import { drawHeatmap, drawLineChart } from "./charts.js";

const $ = (id) => document.getElementById(id);
const MAX_SAMPLES = 300;
const SLOT_ORDER = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

let samples = [];
let latest = null;
let timer = null;

function fmt(value, digits = 0) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
}

function renderCards(data) {
  const stats = data.stats;
  // One interval is noisy (a request may finish just before it); average the last five seconds.
  const recent = samples.filter((s) => s.t > Date.now() - 5000);
  const rate = recent.length ? recent.reduce((sum, s) => sum + s.generationTokensPerSecond, 0) / recent.length : null;
  $("card-throughput").textContent = fmt(rate, 1);
  $("card-queue").textContent = stats ? `${stats.running} / ${stats.waiting}` : "–";
  if (stats) {
    $("card-kv").textContent = `${(stats.kv.usage * 100).toFixed(1)}%`;
    $("card-kv-unit").textContent = `${stats.kv.usedBlocks} of ${stats.kv.totalBlocks} blocks used`;
  }
  const ttft = [...samples].reverse().find((s) => s.ttftP50Ms !== null);
  $("card-ttft").textContent = ttft ? fmt(ttft.ttftP50Ms, 0) : "–";
  $("card-requests").textContent = String(data.totals?.requests ?? 0);
  $("card-requests-unit").textContent = `served · ${data.totals?.failed ?? 0} failed · ${data.totals?.aborted ?? 0} cancelled`;
  $("card-rss").textContent = fmt(data.process.rssBytes / (1024 * 1024), 0);
}

function renderCharts() {
  const times = samples.map((s) => s.t);
  drawLineChart($("chart-throughput"), times, [
    { label: "generated", color: "#2f6fde", values: samples.map((s) => s.generationTokensPerSecond), fill: true },
    { label: "computed (prefill + decode)", color: "#9aa7bb", values: samples.map((s) => s.computedTokensPerSecond) },
  ]);
  // Latency exists only for intervals in which requests finished: join those points.
  drawLineChart($("chart-latency"), times, [
    { label: "TTFT p50", color: "#1f9d55", values: samples.map((s) => s.ttftP50Ms) },
    { label: "e2e p50", color: "#d9822b", values: samples.map((s) => s.e2eP50Ms) },
    { label: "e2e p95", color: "#c73636", values: samples.map((s) => s.e2eP95Ms) },
  ], { connectGaps: true });
  drawLineChart($("chart-kv"), times, [
    { label: "KV used", color: "#7b4fd6", values: samples.map((s) => s.kvUsage), fill: true },
  ], { yMax: 1, percent: true });
}

function renderSparsity(sparsity) {
  $("sparsity-note").textContent = sparsity.note;
  const summary = $("sparsity-summary");
  summary.textContent = "";
  if (sparsity.overallWeightSparsity !== null) {
    const item = document.createElement("span");
    item.innerHTML = `Weight sparsity, all linear layers: <strong>${(sparsity.overallWeightSparsity * 100).toFixed(1)}%</strong>`;
    summary.append(item);
  }
  const kinds = [...new Set(sparsity.linears.map((l) => l.kind))];
  if (kinds.length) {
    const item = document.createElement("span");
    item.className = "muted";
    item.textContent = `layer kinds: ${kinds.join(", ")}`;
    summary.append(item);
  }
  const blockLinears = sparsity.linears.filter((l) => l.layer >= 0);
  const rows = [...new Set(blockLinears.map((l) => l.layer))].sort((a, b) => a - b);
  const names = [...new Set(blockLinears.map((l) => l.path.split(".").pop()))];
  const columns = [...SLOT_ORDER.filter((n) => names.includes(n)), ...names.filter((n) => !SLOT_ORDER.includes(n))];
  const heatmap = $("sparsity-heatmap");
  heatmap.hidden = rows.length === 0;
  if (rows.length) {
    drawHeatmap(heatmap, rows, columns, blockLinears.map((l) => ({ row: l.layer, column: l.path.split(".").pop(), value: l.weightSparsity })));
  }
  const achieved = $("achieved-sparsity");
  achieved.textContent = "";
  if (sparsity.achieved.length) {
    const table = document.createElement("table");
    table.className = "achieved";
    table.innerHTML = "<tr><th>layer</th><th>kind</th><th>achieved sparsity</th><th>samples</th></tr>";
    for (const a of sparsity.achieved) {
      const row = table.insertRow();
      for (const cell of [a.path, a.kind, `${(a.fraction * 100).toFixed(1)}%`, String(a.samples)]) row.insertCell().textContent = cell;
    }
    achieved.append(table);
  }
}

function renderModel(model) {
  const details = $("model-details");
  details.textContent = "";
  const rows = [
    ["served as", model.id],
    ["what it is", model.description],
    ["source", model.source],
    ["format / backend", `${model.format} / ${model.backend}`],
    ["context", `${model.max_model_len} tokens (vocabulary ${model.vocabSize})`],
    ["KV pool", `${model.kvBlocks} blocks of ${model.kvBlockSize} tokens, ${(model.kvBytes / (1024 * 1024)).toFixed(1)} MiB`],
  ];
  for (const [k, v] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    if (k === "what it is") dd.className = "prose";
    dd.textContent = v;
    details.append(dt, dd);
  }
}

async function poll() {
  try {
    const since = samples.length ? samples[samples.length - 1].t : 0;
    const data = await getJson(`/api/dashboard?since=${since}`);
    latest = data;
    if (data.samples) samples = [...samples, ...data.samples].slice(-MAX_SAMPLES);
    if (data.model) {
      renderCards(data);
      renderCharts();
      renderSparsity(data.sparsity);
      renderModel(data.model);
    }
  } catch (e) {
    $("sparsity-note").textContent = `dashboard update failed: ${e.message}`;
  }
}

export function startDashboard() {
  if (timer) return;
  void poll();
  timer = setInterval(poll, latest?.intervalMs ?? 1000);
}

export function stopDashboard() {
  clearInterval(timer);
  timer = null;
}

// Canvases are drawn at their CSS size: redraw when the window changes size.
window.addEventListener("resize", () => {
  if (!latest?.model || !timer) return;
  renderCharts();
  renderSparsity(latest.sparsity);
});
