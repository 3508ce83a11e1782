// Small canvas charts drawn by hand (no libraries): time-series lines and a sparsity heatmap.

const INK = "#1d2430";
const MUTED = "#6b7483";
const GRID = "#e8ebef";
const FONT = "11px system-ui, -apple-system, Segoe UI, Roboto, sans-serif";

/** Sizes the canvas backing store to its CSS size times the pixel ratio; returns a 2D context in CSS pixels. */
function prepare(canvas, cssHeight) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.parentElement.clientWidth || 300;
  const height = cssHeight ?? (Number(canvas.getAttribute("height")) || 180);
  canvas.style.height = `${height}px`;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = FONT;
  return { ctx, width, height };
}

/** A round upper bound for the y axis (1, 2, 2.5, 5 x 10^k). */
function niceMax(value) {
  if (!(value > 0)) return 1;
  const exponent = Math.floor(Math.log10(value));
  const base = 10 ** exponent;
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * base) return step * base;
  return 10 * base;
}

function formatTick(value) {
  if (value >= 1000) return `${(value / 1000).toFixed(value >= 10000 ? 0 : 1)}k`;
  if (value >= 10 || value === 0) return String(Math.round(value));
  return value.toFixed(value >= 1 ? 1 : 2);
}

/**
 * A line chart of samples over time.
 * @param canvas the target
 * @param times sample times (ms)
 * @param series [{ label, color, values: (number|null)[], fill?: boolean }]
 * @param options { yMax?: number, percent?: boolean, connectGaps?: boolean (join points across nulls, with dots) }
 */
export function drawLineChart(canvas, times, series, options = {}) {
  const { ctx, width, height } = prepare(canvas);
  const pad = { left: 40, right: 12, top: 22, bottom: 20 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;

  // Legend, top right.
  let x = width - pad.right;
  ctx.textBaseline = "middle";
  for (const s of [...series].reverse()) {
    const w = ctx.measureText(s.label).width;
    x -= w;
    ctx.fillStyle = MUTED;
    ctx.fillText(s.label, x, 9);
    x -= 14;
    ctx.fillStyle = s.color;
    ctx.fillRect(x, 5, 10, 8);
    x -= 12;
  }

  if (times.length < 2) {
    ctx.fillStyle = MUTED;
    ctx.textAlign = "center";
    ctx.fillText("waiting for data…", pad.left + plotW / 2, pad.top + plotH / 2);
    ctx.textAlign = "left";
    return;
  }

  let top = 0;
  for (const s of series) for (const v of s.values) if (v !== null && v > top) top = v;
  const yMax = options.yMax ?? niceMax(top);
  const t0 = times[0];
  const t1 = times[times.length - 1];
  const px = (t) => pad.left + ((t - t0) / Math.max(1, t1 - t0)) * plotW;
  const py = (v) => pad.top + plotH - (Math.min(v, yMax) / yMax) * plotH;

  // Grid and y labels.
  ctx.strokeStyle = GRID;
  ctx.fillStyle = MUTED;
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    const y = Math.round(py(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(pad.left, y);
    ctx.lineTo(width - pad.right, y);
    ctx.stroke();
    ctx.fillText(options.percent ? `${Math.round(v * 100)}%` : formatTick(v), pad.left - 6, y);
  }
  // X labels: seconds before now.
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const span = (t1 - t0) / 1000;
  for (let i = 0; i <= 3; i++) {
    const t = t0 + ((t1 - t0) * i) / 3;
    const ago = Math.round(span - (span * i) / 3);
    ctx.fillText(ago === 0 ? "now" : `-${ago}s`, px(t), height - pad.bottom + 5);
  }
  ctx.textAlign = "left";

  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.lineJoin = "round";
    let segment = [];
    const flush = () => {
      if (segment.length === 0) return;
      if (s.fill) {
        ctx.beginPath();
        ctx.moveTo(segment[0][0], py(0));
        for (const [sx, sy] of segment) ctx.lineTo(sx, sy);
        ctx.lineTo(segment[segment.length - 1][0], py(0));
        ctx.closePath();
        ctx.globalAlpha = 0.15;
        ctx.fillStyle = s.color;
        ctx.fill();
        ctx.globalAlpha = 1;
      }
      ctx.beginPath();
      segment.forEach(([sx, sy], i) => (i === 0 ? ctx.moveTo(sx, sy) : ctx.lineTo(sx, sy)));
      if (segment.length === 1) ctx.arc(segment[0][0], segment[0][1], 1.5, 0, 2 * Math.PI);
      ctx.stroke();
      segment = [];
    };
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) {
        if (!options.connectGaps) flush();
      } else segment.push([px(times[i]), py(v)]);
    });
    if (options.connectGaps) {
      ctx.fillStyle = s.color;
      for (const [sx, sy] of segment) {
        ctx.beginPath();
        ctx.arc(sx, sy, 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    flush();
  }
}

/** White to blue: 0 = #f1f4f9, 1 = #1f4fb4. */
function heatColor(fraction) {
  const f = Math.max(0, Math.min(1, fraction));
  const lerp = (a, b) => Math.round(a + (b - a) * f);
  return `rgb(${lerp(241, 31)}, ${lerp(244, 79)}, ${lerp(249, 180)})`;
}

/**
 * A heatmap: one row per layer, one column per slot, each cell the fraction in [0, 1].
 * @param cells [{ row: number, column: string, value: number }]
 */
export function drawHeatmap(canvas, rows, columns, cells, options = {}) {
  const rowHeight = 22;
  const pad = { left: 64, right: 90, top: 22, bottom: 8 };
  const { ctx, width } = prepare(canvas, pad.top + pad.bottom + Math.max(1, rows.length) * rowHeight);
  const cellW = (width - pad.left - pad.right) / Math.max(1, columns.length);
  const index = new Map(cells.map((c) => [`${c.row}|${c.column}`, c.value]));

  ctx.textBaseline = "middle";
  ctx.textAlign = "center";
  ctx.fillStyle = MUTED;
  columns.forEach((column, j) => ctx.fillText(column, pad.left + cellW * (j + 0.5), 10));
  rows.forEach((row, i) => {
    const y = pad.top + i * rowHeight;
    ctx.textAlign = "right";
    ctx.fillStyle = MUTED;
    ctx.fillText(options.rowLabel ? options.rowLabel(row) : `layer ${row}`, pad.left - 8, y + rowHeight / 2);
    ctx.textAlign = "center";
    columns.forEach((column, j) => {
      const value = index.get(`${row}|${column}`);
      const cx = pad.left + cellW * j;
      ctx.fillStyle = value === undefined ? "#fafafa" : heatColor(value);
      ctx.fillRect(cx + 1, y + 1, cellW - 2, rowHeight - 2);
      if (value !== undefined) {
        ctx.fillStyle = value > 0.55 ? "#ffffff" : INK;
        ctx.fillText(`${(value * 100).toFixed(value > 0 && value < 0.1 ? 1 : 0)}%`, cx + cellW / 2, y + rowHeight / 2);
      }
    });
  });

  // Scale, right side.
  const scaleX = width - pad.right + 16;
  const scaleH = Math.max(40, rows.length * rowHeight);
  for (let k = 0; k < scaleH; k++) {
    ctx.fillStyle = heatColor(1 - k / scaleH);
    ctx.fillRect(scaleX, pad.top + k, 12, 1);
  }
  ctx.textAlign = "left";
  ctx.fillStyle = MUTED;
  ctx.fillText("100%", scaleX + 16, pad.top + 4);
  ctx.fillText("0%", scaleX + 16, pad.top + scaleH - 4);
}
