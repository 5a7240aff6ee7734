"""Reading a whole text with a chat model: the prompt and greedy answering (needles and their
haystacks come from niah)."""

from __future__ import annotations

import torch

from .cache import new_cache

SYSTEM = "You answer questions about a document using only the document's text. Be brief."


def chat_input_ids(tokenizer, document: str, question: str) -> torch.Tensor:
    """[1, S] prompt ids: the document as data, then the question, in the model's chat template."""
    user = f"<document>\n{document}\n</document>\n\nQuestion about the document above: {question}"
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=False)
    return ids if isinstance(ids, torch.Tensor) else torch.tensor([ids])


@torch.no_grad()
def answer(model, tokenizer, document: str, question: str, max_new_tokens: int = 32, streamer=None) -> str:
    ids = chat_input_ids(tokenizer, document, question).to(model.device)
    out = model.generate(
        ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=max_new_tokens,
        do_sample=False,
        past_key_values=new_cache(model),
        pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
        streamer=streamer,
    )
    return tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True).strip()
