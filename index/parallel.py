"""Ingest with several worker processes (`budgetqa ingest --workers N`): reading and parsing, the CPU-bound part,
run in parallel; each worker stores its own files, one transaction per file, as a single process does.

The parent holds the library's write lock for the batch and syncs the search index once at the end. Each worker
opens the same library (folder, embedding, store) and runs `Library._ingest_one` for the files it is given. A file
is stored once however the files are spread: the content-hash and text-key check is repeated inside the write
transaction, which writers enter one at a time (SQLite ``BEGIN IMMEDIATE``; PostgreSQL's ``meta.changes`` row lock),
so of two workers (or machines) holding the same text the second finds the first's document and reports it skipped.

Workers are started with spawn, not fork: a forked child would share its parent's database connections and pool
threads. Their progress comes back through a queue that a thread of the parent relays (numbered per file); as each
file finishes the parent says so with a `FINISHED` step. (Waiting on all pending futures once per completion, as
`concurrent.futures.wait` in a loop does, cost the parent O(files²) and kept two workers at one core's throughput.) Results are returned in the order of the files, as `Library.ingest` returns them.
"""

from __future__ import annotations

import multiprocessing
import queue as queues
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from index.progress import FINISHED, Progress, Step
from index.types import IngestResult


class Ingesting(Protocol):
    """What the workers need of the library that hands them files (index.library.Library); named here as a protocol
    so that this module imports no library back."""

    home: Path
    embedding: str
    store_url: str | None

_LIB: Any = None  # in a worker: its Library
_QUEUE: Any = None  # in a worker: where its Steps go


def _start(factory: Any, home: str, embedding: str, store: str | None, steps: Any) -> None:
    global _LIB, _QUEUE
    _LIB = factory(home, embedding=embedding, store=store)  # the library's own class, pickled by name
    _QUEUE = steps


def _one(number: int, path: str, org: str | None, year: int | None) -> IngestResult:
    def say(step: Step) -> None:
        _QUEUE.put((number, step))

    return _LIB._ingest_one(Path(path), say, org=org, year=year)  # type: ignore[no-any-return]


def outcome(result: IngestResult) -> str:
    """A file's result in a few words, for the progress line."""
    if result.skipped:
        return f"已在资料库中（与《{result.same_as}》相同），未重复导入" if result.same_as else "已在资料库中"
    if result.ok:
        return f"导入成功：{result.chunks} 个文本块、{result.facts} 条数值"
    return "导入失败：" + result.message


def ingest_in_workers(
    lib: Ingesting,
    files: Sequence[Path],
    workers: int,
    say: Progress,
    *,
    org: str | None = None,
    year: int | None = None,
) -> list[IngestResult]:
    """Ingest `files` with `workers` processes; call with the library's write lock held."""
    ctx = multiprocessing.get_context("spawn")
    steps: Any = ctx.Queue()
    total = len(files)
    results: dict[int, IngestResult] = {}
    lock = threading.Lock()  # `say` is called from the relay thread and from this one, never at once
    stop = threading.Event()

    def relay() -> None:  # the workers' steps, numbered, until the last file is done
        while not stop.is_set():
            try:
                number, step = steps.get(timeout=0.1)
            except queues.Empty:
                continue
            with lock:
                say(replace(step, file=number, files=total, finished=len(results)))

    relaying = threading.Thread(target=relay, name="budgetqa-ingest-progress", daemon=True)
    relaying.start()
    try:
        with ProcessPoolExecutor(
            max_workers=min(workers, total), mp_context=ctx, initializer=_start,
            initargs=(type(lib), str(lib.home), lib.embedding, lib.store_url, steps),
        ) as pool:  # fmt: skip
            numbers: dict[Future[IngestResult], int] = {
                pool.submit(_one, i, str(path), org, year): i for i, path in enumerate(files, start=1)
            }
            for future in as_completed(numbers):
                number, name = numbers[future], files[numbers[future] - 1].name
                try:
                    result = future.result()
                except Exception as exc:  # a worker that died (out of memory, killed): the file was not stored
                    result = IngestResult(
                        name, False,
                        message=f"无法导入“{name}”：导入进程意外退出（{type(exc).__name__}: {exc}）。"
                        "资料库保持原样，请重新导入这个文件；若再次失败，请改用 --workers 1。",
                    )  # fmt: skip
                with lock:
                    results[number] = result
                    say(
                        Step(
                            FINISHED, file=number, files=total, name=name, detail=outcome(result), finished=len(results)
                        )
                    )
    finally:
        stop.set()
        relaying.join()
        steps.close()
    return [results[i] for i in range(1, total + 1)]
