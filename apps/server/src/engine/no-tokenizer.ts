/**
 * Stands in for the tokenizer of a checkpoint that has none (synthetic models): requests must
 * give promptIds, and generated tokens carry no text.
 */
import type { ModelConfig, StreamDecoder, Tokenizer } from "@sieve/model";

export class NoTokenizer implements Tokenizer {
  readonly kind = "none";
  readonly hasChatTemplate = false;
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosIds: readonly number[];

  constructor(config: ModelConfig) {
    this.vocabSize = config.vocabSize;
    this.bosId = config.bosTokenId;
    this.eosIds = config.eosTokenIds;
  }

  encode(): number[] {
    throw new TypeError("the model has no tokenizer: give promptIds instead of prompt text");
  }

  decode(): string {
    return "";
  }

  idToToken(id: number): string {
    return `<${id}>`;
  }

  createStreamDecoder(): StreamDecoder {
    return { push: () => "", flush: () => "" };
  }
}
