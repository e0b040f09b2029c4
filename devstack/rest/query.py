"""Parsing of PostgREST's query-string grammar: select, filters, or/and/not, in, order.

Only parsing lives here: the result is a tree of plain values that `sqlbuild` turns into
parameterised SQL. Error texts copy PostgREST's PGRST100 shape (a parsec message with a column).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devstack.rest.errors import ApiError, pgrst

# Operator -> SQL operator for the plain binary comparisons.
BINARY_OPS = {
    "eq": "=",
    "neq": "<>",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
    "like": "like",
    "ilike": "ilike",
    "match": "~",
    "imatch": "~*",
    "cs": "@>",
    "cd": "<@",
    "ov": "&&",
    "isdistinct": "is distinct from",
}
QUANTIFIABLE = {"eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch"}
IS_VALUES = {"null", "true", "false", "unknown"}
# Keys of the query string that are not filters.
RESERVED = {"select", "order", "limit", "offset", "columns", "on_conflict", "apikey"}
LOGIC_KEYS = {"or", "and", "not.or", "not.and"}


@dataclass(frozen=True)
class SelectItem:
    column: str | None  # None means `*`
    alias: str | None = None


@dataclass(frozen=True)
class Condition:
    column: str
    op: str  # a BINARY_OPS key, "is" or "in"
    value: str | tuple[str, ...]
    negated: bool = False
    quantifier: str | None = None  # "any" | "all" for eq(any).{a,b}


@dataclass(frozen=True)
class Logic:
    conjunction: str  # "and" | "or"
    children: tuple[Condition | Logic, ...]
    negated: bool = False


@dataclass(frozen=True)
class OrderTerm:
    column: str
    desc: bool = False
    nulls: str | None = None  # "first" | "last"


@dataclass
class Query:
    select: list[SelectItem] = field(default_factory=lambda: [SelectItem(None)])
    where: list[Condition | Logic] = field(default_factory=list)
    order: list[OrderTerm] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    columns: list[str] | None = None
    on_conflict: list[str] | None = None


def parse_error(what: str, text: str, column: int, details: str) -> ApiError:
    return pgrst(
        400,
        "PGRST100",
        f'"failed to parse {what} ({text})" (line 1, column {column})',
        details=details,
    )


def _unexpected(text: str, pos: int, expecting: str) -> str:
    got = f'"{text[pos]}"' if pos < len(text) else "end of input"
    return f"unexpected {got} expecting {expecting}"


class _Scanner:
    """A cursor over one parameter value, for the recursive-descent parsers below."""

    def __init__(self, text: str, what: str) -> None:
        self.text = text
        self.pos = 0
        self.what = what

    def fail(self, expecting: str, pos: int | None = None) -> ApiError:
        at = self.pos if pos is None else pos
        return parse_error(self.what, self.text, at + 1, _unexpected(self.text, at, expecting))

    def peek(self, s: str) -> bool:
        return self.text.startswith(s, self.pos)

    def eat(self, s: str) -> bool:
        if self.peek(s):
            self.pos += len(s)
            return True
        return False

    def expect(self, s: str) -> None:
        if not self.eat(s):
            raise self.fail(f'"{s}"')

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def quoted(self) -> str:
        """A "double-quoted" token with backslash escapes; the opening quote is current."""
        self.expect('"')
        out: list[str] = []
        while not self.at_end():
            ch = self.text[self.pos]
            self.pos += 1
            if ch == "\\" and not self.at_end():
                out.append(self.text[self.pos])
                self.pos += 1
            elif ch == '"':
                return "".join(out)
            else:
                out.append(ch)
        raise self.fail('"\\"" closing the quoted value')

    def until(self, stops: str) -> str:
        start = self.pos
        while not self.at_end() and self.text[self.pos] not in stops:
            self.pos += 1
        return self.text[start : self.pos]

    def name(self, stops: str) -> str:
        if self.peek('"'):
            return self.quoted()
        value = self.until(stops).strip()
        if not value:
            raise self.fail("field name")
        return value


def parse_in_list(scan: _Scanner) -> tuple[str, ...]:
    scan.expect("(")
    items: list[str] = []
    if scan.eat(")"):
        return ()
    while True:
        while scan.peek(" "):
            scan.pos += 1
        items.append(scan.quoted() if scan.peek('"') else scan.until(",)").strip())
        if scan.eat(","):
            continue
        scan.expect(")")
        return tuple(items)


def _parse_operation(scan: _Scanner, column: str, *, nested: bool) -> Condition:
    """`[not.]op[(any|all)].value` for `column`; in a logic tree the value stops at , or )."""
    negated = scan.eat("not.")
    op_start = scan.pos
    op = scan.until(".(")
    quantifier = None
    if op in QUANTIFIABLE and scan.peek("("):
        scan.pos += 1
        quantifier = scan.until(")")
        if quantifier not in ("any", "all"):
            raise scan.fail('"any" or "all"', op_start + len(op) + 1)
        scan.expect(")")
    if op not in BINARY_OPS and op not in ("is", "in"):
        raise scan.fail('"not" or operator (eq, gt, ...)', op_start)
    scan.expect(".")
    value: str | tuple[str, ...]
    if op == "in":
        value = parse_in_list(scan)
    elif quantifier:
        if not scan.peek("{"):
            raise scan.fail('"{"')
        scan.pos += 1
        value = parse_in_list(_Scanner("(" + scan.until("}") + ")", scan.what))
        scan.expect("}")
    elif nested:
        value = scan.quoted() if scan.peek('"') else scan.until(",)")
    else:
        value = scan.text[scan.pos :]
        scan.pos = len(scan.text)
    if op == "is":
        if not isinstance(value, str) or value.lower() not in IS_VALUES:
            raise scan.fail('"null", "true", "false" or "unknown"', scan.pos - len(str(value)))
        value = value.lower()
    if op in ("like", "ilike") and isinstance(value, str):
        value = value.replace("*", "%")  # PostgREST's URL-friendly wildcard
    if op in ("like", "ilike") and isinstance(value, tuple):
        value = tuple(v.replace("*", "%") for v in value)
    return Condition(column, op, value, negated, quantifier)


def parse_filter(column: str, raw: str) -> Condition:
    scan = _Scanner(raw, "filter")
    return _parse_operation(scan, column, nested=False)


def _parse_tree_body(scan: _Scanner, conjunction: str, negated: bool) -> Logic:
    scan.expect("(")
    children: list[Condition | Logic] = []
    while True:
        start = scan.pos
        child_negated = scan.eat("not.")
        for word in ("and", "or"):
            if scan.peek(word + "("):
                scan.pos += len(word)
                children.append(_parse_tree_body(scan, word, child_negated))
                break
        else:
            scan.pos = start
            column = scan.name(".,()")
            scan.expect(".")
            children.append(_parse_operation(scan, column, nested=True))
        if scan.eat(","):
            continue
        scan.expect(")")
        return Logic(conjunction, tuple(children), negated)


def parse_logic(key: str, raw: str) -> Logic:
    negated = key.startswith("not.")
    conjunction = key.removeprefix("not.")
    scan = _Scanner(raw, "logic tree")
    tree = _parse_tree_body(scan, conjunction, negated)
    if not scan.at_end():
        raise scan.fail("end of input")
    return tree


def parse_select(raw: str) -> list[SelectItem]:
    scan = _Scanner(raw, "select parameter")
    items: list[SelectItem] = []
    if not raw.strip():
        return [SelectItem(None)]
    while True:
        if scan.eat("*"):
            items.append(SelectItem(None))
        else:
            first = scan.name(",:()")
            alias = None
            if scan.peek(":") and not scan.peek("::"):
                scan.pos += 1
                alias, first = first, scan.name(",:()")
            if scan.peek("("):
                raise pgrst(
                    400,
                    "PGRST200",
                    "Could not find a relationship for the embedded "
                    f"resource '{first}' in the schema cache",
                    hint="Embedding is not supported by the devstack.",
                )
            if scan.peek("::"):
                raise scan.fail('"," (casts are not supported by the devstack)')
            items.append(SelectItem(first, alias))
        if scan.at_end():
            return items
        scan.expect(",")


def parse_order(raw: str) -> list[OrderTerm]:
    terms: list[OrderTerm] = []
    scan = _Scanner(raw, "order")
    while True:
        column = scan.name(".,")
        desc = False
        nulls = None
        while scan.eat("."):
            word_at = scan.pos
            word = scan.until(".,")
            if word in ("asc", "desc"):
                desc = word == "desc"
            elif word in ("nullsfirst", "nullslast"):
                nulls = word[5:]
            else:
                raise scan.fail('"asc", "desc", "nullsfirst" or "nullslast"', word_at)
        terms.append(OrderTerm(column, desc, nulls))
        if scan.at_end():
            return terms
        scan.expect(",")


def parse_columns(raw: str, what: str) -> list[str]:
    scan = _Scanner(raw, what)
    names: list[str] = []
    while True:
        names.append(scan.name(","))
        if scan.at_end():
            return names
        scan.expect(",")


def _non_negative(raw: str, what: str) -> int:
    if not raw.isdigit():
        raise parse_error(what, raw, 1, _unexpected(raw, 0 if raw else len(raw), "digit"))
    return int(raw)


def parse_query(params: list[tuple[str, str]], *, rpc_args: set[str] | None = None) -> Query:
    """Every query parameter of a request; `rpc_args` names parameters that are RPC arguments."""
    query = Query()
    for key, raw in params:
        if rpc_args is not None and key in rpc_args:
            continue
        if key == "select":
            query.select = parse_select(raw)
        elif key == "order":
            query.order.extend(parse_order(raw))
        elif key == "limit":
            query.limit = _non_negative(raw, "limit parameter")
        elif key == "offset":
            query.offset = _non_negative(raw, "offset parameter")
        elif key == "columns":
            query.columns = parse_columns(raw, "columns parameter")
        elif key == "on_conflict":
            query.on_conflict = parse_columns(raw, "on_conflict parameter")
        elif key == "apikey":
            continue
        elif key in LOGIC_KEYS:
            query.where.append(parse_logic(key, raw))
        elif "." in key and key.rsplit(".", 1)[1] in {"or", "and", "order", "limit", "offset"}:
            embed = key.rsplit(".", 1)[0].removesuffix(".not")
            raise pgrst(
                400,
                "PGRST108",
                f"'{embed}' is not an embedded resource in this request",
                hint=f"Verify that '{embed}' is included in the 'select' query parameter.",
            )
        else:
            query.where.append(parse_filter(key, raw))
    return query
