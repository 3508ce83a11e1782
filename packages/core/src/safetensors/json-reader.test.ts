import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonReader, JsonSyntaxError, MAX_JSON_DEPTH } from "./json-reader.js";

const enc = (text: string) => new TextEncoder().encode(text);

/** A JSON.parse lookalike built on the pull reader (repeated keys: last wins, as there). */
function readAny(json: JsonReader): unknown {
  switch (json.peekKind()) {
    case "object": {
      const entries: Array<[string, unknown]> = [];
      json.beginObject();
      for (let member = json.nextKey(); member; member = json.nextKey()) entries.push([member.key, readAny(json)]);
      return Object.fromEntries(entries);
    }
    case "array": {
      const items: unknown[] = [];
      json.beginArray();
      while (json.nextItem()) items.push(readAny(json));
      return items;
    }
    case "string":
      return json.readString();
    case "number":
      return json.readNumber().value;
    case "literal":
      return json.readLiteral();
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function parseWithReader(text: string): Outcome {
  try {
    const json = new JsonReader(enc(text));
    const value = readAny(json);
    json.finish();
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error };
  }
}

function skipWithReader(text: string): Outcome {
  try {
    const json = new JsonReader(enc(text));
    json.skipValue();
    json.finish();
    return { ok: true, value: undefined };
  } catch (error) {
    return { ok: false, error };
  }
}

function parseWithJsonParse(text: string): Outcome {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error };
  }
}

describe("JsonReader", () => {
  it("reports byte positions of keys and values", () => {
    const json = new JsonReader(enc(' {"é":[1, 2.5e3],"b":null}'));
    expect(json.valueStart()).toBe(1);
    json.beginObject();
    expect(json.nextKey()).toEqual({ key: "é", start: 2 });
    expect(json.valueStart()).toBe(7);
    json.beginArray();
    expect(json.nextItem()).toBe(true);
    expect(json.readNumber()).toEqual({ start: 8, end: 9, value: 1, isCount: true });
    expect(json.nextItem()).toBe(true);
    expect(json.readNumber()).toEqual({ start: 11, end: 16, value: 2500, isCount: false });
    expect(json.nextItem()).toBe(false);
    expect(json.nextKey()).toEqual({ key: "b", start: 18 });
    expect(json.valueStart()).toBe(22);
    expect(json.readLiteral()).toBe(null);
    expect(json.nextKey()).toBeUndefined();
    json.finish();
  });

  it("classifies counts: plain non-negative integers within 2^53 - 1", () => {
    const count = (text: string) => new JsonReader(enc(text)).readNumber().isCount;
    expect(["0", "7", "123456789012345", "9007199254740991"].map(count)).toEqual([true, true, true, true]);
    expect(["-0", "-1", "2.0", "2e0", "9007199254740992", "1e400"].map(count)).toEqual([false, false, false, false, false, false]);
  });

  it("hands repeated keys to the caller, which decides", () => {
    const json = new JsonReader(enc('{"a":1,"a":2}'));
    json.beginObject();
    const keys: string[] = [];
    for (let member = json.nextKey(); member; member = json.nextKey()) {
      keys.push(member.key);
      json.skipValue();
    }
    expect(keys).toEqual(["a", "a"]);
  });

  it("limits nesting depth instead of overflowing the stack, when reading and when skipping", () => {
    const ok = "[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH);
    expect(parseWithReader(ok).ok).toBe(true);
    expect(skipWithReader(ok).ok).toBe(true);
    const deep = "[".repeat(1_000_000);
    for (const outcome of [parseWithReader(deep), skipWithReader(deep)]) {
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.error).toMatchObject({ position: MAX_JSON_DEPTH, problem: expect.stringMatching(/deeper/) });
    }
  });

  it("decodes every escape, including surrogate pairs, to the same string as JSON.parse", () => {
    const text = '"a\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\\u00e9j\\u2713k\\ud83d\\ude00l\\u0000"';
    expect(parseWithReader(text)).toEqual({ ok: true, value: JSON.parse(text) });
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 20 }), (s) => {
        const allEscaped = `"${escapeAll(s)}"`;
        expect(parseWithReader(JSON.stringify(s))).toEqual({ ok: true, value: s });
        expect(parseWithReader(allEscaped)).toEqual({ ok: true, value: s });
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it("rejects lone surrogate escapes that JSON.parse would accept", () => {
    for (const text of ['"\\ud800"', '"\\udc00"', '"\\ud800\\u0041"', '"\\ud800x"', '"\\ud800\\n"']) {
      for (const outcome of [parseWithReader(text), skipWithReader(text)]) {
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect(String(outcome.error)).toMatch(/surrogate/);
      }
    }
  });

  it("agrees with JSON.parse on generated JSON", () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 5, stringUnit: "binary" }), (text) => {
        expect(parseWithReader(text)).toEqual(parseWithJsonParse(text));
        expect(skipWithReader(text).ok).toBe(true);
      }),
      { numRuns: 500, seed: 1 },
    );
  });

  it("accepts and rejects exactly what JSON.parse does on JSON-like noise", () => {
    const piece = fc.constantFrom("{", "}", "[", "]", '"', ":", ",", " ", "\n", "\t", "0", "1", "-", "+", ".", "e", "E",
      "true", "false", "null", "nul", "\\", "\\u00e9", "\\n", "\\x", "a", "é", "\u0001", "01", "1.", ".5");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), (pieces) => {
        const text = pieces.join("");
        const expected = parseWithJsonParse(text);
        for (const actual of [parseWithReader(text), skipWithReader(text)]) {
          expect(actual.ok).toBe(expected.ok);
          if (!actual.ok) expect(actual.error).toBeInstanceOf(JsonSyntaxError);
        }
        if (expected.ok) expect(parseWithReader(text)).toEqual(expected);
      }),
      { numRuns: 2000, seed: 2 },
    );
  });
});

/** Every UTF-16 unit of `text` as a \uXXXX escape. */
function escapeAll(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) out += `\\u${text.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}
