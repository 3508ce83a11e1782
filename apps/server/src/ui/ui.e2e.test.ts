/**
 * The web UI end to end in headless Chromium (playwright-core, the system's chromium): load `/`,
 * stream a chat answer and a completion in the playground, open the dashboard and check that its
 * charts and the sparsity heatmap were drawn. Screenshots go to a temp folder (printed). Skipped,
 * with a message, when no chromium is installed (CHROMIUM_PATH, default /usr/bin/chromium).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../http/server.fixture.js";
import { engineWithSparseLayers } from "../metrics/sparse-layers.fixture.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`[ui e2e] skipping the browser test: no chromium at ${CHROMIUM} (install it, e.g. apt-get install chromium, or set CHROMIUM_PATH)`);

/**
 * Browser-side snippets run as strings: this package type-checks without the DOM library.
 * inkedFractionScript: the fraction of a canvas's pixels that are drawn on (not transparent, not white).
 */
const inkedFractionScript = (selector: string) => `(() => {
  const c = document.querySelector(${JSON.stringify(selector)});
  const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] < 245 || data[i + 1] < 245 || data[i + 2] < 245)) inked++;
  return inked / (data.length / 4);
})()`;
const COUNT_TRANSCRIPT_UPDATES = `(() => {
  window.updates = 0;
  new MutationObserver(() => window.updates++).observe(document.getElementById("transcript"), { subtree: true, childList: true, characterData: true });
})()`;

function inkedFraction(page: Page, selector: string): Promise<number> {
  return page.evaluate<number>(inkedFractionScript(selector));
}

describe.skipIf(!haveChromium)("web UI in headless Chromium", () => {
  let t: TestServer;
  let context: BrowserContext;
  let profile: string;
  let shots: string;

  beforeAll(async () => {
    // The default model, with stand-in sparse layers so the heatmap has something to show.
    t = await startTestServer({ createEngine: (spec) => engineWithSparseLayers(spec, { kvBlocks: 128 }) });
    profile = await mkdtemp(join(tmpdir(), "sieve-ui-profile-"));
    shots = await mkdtemp(join(tmpdir(), "sieve-ui-screenshots-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      viewport: { width: 1360, height: 900 },
    });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await t?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    if (shots) console.log(`[ui e2e] screenshots in ${shots}`);
  });

  it("streams a chat answer and a completion, then draws the dashboard", async () => {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(t.url);
    await expect.poll(() => page.textContent("#model-name"), { timeout: 15_000 }).toBe("sieve-tiny-random");
    expect(await page.isVisible("#synthetic-banner")).toBe(true);
    expect(await page.textContent("#synthetic-banner")).toMatch(/random weights/i);

    // Count DOM updates of the answer: streamed text arrives in many small pieces.
    await page.evaluate(COUNT_TRANSCRIPT_UPDATES);
    await page.fill("#max-tokens", "48");
    await page.fill("#seed", "7");
    await page.fill("#prompt-input", "Hello there!");
    await page.click("#send-button");
    await page.waitForSelector(".message.assistant .text", { timeout: 15_000 });
    await expect.poll(() => page.textContent("#run-stats"), { timeout: 30_000 }).toMatch(/finish: (stop|length)/);
    const answer = (await page.textContent(".message.assistant .text")) ?? "";
    expect(answer.length).toBeGreaterThan(0);
    expect(await page.evaluate<number>("window.updates")).toBeGreaterThan(3);
    await page.screenshot({ path: join(shots, "1-playground-chat.png") });

    await page.check('input[name="mode"][value="completion"]');
    await page.fill("#prompt-input", "Once upon a time");
    await page.click("#send-button");
    await expect.poll(async () => ((await page.textContent("#output .generated")) ?? "").length, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.textContent("#run-stats"), { timeout: 30_000 }).toMatch(/finish:/);
    await page.screenshot({ path: join(shots, "2-playground-completion.png") });

    // Some traffic for the charts, then the dashboard.
    await Promise.all(Array.from({ length: 4 }, (_, i) => t.client.completions.create({ model: t.model, prompt: `load ${i}`, max_tokens: 32, seed: i })));
    await page.click("#tab-dashboard");
    await expect.poll(() => page.textContent("#sparsity-summary"), { timeout: 15_000 }).toMatch(/Weight sparsity, all linear layers: \d/);
    await expect.poll(() => inkedFraction(page, "#chart-throughput"), { timeout: 15_000 }).toBeGreaterThan(0.01);
    expect(await inkedFraction(page, "#chart-latency")).toBeGreaterThan(0.005);
    expect(await inkedFraction(page, "#chart-kv")).toBeGreaterThan(0.005);
    expect(await inkedFraction(page, "#sparsity-heatmap")).toBeGreaterThan(0.2);
    expect(await page.textContent("#achieved-sparsity")).toMatch(/activation/);
    expect(await page.textContent("#card-requests")).toMatch(/^\d+$/);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(shots, "3-dashboard.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
