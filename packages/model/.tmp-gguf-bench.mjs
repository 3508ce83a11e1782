// packages/core/src/tensor/dtype.ts
var BYTES = {
  f64: 8,
  f32: 4,
  f16: 2,
  bf16: 2,
  i64: 8,
  i32: 4,
  i16: 2,
  i8: 1,
  u8: 1,
  bool: 1
};
function dtypeBytes(dtype) {
  return BYTES[dtype];
}
function allocStorage(dtype, length) {
  return storageCtor(dtype).alloc(length);
}
function storageCtor(dtype) {
  switch (dtype) {
    case "f64":
      return { alloc: (n) => new Float64Array(n), view: (b2, o, n) => new Float64Array(b2, o, n) };
    case "f32":
      return { alloc: (n) => new Float32Array(n), view: (b2, o, n) => new Float32Array(b2, o, n) };
    case "f16":
    case "bf16":
      return { alloc: (n) => new Uint16Array(n), view: (b2, o, n) => new Uint16Array(b2, o, n) };
    case "i64":
      return { alloc: (n) => new BigInt64Array(n), view: (b2, o, n) => new BigInt64Array(b2, o, n) };
    case "i32":
      return { alloc: (n) => new Int32Array(n), view: (b2, o, n) => new Int32Array(b2, o, n) };
    case "i16":
      return { alloc: (n) => new Int16Array(n), view: (b2, o, n) => new Int16Array(b2, o, n) };
    case "i8":
      return { alloc: (n) => new Int8Array(n), view: (b2, o, n) => new Int8Array(b2, o, n) };
    case "u8":
    case "bool":
      return { alloc: (n) => new Uint8Array(n), view: (b2, o, n) => new Uint8Array(b2, o, n) };
  }
}

// packages/core/src/tensor/half.ts
var scratchF32 = new Float32Array(1);
var scratchU32 = new Uint32Array(scratchF32.buffer);
function f32Bits(value) {
  scratchF32[0] = value;
  return scratchU32[0];
}
function bitsF32(bits) {
  scratchU32[0] = bits >>> 0;
  return scratchF32[0];
}
function f32ToF16Bits(value) {
  const x = f32Bits(value);
  const sign = x >>> 16 & 32768;
  const exp = x >>> 23 & 255;
  let mant = x & 8388607;
  if (exp === 255) {
    return mant === 0 ? sign | 31744 : sign | 32256 | mant >>> 13;
  }
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 31744;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 8388608;
    const shift = 14 - e;
    const half = 1 << shift - 1;
    const rem2 = mant & (1 << shift) - 1;
    let r2 = mant >>> shift;
    if (rem2 > half || rem2 === half && (r2 & 1) === 1) r2 += 1;
    return sign | r2;
  }
  let r = e << 10 | mant >>> 13;
  const rem = mant & 8191;
  if (rem > 4096 || rem === 4096 && (r & 1) === 1) r += 1;
  return sign | r;
}
function f16BitsToF32(h) {
  const sign = (h & 32768) << 16;
  const exp = h >>> 10 & 31;
  const mant = h & 1023;
  if (exp === 0) {
    if (mant === 0) return bitsF32(sign);
    const v = mant * 5960464477539063e-23;
    return sign ? -v : v;
  }
  if (exp === 31) return bitsF32(sign | 2139095040 | mant << 13);
  return bitsF32(sign | exp - 15 + 127 << 23 | mant << 13);
}
function f32ToBf16Bits(value) {
  const x = f32Bits(value);
  if ((x & 2147483647) > 2139095040) return (x >>> 16 | 64) & 65535;
  const rounding = 32767 + (x >>> 16 & 1);
  return x + rounding >>> 16 & 65535;
}
function bf16BitsToF32(b2) {
  return bitsF32((b2 & 65535) << 16);
}

// packages/core/src/tensor/tensor.ts
function contiguousStrides(shape) {
  const strides = new Array(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}
function shapeSize(shape) {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
function checkShape(shape) {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`invalid dimension ${d} in shape [${shape.join(", ")}]`);
  }
}
var Tensor = class _Tensor {
  dtype;
  shape;
  strides;
  offset;
  data;
  constructor(dtype, data, shape, strides, offset = 0) {
    checkShape(shape);
    this.dtype = dtype;
    this.data = data;
    this.shape = [...shape];
    this.strides = strides ? [...strides] : contiguousStrides(shape);
    this.offset = offset;
    if (this.strides.length !== this.shape.length) {
      throw new RangeError(`strides [${this.strides.join(", ")}] do not match shape [${this.shape.join(", ")}]`);
    }
    if (this.numel > 0) {
      let maxIndex = offset;
      let minIndex = offset;
      for (let i = 0; i < this.shape.length; i++) {
        const span = (this.shape[i] - 1) * this.strides[i];
        if (span > 0) maxIndex += span;
        else minIndex += span;
      }
      if (minIndex < 0 || maxIndex >= data.length) {
        throw new RangeError(
          `view [${this.shape.join(", ")}] (strides [${this.strides.join(", ")}], offset ${offset}) exceeds storage of ${data.length} elements`
        );
      }
    }
  }
  /** A new zero-filled tensor. */
  static zeros(shape, dtype) {
    return new _Tensor(dtype, allocStorage(dtype, shapeSize(shape)), shape);
  }
  /** A tensor holding `values` (converted to dtype; f16/bf16 round to nearest even). */
  static fromArray(values, shape, dtype) {
    const dt = dtype ?? "f32";
    if (values.length !== shapeSize(shape)) {
      throw new RangeError(`${values.length} values do not fill shape [${shape.join(", ")}]`);
    }
    const t2 = _Tensor.zeros(shape, dt);
    for (let i = 0; i < values.length; i++) t2.setFlat(i, values[i]);
    return t2;
  }
  /** Wraps existing storage (no copy) as a contiguous tensor. */
  static wrap(dtype, data, shape) {
    if (data.length !== shapeSize(shape)) {
      throw new RangeError(`storage of ${data.length} elements does not match shape [${shape.join(", ")}]`);
    }
    return new _Tensor(dtype, data, shape);
  }
  /** Uniform random values in [lo, hi) from a seeded RNG. */
  static rand(shape, rng, lo = 0, hi = 1, dtype) {
    const t2 = _Tensor.zeros(shape, dtype ?? "f32");
    for (let i = 0; i < t2.numel; i++) t2.setFlat(i, rng.uniform(lo, hi));
    return t2;
  }
  /** Normal random values from a seeded RNG. */
  static randn(shape, rng, std = 1, dtype) {
    const t2 = _Tensor.zeros(shape, dtype ?? "f32");
    for (let i = 0; i < t2.numel; i++) t2.setFlat(i, rng.normal(0, std));
    return t2;
  }
  get rank() {
    return this.shape.length;
  }
  get numel() {
    return shapeSize(this.shape);
  }
  get byteLength() {
    return this.numel * dtypeBytes(this.dtype);
  }
  isContiguous() {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
  }
  /** The storage of a contiguous tensor, exactly its elements (a subarray, no copy). */
  contiguousData() {
    if (!this.isContiguous()) throw new Error("tensor is not contiguous; call contiguous() first");
    return this.data.subarray(this.offset, this.offset + this.numel);
  }
  normDim(dim) {
    const d = dim < 0 ? dim + this.rank : dim;
    if (d < 0 || d >= this.rank) throw new RangeError(`dimension ${dim} out of range for rank ${this.rank}`);
    return d;
  }
  resolveShape(shape) {
    const out = [...shape];
    const unknown = out.indexOf(-1);
    if (unknown >= 0) {
      const known = out.reduce((a2, d, i) => i === unknown ? a2 : a2 * d, 1);
      if (known === 0 || this.numel % known !== 0) {
        throw new RangeError(`cannot infer -1 in [${shape.join(", ")}] for ${this.numel} elements`);
      }
      out[unknown] = this.numel / known;
    }
    if (shapeSize(out) !== this.numel) {
      throw new RangeError(`cannot view [${this.shape.join(", ")}] as [${shape.join(", ")}]`);
    }
    return out;
  }
  /** A view with a new shape; requires a contiguous layout (use reshape to copy when needed). */
  view(shape) {
    const resolved = this.resolveShape(shape);
    if (!this.isContiguous()) {
      throw new Error(`view [${shape.join(", ")}] needs a contiguous tensor; use reshape() or contiguous()`);
    }
    return new _Tensor(this.dtype, this.data, resolved, void 0, this.offset);
  }
  /** Like view, but copies into a contiguous tensor first when the layout requires it. */
  reshape(shape) {
    return this.isContiguous() ? this.view(shape) : this.contiguous().view(shape);
  }
  /** Elements start..start+length-1 along dim, as a view. */
  narrow(dim, start, length) {
    const d = this.normDim(dim);
    const size = this.shape[d];
    if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > size) {
      throw new RangeError(`narrow(${dim}, ${start}, ${length}) out of range for size ${size}`);
    }
    const shape = [...this.shape];
    shape[d] = length;
    return new _Tensor(this.dtype, this.data, shape, this.strides, this.offset + start * this.strides[d]);
  }
  /** Python-style slice [start, end) along dim (negative indices count from the end). */
  slice(dim, start, end) {
    const size = this.shape[this.normDim(dim)];
    const s = start < 0 ? Math.max(0, size + start) : Math.min(start, size);
    const e = end === void 0 ? size : end < 0 ? Math.max(0, size + end) : Math.min(end, size);
    return this.narrow(dim, s, Math.max(0, e - s));
  }
  /** The index-th sub-tensor along dim, with that dim removed. */
  select(dim, index) {
    const d = this.normDim(dim);
    const size = this.shape[d];
    const i = index < 0 ? index + size : index;
    if (i < 0 || i >= size) throw new RangeError(`index ${index} out of range for size ${size}`);
    const shape = this.shape.filter((_, k) => k !== d);
    const strides = this.strides.filter((_, k) => k !== d);
    return new _Tensor(this.dtype, this.data, shape, strides, this.offset + i * this.strides[d]);
  }
  permute(dims) {
    if (dims.length !== this.rank) throw new RangeError(`permute needs ${this.rank} dims, got ${dims.length}`);
    const nd = dims.map((d) => this.normDim(d));
    if (new Set(nd).size !== nd.length) throw new RangeError(`permute dims repeat: [${dims.join(", ")}]`);
    return new _Tensor(
      this.dtype,
      this.data,
      nd.map((d) => this.shape[d]),
      nd.map((d) => this.strides[d]),
      this.offset
    );
  }
  transpose(a2 = -2, b2 = -1) {
    const dims = this.shape.map((_, i) => i);
    const da = this.normDim(a2);
    const db = this.normDim(b2);
    dims[da] = db;
    dims[db] = da;
    return this.permute(dims);
  }
  /** A contiguous tensor with the same values: this one if already contiguous, else a copy. */
  contiguous() {
    if (this.isContiguous()) return this;
    const out = _Tensor.zeros(this.shape, this.dtype);
    const dst = out.data;
    let i = 0;
    this.forEachIndex((src) => {
      dst[i++] = this.data[src];
    });
    return out;
  }
  /** Calls fn with the storage index of every element, in row-major order. */
  forEachIndex(fn) {
    const rank = this.rank;
    const n = this.numel;
    if (n === 0) return;
    if (rank === 0) {
      fn(this.offset);
      return;
    }
    const idx = new Array(rank).fill(0);
    let pos = this.offset;
    for (let count = 0; count < n; count++) {
      fn(pos);
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]++;
        pos += this.strides[d];
        if (idx[d] < this.shape[d]) break;
        pos -= idx[d] * this.strides[d];
        idx[d] = 0;
      }
    }
  }
  storageIndex(indices) {
    if (indices.length !== this.rank) throw new RangeError(`expected ${this.rank} indices, got ${indices.length}`);
    let pos = this.offset;
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i];
      if (!Number.isInteger(k) || k < 0 || k >= this.shape[i]) {
        throw new RangeError(`index ${k} out of range for dim ${i} of size ${this.shape[i]}`);
      }
      pos += k * this.strides[i];
    }
    return pos;
  }
  /** The element at the given indices, as a number (f16/bf16 widened, i64 converted). */
  get(...indices) {
    return readElement(this.dtype, this.data, this.storageIndex(indices));
  }
  set(value, ...indices) {
    writeElement(this.dtype, this.data, this.storageIndex(indices), value);
  }
  setFlat(i, value) {
    writeElement(this.dtype, this.data, this.offset + i, value);
  }
  /** All elements in row-major order as a fresh Float32Array. */
  toFloat32() {
    const out = new Float32Array(this.numel);
    let i = 0;
    this.forEachIndex((p) => {
      out[i++] = readElement(this.dtype, this.data, p);
    });
    return out;
  }
  /** All elements in row-major order as a plain array of numbers. */
  toArray() {
    const out = [];
    this.forEachIndex((p) => out.push(readElement(this.dtype, this.data, p)));
    return out;
  }
  /** A contiguous copy converted to another dtype (round to nearest even for f16/bf16). */
  to(dtype) {
    const out = _Tensor.zeros(this.shape, dtype);
    let i = 0;
    this.forEachIndex((p) => {
      writeElement(dtype, out.data, i++, readElement(this.dtype, this.data, p));
    });
    return out;
  }
  /** A contiguous copy. */
  clone() {
    return this.to(this.dtype);
  }
  toString() {
    return `Tensor(${this.dtype}, [${this.shape.join(", ")}])`;
  }
};
function readElement(dtype, data, index) {
  switch (dtype) {
    case "f16":
      return f16BitsToF32(data[index]);
    case "bf16":
      return bf16BitsToF32(data[index]);
    case "i64":
      return Number(data[index]);
    default:
      return data[index];
  }
}
function writeElement(dtype, data, index, value) {
  switch (dtype) {
    case "f16":
      data[index] = f32ToF16Bits(value);
      return;
    case "bf16":
      data[index] = f32ToBf16Bits(value);
      return;
    case "i64":
      data[index] = BigInt(Math.trunc(value));
      return;
    case "bool":
      data[index] = value ? 1 : 0;
      return;
    default:
      data[index] = value;
  }
}

// packages/core/src/tensor/rng.ts
var Rng = class {
  s0;
  s1;
  s2;
  s3;
  spareNormal = null;
  constructor(seed = 0) {
    let state = seed >>> 0;
    const next = () => {
      state = state + 2654435769 >>> 0;
      let z = state;
      z = Math.imul(z ^ z >>> 16, 2246822507) >>> 0;
      z = Math.imul(z ^ z >>> 13, 3266489909) >>> 0;
      return (z ^ z >>> 16) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }
  /** Next 32 random bits as an unsigned integer. */
  nextU32() {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t2 = this.s1 << 9 >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t2;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }
  /** Uniform in [0, 1) with 32 bits of resolution. */
  next() {
    return this.nextU32() / 4294967296;
  }
  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1) {
    return lo + (hi - lo) * this.next();
  }
  /** Integer uniform in [0, n). */
  int(n) {
    return Math.floor(this.next() * n);
  }
  /** Standard normal (Box-Muller, both values used), scaled to mean/std. */
  normal(mean = 0, std = 1) {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }
  /** Fills an array with uniform values in [lo, hi). */
  fillUniform(out, lo = 0, hi = 1) {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(lo, hi);
    return out;
  }
  /** Fills an array with normal values. */
  fillNormal(out, mean = 0, std = 1) {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }
};
function rotl(x, k) {
  return (x << k | x >>> 32 - k) >>> 0;
}

// packages/core/src/safetensors/bytes.ts
var HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// packages/core/src/safetensors/file-io.ts
var MAX_IO_CHUNK = 1 << 30;

// packages/core/src/safetensors/json-reader.ts
var utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
var ESCAPED_BYTE = /* @__PURE__ */ new Map([
  [34, 34],
  // \"
  [92, 92],
  // \\
  [47, 47],
  // \/
  [98, 8],
  // \b
  [102, 12],
  // \f
  [110, 10],
  // \n
  [114, 13],
  // \r
  [116, 9]
  // \t
]);
var SIMPLE_ESCAPES = new Set(ESCAPED_BYTE.keys());

// packages/core/src/safetensors/dtype-names.ts
var FILE_TO_SIEVE = {
  F64: "f64",
  F32: "f32",
  F16: "f16",
  BF16: "bf16",
  I64: "i64",
  I32: "i32",
  I16: "i16",
  I8: "i8",
  U8: "u8",
  BOOL: "bool"
};
var SUPPORTED_FILE_DTYPES = Object.keys(FILE_TO_SIEVE);

// packages/model/src/arch/config.ts
var ModelConfigError = class extends Error {
  constructor(message, field, value, file) {
    super(`${file ? `${file}: ` : ""}${message} (field ${field} = ${JSON.stringify(value)})`);
    this.field = field;
    this.value = value;
    this.file = file;
    this.name = "ModelConfigError";
  }
  field;
  value;
  file;
};
function validateConfig(c, file) {
  const positive = ["dim", "hiddenDim", "nLayers", "nHeads", "nKvHeads", "headDim", "vocabSize", "maxSeqLen"];
  for (const f of positive) {
    const v = c[f];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new ModelConfigError("must be a positive integer", f, v, file);
  }
  if (c.nHeads % c.nKvHeads !== 0) {
    throw new ModelConfigError(`num_attention_heads (${c.nHeads}) must be a multiple of num_key_value_heads`, "nKvHeads", c.nKvHeads, file);
  }
  if (c.rope.rotaryDim % 2 !== 0 || c.rope.rotaryDim > c.headDim || c.rope.rotaryDim < 2) {
    throw new ModelConfigError(`rotary dims must be even and at most head_dim ${c.headDim}`, "rope.rotaryDim", c.rope.rotaryDim, file);
  }
  if (!(c.normEps > 0)) throw new ModelConfigError("must be positive", "normEps", c.normEps, file);
  if (!(c.rope.theta > 0)) throw new ModelConfigError("must be positive", "rope.theta", c.rope.theta, file);
  return c;
}

// packages/model/src/arch/weights.ts
var hfNames = {
  embed: "model.embed_tokens.weight",
  finalNorm: "model.norm.weight",
  lmHead: "lm_head.weight",
  layer: (i) => ({
    attnNorm: `model.layers.${i}.input_layernorm.weight`,
    q: `model.layers.${i}.self_attn.q_proj.weight`,
    k: `model.layers.${i}.self_attn.k_proj.weight`,
    v: `model.layers.${i}.self_attn.v_proj.weight`,
    o: `model.layers.${i}.self_attn.o_proj.weight`,
    qBias: `model.layers.${i}.self_attn.q_proj.bias`,
    kBias: `model.layers.${i}.self_attn.k_proj.bias`,
    vBias: `model.layers.${i}.self_attn.v_proj.bias`,
    oBias: `model.layers.${i}.self_attn.o_proj.bias`,
    mlpNorm: `model.layers.${i}.post_attention_layernorm.weight`,
    gate: `model.layers.${i}.mlp.gate_proj.weight`,
    up: `model.layers.${i}.mlp.up_proj.weight`,
    down: `model.layers.${i}.mlp.down_proj.weight`
  })
};
function expectedTensors(c) {
  const qDim = c.nHeads * c.headDim;
  const kvDim = c.nKvHeads * c.headDim;
  const list = [{ name: hfNames.embed, shape: [c.vocabSize, c.dim] }];
  for (let i = 0; i < c.nLayers; i++) {
    const n = hfNames.layer(i);
    list.push(
      { name: n.attnNorm, shape: [c.dim] },
      { name: n.q, shape: [qDim, c.dim] },
      { name: n.k, shape: [kvDim, c.dim] },
      { name: n.v, shape: [kvDim, c.dim] },
      { name: n.o, shape: [c.dim, qDim] }
    );
    if (c.oBias) list.push({ name: n.oBias, shape: [c.dim] });
    if (c.qkvBias) list.push({ name: n.qBias, shape: [qDim] }, { name: n.kBias, shape: [kvDim] }, { name: n.vBias, shape: [kvDim] });
    list.push(
      { name: n.mlpNorm, shape: [c.dim] },
      { name: n.gate, shape: [c.hiddenDim, c.dim] },
      { name: n.up, shape: [c.hiddenDim, c.dim] },
      { name: n.down, shape: [c.dim, c.hiddenDim] }
    );
  }
  list.push({ name: hfNames.finalNorm, shape: [c.dim] });
  list.push({ name: hfNames.lmHead, shape: [c.vocabSize, c.dim], optional: c.tiedEmbeddings });
  return list;
}

// packages/model/src/synth/fast-normal.ts
var TABLE_SIZE = 1 << 16;
var TABLE_SEED = 24301;
var standardTable;
function standardNormalTable() {
  if (standardTable) return standardTable;
  const rng = new Rng(TABLE_SEED);
  const t2 = new Float64Array(TABLE_SIZE);
  let sum = 0;
  for (let i = 0; i < TABLE_SIZE; i++) sum += t2[i] = rng.normal();
  const mean = sum / TABLE_SIZE;
  let sq = 0;
  for (let i = 0; i < TABLE_SIZE; i++) sq += (t2[i] - mean) ** 2;
  const inv = 1 / Math.sqrt(sq / TABLE_SIZE);
  for (let i = 0; i < TABLE_SIZE; i++) t2[i] = (t2[i] - mean) * inv;
  return standardTable = t2;
}
var encodedTables = /* @__PURE__ */ new Map();
function encodedTable(dtype, mean, std) {
  const key = `${dtype}:${mean}:${std}`;
  let table = encodedTables.get(key);
  if (!table) {
    const base = standardNormalTable();
    table = dtype === "f32" ? new Float32Array(TABLE_SIZE) : new Uint16Array(TABLE_SIZE);
    const encode = dtype === "f16" ? f32ToF16Bits : dtype === "bf16" ? f32ToBf16Bits : (v) => v;
    for (let i = 0; i < TABLE_SIZE; i++) table[i] = encode(mean + std * base[i]);
    encodedTables.set(key, table);
  }
  return table;
}
function streamSeed(seed, name) {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  h = Math.imul(h ^ h >>> 16, 2246822507);
  h = Math.imul(h ^ h >>> 13, 3266489909);
  h ^= h >>> 16;
  return h === 0 ? 2654435769 | 0 : h | 0;
}
function fillFastNormal(out, dtype, mean, std, state) {
  const table = encodedTable(dtype, mean, std);
  let x = state | 0 || 1;
  const n = out.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = table[x >>> 16];
    out[i + 1] = table[x & 65535];
  }
  if (i < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = table[x >>> 16];
  }
}

// packages/model/src/synth/presets.ts
var SHAPES = {
  /** llama2.c's stories110M shape (Llama 2 architecture at 110M parameters, classifier shared). */
  "llama-110m": { dim: 768, hiddenDim: 2048, nLayers: 12, nHeads: 12, nKvHeads: 12, vocabSize: 32e3, maxSeqLen: 1024, tied: true },
  /** HuggingFaceTB/SmolLM-135M: deep and narrow, GQA 3:1, tied embeddings. */
  "smollm-135m": { dim: 576, hiddenDim: 1536, nLayers: 30, nHeads: 9, nKvHeads: 3, vocabSize: 49152, maxSeqLen: 2048, tied: true, theta: 1e4, bos: 0, eos: 0 },
  /** TinyLlama-1.1B: GQA 8:1. */
  "tinyllama-1.1b": { dim: 2048, hiddenDim: 5632, nLayers: 22, nHeads: 32, nKvHeads: 4, vocabSize: 32e3, maxSeqLen: 2048, tied: false },
  /** A few hundred thousand parameters, for fast tests; vocab 256 fits a byte-level tokenizer. */
  "test-tiny": { dim: 64, hiddenDim: 160, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 256, maxSeqLen: 128, tied: false }
};
var SYNTH_PRESETS = Object.keys(SHAPES);
function synthPresetConfig(name) {
  const s = SHAPES[name];
  if (!s) throw new RangeError(`unknown synthetic preset ${JSON.stringify(name)} (known: ${SYNTH_PRESETS.join(", ")})`);
  const headDim = s.dim / s.nHeads;
  return validateConfig(
    {
      architecture: "LlamaForCausalLM",
      dim: s.dim,
      hiddenDim: s.hiddenDim,
      nLayers: s.nLayers,
      nHeads: s.nHeads,
      nKvHeads: s.nKvHeads,
      headDim,
      vocabSize: s.vocabSize,
      maxSeqLen: s.maxSeqLen,
      normEps: 1e-5,
      rope: { theta: s.theta ?? 1e4, style: "half", rotaryDim: headDim },
      tiedEmbeddings: s.tied,
      qkvBias: false,
      hiddenAct: "silu",
      bosTokenId: s.bos ?? 1,
      eosTokenIds: [s.eos ?? 2]
    },
    `synth:${name}`
  );
}

// packages/model/src/loaders/synth.ts
var WEIGHT_STD = 0.02;
var NORM_NOISE_STD = 0.02;
var BYTES2 = { f32: 4, f16: 2, bf16: 2 };
var HEADER_RESERVE = 1 << 20;
function synthTensors(config, dtype, seed) {
  return expectedTensors(config).filter((t2) => !t2.optional).map((t2) => {
    const numel = t2.shape.reduce((a2, b2) => a2 * b2, 1);
    const isNorm = t2.shape.length === 1 && !t2.name.endsWith(".bias");
    return {
      name: t2.name,
      dtype,
      shape: t2.shape,
      byteLength: numel * BYTES2[dtype],
      produce: () => {
        const data = dtype === "f32" ? new Float32Array(numel) : new Uint16Array(numel);
        fillFastNormal(data, dtype, isNorm ? 1 : 0, isNorm ? NORM_NOISE_STD : WEIGHT_STD, streamSeed(seed, t2.name));
        return data;
      }
    };
  });
}
function checkDType(dtype) {
  if (dtype !== "f32" && dtype !== "f16" && dtype !== "bf16") throw new RangeError(`synthetic dtype must be f32, f16 or bf16, got ${JSON.stringify(dtype)}`);
}
function synthCheckpoint(preset, dtype = "f32", seed = 0) {
  checkDType(dtype);
  const config = synthPresetConfig(preset);
  const weights = /* @__PURE__ */ new Map();
  for (const t2 of synthTensors(config, dtype, seed)) weights.set(t2.name, Tensor.wrap(dtype, t2.produce(), t2.shape));
  return {
    config,
    weights,
    tokenizer: void 0,
    generation: { bosTokenId: config.bosTokenId, eosTokenIds: config.eosTokenIds },
    format: "synth",
    source: `synth:${preset}:${dtype}:${seed}`,
    metadata: synthMetadata(preset, dtype, seed)
  };
}
function synthMetadata(preset, dtype, seed) {
  return { "synth.preset": preset, "synth.dtype": dtype, "synth.seed": String(seed), "synth.generator": "xorshift32 into a 65536-entry normal table" };
}

// packages/model/src/loaders/format-error.ts
var CheckpointFormatError = class extends Error {
  constructor(file, field, offset, problem, fix) {
    const at = offset === void 0 ? "" : ` at byte ${offset}`;
    super(`${file}: ${field}${at}: ${problem}${fix ? `. ${fix}` : ""}`);
    this.file = file;
    this.field = field;
    this.offset = offset;
    this.problem = problem;
    this.fix = fix;
    this.name = "CheckpointFormatError";
  }
  file;
  field;
  offset;
  problem;
  fix;
};

// packages/model/src/loaders/file-read.ts
var MAX_READ_CHUNK = 1 << 30;
function bytesOf(view) {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
async function readExactly(handle, target, position, file, field) {
  const bytes = bytesOf(target);
  let done = 0;
  while (done < bytes.length) {
    const length = Math.min(MAX_READ_CHUNK, bytes.length - done);
    const { bytesRead } = await handle.read(bytes, done, length, position + done);
    if (bytesRead === 0) {
      throw new CheckpointFormatError(file, field, position + done, `the file ends here, ${bytes.length - done} bytes short of this ${bytes.length}-byte field (truncated file?)`);
    }
    done += bytesRead;
  }
}

// packages/model/src/loaders/gguf-format.ts
var GGUF_VALUE = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12
};
var GGML_TYPE = { F32: 0, F16: 1, Q8_0: 8, BF16: 30 };
var GGML_TYPE_NAMES = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  6: "Q5_0",
  7: "Q5_1",
  8: "Q8_0",
  9: "Q8_1",
  10: "Q2_K",
  11: "Q3_K",
  12: "Q4_K",
  13: "Q5_K",
  14: "Q6_K",
  15: "Q8_K",
  16: "IQ2_XXS",
  17: "IQ2_XS",
  18: "IQ3_XXS",
  19: "IQ1_S",
  20: "IQ4_NL",
  21: "IQ3_S",
  22: "IQ2_S",
  23: "IQ4_XS",
  24: "I8",
  25: "I16",
  26: "I32",
  27: "I64",
  28: "F64",
  29: "IQ1_M",
  30: "BF16",
  34: "TQ1_0",
  35: "TQ2_0",
  39: "MXFP4"
};
function ggmlTypeName(type) {
  return GGML_TYPE_NAMES[type] ?? `type ${type}`;
}
var Q8_0_BLOCK = 32;
var Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;
var GGUF_DEFAULT_ALIGNMENT = 32;
var GGUF_ARCHITECTURES = {
  // llama.cpp's converter permutes Llama/Mistral Q/K rows so that RoPE pairs are adjacent.
  llama: { hf: "LlamaForCausalLM", ropeStyle: "interleaved" },
  mistral: { hf: "MistralForCausalLM", ropeStyle: "interleaved" },
  // Qwen2 runs NEOX-style RoPE in llama.cpp, so its weights stay in the HF (half) layout.
  qwen2: { hf: "Qwen2ForCausalLM", ropeStyle: "half" }
};
function ggufArchitectureOf(hfArchitecture) {
  if (hfArchitecture === "LlamaForCausalLM" || hfArchitecture === "MistralForCausalLM") return "llama";
  if (hfArchitecture === "Qwen2ForCausalLM") return "qwen2";
  throw new Error(`GGUF writer: architecture ${hfArchitecture} has no GGUF mapping (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)`);
}
var LAYER_PARTS = [
  ["attn_norm.weight", "attnNorm"],
  ["attn_q.weight", "q"],
  ["attn_k.weight", "k"],
  ["attn_v.weight", "v"],
  ["attn_output.weight", "o"],
  ["attn_q.bias", "qBias"],
  ["attn_k.bias", "kBias"],
  ["attn_v.bias", "vBias"],
  ["ffn_norm.weight", "mlpNorm"],
  ["ffn_gate.weight", "gate"],
  ["ffn_up.weight", "up"],
  ["ffn_down.weight", "down"]
];
var GLOBAL_PARTS = [
  ["token_embd.weight", hfNames.embed],
  ["output_norm.weight", hfNames.finalNorm],
  ["output.weight", hfNames.lmHead]
];
function hfNameOfGguf(name) {
  for (const [g, h] of GLOBAL_PARTS) if (g === name) return h;
  const m = /^blk\.(\d+)\.(.+)$/.exec(name);
  if (!m) return void 0;
  const part = LAYER_PARTS.find(([g]) => g === m[2]);
  return part ? hfNames.layer(Number(m[1]))[part[1]] : void 0;
}
function ggufNameOfHf(name) {
  for (const [g, h] of GLOBAL_PARTS) if (h === name) return g;
  const m = /^model\.layers\.(\d+)\./.exec(name);
  if (!m) return void 0;
  const layer = Number(m[1]);
  const names = hfNames.layer(layer);
  const part = LAYER_PARTS.find(([, h]) => names[h] === name);
  return part ? `blk.${layer}.${part[0]}` : void 0;
}
function permuteRopeRows(data, cols, nHeads, headDim, rotaryDim, from, to) {
  const out = data.slice();
  if (from === to) return out;
  const half = rotaryDim / 2;
  for (let h = 0; h < nHeads; h++) {
    const base = h * headDim;
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const halfRow = base + j * half + i;
        const interleavedRow = base + 2 * i + j;
        const [src, dst] = from === "half" ? [halfRow, interleavedRow] : [interleavedRow, halfRow];
        out.set(data.subarray(src * cols, (src + 1) * cols), dst * cols);
      }
    }
  }
  return out;
}

// packages/model/src/loaders/gguf-encode.ts
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
var ByteSink = class {
  buf = new Uint8Array(1 << 16);
  view = new DataView(this.buf.buffer);
  length = 0;
  reserve(n) {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v) {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  u32(v) {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v) {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v) {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  u64(v) {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  string(s) {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  pad(alignment) {
    const target = Math.ceil(this.length / alignment) * alignment;
    this.reserve(target - this.length);
    this.buf.fill(0, this.length, target);
    this.length = target;
  }
  bytes() {
    return this.buf.subarray(0, this.length);
  }
};
function writeValue(sink, v) {
  const scalar = (type, put) => {
    sink.u32(type);
    put();
  };
  const array = (elementType, n, put) => {
    sink.u32(GGUF_VALUE.ARRAY);
    sink.u32(elementType);
    sink.u64(n);
    for (let i = 0; i < n; i++) put(i);
  };
  switch (v.type) {
    case "string":
      return scalar(GGUF_VALUE.STRING, () => sink.string(v.value));
    case "u32":
      return scalar(GGUF_VALUE.UINT32, () => sink.u32(v.value));
    case "i32":
      return scalar(GGUF_VALUE.INT32, () => sink.i32(v.value));
    case "f32":
      return scalar(GGUF_VALUE.FLOAT32, () => sink.f32(v.value));
    case "u64":
      return scalar(GGUF_VALUE.UINT64, () => sink.u64(v.value));
    case "bool":
      return scalar(GGUF_VALUE.BOOL, () => sink.u8(v.value ? 1 : 0));
    case "string[]":
      return array(GGUF_VALUE.STRING, v.value.length, (i) => sink.string(v.value[i]));
    case "f32[]":
      return array(GGUF_VALUE.FLOAT32, v.value.length, (i) => sink.f32(v.value[i]));
    case "i32[]":
      return array(GGUF_VALUE.INT32, v.value.length, (i) => sink.i32(v.value[i]));
  }
}
function encodeGgufHeader(kvs, tensors, alignment = GGUF_DEFAULT_ALIGNMENT) {
  const sink = new ByteSink();
  sink.u8(71);
  sink.u8(71);
  sink.u8(85);
  sink.u8(70);
  sink.u32(3);
  sink.u64(tensors.length);
  sink.u64(kvs.length + (alignment === GGUF_DEFAULT_ALIGNMENT ? 0 : 1));
  if (alignment !== GGUF_DEFAULT_ALIGNMENT) {
    sink.string("general.alignment");
    writeValue(sink, { type: "u32", value: alignment });
  }
  for (const [key, value] of kvs) {
    sink.string(key);
    writeValue(sink, value);
  }
  const offsets = [];
  let offset = 0;
  for (const t2 of tensors) {
    offsets.push(offset);
    sink.string(t2.name);
    sink.u32(t2.dims.length);
    for (const d of t2.dims) sink.u64(d);
    sink.u32(t2.ggmlType);
    sink.u64(offset);
    offset = Math.ceil((offset + t2.byteLength) / alignment) * alignment;
  }
  sink.pad(alignment);
  return { header: sink.bytes(), offsets, dataLength: offset };
}
async function writeAll(handle, bytes, position) {
  const chunk = 1 << 30;
  for (let done = 0; done < bytes.length; ) {
    const n = Math.min(chunk, bytes.length - done);
    const { bytesWritten } = await handle.write(bytes, done, n, position + done);
    if (bytesWritten <= 0) throw new Error(`GGUF write made no progress at byte ${position + done}`);
    done += bytesWritten;
  }
}
async function writeGgufFile(path, kvs, tensors, alignment = GGUF_DEFAULT_ALIGNMENT) {
  const { header, offsets, dataLength } = encodeGgufHeader(kvs, tensors, alignment);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx");
  try {
    await writeAll(handle, header, 0);
    for (let i = 0; i < tensors.length; i++) {
      const t2 = tensors[i];
      const bytes = await t2.bytes();
      if (bytes.length !== t2.byteLength) throw new Error(`GGUF writer: tensor ${t2.name} gave ${bytes.length} bytes, expected ${t2.byteLength}`);
      await writeAll(handle, bytes, header.length + offsets[i]);
    }
    await handle.truncate(header.length + dataLength);
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => void 0);
    await unlink(temp).catch(() => void 0);
    throw error;
  }
}

// packages/model/src/loaders/gguf-writer.ts
var FILE_TYPE = { f32: 0, f16: 1, bf16: 32 };
var GGML_OF_DTYPE = { f32: GGML_TYPE.F32, f16: GGML_TYPE.F16, bf16: GGML_TYPE.BF16 };
function modelKvs(c, arch, fileType, name) {
  const kvs = [
    ["general.architecture", { type: "string", value: arch }],
    ["general.name", { type: "string", value: name }],
    [`${arch}.context_length`, { type: "u32", value: c.maxSeqLen }],
    [`${arch}.embedding_length`, { type: "u32", value: c.dim }],
    [`${arch}.block_count`, { type: "u32", value: c.nLayers }],
    [`${arch}.feed_forward_length`, { type: "u32", value: c.hiddenDim }],
    [`${arch}.rope.dimension_count`, { type: "u32", value: c.rope.rotaryDim }],
    [`${arch}.attention.head_count`, { type: "u32", value: c.nHeads }],
    [`${arch}.attention.head_count_kv`, { type: "u32", value: c.nKvHeads }],
    [`${arch}.attention.layer_norm_rms_epsilon`, { type: "f32", value: c.normEps }],
    [`${arch}.rope.freq_base`, { type: "f32", value: c.rope.theta }],
    [`${arch}.vocab_size`, { type: "u32", value: c.vocabSize }],
    ["general.file_type", { type: "u32", value: fileType }]
  ];
  if (c.headDim * c.nHeads !== c.dim) {
    kvs.push([`${arch}.attention.key_length`, { type: "u32", value: c.headDim }], [`${arch}.attention.value_length`, { type: "u32", value: c.headDim }]);
  }
  const s = c.rope.scaling;
  if (s?.type === "linear") {
    kvs.push([`${arch}.rope.scaling.type`, { type: "string", value: "linear" }], [`${arch}.rope.scaling.factor`, { type: "f32", value: s.factor }]);
  } else if (s) {
    throw new Error(`writeGguf: RoPE scaling "${s.type}" cannot be written yet (supported: none, linear)`);
  }
  return kvs;
}
function vocabKvs(v) {
  const kvs = [["tokenizer.ggml.model", { type: "string", value: v.model }]];
  if (v.pre !== void 0) kvs.push(["tokenizer.ggml.pre", { type: "string", value: v.pre }]);
  kvs.push(["tokenizer.ggml.tokens", { type: "string[]", value: v.tokens }]);
  if (v.scores) kvs.push(["tokenizer.ggml.scores", { type: "f32[]", value: v.scores }]);
  if (v.tokenTypes) kvs.push(["tokenizer.ggml.token_type", { type: "i32[]", value: v.tokenTypes }]);
  if (v.merges?.length) kvs.push(["tokenizer.ggml.merges", { type: "string[]", value: v.merges }]);
  const ids = [
    ["tokenizer.ggml.bos_token_id", v.bosId],
    ["tokenizer.ggml.eos_token_id", v.eosIds?.[0]],
    ["tokenizer.ggml.eot_token_id", v.eosIds?.[1]],
    ["tokenizer.ggml.eom_token_id", v.eosIds?.[2]],
    ["tokenizer.ggml.unknown_token_id", v.unkId],
    ["tokenizer.ggml.padding_token_id", v.padId]
  ];
  for (const [key, id] of ids) if (id !== void 0) kvs.push([key, { type: "u32", value: id }]);
  const flags = [
    ["tokenizer.ggml.add_bos_token", v.addBos],
    ["tokenizer.ggml.add_eos_token", v.addEos],
    ["tokenizer.ggml.add_space_prefix", v.addSpacePrefix]
  ];
  for (const [key, flag2] of flags) if (flag2 !== void 0) kvs.push([key, { type: "bool", value: flag2 }]);
  if (v.chatTemplate !== void 0) kvs.push(["tokenizer.chat_template", { type: "string", value: v.chatTemplate }]);
  return kvs;
}
function vocabOfTokenizer(tokenizer) {
  const v = tokenizer?.ggufVocab;
  const resolved = typeof v === "function" ? v.call(tokenizer) : v;
  return resolved && typeof resolved === "object" && Array.isArray(resolved.tokens) ? resolved : void 0;
}
function tensorToWrite(ggufName, hfName, t2, c, arch) {
  if (t2.dtype !== "f32" && t2.dtype !== "f16" && t2.dtype !== "bf16") {
    throw new Error(`writeGguf: tensor ${hfName} has dtype ${t2.dtype}; only f32, f16 and bf16 can be written`);
  }
  const dtype = t2.dtype;
  const targetStyle = GGUF_ARCHITECTURES[arch].ropeStyle;
  const ropeHeads = /\.(q_proj)\./.test(hfName) ? c.nHeads : /\.(k_proj)\./.test(hfName) ? c.nKvHeads : 0;
  const permute = ropeHeads > 0 && c.rope.style !== targetStyle;
  return {
    name: ggufName,
    ggmlType: GGML_OF_DTYPE[dtype],
    dims: [...t2.shape].reverse(),
    byteLength: t2.byteLength,
    bytes: () => {
      const data = t2.contiguous().contiguousData();
      if (!permute) return bytesOf(data);
      const cols = t2.shape.length === 2 ? t2.shape[1] : 1;
      return bytesOf(permuteRopeRows(data, cols, ropeHeads, c.headDim, c.rope.rotaryDim, c.rope.style, targetStyle));
    }
  };
}
function ggufTensorsOf(checkpoint) {
  const c = checkpoint.config;
  const arch = ggufArchitectureOf(c.architecture);
  const tensors = [];
  for (const expected of expectedTensors(c)) {
    if (expected.name === hfNames.lmHead && c.tiedEmbeddings) continue;
    const t2 = checkpoint.weights.get(expected.name);
    if (!t2) throw new Error(`writeGguf: the checkpoint has no tensor ${expected.name}`);
    if (t2.shape.join() !== expected.shape.join()) {
      throw new Error(`writeGguf: tensor ${expected.name} has shape [${t2.shape.join(", ")}], expected [${expected.shape.join(", ")}]`);
    }
    tensors.push(tensorToWrite(ggufNameOfHf(expected.name), expected.name, t2, c, arch));
  }
  return tensors;
}
function ggufMetadataOf(checkpoint, options = {}) {
  const c = checkpoint.config;
  const arch = ggufArchitectureOf(c.architecture);
  const bulk = checkpoint.weights.get(hfNames.layer(0).q)?.dtype ?? checkpoint.weights.get(hfNames.embed)?.dtype;
  const fileType = FILE_TYPE[bulk] ?? 0;
  const name = options.name ?? checkpoint.metadata["general.name"] ?? arch;
  const kvs = modelKvs(c, arch, fileType, name);
  const vocab = options.vocab ?? vocabOfTokenizer(checkpoint.tokenizer);
  if (vocab) {
    if (vocab.tokens.length !== c.vocabSize) {
      throw new Error(`writeGguf: the vocabulary has ${vocab.tokens.length} tokens but the model's vocab size is ${c.vocabSize}`);
    }
    kvs.push(...vocabKvs(vocab));
  } else {
    if (c.bosTokenId !== void 0) kvs.push(["tokenizer.ggml.bos_token_id", { type: "u32", value: c.bosTokenId }]);
    const eosKeys = ["tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"];
    c.eosTokenIds.slice(0, 3).forEach((id, i) => kvs.push([eosKeys[i], { type: "u32", value: id }]));
  }
  return kvs;
}
async function writeGguf(path, checkpoint, options = {}) {
  await writeGgufFile(path, ggufMetadataOf(checkpoint, options), ggufTensorsOf(checkpoint));
}

// packages/model/src/loaders/gguf.ts
import { open as open2 } from "node:fs/promises";
import { resolve } from "node:path";
import { gguf } from "@huggingface/gguf";

// packages/model/src/tokenizer/byte-strings.ts
var encoder = new TextEncoder();
function utf8Bytes(text) {
  return encoder.encode(text);
}
function bytesToByteString(bytes) {
  let out = "";
  const slice2 = 8192;
  for (let i = 0; i < bytes.length; i += slice2) {
    out += String.fromCharCode(...bytes.subarray(i, i + slice2));
  }
  return out;
}
function utf8ByteString(text) {
  return bytesToByteString(utf8Bytes(text));
}
var BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;
function byteOfByteToken(piece) {
  const match = BYTE_TOKEN.exec(piece);
  return match ? parseInt(match[1], 16) : void 0;
}
function byteTokenText(byte) {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`;
}
function splitUtf8Chars(byteString) {
  const chars = [];
  let start = 0;
  for (let i = 1; i <= byteString.length; i++) {
    const atEnd = i === byteString.length;
    const continuation = !atEnd && (byteString.charCodeAt(i) & 192) === 128;
    if (atEnd || !continuation || i - start >= 4) {
      chars.push(byteString.slice(start, i));
      start = i;
    }
  }
  return chars;
}

// packages/model/src/tokenizer/format-error.ts
var TokenizerFormatError = class extends Error {
  constructor(source, field, offset, problem, fix) {
    const at = offset === void 0 ? "" : ` at byte offset ${offset}`;
    super(`${source}: ${field}${at}: ${problem}${fix ? `. ${fix}` : ""}`);
    this.source = source;
    this.field = field;
    this.offset = offset;
    this.problem = problem;
    this.fix = fix;
    this.name = "TokenizerFormatError";
  }
  source;
  field;
  offset;
  problem;
  fix;
};

// packages/model/src/tokenizer/min-heap.ts
var MinHeap = class {
  constructor(less) {
    this.less = less;
  }
  less;
  items = [];
  get size() {
    return this.items.length;
  }
  push(item) {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = i - 1 >> 1;
      if (!this.less(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }
  pop() {
    const items = this.items;
    if (items.length === 0) return void 0;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && this.less(items[left], items[smallest])) smallest = left;
        if (right < items.length && this.less(items[right], items[smallest])) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest], items[i]];
        i = smallest;
      }
    }
    return top;
  }
};

// packages/model/src/tokenizer/bpe-merge.ts
var earlier = (a2, b2) => a2.priority < b2.priority || a2.priority === b2.priority && a2.left < b2.left;
function mergePairs(symbols, priorityOf) {
  const n = symbols.length;
  if (n < 2) return symbols.slice();
  const text = symbols.slice();
  const next = Array.from({ length: n }, (_, i) => i + 1 < n ? i + 1 : -1);
  const prev = Array.from({ length: n }, (_, i) => i - 1);
  const heap = new MinHeap(earlier);
  const consider = (left) => {
    const right = next[left];
    if (left < 0 || right < 0) return;
    const priority = priorityOf(text[left], text[right]);
    if (priority !== void 0) heap.push({ priority, left, leftText: text[left], rightText: text[right] });
  };
  for (let i = 0; i + 1 < n; i++) consider(i);
  for (let top = heap.pop(); top; top = heap.pop()) {
    const { left, leftText, rightText } = top;
    const right = next[left];
    if (right < 0 || text[left] !== leftText || text[right] !== rightText) continue;
    text[left] = leftText + rightText;
    text[right] = "";
    const after = next[right];
    next[left] = after;
    if (after >= 0) prev[after] = left;
    consider(prev[left]);
    consider(left);
  }
  const merged = [];
  for (let i = 0; i >= 0; i = next[i]) merged.push(text[i]);
  return merged;
}

// packages/model/src/tokenizer/byte-level.ts
function buildByteToChar() {
  const printable = (b2) => b2 >= 33 && b2 <= 126 || b2 >= 161 && b2 <= 172 || b2 >= 174 && b2 <= 255;
  const table = [];
  let shifted = 0;
  for (let b2 = 0; b2 < 256; b2++) table.push(String.fromCharCode(printable(b2) ? b2 : 256 + shifted++));
  return table;
}
var BYTE_TO_CHAR = buildByteToChar();
var CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((char, byte) => [char, byte]));
function toByteLevel(text) {
  let out = "";
  for (const byte of utf8Bytes(text)) out += BYTE_TO_CHAR[byte];
  return out;
}
function fromByteLevel(token) {
  const bytes = [];
  for (const char of token) {
    const byte = CHAR_TO_BYTE.get(char);
    if (byte !== void 0) bytes.push(byte);
    else bytes.push(...utf8Bytes(char));
  }
  return Uint8Array.from(bytes);
}

// node_modules/.pnpm/@huggingface+jinja@0.5.11/node_modules/@huggingface/jinja/dist/index.js
var __defProp = Object.defineProperty;
var __defNormalProp = (obj, key, value) => key in obj ? __defProp(obj, key, { enumerable: true, configurable: true, writable: true, value }) : obj[key] = value;
var __publicField = (obj, key, value) => {
  __defNormalProp(obj, typeof key !== "symbol" ? key + "" : key, value);
  return value;
};
var TOKEN_TYPES = Object.freeze({
  Text: "Text",
  // The text between Jinja statements or expressions
  NumericLiteral: "NumericLiteral",
  // e.g., 123, 1.0
  StringLiteral: "StringLiteral",
  // 'string'
  Identifier: "Identifier",
  // Variables, functions, statements, booleans, etc.
  Equals: "Equals",
  // =
  OpenParen: "OpenParen",
  // (
  CloseParen: "CloseParen",
  // )
  OpenStatement: "OpenStatement",
  // {%
  CloseStatement: "CloseStatement",
  // %}
  OpenExpression: "OpenExpression",
  // {{
  CloseExpression: "CloseExpression",
  // }}
  OpenSquareBracket: "OpenSquareBracket",
  // [
  CloseSquareBracket: "CloseSquareBracket",
  // ]
  OpenCurlyBracket: "OpenCurlyBracket",
  // {
  CloseCurlyBracket: "CloseCurlyBracket",
  // }
  Comma: "Comma",
  // ,
  Dot: "Dot",
  // .
  Colon: "Colon",
  // :
  Pipe: "Pipe",
  // |
  CallOperator: "CallOperator",
  // ()
  AdditiveBinaryOperator: "AdditiveBinaryOperator",
  // + - ~
  MultiplicativeBinaryOperator: "MultiplicativeBinaryOperator",
  // * / // %
  ExponentiationBinaryOperator: "ExponentiationBinaryOperator",
  // **
  ComparisonBinaryOperator: "ComparisonBinaryOperator",
  // < > <= >= == !=
  UnaryOperator: "UnaryOperator",
  // ! - +
  Comment: "Comment"
  // {# ... #}
});
var Token = class {
  /**
   * Constructs a new Token.
   * @param {string} value The raw value as seen inside the source code.
   * @param {TokenType} type The type of token.
   */
  constructor(value, type) {
    this.value = value;
    this.type = type;
  }
};
function isWord(char) {
  return /\w/.test(char);
}
function isInteger(char) {
  return /[0-9]/.test(char);
}
function isWhitespace(char) {
  return /\s/.test(char);
}
var ORDERED_MAPPING_TABLE = [
  // Control sequences
  ["{%", TOKEN_TYPES.OpenStatement],
  ["%}", TOKEN_TYPES.CloseStatement],
  ["{{", TOKEN_TYPES.OpenExpression],
  ["}}", TOKEN_TYPES.CloseExpression],
  // Single character tokens
  ["(", TOKEN_TYPES.OpenParen],
  [")", TOKEN_TYPES.CloseParen],
  ["{", TOKEN_TYPES.OpenCurlyBracket],
  ["}", TOKEN_TYPES.CloseCurlyBracket],
  ["[", TOKEN_TYPES.OpenSquareBracket],
  ["]", TOKEN_TYPES.CloseSquareBracket],
  [",", TOKEN_TYPES.Comma],
  [".", TOKEN_TYPES.Dot],
  [":", TOKEN_TYPES.Colon],
  ["|", TOKEN_TYPES.Pipe],
  // Comparison operators
  ["<=", TOKEN_TYPES.ComparisonBinaryOperator],
  [">=", TOKEN_TYPES.ComparisonBinaryOperator],
  ["==", TOKEN_TYPES.ComparisonBinaryOperator],
  ["!=", TOKEN_TYPES.ComparisonBinaryOperator],
  ["<", TOKEN_TYPES.ComparisonBinaryOperator],
  [">", TOKEN_TYPES.ComparisonBinaryOperator],
  // Arithmetic operators
  ["+", TOKEN_TYPES.AdditiveBinaryOperator],
  ["-", TOKEN_TYPES.AdditiveBinaryOperator],
  ["~", TOKEN_TYPES.AdditiveBinaryOperator],
  ["**", TOKEN_TYPES.ExponentiationBinaryOperator],
  // NOTE: must come before "*" so that "**" is matched first
  ["*", TOKEN_TYPES.MultiplicativeBinaryOperator],
  ["//", TOKEN_TYPES.MultiplicativeBinaryOperator],
  // NOTE: must come before "/" so that "//" is matched first
  ["/", TOKEN_TYPES.MultiplicativeBinaryOperator],
  ["%", TOKEN_TYPES.MultiplicativeBinaryOperator],
  // Assignment operator
  ["=", TOKEN_TYPES.Equals]
];
var ESCAPE_CHARACTERS = /* @__PURE__ */ new Map([
  ["n", "\n"],
  // New line
  ["t", "	"],
  // Horizontal tab
  ["r", "\r"],
  // Carriage return
  ["b", "\b"],
  // Backspace
  ["f", "\f"],
  // Form feed
  ["v", "\v"],
  // Vertical tab
  ["'", "'"],
  // Single quote
  ['"', '"'],
  // Double quote
  ["\\", "\\"]
  // Backslash
]);
function preprocess(template, options = {}) {
  if (template.endsWith("\n")) {
    template = template.slice(0, -1);
  }
  if (options.lstrip_blocks) {
    template = template.replace(/^[ \t]*({[#%-])/gm, "$1");
  }
  if (options.trim_blocks) {
    template = template.replace(/([#%-]})\n/g, "$1");
  }
  return template.replace(
    /(\s*){%(-?)\s*(?:end)?generation\s*(-?)%}(\s*)/gs,
    (_, before, lstrip, rstrip, after) => (lstrip ? "" : before) + (rstrip ? "" : after)
  );
}
function tokenize(source, options = {}) {
  const tokens = [];
  const src = preprocess(source, options);
  let cursorPosition = 0;
  let curlyBracketDepth = 0;
  const consumeWhile = (predicate) => {
    let str = "";
    while (predicate(src[cursorPosition])) {
      if (src[cursorPosition] === "\\") {
        ++cursorPosition;
        if (cursorPosition >= src.length) {
          throw new SyntaxError("Unexpected end of input");
        }
        const escaped = src[cursorPosition++];
        if (escaped === "x" || escaped === "u") {
          const length = escaped === "x" ? 2 : 4;
          const hex = src.slice(cursorPosition, cursorPosition + length);
          if (hex.length !== length || /[^0-9a-f]/i.test(hex)) {
            throw new SyntaxError(`Invalid hexadecimal escape sequence: \\${escaped}${hex}`);
          }
          str += String.fromCharCode(parseInt(hex, 16));
          cursorPosition += length;
          continue;
        }
        const unescaped = ESCAPE_CHARACTERS.get(escaped);
        if (unescaped === void 0) {
          throw new SyntaxError(`Unexpected escaped character: ${escaped}`);
        }
        str += unescaped;
        continue;
      }
      str += src[cursorPosition++];
      if (cursorPosition >= src.length) {
        throw new SyntaxError("Unexpected end of input");
      }
    }
    return str;
  };
  const stripTrailingWhitespace = () => {
    const lastToken = tokens.at(-1);
    if (lastToken && lastToken.type === TOKEN_TYPES.Text) {
      lastToken.value = lastToken.value.trimEnd();
      if (lastToken.value === "") {
        tokens.pop();
      }
    }
  };
  const skipLeadingWhitespace = () => {
    while (cursorPosition < src.length && isWhitespace(src[cursorPosition])) {
      ++cursorPosition;
    }
  };
  main:
    while (cursorPosition < src.length) {
      const lastTokenType = tokens.at(-1)?.type;
      if (lastTokenType === void 0 || lastTokenType === TOKEN_TYPES.CloseStatement || lastTokenType === TOKEN_TYPES.CloseExpression || lastTokenType === TOKEN_TYPES.Comment) {
        let text = "";
        while (cursorPosition < src.length && // Keep going until we hit the next Jinja statement or expression
        !(src[cursorPosition] === "{" && (src[cursorPosition + 1] === "%" || src[cursorPosition + 1] === "{" || src[cursorPosition + 1] === "#"))) {
          text += src[cursorPosition++];
        }
        if (text.length > 0) {
          tokens.push(new Token(text, TOKEN_TYPES.Text));
          continue;
        }
      }
      if (src[cursorPosition] === "{" && src[cursorPosition + 1] === "#") {
        cursorPosition += 2;
        const stripBefore = src[cursorPosition] === "-";
        if (stripBefore) {
          ++cursorPosition;
        }
        let comment = "";
        while (src[cursorPosition] !== "#" || src[cursorPosition + 1] !== "}") {
          if (cursorPosition + 2 >= src.length) {
            throw new SyntaxError("Missing end of comment tag");
          }
          comment += src[cursorPosition++];
        }
        const stripAfter = comment.endsWith("-");
        if (stripAfter) {
          comment = comment.slice(0, -1);
        }
        if (stripBefore) {
          stripTrailingWhitespace();
        }
        tokens.push(new Token(comment, TOKEN_TYPES.Comment));
        cursorPosition += 2;
        if (stripAfter) {
          skipLeadingWhitespace();
        }
        continue;
      }
      if (src.slice(cursorPosition, cursorPosition + 3) === "{%-") {
        stripTrailingWhitespace();
        tokens.push(new Token("{%", TOKEN_TYPES.OpenStatement));
        cursorPosition += 3;
        continue;
      }
      if (src.slice(cursorPosition, cursorPosition + 3) === "{{-") {
        stripTrailingWhitespace();
        tokens.push(new Token("{{", TOKEN_TYPES.OpenExpression));
        curlyBracketDepth = 0;
        cursorPosition += 3;
        continue;
      }
      consumeWhile(isWhitespace);
      if (src.slice(cursorPosition, cursorPosition + 3) === "-%}") {
        tokens.push(new Token("%}", TOKEN_TYPES.CloseStatement));
        cursorPosition += 3;
        skipLeadingWhitespace();
        continue;
      }
      if (src.slice(cursorPosition, cursorPosition + 3) === "-}}") {
        tokens.push(new Token("}}", TOKEN_TYPES.CloseExpression));
        cursorPosition += 3;
        skipLeadingWhitespace();
        continue;
      }
      const char = src[cursorPosition];
      if (char === "-" || char === "+") {
        const lastTokenType2 = tokens.at(-1)?.type;
        if (lastTokenType2 === TOKEN_TYPES.Text || lastTokenType2 === void 0) {
          throw new SyntaxError(`Unexpected character: ${char}`);
        }
        switch (lastTokenType2) {
          case TOKEN_TYPES.Identifier:
          case TOKEN_TYPES.NumericLiteral:
          case TOKEN_TYPES.StringLiteral:
          case TOKEN_TYPES.CloseParen:
          case TOKEN_TYPES.CloseSquareBracket:
            break;
          default: {
            ++cursorPosition;
            let num = consumeWhile(isInteger);
            if (num.length > 0 && src[cursorPosition] === "." && isInteger(src[cursorPosition + 1])) {
              ++cursorPosition;
              const frac = consumeWhile(isInteger);
              num = `${num}.${frac}`;
            }
            tokens.push(
              new Token(`${char}${num}`, num.length > 0 ? TOKEN_TYPES.NumericLiteral : TOKEN_TYPES.UnaryOperator)
            );
            continue;
          }
        }
      }
      for (const [seq, type] of ORDERED_MAPPING_TABLE) {
        if (seq === "}}" && curlyBracketDepth > 0) {
          continue;
        }
        const slice2 = src.slice(cursorPosition, cursorPosition + seq.length);
        if (slice2 === seq) {
          tokens.push(new Token(seq, type));
          if (type === TOKEN_TYPES.OpenExpression) {
            curlyBracketDepth = 0;
          } else if (type === TOKEN_TYPES.OpenCurlyBracket) {
            ++curlyBracketDepth;
          } else if (type === TOKEN_TYPES.CloseCurlyBracket) {
            --curlyBracketDepth;
          }
          cursorPosition += seq.length;
          continue main;
        }
      }
      if (char === "'" || char === '"') {
        ++cursorPosition;
        const str = consumeWhile((c) => c !== char);
        tokens.push(new Token(str, TOKEN_TYPES.StringLiteral));
        ++cursorPosition;
        continue;
      }
      if (isInteger(char)) {
        let num = consumeWhile(isInteger);
        if (tokens.at(-1)?.type !== TOKEN_TYPES.Dot && src[cursorPosition] === "." && isInteger(src[cursorPosition + 1])) {
          ++cursorPosition;
          const frac = consumeWhile(isInteger);
          num = `${num}.${frac}`;
        }
        tokens.push(new Token(num, TOKEN_TYPES.NumericLiteral));
        continue;
      }
      if (isWord(char)) {
        const word = consumeWhile(isWord);
        tokens.push(new Token(word, TOKEN_TYPES.Identifier));
        continue;
      }
      throw new SyntaxError(`Unexpected character: ${char}`);
    }
  return tokens;
}
var Statement = class {
  type = "Statement";
};
var Program = class extends Statement {
  constructor(body) {
    super();
    this.body = body;
  }
  type = "Program";
};
var If = class extends Statement {
  constructor(test, body, alternate) {
    super();
    this.test = test;
    this.body = body;
    this.alternate = alternate;
  }
  type = "If";
};
var For = class extends Statement {
  constructor(loopvar, iterable, body, defaultBlock) {
    super();
    this.loopvar = loopvar;
    this.iterable = iterable;
    this.body = body;
    this.defaultBlock = defaultBlock;
  }
  type = "For";
};
var Break = class extends Statement {
  type = "Break";
};
var Continue = class extends Statement {
  type = "Continue";
};
var SetStatement = class extends Statement {
  constructor(assignee, value, body) {
    super();
    this.assignee = assignee;
    this.value = value;
    this.body = body;
  }
  type = "Set";
};
var Macro = class extends Statement {
  constructor(name, args, body) {
    super();
    this.name = name;
    this.args = args;
    this.body = body;
  }
  type = "Macro";
};
var Comment = class extends Statement {
  constructor(value) {
    super();
    this.value = value;
  }
  type = "Comment";
};
var Expression = class extends Statement {
  type = "Expression";
};
var MemberExpression = class extends Expression {
  constructor(object, property, computed) {
    super();
    this.object = object;
    this.property = property;
    this.computed = computed;
  }
  type = "MemberExpression";
};
var CallExpression = class extends Expression {
  constructor(callee, args) {
    super();
    this.callee = callee;
    this.args = args;
  }
  type = "CallExpression";
};
var Identifier = class extends Expression {
  /**
   * @param {string} value The name of the identifier
   */
  constructor(value) {
    super();
    this.value = value;
  }
  type = "Identifier";
};
var Literal = class extends Expression {
  constructor(value) {
    super();
    this.value = value;
  }
  type = "Literal";
};
var IntegerLiteral = class extends Literal {
  type = "IntegerLiteral";
};
var FloatLiteral = class extends Literal {
  type = "FloatLiteral";
};
var StringLiteral = class extends Literal {
  type = "StringLiteral";
};
var ArrayLiteral = class extends Literal {
  type = "ArrayLiteral";
};
var TupleLiteral = class extends Literal {
  type = "TupleLiteral";
};
var ObjectLiteral = class extends Literal {
  type = "ObjectLiteral";
};
var BinaryExpression = class extends Expression {
  constructor(operator, left, right) {
    super();
    this.operator = operator;
    this.left = left;
    this.right = right;
  }
  type = "BinaryExpression";
};
var FilterExpression = class extends Expression {
  constructor(operand, filter) {
    super();
    this.operand = operand;
    this.filter = filter;
  }
  type = "FilterExpression";
};
var FilterStatement = class extends Statement {
  constructor(filter, body) {
    super();
    this.filter = filter;
    this.body = body;
  }
  type = "FilterStatement";
};
var SelectExpression = class extends Expression {
  constructor(lhs, test) {
    super();
    this.lhs = lhs;
    this.test = test;
  }
  type = "SelectExpression";
};
var TestExpression = class extends Expression {
  constructor(operand, negate, test) {
    super();
    this.operand = operand;
    this.negate = negate;
    this.test = test;
  }
  type = "TestExpression";
};
var UnaryExpression = class extends Expression {
  constructor(operator, argument) {
    super();
    this.operator = operator;
    this.argument = argument;
  }
  type = "UnaryExpression";
};
var SliceExpression = class extends Expression {
  constructor(start = void 0, stop = void 0, step = void 0) {
    super();
    this.start = start;
    this.stop = stop;
    this.step = step;
  }
  type = "SliceExpression";
};
var KeywordArgumentExpression = class extends Expression {
  constructor(key, value) {
    super();
    this.key = key;
    this.value = value;
  }
  type = "KeywordArgumentExpression";
};
var SpreadExpression = class extends Expression {
  constructor(argument) {
    super();
    this.argument = argument;
  }
  type = "SpreadExpression";
};
var KeywordSpreadExpression = class extends Expression {
  constructor(argument) {
    super();
    this.argument = argument;
  }
  type = "KeywordSpreadExpression";
};
var CallStatement = class extends Statement {
  constructor(call, callerArgs, body) {
    super();
    this.call = call;
    this.callerArgs = callerArgs;
    this.body = body;
  }
  type = "CallStatement";
};
var Ternary = class extends Expression {
  constructor(condition, trueExpr, falseExpr) {
    super();
    this.condition = condition;
    this.trueExpr = trueExpr;
    this.falseExpr = falseExpr;
  }
  type = "Ternary";
};
function parse(tokens) {
  const program = new Program([]);
  let current = 0;
  function expect(type, error) {
    const prev = tokens[current++];
    if (!prev || prev.type !== type) {
      throw new Error(`Parser Error: ${error}. ${prev.type} !== ${type}.`);
    }
    return prev;
  }
  function expectIdentifier(name) {
    if (!isIdentifier(name)) {
      throw new SyntaxError(`Expected ${name}`);
    }
    ++current;
  }
  function parseAny() {
    switch (tokens[current].type) {
      case TOKEN_TYPES.Comment:
        return new Comment(tokens[current++].value);
      case TOKEN_TYPES.Text:
        return parseText();
      case TOKEN_TYPES.OpenStatement:
        return parseJinjaStatement();
      case TOKEN_TYPES.OpenExpression:
        return parseJinjaExpression();
      default:
        throw new SyntaxError(`Unexpected token type: ${tokens[current].type}`);
    }
  }
  function is(...types) {
    return current + types.length <= tokens.length && types.every((type, i) => type === tokens[current + i].type);
  }
  function isStatement(...names) {
    return tokens[current]?.type === TOKEN_TYPES.OpenStatement && tokens[current + 1]?.type === TOKEN_TYPES.Identifier && names.includes(tokens[current + 1]?.value);
  }
  function isIdentifier(...names) {
    return current + names.length <= tokens.length && names.every((name, i) => tokens[current + i].type === "Identifier" && name === tokens[current + i].value);
  }
  function parseText() {
    return new StringLiteral(expect(TOKEN_TYPES.Text, "Expected text token").value);
  }
  function parseJinjaStatement() {
    expect(TOKEN_TYPES.OpenStatement, "Expected opening statement token");
    if (tokens[current].type !== TOKEN_TYPES.Identifier) {
      throw new SyntaxError(`Unknown statement, got ${tokens[current].type}`);
    }
    const name = tokens[current].value;
    let result;
    switch (name) {
      case "set":
        ++current;
        result = parseSetStatement();
        break;
      case "if":
        ++current;
        result = parseIfStatement();
        expect(TOKEN_TYPES.OpenStatement, "Expected {% token");
        expectIdentifier("endif");
        expect(TOKEN_TYPES.CloseStatement, "Expected %} token");
        break;
      case "macro":
        ++current;
        result = parseMacroStatement();
        expect(TOKEN_TYPES.OpenStatement, "Expected {% token");
        expectIdentifier("endmacro");
        expect(TOKEN_TYPES.CloseStatement, "Expected %} token");
        break;
      case "for":
        ++current;
        result = parseForStatement();
        expect(TOKEN_TYPES.OpenStatement, "Expected {% token");
        expectIdentifier("endfor");
        expect(TOKEN_TYPES.CloseStatement, "Expected %} token");
        break;
      case "call": {
        ++current;
        let callerArgs = null;
        if (is(TOKEN_TYPES.OpenParen)) {
          callerArgs = parseArgs("parameters");
        }
        const callee = parsePrimaryExpression();
        if (callee.type !== "Identifier") {
          throw new SyntaxError(`Expected identifier following call statement`);
        }
        const callArgs = parseArgs("call");
        expect(TOKEN_TYPES.CloseStatement, "Expected closing statement token");
        const body = [];
        while (!isStatement("endcall")) {
          body.push(parseAny());
        }
        expect(TOKEN_TYPES.OpenStatement, "Expected '{%'");
        expectIdentifier("endcall");
        expect(TOKEN_TYPES.CloseStatement, "Expected closing statement token");
        const callExpr = new CallExpression(callee, callArgs);
        result = new CallStatement(callExpr, callerArgs, body);
        break;
      }
      case "break":
        ++current;
        expect(TOKEN_TYPES.CloseStatement, "Expected closing statement token");
        result = new Break();
        break;
      case "continue":
        ++current;
        expect(TOKEN_TYPES.CloseStatement, "Expected closing statement token");
        result = new Continue();
        break;
      case "filter": {
        ++current;
        let filterNode = parsePrimaryExpression();
        if (filterNode instanceof Identifier && is(TOKEN_TYPES.OpenParen)) {
          filterNode = parseCallExpression(filterNode);
        }
        expect(TOKEN_TYPES.CloseStatement, "Expected closing statement token");
        const filterBody = [];
        while (!isStatement("endfilter")) {
          filterBody.push(parseAny());
        }
        expect(TOKEN_TYPES.OpenStatement, "Expected '{%'");
        expectIdentifier("endfilter");
        expect(TOKEN_TYPES.CloseStatement, "Expected '%}'");
        result = new FilterStatement(filterNode, filterBody);
        break;
      }
      default:
        throw new SyntaxError(`Unknown statement type: ${name}`);
    }
    return result;
  }
  function parseJinjaExpression() {
    expect(TOKEN_TYPES.OpenExpression, "Expected opening expression token");
    const result = parseExpression();
    expect(TOKEN_TYPES.CloseExpression, "Expected closing expression token");
    return result;
  }
  function parseSetStatement() {
    const left = parseExpressionSequence();
    let value = null;
    const body = [];
    if (is(TOKEN_TYPES.Equals)) {
      ++current;
      value = parseExpressionSequence();
    } else {
      expect(TOKEN_TYPES.CloseStatement, "Expected %} token");
      while (!isStatement("endset")) {
        body.push(parseAny());
      }
      expect(TOKEN_TYPES.OpenStatement, "Expected {% token");
      expectIdentifier("endset");
    }
    expect(TOKEN_TYPES.CloseStatement, "Expected closing statement token");
    return new SetStatement(left, value, body);
  }
  function parseIfStatement() {
    const test = parseExpression();
    expect(TOKEN_TYPES.CloseStatement, "Expected closing statement token");
    const body = [];
    const alternate = [];
    while (!isStatement("elif", "else", "endif")) {
      body.push(parseAny());
    }
    if (isStatement("elif")) {
      ++current;
      ++current;
      const result = parseIfStatement();
      alternate.push(result);
    } else if (isStatement("else")) {
      ++current;
      ++current;
      expect(TOKEN_TYPES.CloseStatement, "Expected closing statement token");
      while (!isStatement("endif")) {
        alternate.push(parseAny());
      }
    }
    return new If(test, body, alternate);
  }
  function parseMacroStatement() {
    const name = parsePrimaryExpression();
    if (name.type !== "Identifier") {
      throw new SyntaxError(`Expected identifier following macro statement`);
    }
    const args = parseArgs("parameters");
    expect(TOKEN_TYPES.CloseStatement, "Expected closing statement token");
    const body = [];
    while (!isStatement("endmacro")) {
      body.push(parseAny());
    }
    return new Macro(name, args, body);
  }
  function parseExpressionSequence(primary = false) {
    const fn = primary ? parsePrimaryExpression : parseExpression;
    const expressions = [fn()];
    const isTuple = is(TOKEN_TYPES.Comma);
    while (isTuple) {
      ++current;
      expressions.push(fn());
      if (!is(TOKEN_TYPES.Comma)) {
        break;
      }
    }
    return isTuple ? new TupleLiteral(expressions) : expressions[0];
  }
  function parseForStatement() {
    const loopVariable = parseExpressionSequence(true);
    if (!(loopVariable instanceof Identifier || loopVariable instanceof TupleLiteral)) {
      throw new SyntaxError(`Expected identifier/tuple for the loop variable, got ${loopVariable.type} instead`);
    }
    if (!isIdentifier("in")) {
      throw new SyntaxError("Expected `in` keyword following loop variable");
    }
    ++current;
    const iterable = parseExpression();
    expect(TOKEN_TYPES.CloseStatement, "Expected closing statement token");
    const body = [];
    while (!isStatement("endfor", "else")) {
      body.push(parseAny());
    }
    const alternative = [];
    if (isStatement("else")) {
      ++current;
      ++current;
      expect(TOKEN_TYPES.CloseStatement, "Expected closing statement token");
      while (!isStatement("endfor")) {
        alternative.push(parseAny());
      }
    }
    return new For(loopVariable, iterable, body, alternative);
  }
  function parseExpression() {
    return parseIfExpression();
  }
  function parseIfExpression() {
    const a2 = parseLogicalOrExpression();
    if (isIdentifier("if")) {
      ++current;
      const test = parseLogicalOrExpression();
      if (isIdentifier("else")) {
        ++current;
        const falseExpr = parseIfExpression();
        return new Ternary(test, a2, falseExpr);
      } else {
        return new SelectExpression(a2, test);
      }
    }
    return a2;
  }
  function parseLogicalOrExpression() {
    let left = parseLogicalAndExpression();
    while (isIdentifier("or")) {
      const operator = tokens[current];
      ++current;
      const right = parseLogicalAndExpression();
      left = new BinaryExpression(operator, left, right);
    }
    return left;
  }
  function parseLogicalAndExpression() {
    let left = parseLogicalNegationExpression();
    while (isIdentifier("and")) {
      const operator = tokens[current];
      ++current;
      const right = parseLogicalNegationExpression();
      left = new BinaryExpression(operator, left, right);
    }
    return left;
  }
  function parseLogicalNegationExpression() {
    let right;
    while (isIdentifier("not")) {
      const operator = tokens[current];
      ++current;
      const arg = parseLogicalNegationExpression();
      right = new UnaryExpression(operator, arg);
    }
    return right ?? parseComparisonExpression();
  }
  function parseComparisonExpression() {
    let left = parseAdditiveExpression();
    while (true) {
      let operator;
      if (isIdentifier("not", "in")) {
        operator = new Token("not in", TOKEN_TYPES.Identifier);
        current += 2;
      } else if (isIdentifier("in")) {
        operator = tokens[current++];
      } else if (is(TOKEN_TYPES.ComparisonBinaryOperator)) {
        operator = tokens[current++];
      } else {
        break;
      }
      const right = parseAdditiveExpression();
      left = new BinaryExpression(operator, left, right);
    }
    return left;
  }
  function parseAdditiveExpression() {
    let left = parseMultiplicativeExpression();
    while (is(TOKEN_TYPES.AdditiveBinaryOperator)) {
      const operator = tokens[current];
      ++current;
      const right = parseMultiplicativeExpression();
      left = new BinaryExpression(operator, left, right);
    }
    return left;
  }
  function parseCallMemberExpression() {
    const member = parseMemberExpression(parsePrimaryExpression());
    if (is(TOKEN_TYPES.OpenParen)) {
      return parseCallExpression(member);
    }
    return member;
  }
  function parseCallExpression(callee) {
    let expression = new CallExpression(callee, parseArgs("call"));
    expression = parseMemberExpression(expression);
    if (is(TOKEN_TYPES.OpenParen)) {
      expression = parseCallExpression(expression);
    }
    return expression;
  }
  function parseArgs(mode) {
    expect(TOKEN_TYPES.OpenParen, "Expected opening parenthesis for arguments list");
    const args = parseArgumentsList(mode);
    expect(TOKEN_TYPES.CloseParen, "Expected closing parenthesis for arguments list");
    return args;
  }
  function parseArgumentsList(mode) {
    const args = [];
    const parameterNames = /* @__PURE__ */ new Set();
    let sawKeywordOrDefault = false;
    let sawSpreadArgument = false;
    while (!is(TOKEN_TYPES.CloseParen)) {
      const isKeywordSpread = is(TOKEN_TYPES.ExponentiationBinaryOperator);
      const isPositionalSpread = is(TOKEN_TYPES.MultiplicativeBinaryOperator) && tokens[current].value === "*";
      if (mode === "parameters" && (isKeywordSpread || isPositionalSpread)) {
        throw new SyntaxError("Argument unpacking is not allowed in parameter declarations");
      }
      if (isKeywordSpread) {
        ++current;
        args.push(new KeywordSpreadExpression(parseExpression()));
        if (is(TOKEN_TYPES.Comma)) {
          ++current;
        }
        if (!is(TOKEN_TYPES.CloseParen)) {
          throw new SyntaxError("Expected closing parenthesis: `**` must be applied to the final argument");
        }
        break;
      }
      let argument;
      if (isPositionalSpread) {
        if (sawSpreadArgument) {
          throw new SyntaxError("Only one `*` argument unpacking is allowed");
        }
        sawSpreadArgument = true;
        ++current;
        const expr = parseExpression();
        argument = new SpreadExpression(expr);
      } else {
        argument = parseExpression();
        if (is(TOKEN_TYPES.Equals)) {
          ++current;
          if (!(argument instanceof Identifier)) {
            throw new SyntaxError(
              mode === "parameters" ? "Expected identifier for parameter declaration" : "Expected identifier for keyword argument"
            );
          }
          const value = parseExpression();
          argument = new KeywordArgumentExpression(argument, value);
        }
        if (mode === "parameters") {
          if (!(argument instanceof Identifier || argument instanceof KeywordArgumentExpression)) {
            throw new SyntaxError("Expected identifier for parameter declaration");
          }
          const parameterName = argument instanceof Identifier ? argument.value : argument.key.value;
          if (parameterNames.has(parameterName)) {
            throw new SyntaxError(`Duplicate parameter name: ${parameterName}`);
          }
          parameterNames.add(parameterName);
        }
        if (argument instanceof KeywordArgumentExpression) {
          sawKeywordOrDefault = true;
        } else if (sawKeywordOrDefault) {
          throw new SyntaxError(
            mode === "call" ? "Positional arguments must come before keyword arguments" : "Non-default argument follows default argument"
          );
        } else if (sawSpreadArgument) {
          throw new SyntaxError("Positional arguments must not follow `*` argument unpacking");
        }
      }
      args.push(argument);
      if (is(TOKEN_TYPES.Comma)) {
        ++current;
      }
    }
    return args;
  }
  function parseMemberExpressionArgumentsList() {
    const slices = [];
    let isSlice = false;
    while (!is(TOKEN_TYPES.CloseSquareBracket)) {
      if (is(TOKEN_TYPES.Colon)) {
        slices.push(void 0);
        ++current;
        isSlice = true;
      } else {
        slices.push(parseExpression());
        if (is(TOKEN_TYPES.Colon)) {
          ++current;
          isSlice = true;
        }
      }
    }
    if (slices.length === 0) {
      throw new SyntaxError(`Expected at least one argument for member/slice expression`);
    }
    if (isSlice) {
      if (slices.length > 3) {
        throw new SyntaxError(`Expected 0-3 arguments for slice expression`);
      }
      return new SliceExpression(...slices);
    }
    return slices[0];
  }
  function parseMemberExpression(object) {
    while (is(TOKEN_TYPES.Dot) || is(TOKEN_TYPES.OpenSquareBracket)) {
      const operator = tokens[current];
      ++current;
      let property;
      const computed = operator.type === TOKEN_TYPES.OpenSquareBracket;
      if (computed) {
        property = parseMemberExpressionArgumentsList();
        expect(TOKEN_TYPES.CloseSquareBracket, "Expected closing square bracket");
      } else {
        property = parsePrimaryExpression();
        if (property.type !== "Identifier" && property.type !== "IntegerLiteral") {
          throw new SyntaxError(`Expected identifier or integer following dot operator`);
        }
      }
      object = new MemberExpression(object, property, computed);
    }
    return object;
  }
  function parseMultiplicativeExpression() {
    let left = parsePowerExpression();
    while (is(TOKEN_TYPES.MultiplicativeBinaryOperator)) {
      const operator = tokens[current++];
      const right = parsePowerExpression();
      left = new BinaryExpression(operator, left, right);
    }
    return left;
  }
  function parsePowerExpression() {
    let left = parseTestExpression();
    while (is(TOKEN_TYPES.ExponentiationBinaryOperator)) {
      const operator = tokens[current++];
      const right = parseTestExpression();
      left = new BinaryExpression(operator, left, right);
    }
    return left;
  }
  function parseTestExpression() {
    let operand = parseFilterExpression();
    while (isIdentifier("is")) {
      ++current;
      const negate = isIdentifier("not");
      if (negate) {
        ++current;
      }
      const filter = parsePrimaryExpression();
      if (!(filter instanceof Identifier)) {
        throw new SyntaxError(`Expected identifier for the test`);
      }
      operand = new TestExpression(operand, negate, filter);
    }
    return operand;
  }
  function parseFilterExpression() {
    let operand = parseUnarySignExpression();
    while (is(TOKEN_TYPES.Pipe)) {
      ++current;
      let filter = parsePrimaryExpression();
      if (!(filter instanceof Identifier)) {
        throw new SyntaxError(`Expected identifier for the filter`);
      }
      if (is(TOKEN_TYPES.OpenParen)) {
        filter = parseCallExpression(filter);
      }
      operand = new FilterExpression(operand, filter);
    }
    return operand;
  }
  function parseUnarySignExpression() {
    const token = tokens[current];
    if (token && (token.type === TOKEN_TYPES.UnaryOperator || token.type === TOKEN_TYPES.AdditiveBinaryOperator) && (token.value === "-" || token.value === "+")) {
      const operator = tokens[current++];
      const argument = parseUnarySignExpression();
      return new UnaryExpression(operator, argument);
    }
    return parseCallMemberExpression();
  }
  function parsePrimaryExpression() {
    const token = tokens[current++];
    switch (token.type) {
      case TOKEN_TYPES.NumericLiteral: {
        const num = token.value;
        return num.includes(".") ? new FloatLiteral(Number(num)) : new IntegerLiteral(Number(num));
      }
      case TOKEN_TYPES.StringLiteral: {
        let value = token.value;
        while (is(TOKEN_TYPES.StringLiteral)) {
          value += tokens[current++].value;
        }
        return new StringLiteral(value);
      }
      case TOKEN_TYPES.Identifier:
        return new Identifier(token.value);
      case TOKEN_TYPES.OpenParen: {
        const expression = parseExpressionSequence();
        expect(TOKEN_TYPES.CloseParen, "Expected closing parenthesis, got ${tokens[current].type} instead.");
        return expression;
      }
      case TOKEN_TYPES.OpenSquareBracket: {
        const values = [];
        while (!is(TOKEN_TYPES.CloseSquareBracket)) {
          values.push(parseExpression());
          if (is(TOKEN_TYPES.Comma)) {
            ++current;
          }
        }
        ++current;
        return new ArrayLiteral(values);
      }
      case TOKEN_TYPES.OpenCurlyBracket: {
        const values = /* @__PURE__ */ new Map();
        while (!is(TOKEN_TYPES.CloseCurlyBracket)) {
          const key = parseExpression();
          expect(TOKEN_TYPES.Colon, "Expected colon between key and value in object literal");
          const value = parseExpression();
          values.set(key, value);
          if (is(TOKEN_TYPES.Comma)) {
            ++current;
          }
        }
        ++current;
        return new ObjectLiteral(values);
      }
      default:
        throw new SyntaxError(`Unexpected token: ${token.type}`);
    }
  }
  while (current < tokens.length) {
    program.body.push(parseAny());
  }
  return program;
}
function range(start, stop, step = 1) {
  if (stop === void 0) {
    stop = start;
    start = 0;
  }
  if (step === 0) {
    throw new Error("range() step must not be zero");
  }
  const result = [];
  if (step > 0) {
    for (let i = start; i < stop; i += step) {
      result.push(i);
    }
  } else {
    for (let i = start; i > stop; i += step) {
      result.push(i);
    }
  }
  return result;
}
function slice(array, start, stop, step = 1) {
  const direction = Math.sign(step);
  if (direction >= 0) {
    start = (start ??= 0) < 0 ? Math.max(array.length + start, 0) : Math.min(start, array.length);
    stop = (stop ??= array.length) < 0 ? Math.max(array.length + stop, 0) : Math.min(stop, array.length);
  } else {
    start = (start ??= array.length - 1) < 0 ? Math.max(array.length + start, -1) : Math.min(start, array.length - 1);
    stop = (stop ??= -1) < -1 ? Math.max(array.length + stop, -1) : Math.min(stop, array.length - 1);
  }
  const result = [];
  for (let i = start; direction * i < direction * stop; i += step) {
    result.push(array[i]);
  }
  return result;
}
function titleCase(value) {
  return value.replace(/\b\w/g, (c) => c.toUpperCase());
}
function strftime_now(format2) {
  return strftime(/* @__PURE__ */ new Date(), format2);
}
function strftime(date, format2) {
  const monthFormatterLong = new Intl.DateTimeFormat(void 0, { month: "long" });
  const monthFormatterShort = new Intl.DateTimeFormat(void 0, { month: "short" });
  const pad2 = (n) => n < 10 ? "0" + n : n.toString();
  return format2.replace(/%[YmdbBHM%]/g, (token) => {
    switch (token) {
      case "%Y":
        return date.getFullYear().toString();
      case "%m":
        return pad2(date.getMonth() + 1);
      case "%d":
        return pad2(date.getDate());
      case "%b":
        return monthFormatterShort.format(date);
      case "%B":
        return monthFormatterLong.format(date);
      case "%H":
        return pad2(date.getHours());
      case "%M":
        return pad2(date.getMinutes());
      case "%%":
        return "%";
      default:
        return token;
    }
  });
}
function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
function replace(str, oldvalue, newvalue, count) {
  if (count === 0) {
    return str;
  }
  let remaining = count == null || count < 0 ? Infinity : count;
  const pattern = oldvalue.length === 0 ? new RegExp("(?=)", "gu") : new RegExp(escapeRegExp(oldvalue), "gu");
  return str.replaceAll(pattern, (match) => {
    if (remaining > 0) {
      --remaining;
      return newvalue;
    }
    return match;
  });
}
var BreakControl = class extends Error {
};
var ContinueControl = class extends Error {
};
var EMPTY_BUILTINS = /* @__PURE__ */ new Map();
var RuntimeValue = class {
  type = "RuntimeValue";
  value;
  /**
   * A collection of built-in functions for this type.
   */
  get builtins() {
    return EMPTY_BUILTINS;
  }
  /**
   * Creates a new RuntimeValue.
   */
  constructor(value = void 0) {
    this.value = value;
  }
  /**
   * Determines truthiness or falsiness of the runtime value.
   * This function should be overridden by subclasses if it has custom truthiness criteria.
   * @returns {BooleanValue} BooleanValue(true) if the value is truthy, BooleanValue(false) otherwise.
   */
  __bool__() {
    return new BooleanValue(!!this.value);
  }
  toString() {
    return String(this.value);
  }
};
var IntegerValue = class extends RuntimeValue {
  type = "IntegerValue";
};
var FloatValue = class extends RuntimeValue {
  type = "FloatValue";
  toString() {
    if (Object.is(this.value, -0)) {
      return "-0.0";
    }
    return this.value % 1 === 0 ? this.value.toFixed(1) : this.value.toString();
  }
};
var StringValue = class extends RuntimeValue {
  type = "StringValue";
  _builtins;
  get builtins() {
    return this._builtins ??= /* @__PURE__ */ new Map([
      [
        "upper",
        new FunctionValue(() => {
          return new StringValue(this.value.toUpperCase());
        })
      ],
      [
        "lower",
        new FunctionValue(() => {
          return new StringValue(this.value.toLowerCase());
        })
      ],
      [
        "strip",
        new FunctionValue(() => {
          return new StringValue(this.value.trim());
        })
      ],
      [
        "title",
        new FunctionValue(() => {
          return new StringValue(titleCase(this.value));
        })
      ],
      [
        "capitalize",
        new FunctionValue(() => {
          return new StringValue(this.value.charAt(0).toUpperCase() + this.value.slice(1));
        })
      ],
      ["length", new IntegerValue(this.value.length)],
      [
        "rstrip",
        new FunctionValue(() => {
          return new StringValue(this.value.trimEnd());
        })
      ],
      [
        "lstrip",
        new FunctionValue(() => {
          return new StringValue(this.value.trimStart());
        })
      ],
      [
        "startswith",
        new FunctionValue((args) => {
          if (args.length === 0) {
            throw new Error("startswith() requires at least one argument");
          }
          const pattern = args[0];
          if (pattern instanceof StringValue) {
            return new BooleanValue(this.value.startsWith(pattern.value));
          } else if (pattern instanceof ArrayValue) {
            for (const item of pattern.value) {
              if (!(item instanceof StringValue)) {
                throw new Error("startswith() tuple elements must be strings");
              }
              if (this.value.startsWith(item.value)) {
                return new BooleanValue(true);
              }
            }
            return new BooleanValue(false);
          }
          throw new Error("startswith() argument must be a string or tuple of strings");
        })
      ],
      [
        "endswith",
        new FunctionValue((args) => {
          if (args.length === 0) {
            throw new Error("endswith() requires at least one argument");
          }
          const pattern = args[0];
          if (pattern instanceof StringValue) {
            return new BooleanValue(this.value.endsWith(pattern.value));
          } else if (pattern instanceof ArrayValue) {
            for (const item of pattern.value) {
              if (!(item instanceof StringValue)) {
                throw new Error("endswith() tuple elements must be strings");
              }
              if (this.value.endsWith(item.value)) {
                return new BooleanValue(true);
              }
            }
            return new BooleanValue(false);
          }
          throw new Error("endswith() argument must be a string or tuple of strings");
        })
      ],
      [
        "split",
        // follows Python's `str.split(sep=None, maxsplit=-1)` function behavior
        // https://docs.python.org/3.13/library/stdtypes.html#str.split
        new FunctionValue((args) => {
          const sep = args[0] ?? new NullValue();
          if (!(sep instanceof StringValue || sep instanceof NullValue)) {
            throw new Error("sep argument must be a string or null");
          }
          const maxsplit = args[1] ?? new IntegerValue(-1);
          if (!(maxsplit instanceof IntegerValue)) {
            throw new Error("maxsplit argument must be a number");
          }
          let result = [];
          if (sep instanceof NullValue) {
            const text = this.value.trimStart();
            for (const { 0: match, index } of text.matchAll(/\S+/g)) {
              if (maxsplit.value !== -1 && result.length >= maxsplit.value && index !== void 0) {
                result.push(match + text.slice(index + match.length));
                break;
              }
              result.push(match);
            }
          } else {
            if (sep.value === "") {
              throw new Error("empty separator");
            }
            result = this.value.split(sep.value);
            if (maxsplit.value !== -1 && result.length > maxsplit.value) {
              result.push(result.splice(maxsplit.value).join(sep.value));
            }
          }
          return new ArrayValue(result.map((part) => new StringValue(part)));
        })
      ],
      [
        "replace",
        new FunctionValue((args) => {
          if (args.length < 2) {
            throw new Error("replace() requires at least two arguments");
          }
          const oldValue = args[0];
          const newValue = args[1];
          if (!(oldValue instanceof StringValue && newValue instanceof StringValue)) {
            throw new Error("replace() arguments must be strings");
          }
          let count;
          if (args.length > 2) {
            if (args[2].type === "KeywordArgumentsValue") {
              count = args[2].value.get("count") ?? new NullValue();
            } else {
              count = args[2];
            }
          } else {
            count = new NullValue();
          }
          if (!(count instanceof IntegerValue || count instanceof NullValue)) {
            throw new Error("replace() count argument must be a number or null");
          }
          return new StringValue(replace(this.value, oldValue.value, newValue.value, count.value));
        })
      ]
    ]);
  }
};
var BooleanValue = class extends RuntimeValue {
  type = "BooleanValue";
};
var NON_ASCII_CHARS = /[\x7f-\uffff]/g;
function makeAsciiSafe(str) {
  return str.replace(NON_ASCII_CHARS, (char) => "\\u" + char.charCodeAt(0).toString(16).padStart(4, "0"));
}
function toJSON(input, options = {}, depth = 0, convertUndefinedToNull = true) {
  const { indent = null, ensureAscii = false, separators = null, sortKeys = false } = options;
  let itemSeparator;
  let keySeparator;
  if (separators) {
    [itemSeparator, keySeparator] = separators;
  } else if (indent) {
    itemSeparator = ",";
    keySeparator = ": ";
  } else {
    itemSeparator = ", ";
    keySeparator = ": ";
  }
  switch (input.type) {
    case "NullValue":
      return "null";
    case "UndefinedValue":
      return convertUndefinedToNull ? "null" : "undefined";
    case "IntegerValue":
    case "FloatValue":
    case "BooleanValue":
      return JSON.stringify(input.value);
    case "StringValue": {
      let result = JSON.stringify(input.value);
      if (ensureAscii) {
        result = makeAsciiSafe(result);
      }
      return result;
    }
    case "ArrayValue":
    case "NamespaceValue":
    case "ObjectValue": {
      const indentValue = indent ? " ".repeat(indent) : "";
      const basePadding = "\n" + indentValue.repeat(depth);
      const childrenPadding = basePadding + indentValue;
      if (input.type === "ArrayValue") {
        const core = input.value.map((x) => toJSON(x, options, depth + 1, convertUndefinedToNull));
        return indent && core.length > 0 ? `[${childrenPadding}${core.join(`${itemSeparator}${childrenPadding}`)}${basePadding}]` : `[${core.join(itemSeparator)}]`;
      } else {
        let entries = Array.from(input.value.entries());
        if (sortKeys) {
          entries = entries.sort(([a2], [b2]) => a2.localeCompare(b2));
        }
        const core = entries.map(([key, value]) => {
          let keyStr = JSON.stringify(key);
          if (ensureAscii) {
            keyStr = makeAsciiSafe(keyStr);
          }
          const v = `${keyStr}${keySeparator}${toJSON(value, options, depth + 1, convertUndefinedToNull)}`;
          return indent ? `${childrenPadding}${v}` : v;
        });
        return indent && core.length > 0 ? `{${core.join(itemSeparator)}${basePadding}}` : `{${core.join(itemSeparator)}}`;
      }
    }
    default:
      throw new Error(`Cannot convert to JSON: ${input.type}`);
  }
}
var ObjectValue = class extends RuntimeValue {
  type = "ObjectValue";
  _builtins;
  /**
   * NOTE: necessary to override since all JavaScript arrays are considered truthy,
   * while only non-empty Python arrays are consider truthy.
   *
   * e.g.,
   *  - JavaScript:  {} && 5 -> 5
   *  - Python:      {} and 5 -> {}
   */
  __bool__() {
    return new BooleanValue(this.value.size > 0);
  }
  get builtins() {
    return this._builtins ??= /* @__PURE__ */ new Map([
      [
        "get",
        new FunctionValue(([key, defaultValue]) => {
          if (!(key instanceof StringValue)) {
            throw new Error(`Object key must be a string: got ${key.type}`);
          }
          return this.value.get(key.value) ?? defaultValue ?? new NullValue();
        })
      ],
      ["items", new FunctionValue(() => this.items())],
      ["keys", new FunctionValue(() => this.keys())],
      ["values", new FunctionValue(() => this.values())],
      [
        "dictsort",
        new FunctionValue((args) => {
          let kwargs = /* @__PURE__ */ new Map();
          const positionalArgs = args.filter((arg) => {
            if (arg instanceof KeywordArgumentsValue) {
              kwargs = arg.value;
              return false;
            }
            return true;
          });
          const caseSensitive = positionalArgs.at(0) ?? kwargs.get("case_sensitive") ?? new BooleanValue(false);
          if (!(caseSensitive instanceof BooleanValue)) {
            throw new Error("case_sensitive must be a boolean");
          }
          const by = positionalArgs.at(1) ?? kwargs.get("by") ?? new StringValue("key");
          if (!(by instanceof StringValue)) {
            throw new Error("by must be a string");
          }
          if (!["key", "value"].includes(by.value)) {
            throw new Error("by must be either 'key' or 'value'");
          }
          const reverse = positionalArgs.at(2) ?? kwargs.get("reverse") ?? new BooleanValue(false);
          if (!(reverse instanceof BooleanValue)) {
            throw new Error("reverse must be a boolean");
          }
          const items = Array.from(this.value.entries()).map(([key, value]) => new ArrayValue([new StringValue(key), value])).sort((a2, b2) => {
            const index = by.value === "key" ? 0 : 1;
            const aVal = a2.value[index];
            const bVal = b2.value[index];
            const result = compareRuntimeValues(aVal, bVal, caseSensitive.value);
            return reverse.value ? -result : result;
          });
          return new ArrayValue(items);
        })
      ]
    ]);
  }
  items() {
    return new ArrayValue(
      Array.from(this.value.entries()).map(([key, value]) => new ArrayValue([new StringValue(key), value]))
    );
  }
  keys() {
    return new ArrayValue(Array.from(this.value.keys()).map((key) => new StringValue(key)));
  }
  values() {
    return new ArrayValue(Array.from(this.value.values()));
  }
  toString() {
    return toJSON(this, {}, 0, false);
  }
};
var KeywordArgumentsValue = class extends ObjectValue {
  type = "KeywordArgumentsValue";
};
var NamespaceValue = class extends RuntimeValue {
  type = "NamespaceValue";
  toString() {
    return toJSON(this, {}, 0, false);
  }
};
var ArrayValue = class extends RuntimeValue {
  type = "ArrayValue";
  _builtins;
  get builtins() {
    return this._builtins ??= /* @__PURE__ */ new Map([["length", new IntegerValue(this.value.length)]]);
  }
  /**
   * NOTE: necessary to override since all JavaScript arrays are considered truthy,
   * while only non-empty Python arrays are consider truthy.
   *
   * e.g.,
   *  - JavaScript:  [] && 5 -> 5
   *  - Python:      [] and 5 -> []
   */
  __bool__() {
    return new BooleanValue(this.value.length > 0);
  }
  toString() {
    return toJSON(this, {}, 0, false);
  }
};
var TupleValue = class extends ArrayValue {
  type = "TupleValue";
};
var FunctionValue = class extends RuntimeValue {
  type = "FunctionValue";
};
var NullValue = class extends RuntimeValue {
  type = "NullValue";
};
var UndefinedValue = class extends RuntimeValue {
  type = "UndefinedValue";
};
function normalizeNamespaceEntry(pair) {
  let values;
  if (pair instanceof ArrayValue) {
    values = pair.value;
  } else if (pair instanceof StringValue) {
    values = Array.from(pair.value, (char) => new StringValue(char));
  }
  if (!values || values.length !== 2) {
    throw new Error("namespace expected an object or an iterable of [key, value] pairs");
  }
  const [key, value] = values;
  if (!(key instanceof StringValue)) {
    throw new Error("namespace keys must be strings");
  }
  return [key, value];
}
var _Environment = class {
  constructor(parent) {
    this.parent = parent;
  }
  /**
   * The variables declared in this environment.
   */
  variables = /* @__PURE__ */ new Map([
    [
      "namespace",
      new FunctionValue((args) => {
        const positional = args.slice();
        let kwargs;
        if (positional.at(-1) instanceof KeywordArgumentsValue) {
          kwargs = positional.pop();
        }
        if (positional.length > 1) {
          throw new Error(`namespace expected at most 1 argument, got ${positional.length}`);
        }
        const entries = /* @__PURE__ */ new Map();
        if (positional.length === 1) {
          const source = positional[0];
          if (source instanceof ObjectValue) {
            for (const [key, value] of source.value) {
              entries.set(key, value);
            }
          } else if (source instanceof ArrayValue) {
            for (const pair of source.value) {
              const [key, value] = normalizeNamespaceEntry(pair);
              entries.set(key.value, value);
            }
          } else {
            throw new Error(`'${source.type}' object is not iterable`);
          }
        }
        if (kwargs) {
          for (const [key, value] of kwargs.value) {
            entries.set(key, value);
          }
        }
        return new NamespaceValue(entries);
      })
    ]
  ]);
  tests = _Environment.TESTS;
  /**
   * Set the value of a variable in the current environment.
   */
  set(name, value) {
    return this.declareVariable(name, convertToRuntimeValues(value));
  }
  declareVariable(name, value) {
    if (this.variables.has(name)) {
      throw new SyntaxError(`Variable already declared: ${name}`);
    }
    this.variables.set(name, value);
    return value;
  }
  // private assignVariable(name: string, value: AnyRuntimeValue): AnyRuntimeValue {
  // 	const env = this.resolve(name);
  // 	env.variables.set(name, value);
  // 	return value;
  // }
  /**
   * Set variable in the current scope.
   * See https://jinja.palletsprojects.com/en/3.0.x/templates/#assignments for more information.
   */
  setVariable(name, value) {
    this.variables.set(name, value);
    return value;
  }
  /**
   * Resolve the environment in which the variable is declared.
   * @param {string} name The name of the variable.
   * @returns {Environment} The environment in which the variable is declared.
   */
  resolve(name) {
    if (this.variables.has(name)) {
      return this;
    }
    if (this.parent) {
      return this.parent.resolve(name);
    }
    throw new Error(`Unknown variable: ${name}`);
  }
  lookupVariable(name) {
    try {
      return this.resolve(name).variables.get(name) ?? new UndefinedValue();
    } catch {
      return new UndefinedValue();
    }
  }
};
var Environment = _Environment;
__publicField(Environment, "TESTS", /* @__PURE__ */ new Map([
  ["boolean", (operand) => operand.type === "BooleanValue"],
  ["callable", (operand) => operand instanceof FunctionValue],
  [
    "odd",
    (operand) => {
      if (!(operand instanceof IntegerValue)) {
        throw new Error(`cannot odd on ${operand.type}`);
      }
      return operand.value % 2 !== 0;
    }
  ],
  [
    "even",
    (operand) => {
      if (!(operand instanceof IntegerValue)) {
        throw new Error(`cannot even on ${operand.type}`);
      }
      return operand.value % 2 === 0;
    }
  ],
  ["false", (operand) => operand.type === "BooleanValue" && !operand.value],
  ["true", (operand) => operand.type === "BooleanValue" && operand.value],
  ["none", (operand) => operand.type === "NullValue"],
  ["string", (operand) => operand.type === "StringValue"],
  ["number", (operand) => operand instanceof IntegerValue || operand instanceof FloatValue],
  ["integer", (operand) => operand instanceof IntegerValue],
  ["iterable", (operand) => operand.type === "ArrayValue" || operand.type === "StringValue"],
  ["mapping", (operand) => operand instanceof ObjectValue],
  [
    "sequence",
    (operand) => operand instanceof ArrayValue || operand instanceof ObjectValue || operand instanceof StringValue
  ],
  [
    "lower",
    (operand) => {
      const str = operand.value;
      return operand.type === "StringValue" && str === str.toLowerCase();
    }
  ],
  [
    "upper",
    (operand) => {
      const str = operand.value;
      return operand.type === "StringValue" && str === str.toUpperCase();
    }
  ],
  ["none", (operand) => operand.type === "NullValue"],
  ["defined", (operand) => operand.type !== "UndefinedValue"],
  ["undefined", (operand) => operand.type === "UndefinedValue"],
  ["equalto", (a2, b2) => a2.value === b2.value],
  ["eq", (a2, b2) => a2.value === b2.value]
]));
function setupGlobals(env) {
  env.set("false", false);
  env.set("true", true);
  env.set("none", null);
  env.set("raise_exception", (args) => {
    throw new Error(args);
  });
  env.set("range", range);
  env.set("strftime_now", strftime_now);
  env.set("True", true);
  env.set("False", false);
  env.set("None", null);
}
function isAttributeContainer(value) {
  return value instanceof ObjectValue || value instanceof NamespaceValue;
}
function isNumericLikeValue(value) {
  return value instanceof IntegerValue || value instanceof FloatValue || value instanceof BooleanValue;
}
function getNumericValue(value) {
  return value instanceof BooleanValue ? Number(value.value) : value.value;
}
function getAttributeValue(item, attributePath) {
  const parts = attributePath.split(".");
  let value = item;
  for (const part of parts) {
    if (isAttributeContainer(value)) {
      value = value.value.get(part) ?? new UndefinedValue();
    } else if (value instanceof ArrayValue) {
      const index = parseInt(part, 10);
      if (!isNaN(index) && index >= 0 && index < value.value.length) {
        value = value.value[index];
      } else {
        return new UndefinedValue();
      }
    } else {
      return new UndefinedValue();
    }
  }
  return value;
}
function compareRuntimeValues(a2, b2, caseSensitive = false) {
  if (a2 instanceof NullValue && b2 instanceof NullValue) {
    return 0;
  }
  if (a2 instanceof NullValue || b2 instanceof NullValue) {
    throw new Error(`Cannot compare ${a2.type} with ${b2.type}`);
  }
  if (a2 instanceof UndefinedValue && b2 instanceof UndefinedValue) {
    return 0;
  }
  if (a2 instanceof UndefinedValue || b2 instanceof UndefinedValue) {
    throw new Error(`Cannot compare ${a2.type} with ${b2.type}`);
  }
  if (isNumericLikeValue(a2) && isNumericLikeValue(b2)) {
    const aNum = getNumericValue(a2);
    const bNum = getNumericValue(b2);
    return aNum < bNum ? -1 : aNum > bNum ? 1 : 0;
  }
  if (a2.type !== b2.type) {
    throw new Error(`Cannot compare different types: ${a2.type} and ${b2.type}`);
  }
  switch (a2.type) {
    case "StringValue": {
      let aStr = a2.value;
      let bStr = b2.value;
      if (!caseSensitive) {
        aStr = aStr.toLowerCase();
        bStr = bStr.toLowerCase();
      }
      return aStr < bStr ? -1 : aStr > bStr ? 1 : 0;
    }
    default:
      throw new Error(`Cannot compare type: ${a2.type}`);
  }
}
function getParameterDescriptor(argument) {
  if (argument.type === "Identifier") {
    return { name: argument.value };
  }
  const keywordArgument = argument;
  return { name: keywordArgument.key.value, defaultValue: keywordArgument.value };
}
function isSpecialMacroArgument(name) {
  return name === "kwargs" || name === "varargs";
}
function findAccessedSpecialMacroArguments(parameters, body) {
  const declared = /* @__PURE__ */ new Set();
  const accessed = /* @__PURE__ */ new Set();
  const declareName = (name) => {
    if (isSpecialMacroArgument(name)) {
      declared.add(name);
    }
  };
  const declareTarget = (target) => {
    if (target.type === "Identifier") {
      declareName(target.value);
    } else if (target.type === "TupleLiteral") {
      for (const item of target.value) {
        declareTarget(item);
      }
    }
  };
  const declareArgument = (argument) => {
    declareName(getParameterDescriptor(argument).name);
  };
  const visitArgumentDefaults = (args) => {
    for (const argument of args) {
      const parameter = getParameterDescriptor(argument);
      if (parameter.defaultValue) {
        visit(parameter.defaultValue);
      }
    }
  };
  const visitFilter = (filter) => {
    if (filter.type === "CallExpression") {
      visit(filter.args);
    }
  };
  const visit = (node) => {
    if (Array.isArray(node)) {
      for (const item of node) {
        visit(item);
      }
      return;
    }
    if (node instanceof Map) {
      for (const [key, value] of node) {
        visit(key);
        visit(value);
      }
      return;
    }
    if (!(node instanceof Statement)) {
      return;
    }
    switch (node.type) {
      case "For": {
        const statement = node;
        declareTarget(statement.loopvar);
        if (statement.iterable.type === "SelectExpression") {
          const iterable = statement.iterable;
          visit(iterable.lhs);
          visit(statement.body);
          visit(statement.defaultBlock);
          visit(iterable.test);
          return;
        }
        visit(statement.iterable);
        visit(statement.body);
        visit(statement.defaultBlock);
        return;
      }
      case "Set": {
        const statement = node;
        declareTarget(statement.assignee);
        visit(statement.value);
        visit(statement.body);
        return;
      }
      case "Macro": {
        const statement = node;
        for (const argument of statement.args) {
          declareArgument(argument);
        }
        visitArgumentDefaults(statement.args);
        visit(statement.body);
        return;
      }
      case "CallStatement": {
        const statement = node;
        visit(statement.call);
        for (const argument of statement.callerArgs ?? []) {
          declareArgument(argument);
        }
        visitArgumentDefaults(statement.callerArgs ?? []);
        visit(statement.body);
        return;
      }
      case "FilterStatement": {
        const statement = node;
        visit(statement.body);
        visitFilter(statement.filter);
        return;
      }
      case "Identifier": {
        const name = node.value;
        if (isSpecialMacroArgument(name) && !declared.has(name)) {
          accessed.add(name);
        }
        return;
      }
      case "MemberExpression": {
        const expression = node;
        visit(expression.object);
        if (expression.computed) {
          visit(expression.property);
        }
        return;
      }
      case "FilterExpression": {
        const expression = node;
        visit(expression.operand);
        visitFilter(expression.filter);
        return;
      }
      case "TestExpression":
        visit(node.operand);
        return;
      case "SelectExpression": {
        const expression = node;
        visit(expression.test);
        visit(expression.lhs);
        return;
      }
      case "KeywordArgumentExpression":
        visit(node.value);
        return;
      default:
        for (const child of Object.values(node)) {
          visit(child);
        }
    }
  };
  for (const parameter of parameters) {
    declareArgument(parameter);
  }
  visit(body);
  return accessed;
}
var Interpreter = class {
  global;
  constructor(env) {
    this.global = env ?? new Environment();
  }
  /**
   * Run the program.
   */
  run(program) {
    return this.evaluate(program, this.global);
  }
  /**
   * Evaluates expressions following the binary operation type.
   */
  evaluateBinaryExpression(node, environment) {
    const left = this.evaluate(node.left, environment);
    switch (node.operator.value) {
      case "and":
        return left.__bool__().value ? this.evaluate(node.right, environment) : left;
      case "or":
        return left.__bool__().value ? left : this.evaluate(node.right, environment);
    }
    const right = this.evaluate(node.right, environment);
    switch (node.operator.value) {
      case "==":
        return new BooleanValue(left.value == right.value);
      case "!=":
        return new BooleanValue(left.value != right.value);
    }
    if (left instanceof UndefinedValue || right instanceof UndefinedValue) {
      if (right instanceof UndefinedValue && ["in", "not in"].includes(node.operator.value)) {
        return new BooleanValue(node.operator.value === "not in");
      }
      throw new Error(`Cannot perform operation ${node.operator.value} on undefined values`);
    } else if (left instanceof NullValue || right instanceof NullValue) {
      throw new Error("Cannot perform operation on null values");
    } else if (node.operator.value === "~") {
      return new StringValue(left.value.toString() + right.value.toString());
    } else if (node.operator.value === "**" && isNumericLikeValue(left) && isNumericLikeValue(right)) {
      const a2 = getNumericValue(left);
      const b2 = getNumericValue(right);
      if (a2 === 0 && b2 < 0) {
        throw new Error("0.0 cannot be raised to a negative power");
      }
      const result = a2 ** b2;
      if (!Number.isFinite(result)) {
        throw new Error("Exponentiation result is not a finite real number");
      }
      const isFloat = left instanceof FloatValue || right instanceof FloatValue || b2 < 0;
      return isFloat ? new FloatValue(result) : new IntegerValue(result);
    } else if ((left instanceof IntegerValue || left instanceof FloatValue) && (right instanceof IntegerValue || right instanceof FloatValue)) {
      const a2 = left.value, b2 = right.value;
      switch (node.operator.value) {
        case "+":
        case "-":
        case "*": {
          const res = node.operator.value === "+" ? a2 + b2 : node.operator.value === "-" ? a2 - b2 : a2 * b2;
          const isFloat = left instanceof FloatValue || right instanceof FloatValue;
          return isFloat ? new FloatValue(res) : new IntegerValue(res);
        }
        case "/":
          return new FloatValue(a2 / b2);
        case "//": {
          const res = Math.floor(a2 / b2);
          const isFloat = left instanceof FloatValue || right instanceof FloatValue;
          return isFloat ? new FloatValue(res) : new IntegerValue(res);
        }
        case "%": {
          const rem = a2 % b2;
          const isFloat = left instanceof FloatValue || right instanceof FloatValue;
          return isFloat ? new FloatValue(rem) : new IntegerValue(rem);
        }
        case "<":
          return new BooleanValue(a2 < b2);
        case ">":
          return new BooleanValue(a2 > b2);
        case ">=":
          return new BooleanValue(a2 >= b2);
        case "<=":
          return new BooleanValue(a2 <= b2);
      }
    } else if (left instanceof ArrayValue && right instanceof ArrayValue) {
      switch (node.operator.value) {
        case "+":
          return new ArrayValue(left.value.concat(right.value));
      }
    } else if (right instanceof ArrayValue) {
      const member = right.value.find((x) => x.value === left.value) !== void 0;
      switch (node.operator.value) {
        case "in":
          return new BooleanValue(member);
        case "not in":
          return new BooleanValue(!member);
      }
    }
    if (left instanceof StringValue || right instanceof StringValue) {
      switch (node.operator.value) {
        case "+":
          return new StringValue(left.value.toString() + right.value.toString());
      }
    }
    if (left instanceof StringValue && right instanceof StringValue) {
      switch (node.operator.value) {
        case "in":
          return new BooleanValue(right.value.includes(left.value));
        case "not in":
          return new BooleanValue(!right.value.includes(left.value));
      }
    }
    if (left instanceof StringValue && right instanceof ObjectValue) {
      switch (node.operator.value) {
        case "in":
          return new BooleanValue(right.value.has(left.value));
        case "not in":
          return new BooleanValue(!right.value.has(left.value));
      }
    }
    throw new SyntaxError(`Unknown operator "${node.operator.value}" between ${left.type} and ${right.type}`);
  }
  evaluateArguments(args, environment) {
    const positionalArguments = [];
    const keywordArguments = /* @__PURE__ */ new Map();
    const addKeywordArgument = (key, value) => {
      if (keywordArguments.has(key)) {
        throw new Error(`Got multiple values for keyword argument '${key}'`);
      }
      keywordArguments.set(key, value);
    };
    for (const argument of args) {
      if (argument.type === "SpreadExpression") {
        const spreadNode = argument;
        const val = this.evaluate(spreadNode.argument, environment);
        if (!(val instanceof ArrayValue)) {
          throw new Error(`Cannot unpack non-iterable type: ${val.type}`);
        }
        for (const item of val.value) {
          positionalArguments.push(item);
        }
      } else if (argument.type !== "KeywordArgumentExpression" && argument.type !== "KeywordSpreadExpression") {
        positionalArguments.push(this.evaluate(argument, environment));
      }
    }
    for (const argument of args) {
      if (argument.type === "KeywordArgumentExpression") {
        const kwarg = argument;
        addKeywordArgument(kwarg.key.value, this.evaluate(kwarg.value, environment));
      } else if (argument.type === "KeywordSpreadExpression") {
        const spreadNode = argument;
        const val = this.evaluate(spreadNode.argument, environment);
        if (!(val instanceof ObjectValue)) {
          throw new Error(`Argument after ** must be a mapping, not ${val.type}`);
        }
        for (const [key, value] of val.value) {
          addKeywordArgument(key, value);
        }
      }
    }
    return [positionalArguments, keywordArguments];
  }
  applyFilter(operand, filterNode, environment) {
    if (filterNode.type === "Identifier") {
      const filter = filterNode;
      if (filter.value === "safe") {
        return operand;
      }
      if (filter.value === "tojson") {
        return new StringValue(toJSON(operand, {}));
      }
      if (operand instanceof ArrayValue) {
        switch (filter.value) {
          case "list":
            return operand;
          case "first":
            return operand.value[0];
          case "last":
            return operand.value[operand.value.length - 1];
          case "length":
            return new IntegerValue(operand.value.length);
          case "reverse":
            return new ArrayValue(operand.value.slice().reverse());
          case "sort": {
            return new ArrayValue(operand.value.slice().sort((a2, b2) => compareRuntimeValues(a2, b2, false)));
          }
          case "join":
            return new StringValue(operand.value.map((x) => x.value).join(""));
          case "string":
            return new StringValue(toJSON(operand, {}, 0, false));
          case "unique": {
            const seen = /* @__PURE__ */ new Set();
            const output = [];
            for (const item of operand.value) {
              if (!seen.has(item.value)) {
                seen.add(item.value);
                output.push(item);
              }
            }
            return new ArrayValue(output);
          }
          default:
            throw new Error(`Unknown ArrayValue filter: ${filter.value}`);
        }
      } else if (operand instanceof StringValue) {
        switch (filter.value) {
          case "length":
          case "upper":
          case "lower":
          case "title":
          case "capitalize": {
            const builtin = operand.builtins.get(filter.value);
            if (builtin instanceof FunctionValue) {
              return builtin.value(
                /* no arguments */
                [],
                environment
              );
            } else if (builtin instanceof IntegerValue) {
              return builtin;
            } else {
              throw new Error(`Unknown StringValue filter: ${filter.value}`);
            }
          }
          case "trim":
            return new StringValue(operand.value.trim());
          case "indent":
            return new StringValue(
              operand.value.split("\n").map(
                (x, i) => (
                  // By default, don't indent the first line or empty lines
                  i === 0 || x.length === 0 ? x : "    " + x
                )
              ).join("\n")
            );
          case "join":
          case "string":
            return operand;
          case "int": {
            const val = parseInt(operand.value, 10);
            return new IntegerValue(isNaN(val) ? 0 : val);
          }
          case "float": {
            const val = parseFloat(operand.value);
            return new FloatValue(isNaN(val) ? 0 : val);
          }
          default:
            throw new Error(`Unknown StringValue filter: ${filter.value}`);
        }
      } else if (operand instanceof IntegerValue || operand instanceof FloatValue) {
        switch (filter.value) {
          case "abs":
            return operand instanceof IntegerValue ? new IntegerValue(Math.abs(operand.value)) : new FloatValue(Math.abs(operand.value));
          case "int":
            return new IntegerValue(Math.floor(operand.value));
          case "float":
            return new FloatValue(operand.value);
          case "string":
            return new StringValue(operand.toString());
          default:
            throw new Error(`Unknown NumericValue filter: ${filter.value}`);
        }
      } else if (operand instanceof ObjectValue) {
        switch (filter.value) {
          case "items":
            return new ArrayValue(
              Array.from(operand.value.entries()).map(([key, value]) => new ArrayValue([new StringValue(key), value]))
            );
          case "length":
            return new IntegerValue(operand.value.size);
          default: {
            const builtin = operand.builtins.get(filter.value);
            if (builtin) {
              if (builtin instanceof FunctionValue) {
                return builtin.value([], environment);
              }
              return builtin;
            }
            throw new Error(`Unknown ObjectValue filter: ${filter.value}`);
          }
        }
      } else if (operand instanceof BooleanValue) {
        switch (filter.value) {
          case "bool":
            return new BooleanValue(operand.value);
          case "int":
            return new IntegerValue(operand.value ? 1 : 0);
          case "float":
            return new FloatValue(operand.value ? 1 : 0);
          case "string":
            return new StringValue(operand.value ? "true" : "false");
          default:
            throw new Error(`Unknown BooleanValue filter: ${filter.value}`);
        }
      }
      throw new Error(`Cannot apply filter "${filter.value}" to type: ${operand.type}`);
    } else if (filterNode.type === "CallExpression") {
      const filter = filterNode;
      if (filter.callee.type !== "Identifier") {
        throw new Error(`Unknown filter: ${filter.callee.type}`);
      }
      const filterName = filter.callee.value;
      if (filterName === "tojson") {
        const [, kwargs] = this.evaluateArguments(filter.args, environment);
        const indent = kwargs.get("indent") ?? new NullValue();
        if (!(indent instanceof IntegerValue || indent instanceof NullValue)) {
          throw new Error("If set, indent must be a number");
        }
        const ensureAscii = kwargs.get("ensure_ascii") ?? new BooleanValue(false);
        if (!(ensureAscii instanceof BooleanValue)) {
          throw new Error("If set, ensure_ascii must be a boolean");
        }
        const sortKeys = kwargs.get("sort_keys") ?? new BooleanValue(false);
        if (!(sortKeys instanceof BooleanValue)) {
          throw new Error("If set, sort_keys must be a boolean");
        }
        const separatorsArg = kwargs.get("separators") ?? new NullValue();
        let separators = null;
        if (separatorsArg instanceof ArrayValue || separatorsArg instanceof TupleValue) {
          if (separatorsArg.value.length !== 2) {
            throw new Error("separators must be a tuple of two strings");
          }
          const [itemSep, keySep] = separatorsArg.value;
          if (!(itemSep instanceof StringValue) || !(keySep instanceof StringValue)) {
            throw new Error("separators must be a tuple of two strings");
          }
          separators = [itemSep.value, keySep.value];
        } else if (!(separatorsArg instanceof NullValue)) {
          throw new Error("If set, separators must be a tuple of two strings");
        }
        return new StringValue(
          toJSON(operand, {
            indent: indent.value,
            ensureAscii: ensureAscii.value,
            sortKeys: sortKeys.value,
            separators
          })
        );
      } else if (filterName === "join") {
        let value;
        if (operand instanceof StringValue) {
          value = Array.from(operand.value);
        } else if (operand instanceof ArrayValue) {
          value = operand.value.map((x) => x.value);
        } else {
          throw new Error(`Cannot apply filter "${filterName}" to type: ${operand.type}`);
        }
        const [args, kwargs] = this.evaluateArguments(filter.args, environment);
        const separator = args.at(0) ?? kwargs.get("separator") ?? new StringValue("");
        if (!(separator instanceof StringValue)) {
          throw new Error("separator must be a string");
        }
        return new StringValue(value.join(separator.value));
      } else if (filterName === "int" || filterName === "float") {
        const [args, kwargs] = this.evaluateArguments(filter.args, environment);
        const defaultValue = args.at(0) ?? kwargs.get("default") ?? (filterName === "int" ? new IntegerValue(0) : new FloatValue(0));
        if (operand instanceof StringValue) {
          const val = filterName === "int" ? parseInt(operand.value, 10) : parseFloat(operand.value);
          return isNaN(val) ? defaultValue : filterName === "int" ? new IntegerValue(val) : new FloatValue(val);
        } else if (operand instanceof IntegerValue || operand instanceof FloatValue) {
          return operand;
        } else if (operand instanceof BooleanValue) {
          return filterName === "int" ? new IntegerValue(operand.value ? 1 : 0) : new FloatValue(operand.value ? 1 : 0);
        } else {
          throw new Error(`Cannot apply filter "${filterName}" to type: ${operand.type}`);
        }
      } else if (filterName === "default") {
        const [args, kwargs] = this.evaluateArguments(filter.args, environment);
        const defaultValue = args[0] ?? new StringValue("");
        const booleanValue = args[1] ?? kwargs.get("boolean") ?? new BooleanValue(false);
        if (!(booleanValue instanceof BooleanValue)) {
          throw new Error("`default` filter flag must be a boolean");
        }
        if (operand instanceof UndefinedValue || booleanValue.value && !operand.__bool__().value) {
          return defaultValue;
        }
        return operand;
      }
      if (operand instanceof ArrayValue) {
        switch (filterName) {
          case "sort": {
            const [args, kwargs] = this.evaluateArguments(filter.args, environment);
            const reverse = args.at(0) ?? kwargs.get("reverse") ?? new BooleanValue(false);
            if (!(reverse instanceof BooleanValue)) {
              throw new Error("reverse must be a boolean");
            }
            const caseSensitive = args.at(1) ?? kwargs.get("case_sensitive") ?? new BooleanValue(false);
            if (!(caseSensitive instanceof BooleanValue)) {
              throw new Error("case_sensitive must be a boolean");
            }
            const attribute = args.at(2) ?? kwargs.get("attribute") ?? new NullValue();
            if (!(attribute instanceof StringValue || attribute instanceof IntegerValue || attribute instanceof NullValue)) {
              throw new Error("attribute must be a string, integer, or null");
            }
            const getSortValue = (item) => {
              if (attribute instanceof NullValue) {
                return item;
              }
              const attrPath = attribute instanceof IntegerValue ? String(attribute.value) : attribute.value;
              return getAttributeValue(item, attrPath);
            };
            return new ArrayValue(
              operand.value.slice().sort((a2, b2) => {
                const aVal = getSortValue(a2);
                const bVal = getSortValue(b2);
                const result = compareRuntimeValues(aVal, bVal, caseSensitive.value);
                return reverse.value ? -result : result;
              })
            );
          }
          case "selectattr":
          case "rejectattr": {
            const select = filterName === "selectattr";
            if (operand.value.some((item) => !isAttributeContainer(item))) {
              throw new Error(`\`${filterName}\` can only be applied to array of objects`);
            }
            if (filter.args.some((x) => x.type !== "StringLiteral")) {
              throw new Error(`arguments of \`${filterName}\` must be strings`);
            }
            const [attr, testName, value] = filter.args.map((x) => this.evaluate(x, environment));
            let testFunction;
            if (testName) {
              const test = environment.tests.get(testName.value);
              if (!test) {
                throw new Error(`Unknown test: ${testName.value}`);
              }
              testFunction = test;
            } else {
              testFunction = (...x) => x[0].__bool__().value;
            }
            const filtered = operand.value.filter((item) => {
              const a2 = item.value.get(attr.value);
              const result = a2 ? testFunction(a2, value) : false;
              return select ? result : !result;
            });
            return new ArrayValue(filtered);
          }
          case "map": {
            const [, kwargs] = this.evaluateArguments(filter.args, environment);
            if (kwargs.has("attribute")) {
              const attr = kwargs.get("attribute");
              if (!(attr instanceof StringValue)) {
                throw new Error("attribute must be a string");
              }
              const defaultValue = kwargs.get("default");
              const mapped = operand.value.map((item) => {
                if (!isAttributeContainer(item)) {
                  throw new Error("items in map must be an object");
                }
                const value = getAttributeValue(item, attr.value);
                return value instanceof UndefinedValue ? defaultValue ?? new UndefinedValue() : value;
              });
              return new ArrayValue(mapped);
            } else {
              throw new Error("`map` expressions without `attribute` set are not currently supported.");
            }
          }
        }
        throw new Error(`Unknown ArrayValue filter: ${filterName}`);
      } else if (operand instanceof StringValue) {
        switch (filterName) {
          case "indent": {
            const [args, kwargs] = this.evaluateArguments(filter.args, environment);
            const width = args.at(0) ?? kwargs.get("width") ?? new IntegerValue(4);
            if (!(width instanceof IntegerValue)) {
              throw new Error("width must be a number");
            }
            const first = args.at(1) ?? kwargs.get("first") ?? new BooleanValue(false);
            const blank = args.at(2) ?? kwargs.get("blank") ?? new BooleanValue(false);
            const lines = operand.value.split("\n");
            const indent = " ".repeat(width.value);
            const indented = lines.map(
              (x, i) => !first.value && i === 0 || !blank.value && x.length === 0 ? x : indent + x
            );
            return new StringValue(indented.join("\n"));
          }
          case "replace": {
            const replaceFn = operand.builtins.get("replace");
            if (!(replaceFn instanceof FunctionValue)) {
              throw new Error("replace filter not available");
            }
            const [args, kwargs] = this.evaluateArguments(filter.args, environment);
            return replaceFn.value([...args, new KeywordArgumentsValue(kwargs)], environment);
          }
        }
        throw new Error(`Unknown StringValue filter: ${filterName}`);
      } else if (operand instanceof ObjectValue) {
        const builtin = operand.builtins.get(filterName);
        if (builtin && builtin instanceof FunctionValue) {
          const [args, kwargs] = this.evaluateArguments(filter.args, environment);
          if (kwargs.size > 0) {
            args.push(new KeywordArgumentsValue(kwargs));
          }
          return builtin.value(args, environment);
        }
        throw new Error(`Unknown ObjectValue filter: ${filterName}`);
      } else {
        throw new Error(`Cannot apply filter "${filterName}" to type: ${operand.type}`);
      }
    }
    throw new Error(`Unknown filter: ${filterNode.type}`);
  }
  /**
   * Evaluates expressions following the filter operation type.
   */
  evaluateFilterExpression(node, environment) {
    const operand = this.evaluate(node.operand, environment);
    return this.applyFilter(operand, node.filter, environment);
  }
  /**
   * Evaluates expressions following the test operation type.
   */
  evaluateTestExpression(node, environment) {
    const operand = this.evaluate(node.operand, environment);
    const test = environment.tests.get(node.test.value);
    if (!test) {
      throw new Error(`Unknown test: ${node.test.value}`);
    }
    const result = test(operand);
    return new BooleanValue(node.negate ? !result : result);
  }
  /**
   * Evaluates expressions following the select operation type.
   */
  evaluateSelectExpression(node, environment) {
    const predicate = this.evaluate(node.test, environment);
    if (!predicate.__bool__().value) {
      return new UndefinedValue();
    }
    return this.evaluate(node.lhs, environment);
  }
  /**
   * Evaluates expressions following the unary operation type.
   */
  evaluateUnaryExpression(node, environment) {
    const argument = this.evaluate(node.argument, environment);
    switch (node.operator.value) {
      case "not":
        return new BooleanValue(!argument.__bool__().value);
      case "+":
      case "-": {
        const sign = node.operator.value === "-" ? -1 : 1;
        if (argument instanceof IntegerValue || argument instanceof FloatValue || argument instanceof BooleanValue) {
          const value = argument instanceof BooleanValue ? argument.value ? 1 : 0 : argument.value;
          const result = sign * value;
          return argument instanceof FloatValue ? new FloatValue(result) : new IntegerValue(result);
        }
        throw new SyntaxError(`Unknown operator "${node.operator.value}" for ${argument.type}`);
      }
      default:
        throw new SyntaxError(`Unknown operator: ${node.operator.value}`);
    }
  }
  evaluateTernaryExpression(node, environment) {
    const cond = this.evaluate(node.condition, environment);
    return cond.__bool__().value ? this.evaluate(node.trueExpr, environment) : this.evaluate(node.falseExpr, environment);
  }
  evalProgram(program, environment) {
    return this.evaluateBlock(program.body, environment);
  }
  evaluateBlock(statements, environment) {
    let result = "";
    for (const statement of statements) {
      const lastEvaluated = this.evaluate(statement, environment);
      if (lastEvaluated.type !== "NullValue" && lastEvaluated.type !== "UndefinedValue") {
        result += lastEvaluated.toString();
      }
    }
    return new StringValue(result);
  }
  evaluateIdentifier(node, environment) {
    return environment.lookupVariable(node.value);
  }
  evaluateCallExpression(expr, environment) {
    const [args, kwargs] = this.evaluateArguments(expr.args, environment);
    if (kwargs.size > 0) {
      args.push(new KeywordArgumentsValue(kwargs));
    }
    const fn = this.evaluate(expr.callee, environment);
    if (fn.type !== "FunctionValue") {
      throw new Error(`Cannot call something that is not a function: got ${fn.type}`);
    }
    return fn.value(args, environment);
  }
  evaluateSliceExpression(object, expr, environment) {
    if (!(object instanceof ArrayValue || object instanceof StringValue)) {
      throw new Error("Slice object must be an array or string");
    }
    const start = this.evaluate(expr.start, environment);
    const stop = this.evaluate(expr.stop, environment);
    const step = this.evaluate(expr.step, environment);
    if (!(start instanceof IntegerValue || start instanceof UndefinedValue)) {
      throw new Error("Slice start must be numeric or undefined");
    }
    if (!(stop instanceof IntegerValue || stop instanceof UndefinedValue)) {
      throw new Error("Slice stop must be numeric or undefined");
    }
    if (!(step instanceof IntegerValue || step instanceof UndefinedValue)) {
      throw new Error("Slice step must be numeric or undefined");
    }
    if (object instanceof ArrayValue) {
      return new ArrayValue(slice(object.value, start.value, stop.value, step.value));
    } else {
      return new StringValue(slice(Array.from(object.value), start.value, stop.value, step.value).join(""));
    }
  }
  evaluateMemberExpression(expr, environment) {
    const object = this.evaluate(expr.object, environment);
    let property;
    if (expr.computed) {
      if (expr.property.type === "SliceExpression") {
        return this.evaluateSliceExpression(object, expr.property, environment);
      } else {
        property = this.evaluate(expr.property, environment);
      }
    } else if (expr.property.type === "IntegerLiteral") {
      property = new IntegerValue(expr.property.value);
    } else {
      property = new StringValue(expr.property.value);
    }
    let value;
    if (isAttributeContainer(object)) {
      if (!(property instanceof StringValue)) {
        throw new Error(`Cannot access property with non-string: got ${property.type}`);
      }
      value = object.value.get(property.value) ?? (object instanceof ObjectValue ? object.builtins.get(property.value) : void 0);
    } else if (object instanceof ArrayValue || object instanceof StringValue) {
      if (property instanceof IntegerValue) {
        if (object instanceof StringValue) {
          const character = object.value.at(property.value);
          value = character === void 0 ? void 0 : new StringValue(character);
        } else {
          value = object.value.at(property.value);
        }
      } else if (property instanceof StringValue) {
        value = object.builtins.get(property.value);
      } else {
        throw new Error(`Cannot access property with non-string/non-number: got ${property.type}`);
      }
    } else {
      if (!(property instanceof StringValue)) {
        throw new Error(`Cannot access property with non-string: got ${property.type}`);
      }
      value = object.builtins.get(property.value);
    }
    return value instanceof RuntimeValue ? value : new UndefinedValue();
  }
  evaluateSet(node, environment) {
    const rhs = node.value ? this.evaluate(node.value, environment) : this.evaluateBlock(node.body, environment);
    if (node.assignee.type === "Identifier") {
      const variableName = node.assignee.value;
      environment.setVariable(variableName, rhs);
    } else if (node.assignee.type === "TupleLiteral") {
      const tuple = node.assignee;
      if (!(rhs instanceof ArrayValue)) {
        throw new Error(`Cannot unpack non-iterable type in set: ${rhs.type}`);
      }
      const arr = rhs.value;
      if (arr.length !== tuple.value.length) {
        throw new Error(`Too ${tuple.value.length > arr.length ? "few" : "many"} items to unpack in set`);
      }
      for (let i = 0; i < tuple.value.length; ++i) {
        const elem = tuple.value[i];
        if (elem.type !== "Identifier") {
          throw new Error(`Cannot unpack to non-identifier in set: ${elem.type}`);
        }
        environment.setVariable(elem.value, arr[i]);
      }
    } else if (node.assignee.type === "MemberExpression") {
      const member = node.assignee;
      const object = this.evaluate(member.object, environment);
      if (!(object instanceof NamespaceValue)) {
        throw new Error("cannot assign attribute on non-namespace object");
      }
      if (member.property.type !== "Identifier") {
        throw new Error("Cannot assign to member with non-identifier property");
      }
      object.value.set(member.property.value, rhs);
    } else {
      throw new Error(`Invalid LHS inside assignment expression: ${JSON.stringify(node.assignee)}`);
    }
    return new NullValue();
  }
  evaluateIf(node, environment) {
    const test = this.evaluate(node.test, environment);
    return this.evaluateBlock(test.__bool__().value ? node.body : node.alternate, environment);
  }
  evaluateFor(node, environment) {
    const scope = new Environment(environment);
    let test, iterable;
    if (node.iterable.type === "SelectExpression") {
      const select = node.iterable;
      iterable = this.evaluate(select.lhs, scope);
      test = select.test;
    } else {
      iterable = this.evaluate(node.iterable, scope);
    }
    if (!(iterable instanceof ArrayValue || iterable instanceof ObjectValue)) {
      throw new Error(`Expected iterable or object type in for loop: got ${iterable.type}`);
    }
    if (iterable instanceof ObjectValue) {
      iterable = iterable.keys();
    }
    const items = [];
    const scopeUpdateFunctions = [];
    for (let i = 0; i < iterable.value.length; ++i) {
      const loopScope = new Environment(scope);
      const current = iterable.value[i];
      let scopeUpdateFunction;
      if (node.loopvar.type === "Identifier") {
        scopeUpdateFunction = (scope2) => scope2.setVariable(node.loopvar.value, current);
      } else if (node.loopvar.type === "TupleLiteral") {
        const loopvar = node.loopvar;
        if (current.type !== "ArrayValue") {
          throw new Error(`Cannot unpack non-iterable type: ${current.type}`);
        }
        const c = current;
        if (loopvar.value.length !== c.value.length) {
          throw new Error(`Too ${loopvar.value.length > c.value.length ? "few" : "many"} items to unpack`);
        }
        scopeUpdateFunction = (scope2) => {
          for (let j = 0; j < loopvar.value.length; ++j) {
            if (loopvar.value[j].type !== "Identifier") {
              throw new Error(`Cannot unpack non-identifier type: ${loopvar.value[j].type}`);
            }
            scope2.setVariable(loopvar.value[j].value, c.value[j]);
          }
        };
      } else {
        throw new Error(`Invalid loop variable(s): ${node.loopvar.type}`);
      }
      if (test) {
        scopeUpdateFunction(loopScope);
        const testValue = this.evaluate(test, loopScope);
        if (!testValue.__bool__().value) {
          continue;
        }
      }
      items.push(current);
      scopeUpdateFunctions.push(scopeUpdateFunction);
    }
    let result = "";
    let noIteration = true;
    for (let i = 0; i < items.length; ++i) {
      const loop = /* @__PURE__ */ new Map([
        ["index", new IntegerValue(i + 1)],
        ["index0", new IntegerValue(i)],
        ["revindex", new IntegerValue(items.length - i)],
        ["revindex0", new IntegerValue(items.length - i - 1)],
        ["first", new BooleanValue(i === 0)],
        ["last", new BooleanValue(i === items.length - 1)],
        ["length", new IntegerValue(items.length)],
        ["previtem", i > 0 ? items[i - 1] : new UndefinedValue()],
        ["nextitem", i < items.length - 1 ? items[i + 1] : new UndefinedValue()]
      ]);
      scope.setVariable("loop", new ObjectValue(loop));
      scopeUpdateFunctions[i](scope);
      try {
        const evaluated = this.evaluateBlock(node.body, scope);
        result += evaluated.value;
      } catch (err) {
        if (err instanceof ContinueControl) {
          continue;
        }
        if (err instanceof BreakControl) {
          break;
        }
        throw err;
      }
      noIteration = false;
    }
    if (noIteration) {
      const defaultEvaluated = this.evaluateBlock(node.defaultBlock, scope);
      result += defaultEvaluated.value;
    }
    return new StringValue(result);
  }
  /**
   * Bind every parameter name and special argument before evaluating defaults,
   * preventing unbound parameters from resolving in an outer scope.
   */
  bindMacroArguments(displayName, parameters, specialArguments, args, scope) {
    const positionalArguments = args.slice();
    let keywordArguments = /* @__PURE__ */ new Map();
    if (positionalArguments.at(-1) instanceof KeywordArgumentsValue) {
      keywordArguments = new Map(positionalArguments.pop().value);
    }
    const pendingDefaults = [];
    for (let i = 0; i < parameters.length; ++i) {
      const { name, defaultValue } = getParameterDescriptor(parameters[i]);
      let value = positionalArguments[i];
      if (value === void 0 && keywordArguments.has(name)) {
        value = keywordArguments.get(name);
        keywordArguments.delete(name);
      }
      if (value === void 0 && defaultValue !== void 0) {
        pendingDefaults.push([name, defaultValue]);
      }
      scope.setVariable(name, value ?? new UndefinedValue());
    }
    if (specialArguments.has("kwargs")) {
      scope.setVariable("kwargs", new ObjectValue(keywordArguments));
    } else if (keywordArguments.size > 0) {
      throw new Error(`macro ${displayName} takes no keyword argument '${keywordArguments.keys().next().value}'`);
    }
    if (specialArguments.has("varargs")) {
      scope.setVariable("varargs", new ArrayValue(positionalArguments.slice(parameters.length)));
    } else if (positionalArguments.length > parameters.length) {
      throw new Error(`macro ${displayName} takes not more than ${parameters.length} argument(s)`);
    }
    for (const [name, defaultValue] of pendingDefaults) {
      scope.setVariable(name, this.evaluate(defaultValue, scope));
    }
  }
  /**
   * See https://jinja.palletsprojects.com/en/3.1.x/templates/#macros for more information.
   */
  evaluateMacro(node, environment) {
    const specialArguments = findAccessedSpecialMacroArguments(node.args, node.body);
    environment.setVariable(
      node.name.value,
      new FunctionValue((args, scope) => {
        const macroScope = new Environment(scope);
        this.bindMacroArguments(`'${node.name.value}'`, node.args, specialArguments, args, macroScope);
        return this.evaluateBlock(node.body, macroScope);
      })
    );
    return new NullValue();
  }
  evaluateCallStatement(node, environment) {
    const parameters = node.callerArgs ?? [];
    const specialArguments = findAccessedSpecialMacroArguments(parameters, node.body);
    const callerFn = new FunctionValue((callerArguments) => {
      const callBlockEnv = new Environment(environment);
      this.bindMacroArguments("None", parameters, specialArguments, callerArguments, callBlockEnv);
      return this.evaluateBlock(node.body, callBlockEnv);
    });
    const [macroArgs, macroKwargs] = this.evaluateArguments(node.call.args, environment);
    macroArgs.push(new KeywordArgumentsValue(macroKwargs));
    const fn = this.evaluate(node.call.callee, environment);
    if (fn.type !== "FunctionValue") {
      throw new Error(`Cannot call something that is not a function: got ${fn.type}`);
    }
    const newEnv = new Environment(environment);
    newEnv.setVariable("caller", callerFn);
    return fn.value(macroArgs, newEnv);
  }
  evaluateFilterStatement(node, environment) {
    const rendered = this.evaluateBlock(node.body, environment);
    return this.applyFilter(rendered, node.filter, environment);
  }
  evaluate(statement, environment) {
    if (!statement) {
      return new UndefinedValue();
    }
    switch (statement.type) {
      case "Program":
        return this.evalProgram(statement, environment);
      case "Set":
        return this.evaluateSet(statement, environment);
      case "If":
        return this.evaluateIf(statement, environment);
      case "For":
        return this.evaluateFor(statement, environment);
      case "Macro":
        return this.evaluateMacro(statement, environment);
      case "CallStatement":
        return this.evaluateCallStatement(statement, environment);
      case "Break":
        throw new BreakControl();
      case "Continue":
        throw new ContinueControl();
      case "IntegerLiteral":
        return new IntegerValue(statement.value);
      case "FloatLiteral":
        return new FloatValue(statement.value);
      case "StringLiteral":
        return new StringValue(statement.value);
      case "ArrayLiteral":
        return new ArrayValue(statement.value.map((x) => this.evaluate(x, environment)));
      case "TupleLiteral":
        return new TupleValue(statement.value.map((x) => this.evaluate(x, environment)));
      case "ObjectLiteral": {
        const mapping = /* @__PURE__ */ new Map();
        for (const [key, value] of statement.value) {
          const evaluatedKey = this.evaluate(key, environment);
          if (!(evaluatedKey instanceof StringValue)) {
            throw new Error(`Object keys must be strings: got ${evaluatedKey.type}`);
          }
          mapping.set(evaluatedKey.value, this.evaluate(value, environment));
        }
        return new ObjectValue(mapping);
      }
      case "Identifier":
        return this.evaluateIdentifier(statement, environment);
      case "CallExpression":
        return this.evaluateCallExpression(statement, environment);
      case "MemberExpression":
        return this.evaluateMemberExpression(statement, environment);
      case "UnaryExpression":
        return this.evaluateUnaryExpression(statement, environment);
      case "BinaryExpression":
        return this.evaluateBinaryExpression(statement, environment);
      case "FilterExpression":
        return this.evaluateFilterExpression(statement, environment);
      case "FilterStatement":
        return this.evaluateFilterStatement(statement, environment);
      case "TestExpression":
        return this.evaluateTestExpression(statement, environment);
      case "SelectExpression":
        return this.evaluateSelectExpression(statement, environment);
      case "Ternary":
        return this.evaluateTernaryExpression(statement, environment);
      case "Comment":
        return new NullValue();
      default:
        throw new SyntaxError(`Unknown node type: ${statement.type}`);
    }
  }
};
function convertToRuntimeValues(input) {
  switch (typeof input) {
    case "number":
      return Number.isInteger(input) ? new IntegerValue(input) : new FloatValue(input);
    case "string":
      return new StringValue(input);
    case "boolean":
      return new BooleanValue(input);
    case "undefined":
      return new UndefinedValue();
    case "object":
      if (input === null) {
        return new NullValue();
      } else if (Array.isArray(input)) {
        return new ArrayValue(input.map(convertToRuntimeValues));
      } else {
        return new ObjectValue(
          new Map(Object.entries(input).map(([key, value]) => [key, convertToRuntimeValues(value)]))
        );
      }
    case "function":
      return new FunctionValue((args, _scope) => {
        const result = input(...args.map((x) => x.value)) ?? null;
        return convertToRuntimeValues(result);
      });
    default:
      throw new Error(`Cannot convert to runtime value: ${input}`);
  }
}
var NEWLINE = "\n";
var OPEN_STATEMENT = "{%- ";
var CLOSE_STATEMENT = " -%}";
var PRECEDENCE = Object.freeze({
  CONDITIONAL: 0,
  // a if b else c
  LOGICAL_OR: 1,
  // or
  LOGICAL_AND: 2,
  // and
  LOGICAL_NOT: 3,
  // not a
  COMPARISON: 4,
  // == != < <= > >= in, not in
  ADDITIVE: 5,
  // + -
  MULTIPLICATIVE: 6,
  // * / // %
  EXPONENTIATION: 7,
  // **
  TEST: 8,
  // is
  FILTER: 9,
  // |
  UNARY_SIGN: 10,
  // -a +a
  ATOM: 11
  // literals, identifiers, calls, member accesses
});
function getBinaryOperatorPrecedence(expr) {
  switch (expr.operator.type) {
    case "ExponentiationBinaryOperator":
      return PRECEDENCE.EXPONENTIATION;
    case "MultiplicativeBinaryOperator":
      return PRECEDENCE.MULTIPLICATIVE;
    case "AdditiveBinaryOperator":
      return PRECEDENCE.ADDITIVE;
    case "ComparisonBinaryOperator":
      return PRECEDENCE.COMPARISON;
    case "Identifier":
      if (expr.operator.value === "and") {
        return PRECEDENCE.LOGICAL_AND;
      }
      if (expr.operator.value === "in" || expr.operator.value === "not in") {
        return PRECEDENCE.COMPARISON;
      }
      return PRECEDENCE.LOGICAL_OR;
  }
  return PRECEDENCE.LOGICAL_OR;
}
function getPrecedence(node) {
  switch (node.type) {
    case "SelectExpression":
    case "Ternary":
      return PRECEDENCE.CONDITIONAL;
    case "BinaryExpression":
      return getBinaryOperatorPrecedence(node);
    case "UnaryExpression":
      return node.operator.value === "not" ? PRECEDENCE.LOGICAL_NOT : PRECEDENCE.UNARY_SIGN;
    case "TestExpression":
      return PRECEDENCE.TEST;
    case "FilterExpression":
      return PRECEDENCE.FILTER;
    default:
      return PRECEDENCE.ATOM;
  }
}
function formatOperand(node, minPrecedence) {
  const expr = formatExpression(node);
  return getPrecedence(node) < minPrecedence ? `(${expr})` : expr;
}
function format(program, indent = "	") {
  const indentStr = typeof indent === "number" ? " ".repeat(indent) : indent;
  const body = formatStatements(program.body, 0, indentStr);
  return body.replace(/\n$/, "");
}
function createStatement(...text) {
  return OPEN_STATEMENT + text.join(" ") + CLOSE_STATEMENT;
}
function formatStatements(stmts, depth, indentStr) {
  return stmts.map((stmt) => formatStatement(stmt, depth, indentStr)).join(NEWLINE);
}
function formatExpressionList(expressions) {
  return expressions.map((expression) => formatExpression(expression)).join(", ");
}
function formatStatement(node, depth, indentStr) {
  const pad = indentStr.repeat(depth);
  switch (node.type) {
    case "Program":
      return formatStatements(node.body, depth, indentStr);
    case "If":
      return formatIf(node, depth, indentStr);
    case "For":
      return formatFor(node, depth, indentStr);
    case "Set":
      return formatSet(node, depth, indentStr);
    case "Macro":
      return formatMacro(node, depth, indentStr);
    case "Break":
      return pad + createStatement("break");
    case "Continue":
      return pad + createStatement("continue");
    case "CallStatement":
      return formatCallStatement(node, depth, indentStr);
    case "FilterStatement":
      return formatFilterStatement(node, depth, indentStr);
    case "Comment":
      return pad + "{# " + node.value + " #}";
    default:
      return pad + "{{- " + formatExpression(node) + " -}}";
  }
}
function formatIf(node, depth, indentStr) {
  const pad = indentStr.repeat(depth);
  const clauses = [];
  let current = node;
  while (current) {
    clauses.push({ test: current.test, body: current.body });
    if (current.alternate.length === 1 && current.alternate[0].type === "If") {
      current = current.alternate[0];
    } else {
      break;
    }
  }
  let out = pad + createStatement("if", formatExpression(clauses[0].test)) + NEWLINE + formatStatements(clauses[0].body, depth + 1, indentStr);
  for (let i = 1; i < clauses.length; ++i) {
    out += NEWLINE + pad + createStatement("elif", formatExpression(clauses[i].test)) + NEWLINE + formatStatements(clauses[i].body, depth + 1, indentStr);
  }
  if (current && current.alternate.length > 0) {
    out += NEWLINE + pad + createStatement("else") + NEWLINE + formatStatements(current.alternate, depth + 1, indentStr);
  }
  out += NEWLINE + pad + createStatement("endif");
  return out;
}
function formatFor(node, depth, indentStr) {
  const pad = indentStr.repeat(depth);
  let formattedIterable = "";
  if (node.iterable.type === "SelectExpression") {
    const n = node.iterable;
    formattedIterable = `${formatExpression(n.lhs)} if ${formatExpression(n.test)}`;
  } else {
    formattedIterable = formatExpression(node.iterable);
  }
  let out = pad + createStatement("for", formatExpression(node.loopvar), "in", formattedIterable) + NEWLINE + formatStatements(node.body, depth + 1, indentStr);
  if (node.defaultBlock.length > 0) {
    out += NEWLINE + pad + createStatement("else") + NEWLINE + formatStatements(node.defaultBlock, depth + 1, indentStr);
  }
  out += NEWLINE + pad + createStatement("endfor");
  return out;
}
function formatSet(node, depth, indentStr) {
  const pad = indentStr.repeat(depth);
  const left = formatExpression(node.assignee);
  const right = node.value ? formatExpression(node.value) : "";
  const value = pad + createStatement("set", `${left}${node.value ? " = " + right : ""}`);
  if (node.body.length === 0) {
    return value;
  }
  return value + NEWLINE + formatStatements(node.body, depth + 1, indentStr) + NEWLINE + pad + createStatement("endset");
}
function formatMacro(node, depth, indentStr) {
  const pad = indentStr.repeat(depth);
  const args = formatExpressionList(node.args);
  return pad + createStatement("macro", `${node.name.value}(${args})`) + NEWLINE + formatStatements(node.body, depth + 1, indentStr) + NEWLINE + pad + createStatement("endmacro");
}
function formatCallStatement(node, depth, indentStr) {
  const pad = indentStr.repeat(depth);
  const params = node.callerArgs && node.callerArgs.length > 0 ? `(${formatExpressionList(node.callerArgs)})` : "";
  const callExpr = formatExpression(node.call);
  let out = pad + createStatement(`call${params}`, callExpr) + NEWLINE;
  out += formatStatements(node.body, depth + 1, indentStr) + NEWLINE;
  out += pad + createStatement("endcall");
  return out;
}
function formatFilterStatement(node, depth, indentStr) {
  const pad = indentStr.repeat(depth);
  const spec = node.filter.type === "Identifier" ? node.filter.value : formatExpression(node.filter);
  let out = pad + createStatement("filter", spec) + NEWLINE;
  out += formatStatements(node.body, depth + 1, indentStr) + NEWLINE;
  out += pad + createStatement("endfilter");
  return out;
}
function formatExpression(node) {
  switch (node.type) {
    case "SpreadExpression": {
      const n = node;
      return `*${formatExpression(n.argument)}`;
    }
    case "KeywordSpreadExpression": {
      const n = node;
      return `**${formatExpression(n.argument)}`;
    }
    case "Identifier":
      return node.value;
    case "IntegerLiteral":
      return `${node.value}`;
    case "FloatLiteral": {
      const value = node.value;
      if (Object.is(value, -0)) {
        return "-0.0";
      }
      return value % 1 === 0 ? value.toFixed(1) : value.toString();
    }
    case "StringLiteral":
      return JSON.stringify(node.value);
    case "BinaryExpression": {
      const n = node;
      const thisPrecedence = getBinaryOperatorPrecedence(n);
      const left = formatOperand(n.left, thisPrecedence);
      const right = formatOperand(n.right, thisPrecedence + 1);
      return `${left} ${n.operator.value} ${right}`;
    }
    case "UnaryExpression": {
      const n = node;
      const operandPrecedence = n.argument.type === "UnaryExpression" ? getPrecedence(n) : PRECEDENCE.ATOM;
      return n.operator.value + (n.operator.value === "not" ? " " : "") + formatOperand(n.argument, operandPrecedence);
    }
    case "CallExpression": {
      const n = node;
      const args = formatExpressionList(n.args);
      return `${formatExpression(n.callee)}(${args})`;
    }
    case "MemberExpression": {
      const n = node;
      const obj = formatOperand(n.object, PRECEDENCE.ATOM);
      let prop = formatExpression(n.property);
      if (!n.computed && n.property.type !== "Identifier" && n.property.type !== "IntegerLiteral") {
        prop = `(${prop})`;
      }
      return n.computed ? `${obj}[${prop}]` : `${obj}.${prop}`;
    }
    case "FilterExpression": {
      const n = node;
      const operand = formatOperand(n.operand, PRECEDENCE.FILTER);
      if (n.filter.type === "CallExpression") {
        return `${operand} | ${formatExpression(n.filter)}`;
      }
      return `${operand} | ${n.filter.value}`;
    }
    case "SelectExpression": {
      const n = node;
      return `${formatOperand(n.lhs, PRECEDENCE.LOGICAL_OR)} if ${formatOperand(n.test, PRECEDENCE.LOGICAL_OR)}`;
    }
    case "TestExpression": {
      const n = node;
      return `${formatOperand(n.operand, PRECEDENCE.TEST)} is${n.negate ? " not" : ""} ${n.test.value}`;
    }
    case "ArrayLiteral":
    case "TupleLiteral": {
      const elems = formatExpressionList(node.value);
      const brackets = node.type === "ArrayLiteral" ? "[]" : "()";
      return `${brackets[0]}${elems}${brackets[1]}`;
    }
    case "ObjectLiteral": {
      const entries = Array.from(node.value.entries()).map(
        ([k, v]) => `${formatExpression(k)}: ${formatExpression(v)}`
      );
      return `{${entries.join(", ")}}`;
    }
    case "SliceExpression": {
      const n = node;
      const s = n.start ? formatExpression(n.start) : "";
      const t2 = n.stop ? formatExpression(n.stop) : "";
      const st = n.step ? `:${formatExpression(n.step)}` : "";
      return `${s}:${t2}${st}`;
    }
    case "KeywordArgumentExpression": {
      const n = node;
      return `${n.key.value}=${formatExpression(n.value)}`;
    }
    case "Ternary": {
      const n = node;
      return `${formatOperand(n.trueExpr, PRECEDENCE.LOGICAL_OR)} if ${formatOperand(
        n.condition,
        PRECEDENCE.LOGICAL_OR
      )} else ${formatOperand(n.falseExpr, PRECEDENCE.CONDITIONAL)}`;
    }
    default:
      throw new Error(`Unknown expression type: ${node.type}`);
  }
}
var Template = class {
  parsed;
  /**
   * @param {string} template The template string
   */
  constructor(template) {
    const tokens = tokenize(template, {
      lstrip_blocks: true,
      trim_blocks: true
    });
    this.parsed = parse(tokens);
  }
  render(items) {
    const env = new Environment();
    setupGlobals(env);
    if (items) {
      for (const [key, value] of Object.entries(items)) {
        env.set(key, value);
      }
    }
    const interpreter = new Interpreter(env);
    const result = interpreter.run(this.parsed);
    return result.value;
  }
  format(options) {
    return format(this.parsed, options?.indent || "	");
  }
};

// packages/model/src/tokenizer/chat-template.ts
var ChatTemplate = class {
  constructor(source, specialTokens = {}) {
    this.source = source;
    this.specialTokens = specialTokens;
  }
  source;
  specialTokens;
  parsed;
  render(messages, options = {}) {
    try {
      return this.template().render({
        ...options.variables,
        messages,
        bos_token: this.specialTokens.bosToken ?? "",
        eos_token: this.specialTokens.eosToken ?? "",
        add_generation_prompt: options.addGenerationPrompt ?? false
      });
    } catch (error) {
      throw new Error(`chat template failed to render: ${error.message}`, { cause: error });
    }
  }
  /** Parsed on first use, so a template the engine cannot parse fails a chat request, not loading. */
  template() {
    if (!this.parsed) {
      try {
        this.parsed = new Template(this.source);
      } catch (error) {
        throw new Error(`chat template could not be parsed: ${error.message}`, { cause: error });
      }
    }
    return this.parsed;
  }
};

// packages/model/src/tokenizer/special-splitter.ts
var SpecialTokenSplitter = class {
  pattern;
  idOf;
  constructor(specials) {
    const idOf = /* @__PURE__ */ new Map();
    for (const { text, id } of specials) if (text.length > 0 && !idOf.has(text)) idOf.set(text, id);
    this.idOf = idOf;
    const alternatives = [...idOf.keys()].sort((a2, b2) => b2.length - a2.length).map(escapeRegExp2);
    this.pattern = alternatives.length > 0 ? new RegExp(alternatives.join("|"), "gu") : void 0;
  }
  split(text) {
    if (!this.pattern) return text.length > 0 ? [{ text }] : [];
    const fragments = [];
    let last = 0;
    for (const match of text.matchAll(this.pattern)) {
      if (match.index > last) fragments.push({ text: text.slice(last, match.index) });
      fragments.push({ id: this.idOf.get(match[0]) });
      last = match.index + match[0].length;
    }
    if (last < text.length) fragments.push({ text: text.slice(last) });
    return fragments;
  }
};
function escapeRegExp2(text) {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

// packages/model/src/tokenizer/stream-decoder.ts
var SPACE = 32;
var Utf8StreamDecoder = class {
  constructor(source, options = {}) {
    this.source = source;
    this.skipSpecial = options.skipSpecial ?? true;
    this.previousId = options.previousId;
  }
  source;
  // ignoreBOM: a U+FEFF the model generates is text, not a byte-order mark to swallow.
  utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  skipSpecial;
  previousId;
  push(id) {
    const previousId = this.previousId;
    this.previousId = id;
    if (this.skipSpecial && this.source.isSpecial(id)) return "";
    let bytes = this.source.tokenBytes(id);
    if (bytes[0] === SPACE && this.source.dropsLeadingSpace(previousId, id)) bytes = bytes.subarray(1);
    if (bytes.length === 0) return "";
    return this.utf8.decode(bytes, { stream: true });
  }
  flush() {
    return this.utf8.decode();
  }
};
function decodeTokens(source, ids, options = {}) {
  const decoder = new Utf8StreamDecoder(source, options);
  let text = "";
  for (const id of ids) text += decoder.push(id);
  return text + decoder.flush();
}

// packages/model/src/tokenizer/token-range.ts
function checkTokenId(id, vocabSize) {
  if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw new RangeError(`token id ${id} is outside the vocabulary (0..${vocabSize - 1})`);
  }
}

// packages/model/src/tokenizer/gguf-tokenizer.ts
var GgufTokenType = {
  normal: 1,
  unknown: 2,
  control: 3,
  userDefined: 4,
  unused: 5,
  byte: 6
};
var GgufTokenizer = class {
  constructor(vocab) {
    this.vocab = vocab;
    this.bosId = vocab.bosId;
    this.eosIds = vocab.eosIds;
    const ofTypes = (...types) => vocab.tokens.flatMap((text, id) => types.includes(vocab.tokenTypes[id]) ? [{ text, id }] : []);
    this.withSpecials = new SpecialTokenSplitter(ofTypes(GgufTokenType.control, GgufTokenType.unknown, GgufTokenType.userDefined));
    this.userDefinedOnly = new SpecialTokenSplitter(ofTypes(GgufTokenType.userDefined));
    const textOf = (id) => id === void 0 ? void 0 : vocab.tokens[id];
    this.chatTemplate = vocab.chatTemplate ? new ChatTemplate(vocab.chatTemplate, { bosToken: textOf(vocab.bosId), eosToken: textOf(vocab.eosIds[0]) }) : void 0;
  }
  vocab;
  bosId;
  eosIds;
  chatTemplate;
  /** Control and unknown tokens (only with parseSpecial) plus user-defined ones (always), as llama.cpp splits. */
  withSpecials;
  userDefinedOnly;
  get vocabSize() {
    return this.vocab.tokens.length;
  }
  get hasChatTemplate() {
    return this.chatTemplate !== void 0;
  }
  /** BOS and EOS follow tokenizer.ggml.add_bos_token / add_eos_token unless the options say otherwise. */
  encode(text, options = {}) {
    const ids = [];
    const bos = this.vocab.bosId;
    if ((options.addBos ?? this.vocab.addBos) && bos !== void 0) ids.push(bos);
    const splitter = options.parseSpecial ?? true ? this.withSpecials : this.userDefinedOnly;
    let afterSpecial = true;
    for (const fragment of splitter.split(text)) {
      if ("id" in fragment) {
        ids.push(fragment.id);
        afterSpecial = true;
      } else {
        for (const id of this.encodeText(fragment.text, afterSpecial)) ids.push(id);
        afterSpecial = false;
      }
    }
    const eos = this.vocab.eosIds[0];
    if ((options.addEos ?? this.vocab.addEos) && eos !== void 0) ids.push(eos);
    return ids;
  }
  decode(ids, options = {}) {
    return decodeTokens(this, ids, options);
  }
  createStreamDecoder(options = {}) {
    return new Utf8StreamDecoder(this, options);
  }
  idToToken(id) {
    checkTokenId(id, this.vocabSize);
    return this.vocab.tokens[id];
  }
  tokenType(id) {
    checkTokenId(id, this.vocabSize);
    return this.vocab.tokenTypes[id];
  }
  /** Control, unknown and unused tokens; user-defined tokens are text and stay in the output. */
  isSpecial(id) {
    const type = this.tokenType(id);
    return type === GgufTokenType.control || type === GgufTokenType.unknown || type === GgufTokenType.unused;
  }
  /** A token the input splitter can produce on its own (a special in llama.cpp's sense). */
  isSplitToken(id) {
    const type = this.tokenType(id);
    return type === GgufTokenType.control || type === GgufTokenType.unknown || type === GgufTokenType.userDefined;
  }
  applyChatTemplate(messages, options = {}) {
    if (!this.chatTemplate) throw new Error("this GGUF file has no tokenizer.chat_template");
    return this.chatTemplate.render(messages, options);
  }
};

// packages/model/src/tokenizer/pretokenize-patterns.ts
var GPT2 = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;
var CONTRACTIONS_ANY_CASE = String.raw`'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]`;
var LLAMA3 = String.raw`${CONTRACTIONS_ANY_CASE}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
var QWEN2 = String.raw`${CONTRACTIONS_ANY_CASE}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
var PATTERNS = {
  default: GPT2,
  gpt2: GPT2,
  "llama-bpe": LLAMA3,
  llama3: LLAMA3,
  qwen2: QWEN2
};
var SUPPORTED_PRETOKENIZERS = Object.keys(PATTERNS);
function pretokenizePattern(pre) {
  const source = PATTERNS[pre];
  return source === void 0 ? void 0 : new RegExp(source, "gu");
}
function pretokenize(text, pattern) {
  const pieces = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) pieces.push(text.slice(last, match.index));
    pieces.push(match[0]);
    last = match.index + match[0].length;
  }
  if (last < text.length) pieces.push(text.slice(last));
  return pieces;
}

// packages/model/src/tokenizer/gguf-gpt2.ts
var WORD_CACHE_LIMIT = 2e4;
var GgufGpt2Tokenizer = class extends GgufTokenizer {
  constructor(vocab, pattern) {
    super(vocab);
    this.pattern = pattern;
    this.ranks = new Map(vocab.merges.map((merge, rank) => [merge, rank]));
    const tokenIds = /* @__PURE__ */ new Map();
    vocab.tokens.forEach((text, id) => {
      if (!tokenIds.has(text)) tokenIds.set(text, id);
    });
    this.tokenIds = tokenIds;
  }
  pattern;
  kind = "gguf-gpt2";
  ranks;
  tokenIds;
  wordCache = /* @__PURE__ */ new Map();
  bytesCache = [];
  encodeText(text) {
    const ids = [];
    for (const word of pretokenize(text, this.pattern)) {
      for (const id of this.encodeWord(word)) ids.push(id);
    }
    return ids;
  }
  encodeWord(word) {
    const cached = this.wordCache.get(word);
    if (cached) return cached;
    const symbols = [...toByteLevel(word)];
    const merged = mergePairs(symbols, (left, right) => this.ranks.get(`${left} ${right}`));
    const ids = merged.flatMap((symbol) => this.idsOfSymbol(symbol));
    if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
    this.wordCache.set(word, ids);
    return ids;
  }
  /** A merged symbol is normally a token; if not (a gap in the merges), fall back per character. */
  idsOfSymbol(symbol) {
    const id = this.tokenIds.get(symbol);
    if (id !== void 0) return [id];
    return [...symbol].map((char) => {
      const charId = this.tokenIds.get(char) ?? this.vocab.unkId;
      if (charId === void 0) {
        throw new Error(`the byte-level vocabulary has no token for ${JSON.stringify(char)} and no unknown token`);
      }
      return charId;
    });
  }
  tokenBytes(id) {
    let bytes = this.bytesCache[id];
    if (bytes) return bytes;
    const text = this.vocab.tokens[id];
    bytes = this.tokenType(id) === GgufTokenType.normal ? fromByteLevel(text) : utf8Bytes(text);
    this.bytesCache[id] = bytes;
    return bytes;
  }
  dropsLeadingSpace() {
    return false;
  }
};

// packages/model/src/tokenizer/sentencepiece-bpe.ts
function encodeScoredBpe(text, vocab, order) {
  const priorityOf = (left, right) => {
    const id = vocab.pieceIds.get(left + right);
    return id === void 0 ? void 0 : -vocab.scores[id];
  };
  const ids = [];
  const emit = (symbols) => {
    for (const symbol of mergePairs(symbols, priorityOf)) {
      const id = vocab.pieceIds.get(symbol);
      if (id !== void 0) ids.push(id);
      else pushBytes(symbol, vocab, ids);
    }
  };
  const chars = splitUtf8Chars(text);
  if (order === "after-merging") {
    emit(chars);
    return ids;
  }
  let run = [];
  for (const char of chars) {
    if (vocab.pieceIds.has(char)) {
      run.push(char);
      continue;
    }
    emit(run);
    run = [];
    pushBytes(char, vocab, ids);
  }
  emit(run);
  return ids;
}
function pushBytes(symbol, vocab, ids) {
  for (let i = 0; i < symbol.length; i++) {
    const byte = symbol.charCodeAt(i);
    const id = vocab.byteIds[byte] ?? vocab.unkId;
    if (id === void 0) {
      throw new Error(`the vocabulary has neither the byte token ${byteTokenText(byte)} nor an unknown token, so this text cannot be encoded`);
    }
    ids.push(id);
  }
}

// packages/model/src/tokenizer/gguf-llama.ts
var SENTENCEPIECE_SPACE = "\u2581";
var GgufLlamaTokenizer = class extends GgufTokenizer {
  kind = "gguf-llama";
  scored;
  byteOfId;
  bytesCache = [];
  constructor(vocab) {
    super(vocab);
    const pieceIds = /* @__PURE__ */ new Map();
    const byteIds = new Array(256).fill(void 0);
    this.byteOfId = vocab.tokens.map(
      (text, id) => vocab.tokenTypes[id] === GgufTokenType.byte ? byteOfByteToken(text) : void 0
    );
    vocab.tokens.forEach((text, id) => {
      const byte = this.byteOfId[id];
      if (byte !== void 0) byteIds[byte] ??= id;
      else if (vocab.tokenTypes[id] === GgufTokenType.normal) {
        const key = utf8ByteString(text);
        if (!pieceIds.has(key)) pieceIds.set(key, id);
      }
    });
    this.scored = { pieceIds, scores: vocab.scores, byteIds, unkId: vocab.unkId };
  }
  /** The merge score of a piece (the higher, the earlier BPE forms it). */
  score(id) {
    return this.scored.scores[id] ?? 0;
  }
  encodeText(text, afterSpecial) {
    const prefixed = this.vocab.addSpacePrefix && afterSpecial ? " " + text : text;
    const escaped = prefixed.replaceAll(" ", SENTENCEPIECE_SPACE);
    return encodeScoredBpe(utf8ByteString(escaped), this.scored, "after-merging");
  }
  tokenBytes(id) {
    let bytes = this.bytesCache[id];
    if (bytes) return bytes;
    const type = this.tokenType(id);
    const text = this.vocab.tokens[id];
    const byte = this.byteOfId[id];
    if (byte !== void 0) bytes = Uint8Array.of(byte);
    else if (type === GgufTokenType.normal) bytes = utf8Bytes(text.replaceAll(SENTENCEPIECE_SPACE, " "));
    else bytes = utf8Bytes(text);
    this.bytesCache[id] = bytes;
    return bytes;
  }
  /** Undoes the prefix encode adds after a special token (BOS included), never from a byte token. */
  dropsLeadingSpace(previousId, id) {
    return this.vocab.addSpacePrefix && previousId !== void 0 && this.isSplitToken(previousId) && this.byteOfId[id] === void 0;
  }
};

// packages/model/src/tokenizer/gguf-vocab.ts
var NO_TOKEN = 4294967295;
function tokenizerFromGgufMetadata(meta, options = {}) {
  const vocab = readGgufVocabulary(meta, options.source);
  if (vocab.model === "llama") return new GgufLlamaTokenizer(vocab);
  const pattern = pretokenizePattern(vocab.pre);
  if (!pattern) {
    throw new TokenizerFormatError(
      options.source ?? "GGUF metadata",
      "tokenizer.ggml.pre",
      void 0,
      `pre-tokenizer ${JSON.stringify(vocab.pre)} is not supported (supported: ${SUPPORTED_PRETOKENIZERS.join(", ")})`,
      "Load the model's Hugging Face tokenizer.json instead, or add its pattern to pretokenize-patterns.ts"
    );
  }
  return new GgufGpt2Tokenizer(vocab, pattern);
}
function readGgufVocabulary(meta, source = "GGUF metadata") {
  const fail = (key, problem, fix) => {
    throw new TokenizerFormatError(source, key, void 0, problem, fix);
  };
  const model = meta["tokenizer.ggml.model"];
  if (model === void 0) fail("tokenizer.ggml.model", "missing: this GGUF file embeds no tokenizer", "Pass a tokenizer separately");
  if (model !== "llama" && model !== "gpt2") {
    fail(
      "tokenizer.ggml.model",
      `${JSON.stringify(model)} is not supported (supported: "llama" = SentencePiece BPE, "gpt2" = byte-level BPE)`,
      "Load the model's Hugging Face tokenizer.json instead"
    );
  }
  const isLlama = model === "llama";
  const tokens = stringArray(meta, "tokenizer.ggml.tokens", fail);
  if (tokens === void 0 || tokens.length === 0) return fail("tokenizer.ggml.tokens", "missing or empty");
  const n = tokens.length;
  const rawScores = numberArray(meta, "tokenizer.ggml.scores", n, fail);
  const rawTypes = numberArray(meta, "tokenizer.ggml.token_type", n, fail);
  const merges = stringArray(meta, "tokenizer.ggml.merges", fail) ?? [];
  if (!isLlama && merges.length === 0) fail("tokenizer.ggml.merges", "missing or empty; a gpt2 (byte-level BPE) vocabulary needs its merges");
  const tokenId = (key, fallback) => {
    const value = meta[key];
    if (value === void 0) return fallback !== void 0 && fallback < n ? fallback : void 0;
    const id = Number(value);
    if (!Number.isInteger(id)) return fail(key, `${String(value)} is not a token id`);
    if (id === NO_TOKEN || id === -1) return void 0;
    if (id < 0 || id >= n) return fail(key, `token id ${id} is outside the vocabulary (0..${n - 1})`);
    return id;
  };
  const bosId = tokenId("tokenizer.ggml.bos_token_id", isLlama ? 1 : void 0);
  const eosId = tokenId("tokenizer.ggml.eos_token_id", isLlama ? 2 : void 0);
  const unkId = tokenId("tokenizer.ggml.unknown_token_id", isLlama ? 0 : void 0);
  const eosIds = [eosId, tokenId("tokenizer.ggml.eot_token_id"), tokenId("tokenizer.ggml.eom_token_id")].filter(
    (id, i, all) => id !== void 0 && all.indexOf(id) === i
  );
  const tokenTypes = rawTypes ? Uint8Array.from(rawTypes) : inferTokenTypes(tokens, isLlama, [bosId, eosId, ...eosIds], unkId);
  const pre = meta["tokenizer.ggml.pre"] ?? "default";
  if (typeof pre !== "string") fail("tokenizer.ggml.pre", `expected a string, got ${typeof pre}`);
  const chatTemplate = meta["tokenizer.chat_template"];
  if (chatTemplate !== void 0 && typeof chatTemplate !== "string") fail("tokenizer.chat_template", `expected a string, got ${typeof chatTemplate}`);
  return {
    model,
    pre,
    tokens,
    scores: rawScores ? Float32Array.from(rawScores) : new Float32Array(n),
    tokenTypes,
    merges,
    bosId,
    eosIds,
    unkId,
    addBos: flag(meta, "tokenizer.ggml.add_bos_token", isLlama, fail),
    addEos: flag(meta, "tokenizer.ggml.add_eos_token", false, fail),
    addSpacePrefix: flag(meta, "tokenizer.ggml.add_space_prefix", isLlama, fail),
    chatTemplate
  };
}
function stringArray(meta, key, fail) {
  const value = meta[key];
  if (value === void 0) return void 0;
  if (!Array.isArray(value)) return fail(key, `expected an array of strings, got ${typeof value}`);
  const bad = value.findIndex((item) => typeof item !== "string");
  if (bad >= 0) fail(key, `entry ${bad} is ${typeof value[bad]}, not a string`);
  return value;
}
function numberArray(meta, key, length, fail) {
  const value = meta[key];
  if (value === void 0) return void 0;
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) return fail(key, `expected an array of numbers, got ${typeof value}`);
  const numbers = Array.from(value, Number);
  if (numbers.length !== length) fail(key, `has ${numbers.length} entries but tokenizer.ggml.tokens has ${length}`);
  const bad = numbers.findIndex((x) => Number.isNaN(x));
  if (bad >= 0) fail(key, `entry ${bad} is not a number`);
  return numbers;
}
function flag(meta, key, fallback, fail) {
  const value = meta[key];
  if (value === void 0) return fallback;
  if (typeof value !== "boolean") return fail(key, `expected a boolean, got ${JSON.stringify(value)}`);
  return value;
}
function inferTokenTypes(tokens, isLlama, controlIds, unkId) {
  const types = new Uint8Array(tokens.length).fill(GgufTokenType.normal);
  if (isLlama) tokens.forEach((text, id) => byteOfByteToken(text) !== void 0 && (types[id] = GgufTokenType.byte));
  for (const id of controlIds) if (id !== void 0) types[id] = GgufTokenType.control;
  if (unkId !== void 0) types[unkId] = GgufTokenType.unknown;
  return types;
}

// packages/model/src/loaders/gguf-metadata.ts
var NO_TOKEN2 = 4294967295;
function shortestFloat32(x) {
  if (!Number.isFinite(x) || x === 0) return x;
  const f = Math.fround(x);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}
function ggufNumber(meta, key) {
  const entry = meta[key];
  if (!entry) return void 0;
  const v = entry.value;
  if (typeof v === "bigint") return Number(v);
  if (typeof v !== "number") return void 0;
  return entry.type === GGUF_VALUE.FLOAT32 ? shortestFloat32(v) : v;
}
function ggufString(meta, key) {
  const v = meta[key]?.value;
  return typeof v === "string" ? v : void 0;
}
function ggufTokenId(meta, key) {
  const id = ggufNumber(meta, key);
  return id === void 0 || id === NO_TOKEN2 ? void 0 : id;
}

// packages/model/src/loaders/gguf.ts
function ggufConfig(meta, embedRows, file) {
  const arch = ggufString(meta, "general.architecture");
  const known = arch === void 0 ? void 0 : GGUF_ARCHITECTURES[arch];
  if (!arch || !known) {
    throw new CheckpointFormatError(file, "general.architecture", void 0, `unsupported architecture ${JSON.stringify(arch)} (supported: ${Object.keys(GGUF_ARCHITECTURES).join(", ")})`);
  }
  const required = (key) => {
    const v = ggufNumber(meta, `${arch}.${key}`);
    if (v === void 0) throw new CheckpointFormatError(file, `${arch}.${key}`, void 0, "is missing from the metadata or not a number");
    return v;
  };
  const optional = (key) => ggufNumber(meta, `${arch}.${key}`);
  const dim = required("embedding_length");
  const nHeads = required("attention.head_count");
  const headDim = optional("attention.key_length") ?? Math.floor(dim / nHeads);
  const tokens = meta["tokenizer.ggml.tokens"]?.value;
  const vocabSize = Array.isArray(tokens) ? tokens.length : optional("vocab_size") ?? embedRows;
  if (vocabSize === void 0) throw new CheckpointFormatError(file, "tokenizer.ggml.tokens", void 0, "no vocabulary and no token_embd.weight: cannot tell the vocab size");
  if (embedRows !== void 0 && embedRows !== vocabSize) {
    throw new CheckpointFormatError(file, "token_embd.weight", void 0, `has ${embedRows} rows but the vocabulary has ${vocabSize} tokens`);
  }
  const scalingType = ggufString(meta, `${arch}.rope.scaling.type`);
  let scaling;
  if (scalingType === "linear") scaling = { type: "linear", factor: required("rope.scaling.factor") };
  else if (scalingType !== void 0 && scalingType !== "none") {
    throw new CheckpointFormatError(file, `${arch}.rope.scaling.type`, void 0, `unsupported RoPE scaling ${JSON.stringify(scalingType)} (supported: none, linear)`);
  }
  const bos = ggufTokenId(meta, "tokenizer.ggml.bos_token_id");
  const eosIds = ["tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"].map((k) => ggufTokenId(meta, k)).filter((id) => id !== void 0);
  return validateConfig(
    {
      architecture: known.hf,
      dim,
      hiddenDim: required("feed_forward_length"),
      nLayers: required("block_count"),
      nHeads,
      nKvHeads: optional("attention.head_count_kv") ?? nHeads,
      headDim,
      vocabSize,
      maxSeqLen: required("context_length"),
      normEps: required("attention.layer_norm_rms_epsilon"),
      rope: { theta: optional("rope.freq_base") ?? 1e4, style: known.ropeStyle, rotaryDim: optional("rope.dimension_count") ?? headDim, ...scaling ? { scaling } : {} },
      tiedEmbeddings: false,
      // the loader decides from the tensors (output.weight absent or identical)
      qkvBias: arch === "qwen2",
      // llama files may carry biases too; the loader checks
      hiddenAct: "silu",
      bosTokenId: bos,
      eosTokenIds: [...new Set(eosIds)]
    },
    file
  );
}
function generationDefaults(meta, config) {
  const g = { bosTokenId: config.bosTokenId, eosTokenIds: config.eosTokenIds };
  const set = (field, key) => {
    const v = ggufNumber(meta, key);
    if (v !== void 0) g[field] = v;
  };
  set("temperature", "general.sampling.temp");
  set("topK", "general.sampling.top_k");
  set("topP", "general.sampling.top_p");
  set("minP", "general.sampling.min_p");
  set("repetitionPenalty", "general.sampling.penalty_repeat");
  return g;
}
function planRead(info, dataOffset, fileSize, file) {
  const hfName = hfNameOfGguf(info.name);
  if (!hfName) {
    const hint = info.name === "rope_freqs.weight" ? " (per-frequency RoPE factors, as Llama 3.1 GGUFs carry, are not supported)" : "";
    throw new CheckpointFormatError(file, info.name, void 0, `unknown tensor${hint}`);
  }
  const dims = info.shape.map(Number);
  const shape = [...dims].reverse();
  const numel = dims.reduce((a2, b2) => a2 * b2, 1);
  let byteLength;
  switch (info.dtype) {
    case GGML_TYPE.F32:
      byteLength = numel * 4;
      break;
    case GGML_TYPE.F16:
    case GGML_TYPE.BF16:
      byteLength = numel * 2;
      break;
    case GGML_TYPE.Q8_0:
      if (dims[0] % Q8_0_BLOCK !== 0) throw new CheckpointFormatError(file, info.name, void 0, `Q8_0 rows of ${dims[0]} are not a multiple of ${Q8_0_BLOCK}`);
      byteLength = numel / Q8_0_BLOCK * Q8_0_BLOCK_BYTES;
      break;
    default:
      throw new CheckpointFormatError(
        file,
        info.name,
        void 0,
        `tensor type ${ggmlTypeName(info.dtype)} is not supported (supported: F32, F16, BF16, and Q8_0 which loads as f16)`,
        "Convert the model with llama.cpp's convert_hf_to_gguf.py --outtype f16 (or q8_0)"
      );
  }
  const fileOffset = dataOffset + Number(info.offset);
  if (fileOffset + byteLength > fileSize) {
    throw new CheckpointFormatError(file, info.name, fileOffset, `the tensor's ${byteLength} bytes run past the end of the ${fileSize}-byte file (truncated file?)`);
  }
  return { info, hfName, shape, numel, fileOffset, byteLength };
}
async function readQ8_0AsF16(handle, p, file) {
  const out = new Uint16Array(p.numel);
  const blocks = p.numel / Q8_0_BLOCK;
  const blocksPerChunk = 1 << 16;
  const chunk = new Uint8Array(Math.min(blocks, blocksPerChunk) * Q8_0_BLOCK_BYTES);
  const view = new DataView(chunk.buffer);
  for (let first = 0; first < blocks; first += blocksPerChunk) {
    const count = Math.min(blocksPerChunk, blocks - first);
    const bytes = chunk.subarray(0, count * Q8_0_BLOCK_BYTES);
    await readExactly(handle, bytes, p.fileOffset + first * Q8_0_BLOCK_BYTES, file, p.info.name);
    for (let b2 = 0; b2 < count; b2++) {
      const at = b2 * Q8_0_BLOCK_BYTES;
      const scale = f16BitsToF32(view.getUint16(at, true));
      const dst = (first + b2) * Q8_0_BLOCK;
      for (let i = 0; i < Q8_0_BLOCK; i++) out[dst + i] = f32ToF16Bits(scale * view.getInt8(at + 2 + i));
    }
  }
  return out;
}
async function readTensor(handle, p, file) {
  switch (p.info.dtype) {
    case GGML_TYPE.F32: {
      const data = new Float32Array(p.numel);
      await readExactly(handle, data, p.fileOffset, file, p.info.name);
      return Tensor.wrap("f32", data, p.shape);
    }
    case GGML_TYPE.F16:
    case GGML_TYPE.BF16: {
      const data = new Uint16Array(p.numel);
      await readExactly(handle, data, p.fileOffset, file, p.info.name);
      return Tensor.wrap(p.info.dtype === GGML_TYPE.F16 ? "f16" : "bf16", data, p.shape);
    }
    default:
      return Tensor.wrap("f16", await readQ8_0AsF16(handle, p, file), p.shape);
  }
}
function sameBits(a2, b2) {
  if (a2.dtype !== b2.dtype || a2.shape.join() !== b2.shape.join()) return false;
  const x = bytesOf(a2.contiguousData());
  const y = bytesOf(b2.contiguousData());
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}
async function checkPreamble(handle, file) {
  const head = new Uint8Array(8);
  const { bytesRead } = await handle.read(head, 0, 8, 0);
  const magic = Buffer.from(head.subarray(0, 4)).toString("latin1");
  if (bytesRead < 4 || magic !== "GGUF") {
    const found = [...head.subarray(0, Math.min(4, bytesRead))].map((b2) => b2.toString(16).padStart(2, "0")).join(" ");
    throw new CheckpointFormatError(file, "magic", 0, `expected "GGUF" (47 47 55 46), found ${found || "an empty file"}`, "Is this a GGUF file?");
  }
  if (bytesRead < 8) throw new CheckpointFormatError(file, "version", bytesRead, "the file ends inside the header");
  const version = new DataView(head.buffer).getUint32(4, true);
  if ((version & 65535) === 0) throw new CheckpointFormatError(file, "version", 4, "big-endian GGUF files are not supported");
  if (version < 2 || version > 3) throw new CheckpointFormatError(file, "version", 4, `GGUF version ${version} is not supported (supported: 2, 3)`);
}
async function readGgufHeader(file) {
  try {
    const parsed = await gguf(file, { allowLocalFile: true, typedMetadata: true });
    return {
      meta: parsed.typedMetadata,
      values: parsed.metadata,
      tensorInfos: parsed.tensorInfos,
      dataOffset: Number(parsed.tensorDataOffset)
    };
  } catch (error) {
    throw new CheckpointFormatError(file, "header", void 0, `the GGUF header could not be parsed: ${error.message}`);
  }
}
async function loadGguf(path, options = {}) {
  const file = resolve(path);
  const handle = await open2(file, "r");
  try {
    await checkPreamble(handle, file);
    const { size } = await handle.stat();
    const { meta, values, tensorInfos, dataOffset } = await readGgufHeader(file);
    if (dataOffset > size) {
      throw new CheckpointFormatError(file, "header", size, `the file ends inside the GGUF header, whose tensor infos run to byte ${dataOffset} (truncated file?)`);
    }
    const plans = tensorInfos.map((info) => planRead(info, dataOffset, size, file));
    const byHf = new Map(plans.map((p) => [p.hfName, p]));
    const embedRows = byHf.get(hfNames.embed)?.shape[0];
    const config = ggufConfig(meta, embedRows, file);
    const metadata = {
      "gguf.version": String(ggufNumber(meta, "version") ?? ""),
      "gguf.architecture": ggufString(meta, "general.architecture")
    };
    const name = ggufString(meta, "general.name");
    if (name !== void 0) metadata["general.name"] = name;
    if (plans.some((p) => p.info.dtype === GGML_TYPE.Q8_0)) metadata["gguf.dequantized"] = "Q8_0->f16";
    if (byHf.has(hfNames.layer(0).qBias)) config.qkvBias = true;
    config.tiedEmbeddings = !byHf.has(hfNames.lmHead);
    const expected = expectedTensors(config);
    for (const t2 of expected) {
      const p = byHf.get(t2.name);
      if (!p) {
        if (t2.optional) continue;
        throw new CheckpointFormatError(file, t2.name, void 0, "the model needs this tensor but the file has none");
      }
      if (p.shape.join() !== t2.shape.join()) {
        throw new CheckpointFormatError(file, p.info.name, void 0, `shape [${p.shape.join(", ")}] (GGUF dims [${p.info.shape.join(", ")}]) does not match the expected [${t2.shape.join(", ")}]`);
      }
    }
    const wanted = new Set(expected.map((t2) => t2.name));
    const extra = plans.find((p) => !wanted.has(p.hfName));
    if (extra) throw new CheckpointFormatError(file, extra.info.name, void 0, `unexpected tensor for a ${config.nLayers}-layer ${config.architecture} (it would be ignored)`);
    const weights = /* @__PURE__ */ new Map();
    let done = 0;
    for (const p of plans) {
      weights.set(p.hfName, await readTensor(handle, p, file));
      options.onProgress?.({ phase: "read tensors", done: ++done, total: plans.length });
    }
    const head = weights.get(hfNames.lmHead);
    if (head && sameBits(head, weights.get(hfNames.embed))) {
      weights.delete(hfNames.lmHead);
      config.tiedEmbeddings = true;
      metadata["gguf.tied_output"] = "output.weight is bit-identical to token_embd.weight: loaded as tied embeddings";
    }
    const tokenizer = ggufString(meta, "tokenizer.ggml.model") === void 0 ? void 0 : tokenizerFromGgufMetadata(values, { source: file });
    return { config, weights, tokenizer, generation: generationDefaults(meta, config), format: "gguf", source: file, metadata };
  } finally {
    await handle.close();
  }
}

// ../../tmp/shim/gguf-bench.ts
var ck = synthCheckpoint("tinyllama-1.1b", "f16", 0);
var t = performance.now();
await writeGguf("/tmp/tl.gguf", ck);
console.log(`writeGguf ${((performance.now() - t) / 1e3).toFixed(2)} s`);
t = performance.now();
var back = await loadGguf("/tmp/tl.gguf");
console.log(`loadGguf ${((performance.now() - t) / 1e3).toFixed(2)} s, ${back.weights.size} tensors, config style ${back.config.rope.style}`);
var a = ck.weights.get("model.layers.21.mlp.down_proj.weight").contiguousData();
var b = back.weights.get("model.layers.21.mlp.down_proj.weight").contiguousData();
console.log("last-layer down_proj identical:", Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)} GiB`);
