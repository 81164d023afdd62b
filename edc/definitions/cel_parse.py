"""A parser for CEL (Common Expression Language) expressions, producing a small typed AST.

The Rust engine that evaluates rules has no type checker, so definitions are
checked at load time on this AST (see `cel_check`). The grammar is CEL's:
ternary, `||`, `&&`, relations (incl. `in`), additive, multiplicative, unary,
member selection, indexing, calls and receiver calls, list and map literals.
Columns are 1-based, for messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


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
  | (?P<string>[rR]?(?:'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\|\||&&|==|!=|<=|>=|[<>+\-*/%!?:.,()\[\]{}])
""", re.VERBOSE)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}


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
            raise CelSyntaxError(f"unexpected character {source[pos]!r}", pos + 1)
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, match.group(), pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(source) + 1))
    return tokens


def _unquote(text: str) -> str:
    raw = text[0] in "rR"
    body = text[2:-1] if raw else text[1:-1]
    if raw:
        return body
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


class Parser:
    """Recursive descent over CEL's precedence levels."""

    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.pos = 0

    def parse(self) -> Node:
        node = self.expr()
        if self.peek.kind != "end":
            raise CelSyntaxError(f"unexpected {self.peek.text!r}", self.peek.col)
        return node

    @property
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self, text: str | None = None) -> Token:
        token = self.peek
        if text is not None and token.text != text:
            shown = repr(token.text) if token.text else "end of expression"
            raise CelSyntaxError(f"expected {text!r}, found {shown}", token.col)
        self.pos += 1
        return token

    def accept(self, *texts: str) -> Token | None:
        if self.peek.kind == "op" and self.peek.text in texts:
            return self.take()
        if self.peek.kind == "ident" and self.peek.text in texts:  # the keyword 'in'
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
        op = self.accept("!", "-")
        if op is None:
            return self.member()
        operand = self.unary()
        if op.text == "-" and isinstance(operand, Lit) and operand.kind in ("int", "double"):
            return Lit(op.col, operand.kind, -operand.value)  # type: ignore[operator]
        return Unary(op.col, op.text, operand)

    def member(self) -> Node:
        node = self.primary()
        while True:
            if (dot := self.accept(".")) is not None:
                name = self.ident()
                if self.accept("("):
                    node = Call(dot.col, name, self.arguments(")"), target=node)
                else:
                    node = Select(dot.col, node, name)
            elif (bracket := self.accept("[")) is not None:
                node = Index(bracket.col, node, self.expr())
                self.take("]")
            else:
                return node

    def ident(self) -> str:
        token = self.peek
        if token.kind != "ident":
            raise CelSyntaxError(f"expected a name, found {token.text!r}", token.col)
        return self.take().text

    def arguments(self, close: str) -> tuple[Node, ...]:
        args: list[Node] = []
        while not self.accept(close):
            if args:
                self.take(",")
                if self.accept(close):
                    break
            args.append(self.expr())
        return tuple(args)

    def primary(self) -> Node:
        token = self.peek
        if token.kind in ("int", "uint", "double", "string"):
            self.take()
            return _literal(token)
        if token.kind == "ident":
            self.take()
            if token.text in ("true", "false"):
                return Lit(token.col, "bool", token.text == "true")
            if token.text == "null":
                return Lit(token.col, "null", None)
            if self.accept("("):
                return Call(token.col, token.text, self.arguments(")"))
            return Ident(token.col, token.text)
        if self.accept("("):
            node = self.expr()
            self.take(")")
            return node
        if self.accept("["):
            return ListLit(token.col, self.arguments("]"))
        if self.accept("{"):
            return MapLit(token.col, self.map_entries())
        shown = repr(token.text) if token.text else "end of expression"
        raise CelSyntaxError(f"unexpected {shown}", token.col)

    def map_entries(self) -> tuple[tuple[Node, Node], ...]:
        entries: list[tuple[Node, Node]] = []
        while not self.accept("}"):
            if entries:
                self.take(",")
                if self.accept("}"):
                    break
            key = self.expr()
            self.take(":")
            entries.append((key, self.expr()))
        return tuple(entries)


def _literal(token: Token) -> Lit:
    if token.kind == "double":
        return Lit(token.col, "double", float(token.text))
    if token.kind == "uint":
        return Lit(token.col, "int", int(token.text[:-1]))
    if token.kind == "int":
        hexadecimal = token.text[:2].lower() == "0x"
        return Lit(token.col, "int", int(token.text, 16) if hexadecimal else int(token.text))
    return Lit(token.col, "string", _unquote(token.text))


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
