"""Evaluation of `rag` retrieval against the question set in eval/questions.jsonl.

- `eval.metrics`: pure functions, rankings + relevance → Hit@k, MRR@k, nDCG@k
  (MRR and nDCG through pytrec_eval).
- `eval.run`: `python -m eval.run` asks every question in three configurations
  (keyword, dense, hybrid), prints the table and writes eval/results/.
"""
