export { keepRows, keepColumns, keepEntries, highestIndices, expandRanges } from "./shrink.js";
export { mlpChannelScores, selectMlpChannels, shrinkMlp } from "./mlp-channels.js";
export type { MlpWeights } from "./mlp-channels.js";
export { attentionHeadScores, selectHeads, shrinkAttention } from "./attention-heads.js";
export type { AttentionWeights, HeadLayout, HeadPruningUnit, KeptHeads } from "./attention-heads.js";
export { blockInfluence, blocksToRemove } from "./blocks.js";
