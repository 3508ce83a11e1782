import type { Command } from "commander";

/** --model, --tokenizer and --json, which every model command takes. */
export function withModelOptions(command: Command): Command {
  return command
    .requiredOption("-m, --model <spec>", "model: a HF directory, a .gguf or llama2.c .bin file, hf:org/name, or synth:PRESET[:dtype]")
    .option("--tokenizer <file>", "tokenizer file (llama2.c .bin or tokenizer.json) for checkpoints without one")
    .option("--recipe <file>", "activation-sparsity recipe (TEAL/CATS/DejaVu JSON) applied after loading")
    .option("--json", "print exactly one JSON object on stdout");
}
