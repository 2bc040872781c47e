"""Where the shared evaluation corpus is: BUDGETQA_CORPUS, else ../shared/corpus beside the checkout (as CI lays it),
else /work/shared/corpus."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def corpus_dir() -> Path:
    env = os.environ.get("BUDGETQA_CORPUS")
    if env:
        return Path(env)
    for candidate in (REPO.parent / "shared" / "corpus", Path("/work/shared/corpus")):
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared" / "corpus"


CORPUS = corpus_dir()
