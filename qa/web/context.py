"""What the web tabs share: the library, one Agent, document choices. No Gradio here."""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Any

from index.errors import LibraryError

if TYPE_CHECKING:
    from index.library import Library
    from qa.ask import Agent

# Set before Gradio (and huggingface_hub, which Gradio imports) is first imported: no telemetry, no version checks,
# no hub look-ups. Every web module imports this one first.
OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}
for _key, _value in OFFLINE_ENV.items():
    os.environ.setdefault(_key, _value)

log = logging.getLogger(__name__)

ALL_DOCS = "__all__"
ALL_DOCS_LABEL = "全部文档"
ALL = "全部"


def doc_label(doc: dict[str, Any]) -> str:
    year = f"{doc['year']}年" if doc.get("year") else ""
    kind = doc.get("kind") if doc.get("kind") not in (None, "other") else ""
    return f"{doc.get('org') or '未知单位'} {year}{kind}（{doc.get('source') or doc['doc_id'][:10]}）"


class WebContext:
    """One per app: the library and a lazily created Agent shared by all sessions (both are thread-safe)."""

    def __init__(self, lib: Library, agent: Agent | None = None) -> None:
        self.lib = lib
        self._agent = agent
        self._lock = threading.Lock()
        self._labels: dict[str, str] = {}  # every document's label seen here: a deleted one can still be named

    @property
    def agent(self) -> Agent:
        with self._lock:
            if self._agent is None:
                from qa.ask import Agent

                self._agent = Agent(self.lib)
            return self._agent

    def warm_up(self) -> None:
        """Load the agent, the search index and its embedding model before the first user asks."""
        try:
            self.agent.ask("公务接待费是多少？")
        except Exception as exc:  # a warm-up failure must not stop the server; the first question will show it
            log.warning("warm-up failed: %s", exc)

    def warm_up_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.warm_up, name="budgetqa-warm-up", daemon=True)
        thread.start()
        return thread

    def documents(self) -> list[dict[str, Any]]:
        return self.lib.documents()

    def doc_choices(self, *, include_all: bool = True) -> list[tuple[str, str]]:
        choices = [(doc_label(d), str(d["doc_id"])) for d in self.documents()]
        self._labels.update((doc_id, label) for label, doc_id in choices)
        return [(ALL_DOCS_LABEL, ALL_DOCS), *choices] if include_all else choices

    def known_label(self, doc_id: str) -> str | None:
        """The label a document had when it was last listed here (also after it was deleted)."""
        return self._labels.get(doc_id)

    def doc_filter(self, choice: str | None) -> list[str] | None:
        """None for all documents, else the one document id; a name or id prefix is resolved (LibraryError if unknown)."""
        if choice is None or choice.strip() in ("", ALL_DOCS, ALL_DOCS_LABEL, ALL):
            return None
        ref = choice.strip()
        try:
            return [self.lib.resolve_doc(ref)]
        except LibraryError as exc:
            if any(d["doc_id"].startswith(ref) or d["source"] == ref for d in self.documents()):
                raise  # ambiguous: the library's message says so
            label = self.known_label(ref)
            if label is not None:
                raise LibraryError(
                    f"所选文档“{label}”已从资料库中删除（可能是在其他窗口中删除的）。"
                    "请在“文档范围”中重新选择文档，或选择“全部文档”。"
                ) from exc
            raise LibraryError(
                f"找不到文档“{ref}”（可能已被删除）。请在“文档”页或 /documents 接口查看现有文档。"
            ) from exc
