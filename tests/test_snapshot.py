"""Both question sets get the same rankings, answers and refusals as the recorded snapshot.

A change that moves any of them must say so: re-record with `python -m tests.snapshot
--write` and explain the measured effect in the commit.
"""

import pytest

from rag import Fusion
from tests import snapshot


@pytest.mark.slow
def test_outputs_match_the_snapshot(real_retriever):
    expected = snapshot.read()
    tuning = real_retriever.config.tuning
    got = snapshot.outputs(real_retriever, lambda q, k, c: real_retriever.search(q, k=k, fusion=Fusion.named(c, tuning)))
    changed = sorted(key for key in expected if got.get(key) != expected[key])
    assert set(got) == set(expected)
    assert changed == [], f"{len(changed)} questions changed, e.g. {changed[:5]}: {[got[c] for c in changed[:2]]}"
