/** What an evaluation reads: one token stream, or several documents evaluated independently. */
export type EvalTokens = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

/**
 * How documents begin: "per-document" starts each with BOS (added unless it is already the first
 * token), as models trained on BOS-separated documents expect; "none" uses the tokens as given.
 */
export type BosPolicy = "per-document" | "none";

function isDocumentList(input: EvalTokens): input is ReadonlyArray<ArrayLike<number>> {
  return Array.isArray(input) && input.length > 0 && typeof input[0] !== "number";
}

/** The documents of an input as Int32Arrays, each starting with BOS under "per-document". */
export function toDocuments(input: EvalTokens, bos: BosPolicy, bosId: number | undefined, vocabSize: number): Int32Array[] {
  const lists = isDocumentList(input) ? input : [input as ArrayLike<number>];
  if (bos === "per-document" && bosId === undefined) {
    throw new RangeError('evaluation: bos "per-document" needs a BOS id (the model config has none; pass bosId)');
  }
  return lists.map((doc, d) => {
    const prepend = bos === "per-document" && (doc.length === 0 || doc[0] !== bosId) ? 1 : 0;
    const out = new Int32Array(doc.length + prepend);
    if (prepend) out[0] = bosId!;
    for (let i = 0; i < doc.length; i++) {
      const id = doc[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new RangeError(`evaluation: document ${d} token ${i} is ${id}, not in [0, ${vocabSize})`);
      out[i + prepend] = id;
    }
    return out;
  });
}
