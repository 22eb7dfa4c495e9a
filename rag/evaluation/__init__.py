"""Evaluation of retrieval, direct answers and refusals on a question set (`baogao eval`)."""
