"""Answering: a question -> parse/ -> plan/ -> execute/ -> an Answer with citations; the CLI and web/ at the edges.

ask.py is the one answer path (`Agent.ask`); types.py the Answer and ParsedQuestion (a stable JSON contract); render.py
an answer as terminal text; cli.py the `budgetqa` command.
"""
