"""The one place YAML settings files are parsed (deploy.yaml, compose, Kubernetes manifests).

Every YAML source goes through here so that one set of rules holds for all of them: safe tags only,
errors that name the file, line, column and the kind of error but never quote the source text (a
value may be a password), and bounds on what a small file may cost.

`compose_documents` gives PyYAML nodes (with their line numbers, for locations in findings);
`to_python` turns a node into plain data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from authdoctor.errors import ConfigError

if TYPE_CHECKING:
    import yaml


def _error(exc: Exception, path: str, what: str) -> ConfigError:
    """A ConfigError for a PyYAML error: where and what kind, never the offending text."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    column = f", column {mark.column + 1}" if mark is not None else ""
    kind = type(exc).__name__.replace("Error", " error").lower().strip()
    return ConfigError(f"invalid YAML in the {what}{column}: {kind}", path=path, line=line)


def compose_documents(text: str, path: str, *, what: str) -> list[yaml.Node]:
    """Every document of a (multi-document) YAML stream as nodes; empty documents are dropped."""
    import yaml

    try:
        return [node for node in yaml.compose_all(text, Loader=yaml.SafeLoader) if node is not None]
    except yaml.YAMLError as exc:
        raise _error(exc, path, what) from None


def compose_document(text: str, path: str, *, what: str) -> yaml.Node | None:
    """The single document of a YAML file as a node (None for an empty file)."""
    documents = compose_documents(text, path, what=what)
    if len(documents) > 1:
        raise ConfigError(f"the {what} holds {len(documents)} YAML documents; expected one", path=path)
    return documents[0] if documents else None


def to_python(node: yaml.Node, path: str, *, what: str) -> Any:
    """Plain Python data for a node, with the safe loader's types."""
    import yaml

    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _error(exc, path, what) from None
    finally:
        loader.dispose()
