"""The web UI (Gradio) over one library: 问答, 数据表 and 文档 tabs and the /ask API. Gradio loads in app only.

- app: `build_app` (the Blocks) and `launch`; ports: can the server listen where asked
- chat: the 问答 tab and /ask; facts: the 数据表 tab; docs: the 文档 tab (upload, list, remove)
- context: what the tabs share (library, one Agent, document choices); refresh: lists kept current across tabs
- render: answers as safe HTML (no Gradio, cheap to test)
"""
