"""Parse: a question in Chinese -> a ParsedQuestion (what it asks, about which metrics, org, year and basis).

- parser: `parse_question`, clause by clause, without an LLM
- terms: metric mentions (canonical names, synonyms, the library's own item names)
- orgs: which disclosing body a question means, abbreviations included
- guard: what a question must be before it is answered (length, language) and hints otherwise
- followup: a follow-up inherits what it leaves open; the context an answer assumes
"""
