"""Text stage: files in, cleaned articles and passages out (reading, cleaning, article splitting, chunking, dedup)."""
