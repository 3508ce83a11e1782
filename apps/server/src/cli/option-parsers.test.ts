import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { collect, integer, nonNegativeInteger, nonNegativeNumber, positiveInteger, tokenIdList, unitInterval } from "./option-parsers.js";

describe("option parsers", () => {
  it("accept what they promise", () => {
    expect(integer("-3")).toBe(-3);
    expect(positiveInteger("16")).toBe(16);
    expect(nonNegativeInteger("0")).toBe(0);
    expect(nonNegativeNumber("0.7")).toBe(0.7);
    expect(unitInterval("1")).toBe(1);
    expect(tokenIdList("1, 2,3")).toEqual([1, 2, 3]);
    expect(collect("b", collect("a"))).toEqual(["a", "b"]);
  });

  it("reject the rest with a reason commander prints beside the flag", () => {
    for (const [parse, value] of [
      [integer, "1.5"],
      [integer, ""],
      [positiveInteger, "0"],
      [positiveInteger, "abc"],
      [nonNegativeInteger, "-1"],
      [nonNegativeNumber, "-0.1"],
      [unitInterval, "0"],
      [unitInterval, "1.01"],
      [tokenIdList, "1,x"],
      [tokenIdList, ""],
    ] as const) {
      expect(() => parse(value)).toThrow(InvalidArgumentError);
    }
  });
});
