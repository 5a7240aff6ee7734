"""Skip marks for tests that need an optional model, naming the line that installs it."""

import pytest

from longctx.embedded import QWEN, QWEN_1_5B, part_path

needs_qwen = pytest.mark.skipif(any(part_path(*part) is None for part in QWEN.parts), reason=f"needs {QWEN.install}")
needs_qwen_1_5b = pytest.mark.skipif(
    any(part_path(*part) is None for part in QWEN_1_5B.parts), reason=f"needs {QWEN_1_5B.install}"
)
