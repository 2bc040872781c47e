"""A safe, exact calculator for the answer composer: Decimal arithmetic over a whitelisted `ast`, never `eval`.

Conventions (those of the gold answers): percentages and ratios are rounded half-up to 2 decimals; money keeps the
precision of its inputs (the largest number of decimals among them). Every result carries a human formula such as
"(386.73-358.5)/358.5×100 = 7.87".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

from index.errors import BudgetQAError
from index.units import MONEY_TO_WAN, fmt

MAX_LENGTH = 400  # characters of an expression
MAX_DEPTH = 40  # nesting of the syntax tree
MAX_NUMBERS = 64
MAX_DIGITS = 24  # digits of one number
MAX_MAGNITUDE = 30  # a result's power of ten
_CONTEXT = Context(
    prec=50, rounding=ROUND_HALF_UP, Emax=999, Emin=-999, traps=[DivisionByZero, InvalidOperation, Overflow]
)
HUNDRED = Decimal(100)

Number = Decimal | int | str


class CalculationError(BudgetQAError):
    """An expression the calculator will not or cannot evaluate; the message is for the user."""


@dataclass(frozen=True, slots=True)
class Calculation:
    expression: str  # as given
    value: Decimal  # rounded to `places`
    formula: str  # for people: "(386.73-358.5)/358.5×100 = 7.87"
    places: int
    exact: Decimal | None = None  # before rounding (None when equal to value)
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """A change between two years: its size (≥ 0), direction and the signed difference."""

    value: Decimal
    direction: str  # 增加 | 减少 | 持平
    signed: Decimal
    formula: str
    places: int
    unit: str | None = None

    def __iter__(self) -> Iterator[Decimal | str]:
        """Unpack as (delta, direction)."""
        return iter((self.value, self.direction))


# ---------------------------------------------------------------------------------------------------- numbers


def to_decimal(value: Number) -> Decimal:
    """An exact Decimal from a Decimal, int or written number ("6,283.70", "15.5%" -> 0.155)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise CalculationError("计算出错：数值不能是真假值。")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "").replace("％", "%")
        percent = text.endswith("%")
        text = text.rstrip("%").strip()
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise CalculationError(f"计算出错：“{value}”不是一个数字。")
        d = Decimal(text)
        return d / HUNDRED if percent else d
    raise CalculationError(f"计算出错：不支持的数值类型 {type(value).__name__}。")


def places_of(value: Decimal) -> int:
    """Decimals written: Decimal('358.50') -> 2, Decimal('30') -> 0."""
    exp = value.as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def round_half_up(value: Decimal, places: int) -> Decimal:
    with localcontext(_CONTEXT):
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def show(value: Decimal) -> str:
    """A number as written in a formula (no exponent; keeps the written trailing zeros)."""
    return f"{value:f}"


# ---------------------------------------------------------------------------------------------------- expressions

_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)%?")
_ALLOWED_CHARS = re.compile(r"[0-9.,%+\-*/() \t]*")
_TRANSLATE = str.maketrans(
    {"×": "*", "÷": "/", "（": "(", "）": ")", "－": "-", "＋": "+", "％": "%", "＊": "*", "／": "/", "，": ","}
)


def _prepare(expression: str) -> tuple[str, list[str]]:
    """Replace every number with a placeholder name `_N<i>`; return the new source and the written numbers."""
    text = expression.translate(_TRANSLATE)
    text = re.sub(r"[０-９]", lambda m: chr(ord(m.group()) - 0xFEE0), text)
    if not _ALLOWED_CHARS.fullmatch(text):
        bad = sorted({ch for ch in text if not _ALLOWED_CHARS.fullmatch(ch)})
        raise CalculationError(f"计算出错：算式只能包含数字和 + - × ÷ 括号，不能包含“{''.join(bad)}”。")
    level = deepest = 0
    for ch in text:
        level += 1 if ch == "(" else -1 if ch == ")" else 0
        deepest = max(deepest, level)
    if deepest > MAX_DEPTH:
        raise CalculationError("计算出错：算式括号嵌套太深。")
    text = _THOUSANDS.sub(lambda m: m.group().replace(",", ""), text)
    if "," in text:
        raise CalculationError("计算出错：算式里的逗号只能作千分位分隔符。")
    numbers: list[str] = []

    def repl(m: re.Match[str]) -> str:
        numbers.append(m.group())
        return f" _N{len(numbers) - 1} "

    source = _NUMBER.sub(repl, text)
    if "%" in source:
        raise CalculationError("计算出错：百分号只能跟在数字后面。")
    if len(numbers) > MAX_NUMBERS:
        raise CalculationError("计算出错：算式里的数字太多。")
    return source, numbers


def _depth(node: ast.AST) -> int:
    children = list(ast.iter_child_nodes(node))
    return 1 + max((_depth(c) for c in children), default=0) if children else 1


def _evaluate(node: ast.AST, values: Sequence[Decimal]) -> Decimal:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, values)
    if isinstance(node, ast.Name) and re.fullmatch(r"_N\d+", node.id) and isinstance(node.ctx, ast.Load):
        return values[int(node.id[2:])]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _evaluate(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if right == 0:
            raise CalculationError("计算出错：除数为零（分母是0），无法计算比例或增长率。")
        return left / right
    what = type(node.op).__name__ if isinstance(node, ast.BinOp | ast.UnaryOp) else type(node).__name__
    raise CalculationError(f"计算出错：算式里有不支持的写法（{what}），只支持加减乘除和括号。")


def _has_division(node: ast.AST) -> bool:
    return any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) for n in ast.walk(node))


def _human(source: str, numbers: Sequence[str]) -> str:
    text = re.sub(r"_N(\d+)", lambda m: numbers[int(m.group(1))], source)
    text = re.sub(r"\s+", "", text)
    return text.replace("*", "×")


def calculate(expression: str, *, places: int | None = None, unit: str | None = None) -> Calculation:
    """Evaluate + - * / ( ) with unary minus over written numbers ("6,283.70", "15.5%"), exactly.

    `places`: decimals of the result (ROUND_HALF_UP); by default 2 when the expression divides (a percentage or a
    ratio), else the largest number of decimals among the inputs (money keeps its precision).
    """
    if not expression or not expression.strip():
        raise CalculationError("计算出错：算式是空的。")
    if len(expression) > MAX_LENGTH:
        raise CalculationError(f"计算出错：算式太长（超过{MAX_LENGTH}个字符）。")
    source, numbers = _prepare(expression)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise CalculationError(f"计算出错：算式“{expression}”写法不对。") from exc
    except (RecursionError, MemoryError) as exc:  # pragma: no cover - guarded by MAX_LENGTH
        raise CalculationError("计算出错：算式嵌套太深。") from exc
    if _depth(tree) > MAX_DEPTH:
        raise CalculationError("计算出错：算式嵌套太深。")
    values = [to_decimal(n) for n in numbers]
    if any(len(v.as_tuple().digits) > MAX_DIGITS for v in values):
        raise CalculationError(f"计算出错：数字太长（超过{MAX_DIGITS}位）。")
    with localcontext(_CONTEXT):
        try:
            exact = _evaluate(tree, values)
        except (InvalidOperation, Overflow) as exc:
            raise CalculationError("计算出错：结果超出可计算的范围。") from exc
        except DivisionByZero as exc:  # pragma: no cover - checked before dividing
            raise CalculationError("计算出错：除数为零，无法计算。") from exc
    if exact != 0 and exact.adjusted() > MAX_MAGNITUDE:
        raise CalculationError("计算出错：结果太大，超出可计算的范围。")
    if places is None:
        places = 2 if _has_division(tree) else max((places_of(v) for v in values), default=0)
    value = round_half_up(exact, places)
    formula = f"{_human(source, numbers)} = {fmt(value, places)}"
    return Calculation(expression, value, formula, places, None if exact == value else exact, unit)


# ---------------------------------------------------------------------------------------------------- helpers


def _places(*values: Decimal) -> int:
    return max((places_of(v) for v in values), default=0)


def _suffix(unit: str | None) -> str:
    return unit or ""


def change(new: Number, old: Number, *, unit: str | None = None) -> Change:
    """This year's value against last year's: the size of the change (≥ 0) and 增加/减少/持平."""
    n, o = to_decimal(new), to_decimal(old)
    places = _places(n, o)
    with localcontext(_CONTEXT):
        signed = round_half_up(n - o, places)
    direction = "增加" if signed > 0 else "减少" if signed < 0 else "持平"
    size = abs(signed)
    formula = (
        f"{show(n)}-{show(o)} = {fmt(signed, places)}{_suffix(unit)}（{direction}{fmt(size, places)}{_suffix(unit)}）"
    )
    return Change(size, direction, signed, formula, places, unit)


def _percent(part: Decimal, base: Decimal, template: str) -> Calculation:
    if base == 0:
        raise CalculationError("计算出错：分母为零（基数是0），无法计算百分比。")
    with localcontext(_CONTEXT):
        exact = part / base * HUNDRED
    value = round_half_up(exact, 2)
    formula = f"{template} = {fmt(value, 2)}%"
    return Calculation(formula.split(" = ")[0], value, formula, 2, None if exact == value else exact, "%")


def rate(part: Number, base: Number) -> Calculation:
    """part ÷ base as a percent, 2 decimals half-up: an execution rate (决算/预算) or any "是…的百分之几"."""
    p, b = to_decimal(part), to_decimal(base)
    return _percent(p, b, f"{show(p)}/{show(b)}×100")


def growth_rate(new: Number, old: Number) -> Calculation:
    """(new - old) ÷ old as a signed percent, 2 decimals half-up."""
    n, o = to_decimal(new), to_decimal(old)
    return _percent(n - o, o, f"({show(n)}-{show(o)})/{show(o)}×100")


def share(part: Number, whole: Number) -> Calculation:
    """part ÷ whole as a percent (占比), 2 decimals half-up."""
    p, w = to_decimal(part), to_decimal(whole)
    return _percent(p, w, f"{show(p)}/{show(w)}×100")


def ratio(a: Number, b: Number, *, places: int = 2) -> Calculation:
    """a ÷ b as a multiple (倍), half-up to `places` decimals."""
    x, y = to_decimal(a), to_decimal(b)
    if y == 0:
        raise CalculationError("计算出错：分母为零，无法计算倍数。")
    with localcontext(_CONTEXT):
        exact = x / y
    value = round_half_up(exact, places)
    expression = f"{show(x)}/{show(y)}"
    return Calculation(
        expression, value, f"{expression} = {fmt(value, places)}倍", places, None if exact == value else exact, "倍"
    )


def total(values: Iterable[Number], *, unit: str | None = None) -> Calculation:
    """The exact sum, keeping the inputs' largest number of decimals."""
    items = [to_decimal(v) for v in values]
    if not items:
        raise CalculationError("计算出错：没有可相加的数。")
    with localcontext(_CONTEXT):
        exact = sum(items, Decimal(0))
    places = _places(*items)
    value = round_half_up(exact, places)
    expression = "+".join(show(v) for v in items).replace("+-", "-")
    formula = f"{expression} = {fmt(value, places)}{_suffix(unit)}"
    return Calculation(expression, value, formula, places, None if exact == value else exact, unit)


def difference(a: Number, b: Number, *, unit: str | None = None) -> Calculation:
    """|a - b|, keeping the inputs' precision (diff answers are positive magnitudes)."""
    x, y = to_decimal(a), to_decimal(b)
    big, small = (x, y) if x >= y else (y, x)
    places = _places(x, y)
    with localcontext(_CONTEXT):
        value = round_half_up(big - small, places)
    expression = f"{show(big)}-{show(small)}"
    return Calculation(expression, value, f"{expression} = {fmt(value, places)}{_suffix(unit)}", places, None, unit)


# ---------------------------------------------------------------------------------------------------- units


def convert(value: Number, from_unit: str, to_unit: str) -> Decimal:
    """A money amount in another money unit, exactly (6283.70 元 -> 0.628370 万元; 1 万元 -> 10000 元)."""
    if from_unit not in MONEY_TO_WAN or to_unit not in MONEY_TO_WAN:
        if from_unit == to_unit:
            return to_decimal(value)
        raise CalculationError(f"计算出错：无法把“{from_unit}”换算成“{to_unit}”。")
    d = to_decimal(value)
    with localcontext(_CONTEXT):
        factor = MONEY_TO_WAN[from_unit] / MONEY_TO_WAN[to_unit]
        if factor == factor.to_integral_value():
            factor = factor.quantize(Decimal(1))
        return d * factor


def to_same_unit(amounts: Sequence[tuple[Number, str]], unit: str | None = None) -> tuple[list[Decimal], str]:
    """Amounts in one money unit before arithmetic: `unit`, else the smallest unit among them (no precision lost)."""
    if not amounts:
        raise CalculationError("计算出错：没有金额。")
    units = [u for _, u in amounts]
    if unit is None:
        money = [u for u in units if u in MONEY_TO_WAN]
        if len(money) != len(units):
            if len(set(units)) == 1:
                return [to_decimal(v) for v, _ in amounts], units[0]
            raise CalculationError(f"计算出错：单位不一致，无法相加减（{'、'.join(dict.fromkeys(units))}）。")
        unit = min(money, key=lambda u: MONEY_TO_WAN[u])
    return [convert(v, u, unit) for v, u in amounts], unit


def total_amounts(amounts: Sequence[tuple[Number, str]], unit: str | None = None) -> Calculation:
    """The sum of amounts written in different money units ("6283.70元 + 1万元" -> 16283.70 元)."""
    values, target = to_same_unit(amounts, unit)
    return total(values, unit=target)
