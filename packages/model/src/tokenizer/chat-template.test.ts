import { describe, expect, it } from "vitest";
import { ChatTemplate, encodeChat, hasChatTemplate } from "./chat-template.js";
import { tokenizerFromGgufMetadata } from "./gguf-vocab.js";
import { gpt2FixtureMetadata } from "./gpt2-fixture.js";
import { Llama2cTokenizer } from "./llama2c.js";

const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Llama 2's template, shortened: BOS per turn, and an error when roles do not alternate. */
const LLAMA2 =
  "{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
  "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}" +
  "{% else %}{{ ' ' + message['content'] + ' ' + eos_token }}{% endif %}{% endfor %}";

describe("ChatTemplate", () => {
  const messages = [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello!" },
    { role: "user", content: "Tell me a story." },
  ];

  it("renders ChatML with and without the generation prompt", () => {
    const chatml = new ChatTemplate(CHATML);
    const turns = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nTell me a story.<|im_end|>\n";
    expect(chatml.render(messages)).toBe(turns);
    expect(chatml.render(messages, { addGenerationPrompt: true })).toBe(`${turns}<|im_start|>assistant\n`);
  });

  it("passes bos_token and eos_token, and reports raise_exception's message", () => {
    const llama2 = new ChatTemplate(LLAMA2, { bosToken: "<s>", eosToken: "</s>" });
    expect(llama2.render(messages)).toBe("<s>[INST] Hi [/INST] Hello! </s><s>[INST] Tell me a story. [/INST]");
    expect(() => llama2.render([{ role: "assistant", content: "x" }])).toThrow(/failed to render: Conversation roles must alternate/);
  });

  it("passes extra variables through", () => {
    const template = new ChatTemplate("{{ greeting }}, {{ messages[0].content }}");
    expect(template.render([{ role: "user", content: "world" }], { variables: { greeting: "Hello" } })).toBe("Hello, world");
  });

  it("reports a template it cannot parse when it is used", () => {
    const broken = new ChatTemplate("{% for message in messages %}");
    expect(() => broken.render(messages)).toThrow(/chat template could not be parsed/);
  });
});

describe("hasChatTemplate and encodeChat", () => {
  it("tell tokenizers with a template from those without", () => {
    const withTemplate = tokenizerFromGgufMetadata({ ...gpt2FixtureMetadata("gpt2"), "tokenizer.chat_template": CHATML });
    const withoutTemplate = tokenizerFromGgufMetadata(gpt2FixtureMetadata("gpt2"));
    expect(hasChatTemplate(withTemplate)).toBe(true);
    expect(hasChatTemplate(withoutTemplate)).toBe(false);
    expect(() => withoutTemplate.applyChatTemplate([])).toThrow(/no tokenizer\.chat_template/);
    expect(() => encodeChat(withoutTemplate, [])).toThrow(/has no chat template/);
  });

  it("does not add a second BOS when the template prints one", () => {
    const meta = {
      ...gpt2FixtureMetadata("gpt2"),
      "tokenizer.ggml.add_bos_token": true,
      "tokenizer.chat_template": "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}",
    };
    const tokenizer = tokenizerFromGgufMetadata(meta);
    const ids = encodeChat(tokenizer, [{ role: "user", content: "a" }]);
    expect(ids).toEqual([tokenizer.bosId, tokenizer.encode("a", { addBos: false })[0]]);
  });

  it("is false for llama2.c tokenizers, which have no template", () => {
    const bytes = new Uint8Array([1, 0, 0, 0, ...[0, 1, 2].flatMap(() => [0, 0, 0, 0, 1, 0, 0, 0, 0x41])]);
    expect(hasChatTemplate(Llama2cTokenizer.fromBuffer(bytes))).toBe(false);
  });
});
