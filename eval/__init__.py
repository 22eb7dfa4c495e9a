"""The checkout's question sets (questions.jsonl, heldout.jsonl, dev/ for several reports)
and `python -m eval.run`, a shim over rag.evaluation.run (`baogao eval`)."""
