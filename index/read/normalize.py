"""Text normalisation that remembers where every character came from.

Disclosures arrive in traditional characters with pinyin glosses (`經(jīng)費(fèi)`), with spaces between characters
(`经 费 总预 算`), full-width digits and Windows line ends. We normalise for parsing but keep, for every output
character, the index of the input character it came from, so a citation can quote the text as written.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import zhconv

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\u201c\u201d\u2018\u2019"
_PINYIN_GLOSS = re.compile(rf"(?<=[{_CJK}])\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{{1,7}}\)")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009]+")
# spaces between two Chinese characters (or Chinese punctuation) go; so do spaces between a number and the unit after it
_CJK_GAP = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])[ \t]+(?=[{_CJK}{_CJK_PUNCT}])")
_NUM_UNIT_GAP = re.compile(rf"(?<=[0-9%])[ \t]+(?=[{_CJK}])")
# a figure broken by the PDF's text layer, right after the words it belongs to and right before its unit: thousands
# grouped by spaces (费1 850万元), a space or a line break inside it (完成5.6 9亿元, 支出决算36.1⏎6万元). A figure alone on
# its line or after a space (a table cell) is never joined to the next one.
_GROUPED = re.compile(rf"(?<=[{_CJK}:：,，(（])\d{{1,3}}(?: \d{{3}})+(?:\.\d+)?(?= ?(?:万元|亿元|千元|元|万|亿|辆|人|名|个|台|套|批次|人次))")
_BROKEN = re.compile(rf"(?<=[{_CJK}])\d[\d,]*(?:\.\d*)?[ \n]\d[\d,]*(?:\.\d+)?(?= ?(?:万元|亿元|千元|元|%))")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％，", "0123456789.%,")


def offsets_array(values: Iterable[int] = ()) -> array[int]:
    """Offsets as 4-byte machine integers: a tuple of Python ints takes ~36 bytes a character (a 3-million-character
    text's offsets were ~110 MB, and each normalisation step made another), an array 4."""
    return array("i", values)


@dataclass(frozen=True, slots=True)
class Mapped:
    """A text and, for each of its characters, the index of the source character it came from."""

    text: str
    offsets: array[int]

    @classmethod
    def identity(cls, text: str) -> Mapped:
        return cls(text, offsets_array(range(len(text))))

    def sub(self, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str]) -> Mapped:
        """Like `pattern.sub`, keeping offsets: replacement characters map onto the matched characters in order."""
        out: list[str] = []
        offs = offsets_array()
        pos = 0
        for m in pattern.finditer(self.text):
            out.append(self.text[pos : m.start()])
            offs.extend(self.offsets[pos : m.start()])
            new = repl(m) if callable(repl) else m.expand(repl)
            span = max(m.end() - m.start(), 1)
            for i in range(len(new)):
                src = min(m.start() + i * span // max(len(new), 1), len(self.offsets) - 1)
                offs.append(self.offsets[src] if self.offsets else 0)
            out.append(new)
            pos = m.end()
        if not out:  # no match: the same text and offsets
            return self
        out.append(self.text[pos:])
        offs.extend(self.offsets[pos:])
        return Mapped("".join(out), offs)

    def translate(self, fn: Callable[[str], str]) -> Mapped:
        """Apply a length-preserving character conversion, a piece of whole lines at a time (zhconv's working copies
        of a long text took ~50 bytes a character); in a piece whose conversion changes its length, characters whose
        conversion changes length stay."""
        parts = []
        for start, end in line_pieces(self.text):
            piece = self.text[start:end]
            converted = fn(piece)
            if len(converted) != len(piece):
                converted = "".join(c if len(c := fn(ch)) == 1 else ch for ch in piece)
            parts.append(converted)
        text = "".join(parts)
        return self if text == self.text else Mapped(text, self.offsets)


PIECE_CHARS = 1 << 16


def line_pieces(text: str, size: int = PIECE_CHARS) -> Iterator[tuple[int, int]]:
    """(start, end) of consecutive pieces of `text` of about `size` characters, each ending after a line break (a line
    longer than `size` is cut where it reaches it)."""
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut >= start else end
        yield start, end
        start = end


def to_simplified(text: str) -> str:
    return str(zhconv.convert(text, "zh-cn"))


def normalize(raw: str) -> Mapped:
    """Normalise a disclosure's text for parsing; see the module docstring."""
    m = Mapped.identity(raw)
    m = m.sub(re.compile(r"\r\n?"), "\n")
    m = m.translate(lambda s: s.translate(_FULLWIDTH))
    m = m.sub(_PINYIN_GLOSS, "")
    m = m.translate(to_simplified)
    m = m.sub(_SPACES, " ")
    m = m.sub(_GROUPED, lambda g: g.group().replace(" ", ""))
    m = m.sub(_BROKEN, _joined)
    m = m.sub(_CJK_GAP, "")
    m = m.sub(_NUM_UNIT_GAP, "")
    return m


def _joined(m: re.Match[str]) -> str:
    """The pieces of one broken figure as one, unless that would give a number with two decimal points."""
    joined = re.sub(r"[ \n]", "", m.group())
    return joined if joined.count(".") <= 1 else m.group()


def text_key(text: str) -> str:
    """What the same disclosure shares whatever file it came in: the sha256 of its normalised text (`normalize`) with
    every whitespace character dropped, so another encoding, other line ends, indentation, blank lines or a line
    broken elsewhere give the same key. Two files whose non-space characters are the same are one document."""
    return hashlib.sha256("".join(text.split()).encode("utf-8")).hexdigest()
