"""Prompt templates (Jinja2, Chinese). `render(name, **vars)`: a missing variable fails loudly (StrictUndefined)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

PROMPT_DIR = Path(__file__).resolve().parent


@cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(PROMPT_DIR)),
        undefined=StrictUndefined,
        autoescape=False,  # plain-text prompts, never HTML
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def template(name: str) -> Template:
    """The template `name` (with or without the .j2 suffix)."""
    return _env().get_template(name if name.endswith(".j2") else f"{name}.j2")


def render(name: str, **variables: Any) -> str:
    """Render a prompt; raises jinja2.UndefinedError when a variable the template uses is not given."""
    return template(name).render(**variables).strip()
