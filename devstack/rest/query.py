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
    "sl": "<<",
    "sr": ">>",
    "nxl": "&>",
    "nxr": "&<",
    "adj": "-|-",
}
# Full-text search operators -> the function that parses their value into a tsquery.
FTS_OPS = {
    "fts": "to_tsquery",
    "plfts": "plainto_tsquery",
    "phfts": "phraseto_tsquery",
    "wfts": "websearch_to_tsquery",
}
# PostgREST's quantOperator: the operators that take (any)/(all).
QUANTIFIABLE = {"eq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch"}
IS_VALUES = {"null", "not_null", "true", "false", "unknown"}
# Keys of the query string that are not filters.
RESERVED = {"select", "order", "limit", "offset", "columns", "on_conflict", "apikey"}
LOGIC_KEYS = {"or", "and", "not.or", "not.and"}


# A JSON path after a column: (arrow, key) pairs, e.g. data->a->>b is (("->", "a"), ("->>", "b")).
JsonPath = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SelectItem:
    column: str | None  # None means `*`
    alias: str | None = None
    path: JsonPath = ()
    cast: str | None = None

    @property
    def label(self) -> str:
        # PostgREST names a JSON path after its last key, a plain column after itself.
        if self.alias:
            return self.alias
        if self.path:
            return self.path[-1][1]
        return self.column or "*"


@dataclass(frozen=True)
class Embed:
    """`alias:target!hint!inner(select)`: a related resource, found through a foreign key."""

    target: str
    alias: str | None
    hint: str | None
    join: str | None  # "inner" | "left" | None
    select: tuple[SelectItem | Embed, ...]
    spread: bool = False

    @property
    def label(self) -> str:
        return self.alias or self.target


@dataclass(frozen=True)
class Condition:
    column: str
    op: str  # a BINARY_OPS or FTS_OPS key, "is" or "in"
    value: str | tuple[str, ...]
    negated: bool = False
    quantifier: str | None = None  # "any" | "all" for eq(any).{a,b}
    path: JsonPath = ()
    config: str | None = None  # the text search configuration of fts(english)


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
    path: JsonPath = ()
    relation: str | None = None  # order=cities(name): a column of a to-one embedded resource


@dataclass
class Scope:
    """Filters, order and paging of one level: the top level or an embedded resource."""

    where: list[Condition | Logic] = field(default_factory=list)
    order: list[OrderTerm] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0


@dataclass
class Query:
    select: list[SelectItem | Embed] = field(default_factory=lambda: [SelectItem(None)])
    where: list[Condition | Logic] = field(default_factory=list)
    order: list[OrderTerm] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    columns: list[str] | None = None
    on_conflict: list[str] | None = None
    # Scopes of embedded resources, by their path of labels (`cities.name=eq.x` -> ("cities",)).
    embedded: dict[tuple[str, ...], Scope] = field(default_factory=dict)

    def scope(self, path: tuple[str, ...]) -> Scope:
        if not path:
            return Scope(self.where, self.order, self.limit, self.offset)
        return self.embedded.setdefault(path, Scope())

    @property
    def has_embeds(self) -> bool:
        return any(isinstance(item, Embed) for item in self.select)


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


def _json_path(scan: _Scanner, stops: str) -> JsonPath:
    path: list[tuple[str, str]] = []
    while True:
        if scan.eat("->>"):
            arrow = "->>"
        elif scan.eat("->"):
            arrow = "->"
        else:
            return tuple(path)
        if scan.peek('"'):
            key = scan.quoted()
        else:
            start = scan.pos
            while not scan.at_end() and scan.text[scan.pos] not in stops + "(:.,)":
                if scan.peek("->"):
                    break
                scan.pos += 1
            key = scan.text[start : scan.pos].strip()
        if not key:
            raise scan.fail("json key")
        path.append((arrow, key))


def _field_name(scan: _Scanner, stops: str) -> str:
    """A column or relation name: "quoted", or plain up to a stop character or an arrow."""
    if scan.peek('"'):
        return scan.quoted()
    start = scan.pos
    while not scan.at_end() and scan.text[scan.pos] not in stops and not scan.peek("->"):
        scan.pos += 1
    value = scan.text[start : scan.pos].strip()
    if not value:
        raise scan.fail("field name (* or [a..z0..9_$])")
    return value


def _parse_operation(
    scan: _Scanner, column: str, path: JsonPath = (), *, nested: bool
) -> Condition:
    """`[not.]op[(any|all)].value` for `column`; in a logic tree the value stops at , or )."""
    negated = scan.eat("not.")
    op_start = scan.pos
    op = scan.until(".(")
    quantifier = None
    config = None
    if op in QUANTIFIABLE and scan.peek("("):
        scan.pos += 1
        quantifier = scan.until(")")
        if quantifier not in ("any", "all"):
            raise scan.fail('"any" or "all"', op_start + len(op) + 1)
        scan.expect(")")
    elif op in FTS_OPS and scan.peek("("):
        scan.pos += 1
        config = scan.until(")").strip()
        if not config or not all(ch.isalnum() or ch in "_ $" for ch in config):
            raise scan.fail('"operator (eq, gt, ...)"', op_start)
        scan.expect(")")
    if op not in BINARY_OPS and op not in FTS_OPS and op not in ("is", "in"):
        raise scan.fail('"not" or operator (eq, gt, ...)', op_start)
    scan.expect(".")
    value: str | tuple[str, ...]
    if op == "in":
        value = parse_in_list(scan)
    elif nested:
        if scan.peek('"'):
            value = scan.quoted()
        elif scan.peek("{"):
            # A Postgres array literal keeps its commas: cs.{a,b} inside or=(...).
            start = scan.pos
            scan.until("}")
            scan.expect("}")
            value = scan.text[start : scan.pos]
        else:
            value = scan.until(",)")
    else:
        value = scan.text[scan.pos :]
        scan.pos = len(scan.text)
    if op == "is":
        if not isinstance(value, str) or value.lower() not in IS_VALUES:
            raise scan.fail(
                '"null", "not_null", "true", "false" or "unknown"', scan.pos - len(str(value))
            )
        value = value.lower()
    if op in ("like", "ilike") and isinstance(value, str):
        value = value.replace("*", "%")  # PostgREST's URL-friendly wildcard
    return Condition(column, op, value, negated, quantifier, path, config)


def parse_filter(column: str, raw: str, path: JsonPath = ()) -> Condition:
    scan = _Scanner(raw, "filter")
    return _parse_operation(scan, column, path, nested=False)


def _parse_tree_body(scan: _Scanner, conjunction: str, negated: bool) -> Logic:
    scan.expect("(")
    children: list[Condition | Logic] = []
    while True:
        while scan.peek(" "):
            scan.pos += 1
        start = scan.pos
        child_negated = scan.eat("not.")
        for word in ("and", "or"):
            if scan.peek(word + "("):
                scan.pos += len(word)
                children.append(_parse_tree_body(scan, word, child_negated))
                break
        else:
            scan.pos = start
            column = _field_name(scan, ".,()")
            path = _json_path(scan, "")
            scan.expect(".")
            children.append(_parse_operation(scan, column, path, nested=True))
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


def aggregates_refused() -> ApiError:
    # Supabase projects run PostgREST with db-aggregates-enabled off.
    return pgrst(400, "PGRST123", "Use of aggregate functions is not allowed")


_CAST_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ $")
_AGGREGATES = ("sum()", "avg()", "count()", "max()", "min()")


def _skip_spaces(scan: _Scanner) -> None:
    while scan.peek(" "):
        scan.pos += 1


def _embed_params(scan: _Scanner) -> tuple[str | None, str | None]:
    hint = join = None
    for _ in range(2):
        if not scan.eat("!"):
            break
        word = _field_name(scan, ",:()!")
        if word in ("inner", "left"):
            join = word
        else:
            hint = word
    return hint, join


def _select_item(scan: _Scanner) -> SelectItem | Embed:
    _skip_spaces(scan)
    if scan.eat("*"):
        return SelectItem(None)
    if scan.eat("..."):
        target = _field_name(scan, ",:()!")
        hint, join = _embed_params(scan)
        return Embed(target, None, hint, join, _select_children(scan), spread=True)
    first = _field_name(scan, ",:()!.")
    alias = None
    if scan.peek(":") and not scan.peek("::"):
        scan.pos += 1
        _skip_spaces(scan)
        if scan.eat("..."):
            raise scan.fail('"("', scan.pos - 3)
        alias, first = first, _field_name(scan, ",:()!.")
    if first == "count" and scan.peek("()"):
        raise aggregates_refused()
    hint, join = _embed_params(scan)
    if scan.peek("("):
        return Embed(first, alias, hint, join, _select_children(scan))
    if hint or join:
        raise scan.fail('"("')
    path = _json_path(scan, "")
    cast = None
    if scan.eat("::"):
        start = scan.pos
        while not scan.at_end() and scan.text[scan.pos] in _CAST_CHARS:
            scan.pos += 1
        cast = scan.text[start : scan.pos].strip()
        if not cast:
            raise scan.fail("letter or digit")
    if scan.peek(".") and any(scan.text.startswith(a, scan.pos + 1) for a in _AGGREGATES):
        raise aggregates_refused()
    _skip_spaces(scan)
    return SelectItem(first, alias, path, cast)


def _select_children(scan: _Scanner) -> tuple[SelectItem | Embed, ...]:
    scan.expect("(")
    if scan.eat(")"):
        return ()
    items = _select_list(scan)
    scan.expect(")")
    return tuple(items)


def _select_list(scan: _Scanner) -> list[SelectItem | Embed]:
    items: list[SelectItem | Embed] = []
    while True:
        items.append(_select_item(scan))
        if not scan.eat(","):
            return items


def parse_select(raw: str) -> list[SelectItem | Embed]:
    if not raw.strip() or raw == "*":
        return [SelectItem(None)]
    scan = _Scanner(raw, "select parameter")
    items = _select_list(scan)
    if not scan.at_end():
        raise scan.fail('"," or end of input')
    return items


def parse_order(raw: str) -> list[OrderTerm]:
    terms: list[OrderTerm] = []
    scan = _Scanner(raw, "order")
    while True:
        column = _field_name(scan, ".,(")
        relation = None
        if scan.eat("("):
            relation, column = column, _field_name(scan, ".,()")
            path = _json_path(scan, "")
            scan.expect(")")
        else:
            path = _json_path(scan, "")
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
        terms.append(OrderTerm(column, desc, nulls, path, relation))
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


def _split_key(key: str) -> list[str]:
    """`cities.name` -> ["cities", "name"]; dots inside "quotes" or a JSON path stay put."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    in_path = False
    for i, ch in enumerate(key):
        if ch == '"':
            quoted = not quoted
        elif ch == "-" and key.startswith("->", i):
            in_path = True
        if ch == "." and not quoted and not in_path:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


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
        else:
            _scoped_param(query, key, raw)
    return query


def _scoped_param(query: Query, key: str, raw: str) -> None:
    if "." not in key and "->" not in key and '"' not in key:
        query.where.append(parse_filter(key, raw))  # the common case: a plain column
        return
    parts = [p.strip('"') if p.startswith('"') and p.endswith('"') else p for p in _split_key(key)]
    last = parts[-1]
    if len(parts) > 1 and last in ("or", "and"):
        negated = len(parts) > 2 and parts[-2] == "not"
        path = tuple(parts[: -2 if negated else -1])
        scope = query.embedded.setdefault(path, Scope())
        scope.where.append(parse_logic(("not." if negated else "") + last, raw))
    elif len(parts) > 1 and last in ("order", "limit", "offset"):
        scope = query.embedded.setdefault(tuple(parts[:-1]), Scope())
        if last == "order":
            scope.order.extend(parse_order(raw))
        elif last == "limit":
            scope.limit = _non_negative(raw, "limit parameter")
        else:
            scope.offset = _non_negative(raw, "offset parameter")
    else:
        scan = _Scanner(parts[-1], "filter")
        column = _field_name(scan, "")
        condition = parse_filter(column, raw, _json_path(scan, ""))
        if len(parts) > 1:
            query.embedded.setdefault(tuple(parts[:-1]), Scope()).where.append(condition)
        else:
            query.where.append(condition)
