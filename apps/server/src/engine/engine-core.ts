/**
 * The engine's step loop, synchronous and single-threaded: the same code runs inside the worker
 * (EngineClient) and on the caller's thread (LocalEngine).
 *
 * One step: schedule -> copy-on-write block copies -> one ragged ForwardBatch for every scheduled
 * sequence (prefill chunks and decode tokens) -> model.forward -> sample each sequence whose
 * logits were computed -> events -> report to the scheduler, which frees finished sequences.
 */
import type { PagedKvCache } from "@sieve/core";
import type { Tokenizer } from "@sieve/model";
import { Scheduler, StreamingWindowPolicy, type FinishedSequence, type SequenceFinishReason } from "@sieve/scheduler";
import { buildForwardBatch } from "./batch-builder.js";
import type { EngineModel } from "./engine-model.js";
import { copyKvBlocks } from "./kv-block-copy.js";
import { chooseKvBlocks } from "./kv-sizing.js";
import { NoTokenizer } from "./no-tokenizer.js";
import { failureEvent, InvalidRequestError, rejectionEvent } from "./request-errors.js";
import { RequestState } from "./request-state.js";
import type { EngineEvent, EngineInfo, EngineOptions, EngineRequest, EngineStats } from "./types.js";

export class EngineCore {
  readonly scheduler: Scheduler;
  readonly kv: PagedKvCache;
  readonly info: EngineInfo;
  private readonly tokenizer: Tokenizer;
  private readonly requests = new Map<string, RequestState>();
  private readonly now: () => number;
  private forwardSteps = 0;
  private computedTokens = 0;
  private sampledTokens = 0;

  constructor(
    readonly loaded: EngineModel,
    options: EngineOptions = {},
    /** Clock for request timeouts, in milliseconds. */
    now: () => number = Date.now,
  ) {
    const { model } = loaded;
    const config = model.config;
    this.now = now;
    this.tokenizer = loaded.tokenizer ?? new NoTokenizer(config);
    const blockSize = options.blockSize ?? 16;
    const maxSeqs = options.maxSeqs ?? 64;
    const numBlocks = chooseKvBlocks({
      kvBlocks: options.kvBlocks,
      kvMemoryBytes: options.kvMemoryBytes,
      blockSize,
      bytesPerToken: model.kvBytesPerToken,
      maxSeqs,
      maxModelLen: config.maxSeqLen,
    });
    this.kv = model.createKvCache(numBlocks, blockSize);
    this.scheduler = new Scheduler({
      numBlocks,
      blockSize,
      maxSeqs,
      maxBatchedTokens: options.maxBatchedTokens,
      maxPrefillChunk: options.maxPrefillChunk,
      chunkedPrefill: options.chunkedPrefill,
      enablePrefixCaching: options.enablePrefixCaching,
      admissionWatermarkBlocks: options.admissionWatermarkBlocks,
      releasePolicy: options.kvWindow ? new StreamingWindowPolicy(options.kvWindow) : undefined,
      maxModelLen: config.maxSeqLen,
      now,
    });
    this.info = {
      source: loaded.source,
      format: loaded.format,
      backend: model.backend.describe().name,
      vocabSize: config.vocabSize,
      maxSeqLen: config.maxSeqLen,
      hasTokenizer: loaded.tokenizer !== undefined,
      kvBlocks: numBlocks,
      kvBlockSize: blockSize,
      kvBytes: this.kv.totalBytes,
    };
  }

  /** Whether any request waits or runs. */
  get hasWork(): boolean {
    return this.scheduler.hasUnfinished;
  }

  /** Ids of the requests in flight. */
  get requestIds(): string[] {
    return [...this.requests.keys()];
  }

  /**
   * Validates and queues a request. A bad request yields its error event (and nothing is
   * queued); a good one yields nothing until it runs.
   */
  add(id: string, request: EngineRequest): EngineEvent[] {
    if (this.requests.has(id)) return [rejectionEvent(id, new InvalidRequestError(`a request with id ${JSON.stringify(id)} is already in flight`, "id"))];
    try {
      const state = new RequestState(id, request, this.loaded.model, this.tokenizer, this.loaded.generation);
      const { priority, timeoutMs } = request;
      if (priority !== undefined && (typeof priority !== "number" || !Number.isFinite(priority))) {
        throw new InvalidRequestError(`priority must be a finite number, got ${String(priority)}`, "priority");
      }
      if (timeoutMs !== undefined && (typeof timeoutMs !== "number" || !(timeoutMs > 0))) {
        throw new InvalidRequestError(`timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`, "timeout");
      }
      this.scheduler.addRequest({
        id,
        promptTokenIds: state.promptIds,
        maxNewTokens: state.maxNewTokens,
        priority,
        deadline: timeoutMs === undefined ? undefined : this.now() + timeoutMs,
      });
      this.requests.set(id, state);
      return [];
    } catch (e) {
      return [rejectionEvent(id, e)];
    }
  }

  /** Cancels a request; its blocks are freed now. Yields its finish event ("abort"), or nothing for an unknown id. */
  abort(id: string): EngineEvent[] {
    const state = this.requests.get(id);
    if (!state) return [];
    const record = this.scheduler.abort(id);
    this.requests.delete(id);
    return [state.finishEvent("abort", record)];
  }

  /** Runs one step (if anything waits or runs) and returns the events it produced. */
  step(): EngineEvent[] {
    const events: EngineEvent[] = [];
    const plan = this.scheduler.schedule();
    for (const record of plan.finished) this.finished(record, events);
    if (plan.sequences.length === 0) return events;

    copyKvBlocks(this.kv, plan.copies);
    const { batch, logitSeqIds } = buildForwardBatch(plan);
    let logits: Float32Array;
    try {
      logits = this.loaded.model.forward(batch, this.kv);
    } catch (e) {
      // The batch is lost: fail its requests, keep serving the others.
      const failed = plan.sequences.map((s) => ({ seqId: s.seqId, reason: "error" as const }));
      for (const s of plan.sequences) events.push(failureEvent(s.seqId, e, "model step failed"));
      for (const record of this.scheduler.update(plan, { finished: failed })) this.finished(record, events);
      return events;
    }
    this.forwardSteps++;
    this.computedTokens += plan.numBatchedTokens;

    const vocab = this.loaded.model.config.vocabSize;
    const appended: Array<{ seqId: string; tokenIds: number[] }> = [];
    const finished: Array<{ seqId: string; reason: SequenceFinishReason }> = [];
    logitSeqIds.forEach((seqId, row) => {
      const state = this.requests.get(seqId)!;
      try {
        const outcome = state.sample(logits.subarray(row * vocab, (row + 1) * vocab));
        this.sampledTokens++;
        appended.push({ seqId, tokenIds: [outcome.tokenId] });
        if (outcome.event) events.push(outcome.event);
        if (outcome.stop !== undefined) finished.push({ seqId, reason: "stop" });
      } catch (e) {
        events.push(failureEvent(seqId, e, "sampling failed"));
        finished.push({ seqId, reason: "error" });
      }
    });
    for (const record of this.scheduler.update(plan, { appended, finished })) this.finished(record, events);
    return events;
  }

  stats(): EngineStats {
    return {
      ...this.scheduler.stats(),
      inFlight: this.requests.size,
      forwardSteps: this.forwardSteps,
      computedTokens: this.computedTokens,
      sampledTokens: this.sampledTokens,
      kvBlockSize: this.info.kvBlockSize,
      kvBytes: this.info.kvBytes,
    };
  }

  /** Emits the finish event of a sequence the scheduler ended (an "error" one already had its error event). */
  private finished(record: FinishedSequence, events: EngineEvent[]): void {
    const state = this.requests.get(record.seqId);
    if (!state) return;
    this.requests.delete(record.seqId);
    if (record.reason !== "error") events.push(state.finishEvent(record.reason, record));
  }
}
