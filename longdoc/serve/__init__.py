"""`longdoc serve`: the local model, read through longctx, as an OpenAI-compatible HTTP service.

    longdoc serve --port 8000                      # loopback, no key needed
    longdoc serve --host 0.0.0.0 --api-key KEY     # any other address needs a key

`GET /v1/models`, `POST /v1/chat/completions` (streamed as SSE ending in `data: [DONE]`, or one
JSON reply with `usage`), `GET /health`, `GET /metrics` (Prometheus text). A prompt that begins
with an earlier one's tokens (the same document, a new question) reuses its KV cache
(`--kv-cache-gb`; `usage.prompt_tokens_details.cached_tokens`). One generation at a time per
model; at most `max_queue` requests wait, more get 429 with Retry-After. A client that
disconnects stops its generation within a token. The documents API (`/v1/documents`: upload,
status, list, delete, ask) answers with the agent; an ask takes a `question`, or OpenAI-shaped
`messages` whose last user message is a follow-up read with the conversation before it (the
answer's `question` is the standalone one answered). Documents are kept under the cache
directory across restarts.
Errors have OpenAI's shape: {"error": {"message", "type", "param", "code"}}.

The modules: `protocol` (limits, errors, request and response models), `server` (the model
behind its queue), `chat` (chat completions), `documents` (the documents and collections API),
`app` (the guard, the routers put together, error handlers, /health, /metrics, /v1/models).
"""

from .app import create_app

__all__ = ["create_app"]
