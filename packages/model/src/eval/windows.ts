/**
 * The sliding-window scheme for evaluating a sequence longer than the context. Windows of at
 * most `ctx` tokens start every `stride` tokens; each row of a window predicts the token after
 * it, and a window scores only the targets no earlier window scored. So every token but the first
 * (which nothing predicts) is scored exactly once, with at least ctx - stride tokens of context
 * (all of them in the first window).
 *
 * With stride = ctx this is llama2.c's validation loss (disjoint windows of ctx inputs, each
 * predicting its ctx next tokens, the last one being the first token of the next window); unlike
 * the Hugging Face perplexity recipe, the token at a window boundary is not dropped.
 */
export interface ScoringWindow {
  /** Tokens [begin, end) of the sequence are run through the model, at positions 0..end-begin-1. */
  begin: number;
  end: number;
  /** Targets [scoreFrom, scoreEnd) are scored; target j is predicted by the window's row j - 1 - begin. */
  scoreFrom: number;
  scoreEnd: number;
}

export function checkWindowSizes(ctx: number, stride: number): void {
  if (!Number.isInteger(ctx) || ctx < 1) throw new RangeError(`evaluation: ctx must be a positive integer, got ${ctx}`);
  if (!Number.isInteger(stride) || stride < 1 || stride > ctx) {
    throw new RangeError(`evaluation: stride must be an integer in [1, ctx = ${ctx}] (a larger stride would skip tokens), got ${stride}`);
  }
}

/** The windows over a sequence of `length` tokens. */
export function planWindows(length: number, ctx: number, stride: number): ScoringWindow[] {
  checkWindowSizes(ctx, stride);
  const windows: ScoringWindow[] = [];
  let scoredUpTo = 1;
  for (let begin = 0; scoredUpTo < length; begin += stride) {
    const end = Math.min(begin + ctx, length);
    const scoreEnd = Math.min(end + 1, length);
    if (scoreEnd > scoredUpTo) windows.push({ begin, end, scoreFrom: Math.max(scoredUpTo, begin + 1), scoreEnd });
    scoredUpTo = scoreEnd;
  }
  return windows;
}
