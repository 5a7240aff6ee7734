"""Tiny random decoders (GQA, non-zero biases) for numerics tests; seconds on a CPU."""

import torch
from transformers import (
    LlamaConfig,
    LlamaForCausalLM,
    Qwen2Config,
    Qwen2ForCausalLM,
    Qwen2MoeConfig,
    Qwen2MoeForCausalLM,
)

COMMON = dict(
    vocab_size=128,
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=64,
    pad_token_id=0,
    eos_token_id=None,
    bos_token_id=None,
    attn_implementation="sdpa",
)


def tiny_model(kind: str, seed: int = 0, **config):
    torch.manual_seed(seed)
    if kind == "qwen2":
        model = Qwen2ForCausalLM(Qwen2Config(**COMMON, **config))
    elif kind == "qwen2_moe":
        model = Qwen2MoeForCausalLM(
            Qwen2MoeConfig(
                **COMMON,
                num_experts=4,
                num_experts_per_tok=2,
                moe_intermediate_size=32,
                shared_expert_intermediate_size=32,
            )
        )
    elif kind == "llama":
        model = LlamaForCausalLM(LlamaConfig(**COMMON, attention_bias=True))
    else:
        raise ValueError(kind)
    with torch.no_grad():  # random init leaves biases at zero; DCA must handle real ones
        for name, param in model.named_parameters():
            if name.endswith(("q_proj.bias", "k_proj.bias", "v_proj.bias")):
                param.normal_(0.0, 0.5)
    return model.eval()
