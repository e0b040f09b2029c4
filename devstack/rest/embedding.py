"""Resource embedding: PostgREST's relationships from foreign keys, and which one a select
names (`cities(*)`, `cities!fk(*)`, `client_id(*)`, many-to-many through a junction).

Resolution follows PostgREST's `findRel` (src/library/PostgREST/Plan.hs); the errors copy
its PGRST200/PGRST201/PGRST108/PGRST118/PGRST119 texts. The SQL is rendered by `sqlbuild`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from devstack.rest.errors import ApiError, pgrst
from devstack.rest.query import Embed, Query, Scope
from devstack.rest.schema_cache import ForeignKey, Relation, SchemaCache


@dataclass(frozen=True)
class Relationship:
    cardinality: str  # many-to-one | one-to-many | one-to-one | many-to-many
    origin: Relation
    target: Relation
    constraint: str
    # (origin column, target column) pairs; for many-to-many, see the junction fields.
    pairs: tuple[tuple[str, str], ...]
    is_self: bool = False
    junction: Relation | None = None
    constraint2: str = ""
    # (junction column, origin column) and (junction column, target column)
    junction_origin: tuple[tuple[str, str], ...] = ()
    junction_target: tuple[tuple[str, str], ...] = ()

    @property
    def to_one(self) -> bool:
        return self.cardinality in ("many-to-one", "one-to-one")

    def describe(self) -> dict[str, str]:
        """PostgREST's `compressedRel`: one entry of a PGRST201's details."""

        def cols(names: tuple[str, ...]) -> str:
            return "(" + ", ".join(names) + ")"

        embedding = f"{self.origin.name} with {self.target.name}"
        if self.junction is not None:
            relationship = (
                f"{self.junction.name} using {self.constraint}"
                f"{cols(tuple(j for j, _ in self.junction_origin))} and {self.constraint2}"
                f"{cols(tuple(j for j, _ in self.junction_target))}"
            )
        else:
            relationship = (
                f"{self.constraint} using {self.origin.name}{cols(tuple(o for o, _ in self.pairs))}"
                f" and {self.target.name}{cols(tuple(t for _, t in self.pairs))}"
            )
        return {
            "cardinality": self.cardinality,
            "embedding": embedding,
            "relationship": relationship,
        }

    def hint_name(self) -> str:
        ref = self.junction.name if self.junction is not None else self.constraint
        return f"'{self.target.name}!{ref}'"


def relationships(cache: SchemaCache, origin: Relation) -> list[Relationship]:
    """Every relationship PostgREST would list for `origin`, in the order it finds them."""
    found: list[Relationship] = []
    key = (origin.schema, origin.name)

    def rel(schema: str, name: str) -> Relation | None:
        return cache.relation(schema, name)

    for fk in cache.foreign_keys:
        here = (fk.schema, fk.table) == key
        there = (fk.ref_schema, fk.ref_table) == key
        is_self = here and there
        if here:
            target = rel(fk.ref_schema, fk.ref_table)
            if target is not None:
                card = "one-to-one" if fk.one_to_one else "many-to-one"
                pairs = tuple(zip(fk.columns, fk.ref_columns, strict=True))
                found.append(Relationship(card, origin, target, fk.name, pairs, is_self))
        if there:
            target = rel(fk.schema, fk.table)
            if target is not None:
                card = "one-to-one" if fk.one_to_one else "one-to-many"
                pairs = tuple(zip(fk.ref_columns, fk.columns, strict=True))
                found.append(Relationship(card, origin, target, fk.name, pairs, is_self))
    found.extend(_many_to_many(cache, origin))
    return found


def _many_to_many(cache: SchemaCache, origin: Relation) -> list[Relationship]:
    by_table: dict[tuple[str, str], list[ForeignKey]] = {}
    for fk in cache.foreign_keys:
        if not fk.one_to_one:
            by_table.setdefault((fk.schema, fk.table), []).append(fk)
    found: list[Relationship] = []
    for (schema, table), fks in by_table.items():
        junction = cache.relation(schema, table)
        if junction is None:
            continue
        for fk1 in fks:
            if (fk1.ref_schema, fk1.ref_table) != (origin.schema, origin.name):
                continue
            for fk2 in fks:
                if fk2.name == fk1.name:
                    continue
                # PostgREST's rule: both keys' columns lie within the junction's primary key.
                if not set(fk1.columns + fk2.columns) <= set(junction.primary_key):
                    continue
                target = cache.relation(fk2.ref_schema, fk2.ref_table)
                if target is None:
                    continue
                found.append(
                    Relationship(
                        "many-to-many",
                        origin,
                        target,
                        fk1.name,
                        (),
                        origin.name == target.name and origin.schema == target.schema,
                        junction,
                        fk2.name,
                        tuple(zip(fk1.columns, fk1.ref_columns, strict=True)),
                        tuple(zip(fk2.columns, fk2.ref_columns, strict=True)),
                    )
                )
    return found


def _single(pairs: tuple[tuple[str, str], ...], side: int) -> str | None:
    return pairs[0][side] if len(pairs) == 1 else None


def _matches(r: Relationship, target: str, hint: str | None) -> bool:
    direct = r.junction is None
    if r.is_self:
        if hint is None:
            return (target == r.target.name and r.cardinality == "one-to-many") or (
                r.cardinality == "many-to-one" and direct and target == _single(r.pairs, 0)
            )
        return (
            target == r.target.name
            and r.cardinality == "one-to-many"
            and hint == _single(r.pairs, 1)
        )
    if hint is None:
        return (
            target == r.target.name
            or (direct and target == r.constraint)
            or (direct and target == _single(r.pairs, 0))
        )
    if target != r.target.name:
        return False
    if direct:
        return hint in (r.constraint, _single(r.pairs, 0), _single(r.pairs, 1))
    return r.junction is not None and hint == r.junction.name


def find_relationship(
    cache: SchemaCache, origin: Relation, target: str, hint: str | None
) -> Relationship:
    every = relationships(cache, origin)
    found = [r for r in every if _matches(r, target, hint)]
    if len(found) == 1:
        return found[0]
    if found:
        raise pgrst(
            300,
            "PGRST201",
            "Could not embed because more than one relationship was found for "
            f"'{origin.name}' and '{target}'",
            details=[r.describe() for r in found],
            hint=f"Try changing '{target}' to one of the following: "
            + ", ".join(r.hint_name() for r in found)
            + ". Find the desired relationship in the 'details' key.",
        )
    using = f"' using the hint '{hint}" if hint else ""
    raise pgrst(
        400,
        "PGRST200",
        f"Could not find a relationship between '{origin.name}' and '{target}' in the schema cache",
        details=f"Searched for a foreign key relationship between '{origin.name}' and "
        f"'{target}{using}' in the schema '{origin.schema}', but no matches were found.",
        hint=_no_relationship_hint(cache, origin, target, every),
    )


def _no_relationship_hint(
    cache: SchemaCache, origin: Relation, target: str, every: list[Relationship]
) -> str | None:
    if every:
        names = sorted({r.target.name for r in every} - {target})
        match = difflib.get_close_matches(target, names, n=1, cutoff=0.5)
        return f"Perhaps you meant '{match[0]}' instead of '{target}'." if match else None
    return None


@dataclass
class EmbedNode:
    """One embedded resource of a request, resolved: its relationship, scope and children."""

    embed: Embed
    rel: Relationship
    path: tuple[str, ...]
    scope: Scope
    children: list[EmbedNode] = field(default_factory=list)


def _walk(nodes: list[EmbedNode]) -> list[EmbedNode]:
    out: list[EmbedNode] = []
    for node in nodes:
        out.append(node)
        out.extend(_walk(node.children))
    return out


def _parent(node: EmbedNode) -> tuple[str, ...]:
    return node.path[:-1]


def not_embedded(label: str) -> ApiError:
    return pgrst(
        400,
        "PGRST108",
        f"'{label}' is not an embedded resource in this request",
        hint=f"Verify that '{label}' is included in the 'select' query parameter.",
    )


def plan_embeds(
    cache: SchemaCache,
    origin: Relation | None,
    query: Query,
    *,
    origin_name: str = "",
    origin_schema: str = "public",
) -> list[EmbedNode]:
    """Resolve every embed of `query.select`, and check that scoped parameters name one.

    `origin` is None for a function result that is not a table's rows: it has no relationships.
    """
    used: set[tuple[str, ...]] = set()
    query_schema = origin.schema if origin is not None else origin_schema

    def plan(
        rel: Relation | None, items: tuple[object, ...], path: tuple[str, ...]
    ) -> list[EmbedNode]:
        nodes: list[EmbedNode] = []
        for item in items:
            if not isinstance(item, Embed):
                continue
            if rel is None:
                raise pgrst(
                    400,
                    "PGRST200",
                    f"Could not find a relationship between '{origin_name}' and "
                    f"'{item.target}' in the schema cache",
                    details="Searched for a foreign key relationship between "
                    f"'{origin_name}' and '{item.target}' in the schema '{query_schema}', "
                    "but no matches were found.",
                )
            relationship = find_relationship(cache, rel, item.target, item.hint)
            if item.spread and not relationship.to_one:
                raise pgrst(
                    400,
                    "PGRST119",
                    f"A spread operation on '{item.target}' is not possible",
                    details=f"'{rel.name}' and '{item.target}' do not form a many-to-one "
                    "or one-to-one relationship",
                )
            child_path = (*path, item.label)
            used.add(child_path)
            scope = query.embedded.get(child_path, Scope())
            node = EmbedNode(item, relationship, child_path, scope)
            node.children = plan(relationship.target, item.select, child_path)
            nodes.append(node)
        return nodes

    nodes = plan(origin, tuple(query.select), ())
    aliased = {(*_parent(n), n.embed.target) for n in _walk(nodes) if n.embed.alias}
    for path in query.embedded:
        if path not in used:
            error = not_embedded(".".join(path))
            if path in aliased:
                # PostgREST's NotEmbedded with a target name where the select gave an alias.
                error.body["details"] = (
                    "Target names are not allowed in filters if they have an alias"
                )
            raise error
    by_label = {node.embed.label: node for node in nodes}
    for term in query.order:
        if term.relation is None:
            continue
        node = by_label.get(term.relation)
        if node is None:
            raise not_embedded(term.relation)
        if not node.rel.to_one:
            raise pgrst(
                400,
                "PGRST118",
                f"A related order on '{term.relation}' is not possible",
                details=f"'{node.rel.origin.name}' and '{term.relation}' do not form a "
                "many-to-one or one-to-one relationship",
            )
    return nodes
