"""The search index as derived state: rebuilt from the fact table's chunks, at a recorded generation.

The fact table (`Records`) bumps its generation in the transaction of every write that adds or removes a document;
the search index (docstore, FAISS and BM25 in the library's ``index/`` folder) records the generation it was synced
at once all three parts are written (`SearchIndex.sync`). A difference - a crash between the facts commit and the
index write, another process's ingest, a part of the index lost - is repaired before a search is answered:

- when the index is first opened in a process (the first search after opening a library), after every ingest (also
  when every file was skipped) and removal, and by `budgetqa check --index`;
- before every search in a long-running process (the web server): one small query compares the generations; when
  another process has already synced, the index is reloaded from disk, else it is synced here.

A repair is incremental (`SearchIndex.sync` embeds and tokenises only the chunks that are missing and drops those
that are gone). It needs the library's write lock; a search does not wait for it: while another process holds it
(an ingest, which syncs when it ends) the search answers from the index as it is. So it does when the library cannot
be written (a read-only or full disk): the repair is not tried, or fails and is tried again after `RETRY_SECONDS`,
and the index is reloaded from disk, which holds the last complete sync.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from filelock import BaseFileLock, Timeout

if TYPE_CHECKING:
    from index.search.hybrid import SearchIndex
    from index.store.records import Records

Progress = Callable[[int, int], None]
RETRY_SECONDS = 30.0  # a repair the disk refused is not tried again for the same generation before this

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IndexStatus:
    """What `budgetqa check --index` reports."""

    generation: str  # the fact table's (`Generation`)
    built_at: str | None  # the one the index was last synced at
    table: int  # chunks in the fact table
    docstore: int  # chunks in each part of the search index
    vectors: int
    lexical: int

    @property
    def current(self) -> bool:
        return self.built_at == self.generation and self.table == self.docstore == self.vectors == self.lexical


class DerivedIndex:
    """A `SearchIndex` brought to the fact table's generation before it is used (see the module docstring)."""

    def __init__(self, records: Records, open_index: Callable[[], SearchIndex], write_lock: BaseFileLock) -> None:
        self._records = records
        self._open = open_index
        self._write_lock = write_lock
        self._lock = threading.RLock()
        self._index: SearchIndex | None = None
        self._loaded: str | None = None  # generation recorded on disk when the index was loaded (or synced here)
        self._at: str | None = None  # generation the index in memory is known to match
        self._refused: tuple[str, float] | None = None  # generation whose repair the disk refused, and when

    def get(self, *, fresh: bool = True) -> SearchIndex:
        """The search index; with `fresh`, repaired or reloaded first when the fact table has moved on. A repair the
        disk refuses (read-only, full) is logged, and the search answers from the index as it is on disk."""
        with self._lock:
            if fresh:
                try:
                    self.refresh(wait=False)
                except (OSError, sqlite3.Error) as exc:
                    log.warning("检索索引未能补齐，按磁盘上的索引回答：%s", exc)
                    self._refused = (str(self._records.generation()), time.monotonic())
                    self._index = None  # what the failed sync left in memory is not trusted: reload from disk
            return self._current()

    def refresh(self, *, wait: bool, progress: Progress | None = None) -> bool:
        """Bring the index to the fact table's generation. Without `wait`, gives up (returns False) when another
        writer holds the lock. True when the index matches the generation read at the start."""
        with self._lock:
            now = str(self._records.generation())
            if now == self._at:
                return True
            self._reload_if_moved()
            if self._loaded == now and self._consistent():
                self._at = now
                return True
            if not wait and (self._records.read_only or self._recently_refused(now)):
                return False
            try:
                self._write_lock.acquire(blocking=wait)
            except Timeout:
                return False
            try:
                now = str(self._records.generation())  # read before the chunks: a later commit is seen next time
                self._reload_if_moved()
                if not (self._loaded == now and self._consistent()):
                    self._current().sync(self._records.chunks(), progress, generation=now)
                    self._loaded = now
                self._at = now
                return True
            finally:
                self._write_lock.release()

    def status(self) -> IndexStatus:
        with self._lock:
            self._reload_if_moved()
            index = self._current()
            sizes = index.part_sizes()
            return IndexStatus(
                str(self._records.generation()), index.built_at(), self._records.count_chunks(),
                sizes["docstore"], sizes["vectors"], sizes["lexical"],
            )  # fmt: skip

    # ---- internals -------------------------------------------------------------------------------------------------
    def _recently_refused(self, generation: str) -> bool:
        return (
            self._refused is not None
            and self._refused[0] == generation
            and time.monotonic() - self._refused[1] < RETRY_SECONDS
        )

    def _current(self) -> SearchIndex:
        if self._index is None:
            self._load()
        assert self._index is not None
        return self._index

    def _load(self) -> None:
        self._index = self._open()
        self._loaded = self._index.built_at()
        self._at = None

    def _reload_if_moved(self) -> None:
        """Load the index again when another process has synced it since it was loaded here."""
        if self._index is None or self._index.built_at() != self._loaded:
            self._load()

    def _consistent(self) -> bool:
        sizes = self._current().part_sizes()
        return len(set(sizes.values())) == 1 and sizes["docstore"] == self._records.count_chunks()
