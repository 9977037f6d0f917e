"""Parameters of a run: job parameters, widget values and ``{{...}}`` references.

Precedence for a notebook task's widgets, lowest first: the task's
``base_parameters``, the job's ``parameters`` defaults, ``--params``
overrides. Every value may hold dynamic value references, substituted when
the task starts:

    {{job.id}} {{job.name}} {{job.run_id}} {{job.parameters.<name>}}
    {{job.start_time.iso_date}} (also .iso_datetime, .timestamp_ms, .year,
    .month, .day, .hour, .minute, .second) {{job.trigger.type}}
    {{task.name}} {{task.run_id}}
    {{tasks.<task_key>.values.<key>}} {{tasks.<task_key>.result_state}}
    legacy: {{job_id}} {{run_id}} {{task_key}} {{start_date}}
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from mlops_stacks.errors import RunError
from mlops_stacks.jsontypes import JsonObject, JsonValue

REF = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


class ReferenceError_(ValueError):
    """A ``{{...}}`` reference cannot be substituted (unknown name or value not set)."""


def job_parameters(
    job: JsonObject, params: dict[str, str] | None, job_key: str
) -> dict[str, str]:
    """The effective job parameters: declared defaults overridden by ``--params``."""
    declared: dict[str, str] = {}
    for p in job.get("parameters") or []:
        if isinstance(p, dict) and p.get("name"):
            declared[str(p["name"])] = text_value(p.get("default", ""))
    for name in params or {}:
        if name not in declared:
            valid = ", ".join(declared) if declared else "(none: the job declares no parameters)"
            raise RunError(
                f"Job '{job_key}' has no parameter '{name}'. Valid parameters: {valid}.",
                hint="Declare it under `parameters:` of the job, or drop it from --params.",
            )
    return {**declared, **{k: text_value(v) for k, v in (params or {}).items()}}


@dataclass
class RefContext:
    """Everything a ``{{...}}`` reference can name while a run is going."""

    job_id: str
    job_name: str
    run_id: str
    start_time: float
    parameters: dict[str, str]
    task_values: dict[str, JsonObject] = field(default_factory=dict)
    task_states: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)  # e.g. {"input": ...} in for_each

    def lookup(self, ref: str, task_key: str | None) -> str:
        parts = ref.split(".")
        if ref in self.extra:
            return self.extra[ref]
        if ref in ("job.id", "job_id"):
            return self.job_id
        if ref == "job.name":
            return self.job_name
        if ref in ("job.run_id", "run_id", "parent_run_id"):
            return self.run_id
        if ref == "job.trigger.type":
            return "ONE_TIME"
        if ref in ("task.name", "task_key") and task_key:
            return task_key
        if ref == "task.run_id" and task_key:
            return f"{self.run_id}:{task_key}"
        if ref == "start_date":
            return time.strftime("%Y-%m-%d", time.gmtime(self.start_time))
        if parts[:2] == ["job", "start_time"] and len(parts) == 3:
            return _time_part(self.start_time, parts[2], ref)
        if parts[:2] == ["job", "parameters"] and len(parts) >= 3:
            name = ".".join(parts[2:])
            if name not in self.parameters:
                raise ReferenceError_(
                    f"{{{{{ref}}}}} names no job parameter; job parameters: "
                    + (", ".join(self.parameters) or "(none)")
                )
            return self.parameters[name]
        if parts[0] == "tasks" and len(parts) >= 3:
            upstream = parts[1]
            if parts[2] == "values" and len(parts) >= 4:
                name = ".".join(parts[3:])
                values = self.task_values.get(upstream, {})
                if name not in values:
                    raise ReferenceError_(
                        f"{{{{{ref}}}}}: task '{upstream}' has not set a task value '{name}'"
                        + (f" (it set: {', '.join(values)})" if values else "")
                    )
                return text_value(values[name])
            if parts[2] == "result_state" and len(parts) == 3:
                if upstream not in self.task_states:
                    raise ReferenceError_(f"{{{{{ref}}}}}: no task '{upstream}' in this job")
                return self.task_states[upstream].lower()
        raise ReferenceError_(
            f"unknown dynamic value reference {{{{{ref}}}}}; supported: job.id, job.name, "
            "job.run_id, job.parameters.<name>, job.start_time.<part>, task.name, task.run_id, "
            "tasks.<task_key>.values.<key>, tasks.<task_key>.result_state"
        )

    def substitute(self, value: JsonValue, task_key: str | None = None) -> JsonValue:
        """``value`` with every ``{{...}}`` replaced; lists and dicts are walked."""
        if isinstance(value, str):
            return REF.sub(lambda m: self.lookup(m.group(1), task_key), value)
        if isinstance(value, list):
            return [self.substitute(v, task_key) for v in value]
        if isinstance(value, dict):
            return {k: self.substitute(v, task_key) for k, v in value.items()}
        return value


def references(value: JsonValue) -> list[str]:
    """Every ``{{...}}`` reference inside ``value`` (strings, lists, dicts)."""
    if isinstance(value, str):
        return [m.group(1) for m in REF.finditer(value)]
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in references(v)]
    return []


def check_static_references(
    task_key: str, value: JsonValue, parameters: dict[str, str], task_keys: set[str]
) -> None:
    """Before a run: references to job parameters and tasks must name existing ones."""
    for ref in references(value):
        parts = ref.split(".")
        if parts[:2] == ["job", "parameters"] and ".".join(parts[2:]) not in parameters:
            raise RunError(
                f"Task '{task_key}' uses {{{{{ref}}}}}, but the job has no parameter "
                f"'{'.'.join(parts[2:])}'. Job parameters: {', '.join(parameters) or '(none)'}.",
                hint="Declare it under the job's `parameters:` or fix the reference.",
            )
        if parts[0] == "tasks" and len(parts) >= 3 and parts[1] not in task_keys:
            raise RunError(
                f"Task '{task_key}' uses {{{{{ref}}}}}, but the job has no task '{parts[1]}'.",
                hint="Tasks of this job: " + ", ".join(sorted(task_keys)) + ".",
            )


def _time_part(start: float, part: str, ref: str) -> str:
    t = time.gmtime(start)
    parts = {
        "iso_date": time.strftime("%Y-%m-%d", t),
        "iso_datetime": time.strftime("%Y-%m-%dT%H:%M:%S", t),
        "timestamp_ms": str(int(start * 1000)),
        "year": str(t.tm_year),
        "month": str(t.tm_mon),
        "day": str(t.tm_mday),
        "hour": str(t.tm_hour),
        "minute": str(t.tm_min),
        "second": str(t.tm_sec),
        "is_weekday": "true" if t.tm_wday < 5 else "false",
    }
    if part not in parts:
        raise ReferenceError_(f"{{{{{ref}}}}}: job.start_time has no field '{part}'")
    return parts[part]


def text_value(value: JsonValue) -> str:
    """Parameter values are strings; other JSON values are written as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value)
