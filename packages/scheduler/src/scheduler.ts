/**
 * Iteration-level scheduling (continuous batching), after vLLM's design: every step the
 * scheduler decides, from scratch, which sequences compute how many tokens.
 *
 *   1. Requests past their deadline finish with "timeout".
 *   2. Running sequences get their tokens, decodes first (one token each), then prefills in
 *      progress (a chunk each), in serve order (priority, then arrival). A sequence that needs a
 *      block when none is left preempts the running sequence served last (lowest priority,
 *      youngest): its blocks are freed and it waits to recompute its prompt + output later.
 *   3. If nobody was preempted, waiting requests are admitted in serve order while the token
 *      budget, the sequence cap and the blocks allow, each starting after its longest cached
 *      prefix. The head of the queue blocks the rest (strict FCFS within a priority).
 *
 * The runtime then runs the step (block copies first, then one forward over every scheduled
 * token) and reports the sampled tokens and finished sequences with update().
 */
import { resolveSchedulerConfig, type ResolvedSchedulerConfig, type SchedulerConfig } from "./config.js";
import { KvBlockManager } from "./kv-block-manager.js";
import { SequenceState, serveOrder, type SchedulerRequest, type SequenceStatus } from "./sequence.js";
import type { SchedulerStats } from "./stats.js";
import type { BlockCopy, FinishedSequence, ScheduledSequence, SchedulerStep, SequenceFinishReason, StepResults } from "./step.js";
import { WaitQueue } from "./wait-queue.js";

/** A read-only snapshot of one sequence. */
export interface SequenceView {
  id: string;
  status: SequenceStatus;
  preempted: boolean;
  priority: number;
  promptLength: number;
  numComputed: number;
  tokenIds: number[];
  outputTokenIds: number[];
  preemptions: number;
}

/** One sequence's planned work while a step is being built. */
interface Planned {
  seq: SequenceState;
  numTokens: number;
  copies: BlockCopy[];
}

const FINISH_REASONS: readonly SequenceFinishReason[] = ["stop", "length", "abort", "timeout", "error"];

export class Scheduler {
  readonly config: ResolvedSchedulerConfig;
  readonly blocks: KvBlockManager;
  private readonly seqs = new Map<string, SequenceState>();
  private readonly waiting = new WaitQueue();
  private running: SequenceState[] = [];
  private arrivals = 0;
  private stepCount = 0;
  /** The step handed out and not yet reported back. */
  private inFlight: SchedulerStep | undefined;
  private preemptionCount = 0;
  private queueTimeTotal = 0;
  private queriedTokens = 0;
  private hitTokens = 0;
  private readonly finishedCounts = Object.fromEntries(FINISH_REASONS.map((r) => [r, 0])) as Record<SequenceFinishReason, number>;

  constructor(config: SchedulerConfig) {
    this.config = resolveSchedulerConfig(config);
    this.blocks = new KvBlockManager(this.config.numBlocks, this.config.blockSize, this.config.enablePrefixCaching);
  }

  /** Blocks in the widest possible block-table row (a sequence of maxModelLen tokens). */
  get maxBlocksPerSeq(): number {
    return this.blocks.blocksFor(this.config.maxModelLen);
  }

  /** Whether anything waits or runs. */
  get hasUnfinished(): boolean {
    return this.running.length > 0 || this.waiting.length > 0;
  }

  /**
   * Queues a request. Throws (queueing nothing) when the id is taken, the prompt is empty or
   * too long, or the request could never fit in the KV pool even alone.
   */
  addRequest(request: SchedulerRequest): void {
    const c = this.config;
    const { id, promptTokenIds, maxNewTokens } = request;
    if (typeof id !== "string" || id.length === 0) throw new TypeError("Scheduler.addRequest: id must be a non-empty string");
    if (this.seqs.has(id)) throw new Error(`Scheduler.addRequest: a request with id ${JSON.stringify(id)} is already queued or running`);
    if (promptTokenIds.length === 0) throw new RangeError(`Scheduler.addRequest(${id}): the prompt is empty`);
    if (!Number.isSafeInteger(maxNewTokens) || maxNewTokens < 1) throw new RangeError(`Scheduler.addRequest(${id}): maxNewTokens must be a positive integer, got ${maxNewTokens}`);
    const priority = request.priority ?? 0;
    if (!Number.isFinite(priority)) throw new RangeError(`Scheduler.addRequest(${id}): priority must be a finite number, got ${priority}`);
    if (promptTokenIds.length >= c.maxModelLen) {
      throw new RangeError(`Scheduler.addRequest(${id}): the prompt has ${promptTokenIds.length} tokens, but sequences may hold at most ${c.maxModelLen} (prompt + output)`);
    }
    // The last sampled token is never computed, so a sequence holds KV for at most total - 1 tokens.
    const mostKvTokens = Math.min(promptTokenIds.length + maxNewTokens, c.maxModelLen) - 1;
    if (this.blocks.blocksFor(mostKvTokens) > c.numBlocks) {
      throw new RangeError(
        `Scheduler.addRequest(${id}): ${promptTokenIds.length} prompt + ${maxNewTokens} new tokens need ${this.blocks.blocksFor(mostKvTokens)} KV blocks, ` +
          `but the pool has ${c.numBlocks}; lower max tokens or give the KV cache more blocks`,
      );
    }
    if (!c.chunkedPrefill && promptTokenIds.length > c.maxBatchedTokens) {
      throw new RangeError(`Scheduler.addRequest(${id}): the prompt (${promptTokenIds.length} tokens) exceeds maxBatchedTokens ${c.maxBatchedTokens} and chunked prefill is off`);
    }
    const seq = new SequenceState(request, this.arrivals++, c.now());
    this.seqs.set(id, seq);
    this.waiting.push(seq);
  }

  /**
   * Cancels a request wherever it is; its blocks are freed at once. Returns its final record,
   * or undefined when the id is unknown (never added, or already finished).
   */
  abort(seqId: string): FinishedSequence | undefined {
    const seq = this.seqs.get(seqId);
    if (!seq) return undefined;
    return this.finish(seq, "abort");
  }

  /** A snapshot of a waiting or running sequence. */
  sequence(seqId: string): SequenceView | undefined {
    const s = this.seqs.get(seqId);
    if (!s) return undefined;
    return {
      id: s.id,
      status: s.status,
      preempted: s.preempted,
      priority: s.priority,
      promptLength: s.promptLength,
      numComputed: s.numComputed,
      tokenIds: [...s.tokens],
      outputTokenIds: s.outputTokenIds(),
      preemptions: s.preemptions,
    };
  }

  /** Plans the next step. update() must report it before the next schedule(). */
  schedule(): SchedulerStep {
    if (this.inFlight) throw new Error(`Scheduler.schedule: step ${this.inFlight.id} has not been reported with update() yet`);
    const c = this.config;
    const now = c.now();
    const finished = this.expireDeadlines(now);
    const planned = new Map<SequenceState, Planned>();
    const preempted: string[] = [];
    let budget = c.maxBatchedTokens;

    const order = [...this.running].sort(serveOrder);
    const decodesFirst = [...order.filter((s) => s.isDecode), ...order.filter((s) => !s.isDecode)];
    for (const seq of decodesFirst) {
      if (budget === 0) break;
      if (seq.status !== "running") continue; // preempted as a victim earlier in this loop
      const numTokens = seq.isDecode ? 1 : Math.min(seq.uncomputed, budget, c.maxPrefillChunk);
      for (;;) {
        const copies = this.blocks.grow(seq.id, seq.numComputed, seq.numComputed + numTokens);
        if (copies) {
          planned.set(seq, { seq, numTokens, copies });
          budget -= numTokens;
          break;
        }
        const victim = this.running.reduce((worst, s) => (serveOrder(s, worst) > 0 ? s : worst));
        const refund = planned.get(victim);
        if (refund) {
          budget += refund.numTokens;
          planned.delete(victim);
        }
        this.preempt(victim, now);
        preempted.push(victim.id);
        if (victim === seq) break;
      }
    }

    // Admitting while running sequences are being preempted would only thrash.
    if (preempted.length === 0) budget = this.admitWaiting(planned, budget, now);

    const sequences: ScheduledSequence[] = [];
    const copies: BlockCopy[] = [];
    let numBatchedTokens = 0;
    for (const p of planned.values()) {
      const s = p.seq;
      sequences.push({
        seqId: s.id,
        tokenIds: s.tokens.slice(s.numComputed, s.numComputed + p.numTokens),
        startPosition: s.numComputed,
        numTokens: p.numTokens,
        blockTable: [...this.blocks.table(s.id)],
        needsLogits: s.numComputed + p.numTokens === s.tokens.length,
        phase: s.isDecode ? "decode" : "prefill",
      });
      copies.push(...p.copies);
      numBatchedTokens += p.numTokens;
    }
    const step: SchedulerStep = { id: ++this.stepCount, sequences, copies, preempted, finished, numBatchedTokens };
    if (sequences.length > 0) this.inFlight = step;
    return step;
  }

  /**
   * Takes the results of a step: every scheduled sequence's tokens are now computed (and their
   * full blocks enter the prefix cache), sampled tokens are appended, and sequences end — those
   * the runtime finished, and those that reached maxNewTokens or maxModelLen ("length").
   * Returns every sequence that ended. Sequences aborted since schedule() are skipped.
   */
  update(step: SchedulerStep, results: StepResults = {}): FinishedSequence[] {
    if (step.sequences.length === 0) return [];
    if (this.inFlight !== step) throw new Error(`Scheduler.update: step ${step.id} is not the step in flight (${this.inFlight?.id ?? "none"})`);
    this.inFlight = undefined;
    const live = (id: string): SequenceState | undefined => {
      const s = this.seqs.get(id);
      return s && s.status === "running" ? s : undefined;
    };
    const wantedToken = new Set<SequenceState>();
    for (const entry of step.sequences) {
      const seq = live(entry.seqId);
      if (!seq) continue;
      seq.numComputed = entry.startPosition + entry.numTokens;
      this.blocks.commit(seq.id, seq.tokens, seq.numComputed);
      if (entry.needsLogits) wantedToken.add(seq);
    }
    for (const { seqId, tokenIds } of results.appended ?? []) {
      const seq = live(seqId);
      if (!seq || tokenIds.length === 0) continue;
      if (!wantedToken.has(seq)) throw new Error(`Scheduler.update: tokens were appended to ${seqId}, whose logits step ${step.id} did not compute`);
      seq.tokens.push(...tokenIds);
    }
    const ended: FinishedSequence[] = [];
    for (const { seqId, reason } of results.finished ?? []) {
      const seq = live(seqId);
      if (seq) ended.push(this.finish(seq, reason));
    }
    for (const seq of wantedToken) {
      if (seq.status !== "running") continue;
      if (seq.uncomputed === 0) throw new Error(`Scheduler.update: sequence ${seq.id} needed a sampled token (or a finish) from step ${step.id} and got neither`);
      if (seq.outputLength >= seq.maxNewTokens || seq.tokens.length >= this.config.maxModelLen) ended.push(this.finish(seq, "length"));
    }
    this.applyReleasePolicy(step);
    return ended;
  }

  /**
   * Releases logical blocks of a running sequence (complete blocks only); they become holes (-1)
   * in its block table. Returns how many blocks were freed. See policies/release-policy.ts.
   */
  releaseBlocks(seqId: string, logicalIndices: Iterable<number>): number {
    const seq = this.seqs.get(seqId);
    if (!seq || seq.status !== "running") throw new Error(`Scheduler.releaseBlocks: sequence ${seqId} is not running`);
    return this.blocks.release(seqId, logicalIndices, seq.numComputed);
  }

  /**
   * Starts `childId` as a copy of a running sequence that shares all its blocks (parallel
   * sampling): the child has the parent's computed tokens followed by its own `nextTokenId`
   * instead of the parent's last sampled token. Blocks are copied on write when either one
   * writes into a shared block. Call between steps, after the parent's logits were sampled.
   */
  fork(parentId: string, childId: string, nextTokenId: number): void {
    const parent = this.seqs.get(parentId);
    if (!parent || parent.status !== "running") throw new Error(`Scheduler.fork: sequence ${parentId} is not running`);
    if (this.inFlight) throw new Error("Scheduler.fork: call between steps (after update)");
    if (this.seqs.has(childId)) throw new Error(`Scheduler.fork: id ${JSON.stringify(childId)} is taken`);
    if (parent.numComputed < parent.promptLength || parent.uncomputed !== 1) {
      throw new Error(`Scheduler.fork: ${parentId} must have finished its prefill and just sampled a token`);
    }
    if (this.running.length >= this.config.maxSeqs) throw new RangeError(`Scheduler.fork: ${this.config.maxSeqs} sequences already run (maxSeqs)`);
    const child = new SequenceState(
      { id: childId, promptTokenIds: parent.tokens.slice(0, parent.promptLength), maxNewTokens: parent.maxNewTokens, priority: parent.priority, deadline: parent.deadline },
      this.arrivals++,
      this.config.now(),
    );
    child.tokens.push(...parent.tokens.slice(parent.promptLength, parent.numComputed), nextTokenId);
    child.numComputed = parent.numComputed;
    child.status = "running";
    child.started = true;
    this.blocks.fork(parentId, childId);
    this.seqs.set(childId, child);
    this.running.push(child);
  }

  stats(): SchedulerStats {
    const kv = this.blocks.counts();
    let preempted = 0;
    for (const s of this.waiting) if (s.preempted) preempted++;
    return {
      running: this.running.length,
      waiting: this.waiting.length,
      preempted,
      kv: { totalBlocks: kv.total, usedBlocks: kv.used, cachedBlocks: kv.cached, freeBlocks: kv.free, usage: kv.used / kv.total },
      prefixCache: {
        queriedTokens: this.queriedTokens,
        hitTokens: this.hitTokens,
        hitRate: this.queriedTokens === 0 ? 0 : this.hitTokens / this.queriedTokens,
        evictedBlocks: this.blocks.pool.evictions,
      },
      totalPreemptions: this.preemptionCount,
      totalQueueTimeMs: this.queueTimeTotal,
      steps: this.stepCount,
      finished: { ...this.finishedCounts },
    };
  }

  /** Admits waiting sequences in serve order; returns the budget left. */
  private admitWaiting(planned: Map<SequenceState, Planned>, budget: number, now: number): number {
    const c = this.config;
    while (budget > 0 && this.running.length < c.maxSeqs) {
      const seq = this.waiting.peek();
      if (!seq) break;
      // At least the last token is computed, so that its logits exist to sample from.
      const prefix = this.blocks.findCachedPrefix(seq.tokens, seq.tokens.length - 1);
      const remaining = seq.tokens.length - prefix.numTokens;
      // Without chunked prefill a prompt runs whole; recomputes after preemption may still be chunked.
      const whole = !c.chunkedPrefill && !seq.preempted;
      const numTokens = whole ? remaining : Math.min(remaining, budget, c.maxPrefillChunk);
      if (numTokens > budget) break;
      // The watermark protects running sequences' growth; with none running it would only block the queue.
      const reserve = this.running.length > 0 ? c.admissionWatermarkBlocks : 0;
      if (!this.blocks.admit(seq.id, prefix, prefix.numTokens + numTokens, reserve)) break;
      this.waiting.shift();
      this.queriedTokens += seq.tokens.length;
      this.hitTokens += prefix.numTokens;
      if (!seq.started) {
        seq.started = true;
        seq.cachedPromptTokens = prefix.numTokens;
      }
      const waited = Math.max(0, now - seq.queuedSince);
      seq.queueTimeMs += waited;
      this.queueTimeTotal += waited;
      seq.numComputed = prefix.numTokens;
      seq.status = "running";
      seq.preempted = false;
      this.running.push(seq);
      planned.set(seq, { seq, numTokens, copies: [] });
      budget -= numTokens;
    }
    return budget;
  }

  /** Frees a running sequence's blocks and sends it back to wait (it will recompute). */
  private preempt(seq: SequenceState, now: number): void {
    this.blocks.free(seq.id);
    this.running = this.running.filter((s) => s !== seq);
    seq.numComputed = 0;
    seq.status = "waiting";
    seq.preempted = true;
    seq.preemptions++;
    seq.queuedSince = now;
    this.preemptionCount++;
    this.waiting.push(seq);
  }

  private expireDeadlines(now: number): FinishedSequence[] {
    const expired: FinishedSequence[] = [];
    for (const seq of [...this.running, ...this.waiting]) {
      if (seq.deadline !== undefined && now >= seq.deadline) expired.push(this.finish(seq, "timeout"));
    }
    return expired;
  }

  private applyReleasePolicy(step: SchedulerStep): void {
    const policy = this.config.releasePolicy;
    if (!policy) return;
    for (const entry of step.sequences) {
      const seq = this.seqs.get(entry.seqId);
      if (!seq || seq.status !== "running") continue;
      const view = { seqId: seq.id, promptLength: seq.promptLength, numComputed: seq.numComputed, blockSize: this.config.blockSize, blockTable: this.blocks.table(seq.id) };
      const indices = policy.blocksToRelease(view);
      if (indices.length > 0) this.blocks.release(seq.id, indices, seq.numComputed);
    }
  }

  private finish(seq: SequenceState, reason: SequenceFinishReason): FinishedSequence {
    if (seq.status === "running") this.running = this.running.filter((s) => s !== seq);
    else if (seq.status === "waiting") this.waiting.remove(seq);
    this.blocks.free(seq.id);
    seq.status = "finished";
    seq.finishReason = reason;
    this.seqs.delete(seq.id);
    this.finishedCounts[reason]++;
    return {
      seqId: seq.id,
      reason,
      outputTokenIds: seq.outputTokenIds(),
      cachedPromptTokens: seq.cachedPromptTokens,
      queueTimeMs: seq.queueTimeMs,
      preemptions: seq.preemptions,
    };
  }
}
