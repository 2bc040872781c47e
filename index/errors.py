"""The one user-facing error family. Messages are Chinese and shown as is, caught only at the edges."""

from __future__ import annotations


class BudgetQAError(Exception):
    """Base class: the message tells the user what happened and what to do."""


class UnreadableFile(BudgetQAError):
    """A file that cannot be read as a disclosure (empty, corrupt, encrypted, scanned, wrong format …)."""

    def __init__(self, path: str, reason: str, advice: str) -> None:
        self.path, self.reason, self.advice = path, reason, advice
        super().__init__(f"无法导入“{path}”：{reason}。{advice}")


class NotADisclosure(UnreadableFile):
    """Readable text that is not a budget or final-account disclosure."""


class MissingExtra(BudgetQAError):
    def __init__(self, what: str, install: str) -> None:
        super().__init__(f"{what}需要额外的依赖，请运行：{install}")


class EmbeddingMismatch(BudgetQAError):
    pass


class LibraryError(BudgetQAError):
    pass
