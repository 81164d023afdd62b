"""A parser for CEL (Common Expression Language) expressions, producing a small typed AST.

The Rust engine that evaluates rules has no type checker, so definitions are
checked at load time on this AST (see `cel_check`). The grammar is CEL's:
ternary, `||`, `&&`, relations (incl. `in`), additive, multiplicative, unary,
member selection, indexing, calls and receiver calls, list and map literals.
Columns are 1-based. Lexing follows the engine: reserved words, escapes, raw
and triple-quoted strings, 64-bit ints; `1u` is refused (no unsigned items).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")


class CelSyntaxError(ValueError):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} (column {column})")
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Node:
    col: int


@dataclass(frozen=True)
class Lit(Node):
    kind: str  # int, double, string, bool, null
    value: object


@dataclass(frozen=True)
class Ident(Node):
    name: str


@dataclass(frozen=True)
class Select(Node):
    operand: Node
    field: str


@dataclass(frozen=True)
class Index(Node):
    operand: Node
    index: Node


@dataclass(frozen=True)
class Call(Node):
    function: str
    args: tuple[Node, ...]
    target: Node | None = None


@dataclass(frozen=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Cond(Node):
    cond: Node
    then: Node
    other: Node


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class MapLit(Node):
    entries: tuple[tuple[Node, Node], ...]


_TOKEN = re.compile(r"""
    (?P<ws>\s+|//[^\n]*)
  | (?P<double>(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<uint>\d+[uU])
  | (?P<int>0[xX][0-9a-fA-F]+|\d+)
  | (?P<string>[rR](?s:'{3}.*?'{3}|"{3}.*?"{3})|[rR](?:'[^'\n]*'|"[^"\n]*")
      | (?s:'{3}(?:\\.|[^\\])*?'{3}|"{3}(?:\\.|[^\\])*?"{3})|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\|\||&&|==|!=|<=|>=|[<>+\-*/%!?:.,()\[\]{}])
""", re.VERBOSE)

_ESCAPE = re.compile(r"""\\(?:(?P<simple>[abfnrtv"'\\?`])|[xX](?P<hex>[0-9a-fA-F]{2})|u(?P<u4>[0-9a-fA-F]{4})
    |U(?P<u8>[0-9a-fA-F]{8})|(?P<oct>[0-3][0-7]{2})|(?P<bad>.?))""", re.VERBOSE | re.DOTALL)
_SIMPLE = dict(zip("abfnrtv\"'\\?`", "\a\b\f\n\r\t\v\"'\\?`", strict=True))
RESERVED = frozenset({"as", "break", "const", "continue", "else", "for", "function", "if", "import", "in", "let",
                      "loop", "package", "namespace", "return", "var", "void", "while"})
NOT_FIELDS = frozenset({"true", "false", "null", "in"})
INT_MAX = 2**63 - 1


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    col: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            what = "unterminated string" if source[pos] in "'\"rR" else f"unexpected character {source[pos]!r}"
            raise CelSyntaxError(what, pos + 1)
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, match.group(), pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(source) + 1))
    return tokens


def _unquote(token: Token) -> str:
    raw = token.text[0] in "rR"
    quotes = 3 if token.text[raw:raw + 3] in ("'''", '"""') else 1
    start = raw + quotes
    body = token.text[start:len(token.text) - quotes]
    if raw:
        return body

    def escape(match: re.Match[str]) -> str:
        code = match["hex"] or match["u4"] or match["u8"]
        if match["bad"] is not None or (code and int(code, 16) > 0x10FFFF):
            raise CelSyntaxError(f"invalid escape sequence {match.group()!r}", token.col + start + match.start())
        if match["simple"]:
            return _SIMPLE[match["simple"]]
        return chr(int(code, 16)) if code else chr(int(match["oct"], 8))

    return _ESCAPE.sub(escape, body)


class Parser:
    """Recursive descent over CEL's precedence levels."""

    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.pos = 0
        self.negated = -1  # position of the token a unary '-' applies to: -9223372036854775808 is in range

    def parse(self) -> Node:
        node = self.expr()
        if self.peek.kind != "end":
            raise CelSyntaxError(f"unexpected {_shown(self.peek)}", self.peek.col)
        return node

    @property
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self, text: str | None = None) -> Token:
        token = self.peek
        if text is not None and token.text != text:
            raise CelSyntaxError(f"expected {text!r}, found {_shown(token)}", token.col)
        self.pos += 1
        return token

    def accept(self, *texts: str) -> Token | None:
        if self.peek.kind in ("op", "ident") and self.peek.text in texts:  # ident: the keyword 'in'
            return self.take()
        return None

    def expr(self) -> Node:
        cond = self.binary(0)
        mark = self.accept("?")
        if mark is None:
            return cond
        then = self.binary(0)
        self.take(":")
        return Cond(mark.col, cond, then, self.expr())

    LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",), ("&&",), ("==", "!=", "<", "<=", ">", ">=", "in"), ("+", "-"), ("*", "/", "%"),
    )

    def binary(self, level: int) -> Node:
        if level == len(self.LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while (op := self.accept(*self.LEVELS[level])) is not None:
            node = Binary(op.col, op.text, node, self.binary(level + 1))
        return node

    def unary(self) -> Node:
        """`!`s or `-`s, not both (CEL's grammar); a negated number literal is folded into the literal."""
        ops = [first] if (first := self.accept("!", "-")) is not None else []
        while ops and (op := self.accept(ops[0].text)) is not None:
            ops.append(op)
        if ops and ops[0].text == "-":
            self.negated = self.pos
        node = self.member()
        for op in reversed(ops):
            if op.text == "-" and isinstance(node, Lit) and isinstance(node.value, int | float):
                node = Lit(op.col, node.kind, -node.value)
            else:
                node = Unary(op.col, op.text, node)
        return node

    def member(self) -> Node:
        node = self.primary()
        while True:
            if (dot := self.accept(".")) is not None:
                name = self.ident()
                if self.accept("("):
                    node = Call(dot.col, name, self.sequence(")", self.expr, trailing=False), target=node)
                else:
                    node = Select(dot.col, node, name)
            elif (bracket := self.accept("[")) is not None:
                node = Index(bracket.col, node, self.expr())
                self.take("]")
            else:
                return node

    def ident(self) -> str:
        token = self.peek
        if token.kind != "ident" or token.text in NOT_FIELDS:
            raise CelSyntaxError(f"expected a name, found {_shown(token)}", token.col)
        return self.take().text

    def sequence(self, close: str, item: Callable[[], _T], *, trailing: bool = True) -> tuple[_T, ...]:
        """Items separated by commas up to `close`; lists and maps may end with a comma, calls may not."""
        items: list[_T] = []
        while not self.accept(close):
            if items:
                self.take(",")
                if trailing and self.accept(close):
                    break
            items.append(item())
        return tuple(items)

    def primary(self) -> Node:
        token = self.peek
        if token.kind in ("int", "uint", "double", "string"):
            limit = INT_MAX + 1 if self.negated == self.pos else INT_MAX
            self.take()
            return _literal(token, limit)
        if token.kind == "ident":
            self.take()
            if token.text in ("true", "false"):
                return Lit(token.col, "bool", token.text == "true")
            if token.text == "null":
                return Lit(token.col, "null", None)
            if token.text in RESERVED:
                raise CelSyntaxError(f"'{token.text}' is a reserved word", token.col)
            if self.accept("("):
                return Call(token.col, token.text, self.sequence(")", self.expr, trailing=False))
            return Ident(token.col, token.text)
        if self.accept("("):
            node = self.expr()
            self.take(")")
            return node
        if self.accept("["):
            return ListLit(token.col, self.sequence("]", self.expr))
        if self.accept("{"):
            return MapLit(token.col, self.sequence("}", self.map_entry))
        raise CelSyntaxError(f"unexpected {_shown(token)}", token.col)

    def map_entry(self) -> tuple[Node, Node]:
        key = self.expr()
        self.take(":")
        return key, self.expr()


def _shown(token: Token) -> str:
    return repr(token.text) if token.text else "end of expression"


def _literal(token: Token, limit: int) -> Lit:
    if token.kind == "double":
        return Lit(token.col, "double", float(token.text))
    if token.kind == "uint":
        raise CelSyntaxError(f"unsigned integers such as {token.text} are not supported in rules", token.col)
    if token.kind == "int":
        value = int(token.text, 16 if token.text[:2].lower() == "0x" else 10)
        if value > limit:
            raise CelSyntaxError(f"integer {token.text} is out of the 64-bit range", token.col)
        return Lit(token.col, "int", value)
    return Lit(token.col, "string", _unquote(token))


def parse(source: str) -> Node:
    """Parse one CEL expression; raises CelSyntaxError with the column of the problem."""
    return Parser(source).parse()


def dotted_path(node: Node) -> str | None:
    """The dotted name a selection chain reads, e.g. 'vital_signs.oxysat'; None for anything else."""
    if isinstance(node, Ident):
        return node.name
    if isinstance(node, Select):
        base = dotted_path(node.operand)
        return None if base is None else f"{base}.{node.field}"
    return None
