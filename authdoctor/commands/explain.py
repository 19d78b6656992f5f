"""`authdoctor explain`: print a catalog entry, or the whole catalog."""

from __future__ import annotations

import json

from authdoctor.errors import UsageError


def run_explain(code: str | None, *, list_all: bool, as_json: bool) -> int:
    from authdoctor.catalog import CATALOG, closest
    from authdoctor.output import write_output

    if list_all or code is None:
        if not list_all:
            raise UsageError("give a finding CODE (e.g. jwt.expired), or --list for all codes")
        if as_json:
            write_output(json.dumps([_entry_dict(e) for e in CATALOG.values()], indent=2), None)
        else:
            width = max(len(c) for c in CATALOG)
            lines = [f"{e.code:<{width}}  {e.severity.value:<8} {e.summary}" for e in CATALOG.values()]
            write_output("\n".join(lines), None)
        return 0
    wanted = code.strip()
    entry = CATALOG.get(wanted) or CATALOG.get(wanted.lower())
    if entry is None:
        near = closest(wanted.lower())
        hint = f" Closest known codes: {', '.join(near)}." if near else ""
        raise UsageError(f"unknown finding code {code!r}.{hint} `authdoctor explain --list` lists them all.")
    if as_json:
        write_output(json.dumps(_entry_dict(entry), indent=2), None)
        return 0
    parts = [
        f"{entry.code}  ({entry.severity.value})",
        "",
        entry.summary,
        "",
        entry.explanation,
        "",
        f"Fix: {entry.fix}",
    ]
    if entry.references:
        parts += ["", "Rests on: " + "; ".join(entry.references)]
    write_output("\n".join(parts), None)
    return 0


def _entry_dict(entry: object) -> dict[str, object]:
    from authdoctor.catalog import CodeInfo

    assert isinstance(entry, CodeInfo)
    return {"code": entry.code, "severity": entry.severity.value, "summary": entry.summary,
            "explanation": entry.explanation, "fix": entry.fix, "references": list(entry.references)}
