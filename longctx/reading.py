"""Reading a whole text with a chat model: the prompt, greedy answering, and needle haystacks.

The haystack text is the Python Language Reference shipped with every CPython (`pydoc_data`):
real English prose and code, present offline, never downloaded.
"""

from __future__ import annotations

import random

import torch

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
    out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens, do_sample=False,
                         pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id, streamer=streamer)
    return tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()


def reference_text() -> str:
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key].strip() for key in sorted(topics))


def haystack(tokenizer, n_tokens: int, depth: float, needle: str, text: str | None = None) -> str:
    """About n_tokens of text with `needle` inserted at a paragraph boundary near `depth` (0..1)."""
    text = text or reference_text()
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) < n_tokens:
        raise ValueError(f"haystack text has {len(ids)} tokens, fewer than the {n_tokens} asked")
    body = tokenizer.decode(ids[:n_tokens])
    cut = int(len(body) * depth)
    boundary = body.rfind("\n\n", 0, cut)
    cut = boundary + 2 if boundary > 0 and cut - boundary < 2000 else cut
    return f"{body[:cut]}{needle}\n\n{body[cut:]}"


def random_needle(rng: random.Random) -> tuple[str, str, str]:
    """(needle sentence, question, expected value) with a fresh random number and key."""
    city = rng.choice(["Lisbon", "Oslo", "Nairobi", "Lima", "Hanoi", "Quito", "Tunis", "Perth", "Kyoto", "Riga"])
    value = str(rng.randint(10000, 99999))
    needle = f"The secret access code for the {city} office is {value}."
    return needle, f"What is the secret access code for the {city} office?", value
