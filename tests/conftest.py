import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may wait on an unreachable hub
