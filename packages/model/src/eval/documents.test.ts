import { describe, expect, it } from "vitest";
import { PieceTokenizer } from "../generate/tiny-model.fixture.js";
import { splitDocuments, tokenizeDocuments } from "./documents.js";

describe("documents", () => {
  it("splits on <|endoftext|>, trims, and drops empty documents", () => {
    expect(splitDocuments("Once.\n<|endoftext|>\nTwice!<|endoftext|>  \n<|endoftext|>")).toEqual(["Once.", "Twice!"]);
    expect(splitDocuments("a||b", "||")).toEqual(["a", "b"]);
  });

  it("tokenizes without BOS (the evaluation adds it)", () => {
    expect(tokenizeDocuments(new PieceTokenizer(), ["ab", "the"])).toEqual([[9], [22]]);
  });
});
