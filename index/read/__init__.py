"""Read: a file's bytes -> a normalised Document with its metadata (the first stage of an ingest).

- files: text (any common Chinese encoding), HTML and PDF into a RawDocument; unreadable pages become warnings
- normalize: traditional -> simplified, pinyin glosses and spaces between characters removed, offsets kept
- meta: title, disclosing body, fiscal year, kind (预算/决算/三公) and region
- document: the three together, from bytes to a Document
- paths: which files an ingest reads (files as given, supported files inside folders)
"""
