"""What a question must be before it is answered: not too long, not empty, in Chinese. Hints say what to ask instead."""

from __future__ import annotations

import re

from index.errors import BudgetQAError

MAX_QUESTION_CHARS = 500
EXAMPLE = "例如：“公务接待费增长多少？”“2023年基本支出是多少？”“什么是三公经费？”"
EMPTY_HINT = f"请输入问题，{EXAMPLE}"
NOT_CHINESE_HINT = (
    f"请用中文提问：资料库中的文件是中文的预算/决算公开文件，问题里要有中文的指标名称，{EXAMPLE}"
    "（Please ask in Chinese, e.g. “公务接待费是多少？” = how much is the official reception budget?）"
)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


class QuestionTooLong(BudgetQAError):
    def __init__(self, length: int) -> None:
        super().__init__(
            f"问题太长（{length}字），请精简到{MAX_QUESTION_CHARS}字以内，一次问一件事，"
            "例如：“2023年公务接待费比上年增长多少？”"
        )


def check_length(question: str) -> None:
    """QuestionTooLong past MAX_QUESTION_CHARS (the check costs nothing, so it runs before any parsing)."""
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(len(question))


def hint(question: str) -> str | None:
    """What to ask instead of an empty question or one with no Chinese in it; None for a question to answer."""
    if not question.strip():
        return EMPTY_HINT
    if not _CJK.search(question):
        return NOT_CHINESE_HINT
    return None
