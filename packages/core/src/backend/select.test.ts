import { afterEach, describe, expect, it } from "vitest";
import { createBackend, getBackendStatus, setBackend } from "./select.js";
import { referenceBackend } from "./reference.js";
import { OP_NAMES } from "./kernels.js";

describe("backend selection", () => {
  afterEach(() => {
    setBackend("reference");
  });

  it("the reference backend implements every op and says so", () => {
    const d = referenceBackend.describe();
    expect(d.name).toBe("reference");
    for (const op of OP_NAMES) {
      expect(typeof referenceBackend[op]).toBe("function");
      expect(d.kernels[op]).toBe("typescript");
    }
  });

  it("reference is chosen when asked for", () => {
    const { backend, status } = createBackend("reference");
    expect(backend).toBe(referenceBackend);
    expect(status).toEqual({ requested: "reference", active: "reference" });
  });

  it("native either loads or falls back to reference with a reason that lists the candidates", () => {
    const { backend, status } = createBackend("native");
    if (status.active === "native") {
      expect(backend.describe().name).toBe("native");
      expect(status.fallbackReason).toBeUndefined();
    } else {
      expect(backend).toBe(referenceBackend);
      expect(status.fallbackReason).toMatch(/sieve_kernels\.node/);
    }
  });

  it("cuda without a device falls back and says why", () => {
    const { backend, status } = createBackend("cuda");
    if (status.active !== "cuda") {
      expect(status.fallbackReason).toBeTruthy();
      expect(["native", "reference"]).toContain(backend.describe().name);
    }
  });

  it("the active backend is observable", () => {
    setBackend("reference");
    expect(getBackendStatus().active).toBe("reference");
    setBackend(referenceBackend);
    expect(getBackendStatus()).toEqual({ requested: "reference", active: "reference" });
  });
});
