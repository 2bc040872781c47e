"""Execute: the tools that answer, each from the facts and passages in scope, with citations.

- compose: figures of one document (lookup, change, rate, share, sum, difference) -> an Answer
- crossdoc: one metric over several documents (rankings, totals, a series over years)
- sumcheck and parts: a sum the question checks against the document's own breakdown
- textual: answers that are sentences (reasons, definitions, open questions), from retrieved passages
- evidence: choosing facts and turning them into citations; calc: the exact Decimal calculator
- tools: the same as LangChain tools for the LLM planner; retriever: the hybrid search as a LangChain retriever
"""
