"""longdoc: the command line on top of the library (agent, niah, ui; retrieval and longctx below)."""
