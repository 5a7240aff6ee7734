import os

import pytest


@pytest.fixture(scope="session")
def smollm_tokenizer():
    """The embedded model's own tokenizer (from its GGUF file)."""
    from transformers import AutoTokenizer

    from longctx.loading import embedded_model_path

    path = embedded_model_path()
    return AutoTokenizer.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path))
