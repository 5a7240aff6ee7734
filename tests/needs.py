"""Skip marks for tests that need an optional model, naming the line that installs it."""

import pytest

from longctx.embedded import QWEN, part_path

needs_qwen = pytest.mark.skipif(any(part_path(*part) is None for part in QWEN.parts), reason=f"needs {QWEN.install}")
