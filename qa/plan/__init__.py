"""Plan: which documents a parsed question is about and which tool answers it. Two planners over the same tools.

- rules: `RulePlanner`, the deterministic planner (always runs)
- llm: the optional LLM planner; a chat model calls the tools of qa/execute/tools.py and its answer is kept only when
  every number checks out. It is given the library and the rule planner's answer, never the agent
- route: which document(s) of a whole library a question is about, or which to offer when it does not say

qa/ask.py runs them: guard -> parse -> plan -> execute -> render.
"""
