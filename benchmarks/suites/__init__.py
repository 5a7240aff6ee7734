"""Public document-QA suites brought here with `fetch` (their documents stay out of git)."""
