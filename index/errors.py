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


class ReadOnlyLibrary(LibraryError):
    """A write (ingest, removal, repair) asked of a library that cannot be written; reading it still works."""

    def __init__(self, home: object, reason: str) -> None:
        self.reason = reason
        fix = "腾出磁盘空间" if "空间不足" in reason else "让资料库文件夹可写"
        super().__init__(
            f"资料库“{home}”现在不能写入：{reason}。导入、删除文档和修复索引都无法进行；"
            f"查看文档、查数、检索和提问仍可使用。请{fix}后重试，或用 --library 指定另一个文件夹。"
        )
