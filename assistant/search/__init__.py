"""Search stage: a question and a saved index in, ranked hits out (keyword and vector retrieval, fusion)."""
