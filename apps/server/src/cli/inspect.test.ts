import { describe, expect, it } from "vitest";
import { haveAssets, onlyJson, sieve, STORIES_BIN } from "./cli.fixture.js";

const PROJECTIONS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"];

describe.runIf(haveAssets())("sieve inspect on stories260K", () => {
  it("--json reports sizes, the backend, and every linear slot with its kernel", async () => {
    const out = onlyJson(await sieve("inspect", "--model", STORIES_BIN, "--json"));
    expect(out.architecture).toBe("LlamaForCausalLM");
    expect(out.parameters).toBe(260_032);
    expect(out.dtype).toBe("f32");
    expect(out.weight_bytes as number).toBeGreaterThan(260_032 * 4 - 1);
    expect(out.kv_bytes_per_token).toBe(2 * 5 * 4 * 8 * 4);
    const backend = out.backend as { name: string; isa: string; threads: number };
    expect(["native", "reference", "cuda"]).toContain(backend.name);
    expect(backend.threads).toBeGreaterThan(0);
    const layers = out.layers as Array<{ attention: { kind: string }; mlp: { kind: string }; linears: Array<Record<string, unknown>> }>;
    expect(layers).toHaveLength(5);
    const paths = layers.flatMap((l) => l.linears.map((x) => x.path));
    expect(paths).toEqual(layers.flatMap((_, i) => PROJECTIONS.map((p) => `layers.${i}.${p}`)));
    for (const layer of layers) {
      expect(layer.attention.kind).toBeTruthy();
      expect(layer.mlp.kind).toBeTruthy();
      for (const linear of layer.linears) {
        expect(linear).toMatchObject({ kind: "linear", format: "dense", dtype: "f32", sparsity: 0 });
        expect(linear.kernel as string).toMatch(new RegExp(`^${backend.name}:`));
        expect(linear.bytes as number).toBeGreaterThan(0);
      }
    }
    expect((out.lm_head as { out_features: number }).out_features).toBe(512);
  });

  it("prints one row per linear in human mode", async () => {
    const run = await sieve("inspect", "--model", STORIES_BIN);
    expect(run.code).toBe(0);
    for (let i = 0; i < 5; i++) for (const p of PROJECTIONS) expect(run.stdout).toContain(`layers.${i}.${p}`);
    expect(run.stdout).toMatch(/backend {7}\w+/);
  });
});
