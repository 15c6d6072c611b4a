"""Store stage: articles and vectors in, a saved index out (the index folder, its build, keyword and vector indexes)."""
