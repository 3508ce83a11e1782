// Entry point: waits for the server's model, shows what it is (plainly, when it is synthetic),
// and switches between the playground and the dashboard.
import { getJson } from "./api.js";
import { startDashboard, stopDashboard } from "./dashboard.js";
import { initPlayground } from "./playground.js";

const $ = (id) => document.getElementById(id);

function setStatus(text, kind) {
  const pill = $("server-status");
  pill.textContent = text;
  pill.className = `pill pill-${kind}`;
}

function showView(name) {
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.view === name);
  $("view-playground").hidden = name !== "playground";
  $("view-dashboard").hidden = name !== "dashboard";
  if (name === "dashboard") startDashboard();
  else stopDashboard();
  history.replaceState(null, "", `#${name}`);
}

/** The dashboard JSON has the model once it is loaded; poll until then. */
async function waitForModel() {
  for (;;) {
    try {
      const data = await getJson("/api/dashboard?since=" + Date.now());
      if (data.model) return data.model;
      setStatus(data.phase === "failed" ? "failed" : "loading", data.phase === "failed" ? "bad" : "wait");
      if (data.phase === "failed") throw new Error(data.error ?? "the model failed to load");
    } catch (e) {
      setStatus("unreachable", "bad");
      if (String(e.message).includes("failed to load")) throw e;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function main() {
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => showView(tab.dataset.view));
  const model = await waitForModel();
  $("model-name").textContent = model.id;
  $("model-name").title = model.description;
  setStatus("ready", "ok");
  if (model.synthetic) {
    $("synthetic-banner").hidden = false;
    $("synthetic-text").textContent = model.description;
  }
  initPlayground(model);
  showView(location.hash === "#dashboard" ? "dashboard" : "playground");
}

main().catch((e) => {
  const box = $("error-box");
  box.hidden = false;
  box.textContent = e.message;
});
