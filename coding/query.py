"""The participant-attribute filter language of retrieval.

    role = DS and resources in ($, $$)
    years >= 5 or not (domain = Finance)
    "organisation type" = Startup and title ~ engineer

Operators: = != < <= > >= ~ (contains, text) and `in (a, b)`; `and`, `or`, `not`,
parentheses. Names and values with spaces are quoted. Comparisons use the attribute's
type (numbers as numbers, dates as dates, yes/no as booleans). `!=` and `not` also match
participants who have no value. Errors name the position they were found at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q

from interviews.models import Attribute, AttributeType, AttributeValue
from interviews.services.participants import parse_value
from studies.models import Study

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op><=|>=|!=|=|<|>|~)
      | (?P<punct>[(),])
      | (?P<word>[^\s,()"'<>=!~]+)
    )""",
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "in"}
COLUMNS: dict[str, str] = {"number": "value_number", "date": "value_date", "boolean": "value_bool"}


class QueryError(ValidationError):
    def __init__(self, message: str, position: int) -> None:
        self.position = position
        super().__init__(f"{message} (at character {position + 1})")


@dataclass
class Token:
    kind: str
    value: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise QueryError(f"Unexpected character {text[position:].lstrip()[:1]!r}", position)
        kind = match.lastgroup or ""
        value = match.group(kind)
        start = match.start(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "word" and value.lower() in KEYWORDS:
            kind, value = "keyword", value.lower()
        tokens.append(Token(kind, value, start))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str, attributes: dict[str, Attribute]) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.attributes = attributes

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def take(self, kind: str, value: str | None = None) -> Token | None:
        token = self.current
        if token.kind == kind and (value is None or token.value == value):
            self.index += 1
            return token
        return None

    def expect(self, kind: str, value: str, what: str) -> Token:
        token = self.take(kind, value)
        if token is None:
            raise QueryError(f"Expected {what}", self.current.position)
        return token

    def parse(self) -> Q:
        if self.current.kind == "end":
            return Q()
        q = self.expression()
        if self.current.kind != "end":
            raise QueryError(f"Unexpected {self.current.value!r}", self.current.position)
        return q

    def expression(self) -> Q:
        q = self.term()
        while self.take("keyword", "or"):
            q = q | self.term()
        return q

    def term(self) -> Q:
        q = self.factor()
        while self.take("keyword", "and"):
            q = q & self.factor()
        return q

    def factor(self) -> Q:
        if self.take("keyword", "not"):
            return ~self.factor()
        if self.take("punct", "("):
            q = self.expression()
            self.expect("punct", ")", "a closing parenthesis")
            return q
        return self.comparison()

    def value(self) -> Token:
        token = self.current
        if token.kind in ("word", "string"):
            self.index += 1
            return token
        raise QueryError("Expected a value", token.position)

    def comparison(self) -> Q:
        name = self.current
        if name.kind not in ("word", "string"):
            raise QueryError("Expected an attribute name", name.position)
        self.index += 1
        attribute = self.attributes.get(name.value.lower())
        if attribute is None:
            known = ", ".join(sorted(a.name for a in self.attributes.values())) or "none defined"
            raise QueryError(f"Unknown attribute {name.value!r} (attributes: {known})", name.position)
        if self.take("keyword", "in"):
            self.expect("punct", "(", "“(” after in")
            values = [self.value()]
            while self.take("punct", ","):
                values.append(self.value())
            self.expect("punct", ")", "a closing parenthesis")
            q = Q()
            for token in values:
                q |= self._compare(attribute, "=", token)
            return q
        op = self.take("op")
        if op is None:
            raise QueryError("Expected an operator (=, !=, <, <=, >, >=, ~ or in)", self.current.position)
        return self._compare(attribute, op.value, self.value())

    def _compare(self, attribute: Attribute, op: str, token: Token) -> Q:
        if op == "~":
            if attribute.type not in (AttributeType.TEXT, AttributeType.CATEGORY):
                raise QueryError(f"~ (contains) works on text attributes, not on {attribute.name}", token.position)
            lookup: dict[str, Any] = {"value_text__icontains": token.value}
        else:
            raw = token.value
            if attribute.type == AttributeType.CATEGORY:
                # Categories compare case-insensitively: "ds" finds "DS".
                raw = next((c for c in attribute.choices if c.lower() == raw.lower()), raw)
            try:
                columns = parse_value(attribute, raw)
            except ValidationError as exc:
                raise QueryError(f"{attribute.name}: {' '.join(exc.messages)}", token.position) from exc
            column = COLUMNS.get(str(attribute.type), "value_text")
            value = columns[column]
            if op in ("<", "<=", ">", ">=") and attribute.type not in (AttributeType.NUMBER, AttributeType.DATE):
                raise QueryError(
                    f"{op} compares numbers and dates; {attribute.name} is {attribute.type}", token.position
                )
            suffix = {"=": "", "!=": "", "<": "__lt", "<=": "__lte", ">": "__gt", ">=": "__gte"}[op]
            if column == "value_text" and op in ("=", "!="):
                suffix = "__iexact"
            lookup = {f"{column}{suffix}": value}
        matches = Exists(AttributeValue.objects.filter(participant=OuterRef("pk"), attribute=attribute, **lookup))
        q = Q(matches)
        return ~q if op == "!=" else q


def participant_filter(*, study: Study, text: str) -> Q:
    """A Q over interviews.Participant for the expression; QueryError on any problem."""
    attributes = {a.name.lower(): a for a in Attribute.objects.filter(study=study)}
    return _Parser(text.strip(), attributes).parse()
