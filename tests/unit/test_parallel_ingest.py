"""`Library.ingest(workers=N)`: the same library as one process, each file stored once however the work is spread,
and progress that says which file finished and how."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from eval.paths import corpus_dir
from index.library import Library, sample_path
from index.progress import FINISHED, Step

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = corpus_dir()


def batch(folder: Path) -> list[Path]:
    """Six files, two of them repeats: the same bytes under another name, the same text in another encoding."""
    folder.mkdir()
    files = [sample_path(), *sorted((CORPUS / "docs").glob("*.txt"))[:3]]
    paths = [Path(shutil.copy(f, folder / f.name)) for f in files]
    paths.append(Path(shutil.copy(files[1], folder / "again.txt")))
    paths += [Path(shutil.copy(DATA / n, folder / n)) for n in ("sangong_gb18030.txt", "sangong_utf8_bom.txt")]
    return paths


def contents(lib: Library) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What a library holds, whichever of two same-text files it stored."""
    kept = ("title", "org", "year", "kind", "region", "warnings", "facts", "chunks", "findings")
    docs = sorted(tuple(str(r[k]) for k in kept) for r in lib.documents())
    facts = sorted(
        tuple(str(x) for x in (f.metric, f.metric_raw, f.value, f.unit, f.year, f.basis, f.quote)) for f in lib.facts()
    )
    chunks = sorted((str(c.section), c.text) for c in lib.chunks())
    return docs, facts, chunks


def test_two_workers_give_the_library_one_process_gives(tmp_path: Path) -> None:
    files = batch(tmp_path / "in")
    one = Library(tmp_path / "one", embedding="hash")
    two = Library(tmp_path / "two", embedding="hash")
    steps: list[Step] = []
    alone = one.ingest(files)
    together = two.ingest(files, workers=2, progress=steps.append)
    assert [r.source for r in together] == [f.name for f in files]  # in the order given
    assert sum(r.ok and not r.skipped for r in together) == 5 and sum(r.skipped for r in together) == 2
    assert {r.source for r in together if r.skipped} <= {"again.txt", files[1].name, *(f.name for f in files[-2:])}
    # the same documents, facts and passages; of two files with the same text in other encodings, which one a race
    # of two workers keeps is either (their doc_id, file name and size differ, nothing else)
    assert contents(two) == contents(one)
    assert [h.chunk.text for h in two.search_index().search("公务接待费", 5)] == [
        h.chunk.text for h in one.search_index().search("公务接待费", 5)
    ]
    assert sum(r.ok for r in alone) == 7
    finished = [s for s in steps if s.stage == FINISHED]
    assert sorted(s.file for s in finished) == list(range(1, 8))
    assert [s.finished for s in finished] == list(range(1, 8))  # the bar only moves forward
    assert all(s.files == 7 and s.name for s in finished)
    assert any("已在资料库中" in s.text() for s in finished) and any("导入成功" in s.text() for s in finished)
    assert all(0.0 <= s.fraction <= 1.0 for s in steps)


def test_two_processes_with_workers_store_each_file_once(tmp_path: Path) -> None:
    """Two `budgetqa ingest --workers 2` at once on one library folder: the folder's lock queues them, and the
    second finds every file already there."""
    files = batch(tmp_path / "in")
    home = tmp_path / "lib"
    code = (
        "import sys; from index.library import Library; "
        "r = Library(sys.argv[1], embedding='hash').ingest(sys.argv[2:], workers=2); "
        "print(sum(x.ok and not x.skipped for x in r), sum(x.skipped for x in r), sum(not x.ok for x in r))"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", code, str(home), *map(str, files)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300)[0].split() for p in runs]
    assert all(p.returncode == 0 for p in runs)
    stored = sorted(int(o[0]) for o in outs)
    assert stored[0] + stored[1] == 5 and all(o[2] == "0" for o in outs)
    assert Library(home, embedding="hash").count_documents() == 5
