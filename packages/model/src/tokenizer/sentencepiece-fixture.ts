/**
 * Writes SentencePiece .model bytes (protobuf) for tests: a tiny BPE vocabulary with the three
 * specials, all 256 byte pieces and a few merged pieces, or whatever pieces a test gives. Tests
 * only; not exported. Field numbers as in sentencepiece-model.ts.
 */

export interface FixturePiece {
  piece: string;
  score: number;
  /** 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte. */
  type: number;
}

export interface FixtureModelOptions {
  pieces?: FixturePiece[];
  /** 1 unigram, 2 bpe (default). */
  modelType?: number;
  addDummyPrefix?: boolean;
  bosId?: number;
  padId?: number;
}

/** Pieces: <unk> <s> </s>, <0x00>..<0xFF> (ids 3..258), then ▁ a b c ▁a ab ▁ab bc. */
export function fixturePieces(): FixturePiece[] {
  const pieces: FixturePiece[] = [
    { piece: "<unk>", score: 0, type: 2 },
    { piece: "<s>", score: 0, type: 3 },
    { piece: "</s>", score: 0, type: 3 },
  ];
  for (let b = 0; b < 256; b++) pieces.push({ piece: `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, score: 0, type: 6 });
  const normal: Array<[string, number]> = [["\u2581", -10], ["a", -11], ["b", -12], ["c", -13], ["\u2581a", -1], ["ab", -2], ["\u2581ab", -3], ["bc", -4]];
  for (const [piece, score] of normal) pieces.push({ piece, score, type: 1 });
  return pieces;
}

function varint(value: number): number[] {
  // Negative int32 values are written as 10-byte two's complement varints, as protobuf does.
  let v = value < 0 ? 2n ** 64n + BigInt(value) : BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

const tag = (field: number, wire: number): number[] => varint(field * 8 + wire);
const int = (field: number, value: number): number[] => [...tag(field, 0), ...varint(value)];
const bytes = (field: number, payload: ArrayLike<number>): number[] => [...tag(field, 2), ...varint(payload.length), ...Array.from(payload)];
const float = (field: number, value: number): number[] => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, value, true);
  return [...tag(field, 5), ...b];
};

export function sentencePieceModelBytes(options: FixtureModelOptions = {}): Uint8Array {
  const utf8 = new TextEncoder();
  const out: number[] = [];
  for (const p of options.pieces ?? fixturePieces()) {
    out.push(...bytes(1, [...bytes(1, utf8.encode(p.piece)), ...float(2, p.score), ...(p.type === 1 ? [] : int(3, p.type))]));
  }
  const trainer = [...int(3, options.modelType ?? 2), ...int(4, 267), ...int(35, 1), ...int(40, 0), ...int(41, options.bosId ?? 1), ...int(42, 2), ...int(43, options.padId ?? -1)];
  out.push(...bytes(2, trainer));
  out.push(...bytes(3, [...bytes(1, utf8.encode("identity")), ...int(3, options.addDummyPrefix === false ? 0 : 1), ...int(4, 0)]));
  return Uint8Array.from(out);
}
