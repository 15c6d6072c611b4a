"""Web stage: the Gradio app over the facade (chat, retrieval test, corpus tab, API endpoints)."""
