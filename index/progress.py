"""Where an ingest is, for a progress bar: which file of how many, which stage, and a count within the stage.

`Library.ingest(progress=...)` calls its callback with a `Step` whenever a file enters a stage and as the counted stages
(a PDF's pages, the passages being embedded) move. The CLI (rich) and the web UI (gr.Progress) only render them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

READ = "读取"
PARSE = "解析"
STORE = "写入资料库"
FINISHED = "处理完毕"  # a file is done (with workers, files finish out of order); detail says how
EMBED = "向量化"
INDEX = "更新检索索引"
DONE = "完成"
INDEX_STAGES = (EMBED, INDEX, DONE)  # after the files: they have no file of their own


@dataclass(frozen=True, slots=True)
class Step:
    stage: str  # READ, PARSE, STORE, EMBED, INDEX or DONE
    file: int = 0  # 1-based number of the file in the batch; 0 in the index stages
    files: int = 0
    name: str = ""  # the file's name (display only)
    done: int = 0  # count within the stage, when it has one (pages read, passages embedded)
    total: int = 0
    unit: str = ""  # 页 / 段 …
    detail: str = ""  # a sub-stage, e.g. 提取数值
    finished: int | None = None  # with workers (`index.parallel`): files finished so far; the bar follows it

    @property
    def fraction(self) -> float:
        """How far the current phase is (the files, then the search index), 0 to 1."""
        within = self.done / self.total if self.total else 0.0
        if self.stage in INDEX_STAGES:
            return 1.0 if self.stage != EMBED else within
        if not self.files:
            return 0.0
        if self.finished is not None:
            return min(1.0, self.finished / self.files)
        share = {READ: 0.0, PARSE: 0.3, STORE: 0.9}.get(self.stage, 0.0)
        step = {READ: 0.3, PARSE: 0.6, STORE: 0.1}.get(self.stage, 0.0)
        return min(1.0, (self.file - 1 + share + step * within) / self.files)

    def text(self) -> str:
        """One line in Chinese, e.g. 第 2/3 个文件《a.pdf》：读取（第 4/20 页）."""
        count = f"{self.done}/{self.total} {self.unit}".rstrip() if self.total else ""
        what = self.stage + (f"（{self.detail}）" if self.detail else "") + (f"：{count}" if count else "")
        if self.stage in INDEX_STAGES or not self.files:
            return what
        return f"第 {self.file}/{self.files} 个文件《{self.name}》：{what}"


Progress = Callable[[Step], None]
