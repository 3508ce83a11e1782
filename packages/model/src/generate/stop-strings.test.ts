import { describe, expect, it } from "vitest";
import { StopStringMatcher } from "./stop-strings.js";

/** Feeds `text` to a matcher cut at the given positions; returns what was emitted and whether it stopped. */
function feed(stops: string[], text: string, cuts: number[]): { out: string; stopped: boolean } {
  const m = new StopStringMatcher(stops);
  let out = "";
  let prev = 0;
  for (const cut of [...cuts, text.length]) {
    const r = m.push(text.slice(prev, cut));
    out += r.text;
    prev = cut;
    if (r.stopped) return { out, stopped: true };
  }
  return { out: out + m.flush(), stopped: false };
}

/** Every way to cut a short string into pieces (all subsets of cut points). */
function allCuts(n: number): number[][] {
  const result: number[][] = [];
  for (let mask = 0; mask < 1 << (n - 1); mask++) {
    const cuts: number[] = [];
    for (let i = 1; i < n; i++) if (mask & (1 << (i - 1))) cuts.push(i);
    result.push(cuts);
  }
  return result;
}

describe("StopStringMatcher", () => {
  it("finds a stop string however the text is cut, and never emits it", () => {
    const text = "hello STOP world";
    for (const cuts of allCuts(text.length)) {
      expect(feed(["STOP"], text, cuts)).toEqual({ out: "hello ", stopped: true });
    }
  });

  it("releases held text that turns out not to be a stop string", () => {
    const text = "a STO, STx STOPPED";
    for (const cuts of allCuts(text.length)) {
      expect(feed(["STOP"], text, cuts)).toEqual({ out: "a STO, STx ", stopped: true });
    }
    expect(feed(["STOP"], "ends in STO", [3, 9])).toEqual({ out: "ends in STO", stopped: false });
  });

  it("holds back only what could still start a stop string", () => {
    const m = new StopStringMatcher(["\n\nUser:", "###"]);
    expect(m.push("Hi#").text).toBe("Hi");
    expect(m.push("#").text).toBe("");
    expect(m.push("x\n").text).toBe("##x");
    expect(m.push("\nUse").text).toBe("");
    expect(m.push("r:").stopped).toBe(true);
  });

  it("stops at the earliest of several stop strings and reports it", () => {
    const m = new StopStringMatcher(["cd", "bcdef"]);
    const r = m.push("abcdef");
    expect(r).toEqual({ text: "a", stopped: true, stop: "bcdef" });
  });

  it("rejects empty stop strings", () => {
    expect(() => new StopStringMatcher([""])).toThrow("non-empty");
  });
});
