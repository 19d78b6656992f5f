"""The one place YAML settings files are parsed (deploy.yaml, compose, Kubernetes manifests).

Every YAML source goes through here so that one set of rules holds for all of them: safe tags only,
errors that name the file, line, column and the kind of error but never quote the source text (a
value may be a password), and bounds on what a small file may cost.

`compose_documents` gives PyYAML nodes (with their line numbers, for locations in findings);
`to_python` turns a node into plain data.

Bounds (README, "Size limits"), checked while the nodes are built, so a hostile file is refused
after a few milliseconds and before it can use memory:
- the text: at most `MAX_YAML_CHARS` characters (the settings-file cap);
- nesting: at most `MAX_YAML_DEPTH` levels of lists and mappings;
- size after alias expansion: at most `MAX_YAML_NODES` nodes in the whole stream, where every use
  of an alias (`*name`) counts the full size of what it refers to. A "billion laughs" file (nine
  aliases of nine aliases of ...) is a few hundred bytes that expand to a billion nodes; it is an
  error here, while everything downstream (constructing, walking, printing the data) can rely on
  the expanded data being small. An alias inside the node it refers to (`&a [*a]`) is an error too.

Scanning and parsing use libyaml (PyYAML's C extension) when it is installed and PyYAML's pure
Python parser otherwise; composing (where the bounds are counted) is PyYAML's composer either way.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from authdoctor.errors import ConfigError
from authdoctor.settings.files import MAX_SETTINGS_FILE_BYTES

if TYPE_CHECKING:
    import yaml

MAX_YAML_CHARS = MAX_SETTINGS_FILE_BYTES
MAX_YAML_DEPTH = 100
MAX_YAML_NODES = 250_000

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NOT_OF_ITS_TYPE = "a value does not fit the type its tag (!!...) asks for"


class _Refused(Exception):
    """A bound was hit while composing: the message, and where (a PyYAML mark)."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.mark = mark


def _where(mark: Any) -> tuple[int | None, str]:
    if mark is None:
        return None, ""
    return mark.line + 1, f", column {mark.column + 1}"


def _problem_kind(exc: Exception) -> str:
    """What kind of error a PyYAML exception is, in plain words and without any source text.

    PyYAML's own messages quote the offending text (`found undefined alias 'Xk29hunter2'`, the
    tag of `!hunter2`, the character that cannot start a token); a password that happens to start
    with `*`, `!`, `@` or `%` would be printed. The common cases get a sentence with the fix; the
    rest keep PyYAML's wording with every quoted fragment removed except punctuation."""
    import yaml

    problem = str(getattr(exc, "problem", None) or "")
    if isinstance(exc, yaml.constructor.ConstructorError):
        if problem.startswith(_NOT_OF_ITS_TYPE):
            return problem
        if _MERGE_TAG in problem:
            return "'<<' is YAML's merge key, which only works as a key (quote it to use it as text)"
        if "could not determine a constructor for the tag" in problem:
            return ("a value starts with '!', which YAML reads as a tag; "
                    "put the value in quotes (or remove the tag)")
        if "unhashable key" in problem:
            return "a key is a list or a mapping; keys must be plain text"
        if "for merging" in problem:
            return "'<<' (a merge key) must be followed by an alias of a mapping, or a list of them"
    if isinstance(exc, yaml.composer.ComposerError):
        if "undefined alias" in problem:
            return ("a value starts with '*', which YAML reads as an alias of an '&anchor' that "
                    "is not defined; put the value in quotes")
        if "duplicate anchor" in str(getattr(exc, "context", None) or problem):
            return "the same '&anchor' name is defined twice"
    if isinstance(exc, yaml.scanner.ScannerError) and "cannot start any token" in problem:
        return ("a value starts with a character YAML reserves (such as @, `, % or a tab); "
                "put the value in quotes")
    kind = type(exc).__name__.replace("Error", " error").lower().strip()
    return f"{kind}: {_sanitize(problem)}" if problem else kind


def _sanitize(text: str) -> str:
    """`text` with quoted fragments dropped, unless a fragment is only punctuation or a token
    name (`','`, `']'`, `'<stream end>'`), which carries no user data."""

    def keep(match: re.Match[str]) -> str:
        inner = match.group(0)[1:-1]
        return match.group(0) if re.fullmatch(r"<[a-z ]+>|[\[\]{},:?\-!&*|>#]", inner) else ""

    cleaned = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", keep, text)
    return re.sub(r"\s+", " ", cleaned).strip()


def _error(exc: Exception, path: str, what: str) -> ConfigError:
    """A ConfigError for a PyYAML error: where and what kind, never the offending text."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = _where(mark)
    return ConfigError(f"invalid YAML in the {what}{column}: {_problem_kind(exc)}", path=path,
                       line=line)


@functools.cache
def _loader_class() -> type:
    """A loader whose composer counts nodes (alias uses at their full size) and nesting depth
    as it goes; libyaml's parser underneath when available."""
    import yaml
    from yaml.composer import Composer
    from yaml.events import AliasEvent

    class BoundedComposer(Composer):
        def __init__(self) -> None:
            super().__init__()
            self.expanded = 0
            self.depth = 0
            self.sizes: dict[int, int] = {}  # id(anchored node) -> its size with aliases expanded

        def count(self, nodes: int, mark: Any) -> None:
            self.expanded += nodes
            if self.expanded > MAX_YAML_NODES:
                raise _Refused(f"the data has more than {MAX_YAML_NODES:,} keys and values once its "
                               "aliases (*name) are expanded; refused (a 'billion laughs' file?)",
                               mark)

        def compose_node(self, parent: Any, index: Any) -> Any:
            events: Any = self  # the parser half of the loader (libyaml's or PyYAML's)
            if events.check_event(AliasEvent):
                event = events.peek_event()
                target = self.anchors.get(event.anchor)
                if target is not None:
                    size = self.sizes.get(id(target))
                    if size is None:
                        raise _Refused("an alias (*name) is used inside the node it refers to, "
                                       "which would make the data infinitely deep", event.start_mark)
                    self.count(size, event.start_mark)
                return super().compose_node(parent, index)
            event = events.peek_event()
            self.depth += 1
            if self.depth > MAX_YAML_DEPTH:
                raise _Refused(f"lists and mappings are nested more than {MAX_YAML_DEPTH} levels "
                               "deep; refused", event.start_mark)
            before = self.expanded
            self.count(1, event.start_mark)
            node = super().compose_node(parent, index)
            self.depth -= 1
            if event.anchor is not None:
                self.sizes[id(node)] = self.expanded - before
            return node

    try:
        from yaml._yaml import CParser
    except ImportError:  # no libyaml: PyYAML's pure Python reader, scanner and parser
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class PyLoader(Reader, Scanner, Parser, BoundedComposer, yaml.resolver.Resolver):
            def __init__(self, stream: str) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                Parser.__init__(self)
                BoundedComposer.__init__(self)
                yaml.resolver.Resolver.__init__(self)

        return PyLoader

    class CLoader(BoundedComposer, CParser, yaml.resolver.Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            BoundedComposer.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    return CLoader


def compose_documents(text: str, path: str, *, what: str) -> list[yaml.Node]:
    """Every document of a (multi-document) YAML stream as nodes; empty documents are dropped.
    Refuses (ConfigError) text longer than MAX_YAML_CHARS, nesting deeper than MAX_YAML_DEPTH and
    more than MAX_YAML_NODES values with aliases expanded, over the whole stream."""
    import yaml

    if len(text) > MAX_YAML_CHARS:
        raise ConfigError(f"the {what} is longer than {MAX_YAML_CHARS:,} characters; refused",
                          path=path)
    loader = _loader_class()(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                documents.append(node)
        return documents
    except _Refused as exc:
        line, column = _where(exc.mark)
        raise ConfigError(f"the {what} cannot be read{column}: {exc}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise _error(exc, path, what) from None
    finally:
        loader.dispose()


def compose_document(text: str, path: str, *, what: str) -> yaml.Node | None:
    """The single document of a YAML file as a node (None for an empty file)."""
    documents = compose_documents(text, path, what=what)
    if len(documents) > 1:
        raise ConfigError(f"the {what} holds {len(documents)} YAML documents; expected one", path=path)
    return documents[0] if documents else None


def to_python(node: yaml.Node, path: str, *, what: str) -> Any:
    """Plain Python data for a node, with the safe loader's types (merge keys `<<` included).
    A value its tag cannot hold (`!!int abc`, `!!bool maybe`) is a ConfigError naming its line."""
    import yaml

    class Constructor(yaml.constructor.SafeConstructor):
        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep=deep)
            except (ValueError, TypeError, KeyError, OverflowError, ArithmeticError):
                raise yaml.constructor.ConstructorError(
                    None, None, _NOT_OF_ITS_TYPE,
                    node.start_mark) from None

    try:
        return Constructor().construct_document(node)
    except yaml.YAMLError as exc:
        raise _error(exc, path, what) from None


def duplicate_key(node: yaml.Node) -> tuple[yaml.Node, tuple[str, ...]] | None:
    """The first key (in file order) that a mapping repeats, with the key path to it, or None.
    PyYAML silently keeps the last of two equal keys; docker compose and deploy.yaml refuse them.
    Keys are compared by their text, as compose does. Merge keys (`<<`) are not compared: what
    they bring in is overridden by the mapping's own keys."""
    import yaml

    found: list[tuple[yaml.Node, tuple[str, ...]]] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[str, ...]]] = [(node, ())]
    while stack:
        current, prefix = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.tag == _MERGE_TAG:
                        continue
                    if key_node.value in keys:
                        found.append((key_node, (*prefix, str(key_node.value))))
                    keys.add(key_node.value)
                    stack.append((value_node, (*prefix, str(key_node.value))))
                else:
                    stack.append((value_node, prefix))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, (*prefix, str(i))) for i, item in enumerate(current.value))
    return min(found, key=lambda pair: pair[0].start_mark.index) if found else None


def mapping_get(node: Any, key: str | None) -> Any:
    """The value node under `key` of a mapping node (merge keys followed, the mapping's own keys
    winning), or for key=None a dict of all key text → value nodes. Anything but a mapping node
    has no keys: None (or {} for key=None)."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return {} if key is None else None
    pairs: dict[str, Any] = {}
    merged: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                for k, v in mapping_get(source, None).items():
                    merged.setdefault(k, v)
            continue
        pairs[str(key_node.value)] = value_node
    pairs = {**merged, **pairs}
    return pairs if key is None else pairs.get(key)


def seq_nodes(node: Any) -> list[Any]:
    """The item nodes of a sequence node; anything else (None included) has none."""
    import yaml

    return list(node.value) if isinstance(node, yaml.SequenceNode) else []
