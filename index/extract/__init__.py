"""Extract: a normalised Document -> its section tree, retrieval chunks, figures (Facts) and self-check findings.

Pure functions, no storage. Where a figure is read from a document:

- pipeline: one document through the stages below (`analyse`), what the library stores
- sections: the section tree rebuilt from numbered headings
- chunks: retrieval chunks, never across a section boundary
- facts: every figure a disclosure states, from running text (facts_text), flattened tables (facts_table) and
  performance-indicator rows (facts_indicators)
- checks: places where a document's own figures disagree; injection: passages that talk to a machine
"""
