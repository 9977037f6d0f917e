"""Turning given answers into the complete, checked answers for one render.

Questions are walked in ``copier.yml`` order. A question whose ``when`` is
false for the answers so far is skipped; an answer given for it is *ignored*
and reported back (the CLI prints a warning), because the same answers file
often serves several setups. For a question that applies, the value is, in
order: the given answer (checked by ``rules.check_answer`` and the template's
own ``validator``), or the default
when ``--defaults`` (or ``preset`` defaults, e.g. from an existing repository),
or a prompt when a terminal is attached. Without a terminal, every missing
answer is collected and reported in one usage error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mlops_stacks.errors import AnswerError, UsageError
from mlops_stacks.scaffold.answers import Given
from mlops_stacks.scaffold.questions import Question, TemplateSpec
from mlops_stacks.scaffold.rules import check_answer, did_you_mean

Ask = Callable[[Question, Any], Any]
"""Ask one question: (question, default) -> checked answer."""


@dataclass
class Resolution:
    answers: dict[str, Any]
    ignored: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def check_keys(spec: TemplateSpec, given: dict[str, Given]) -> None:
    """Refuse keys the template does not ask (with a did-you-mean) and computed keys."""
    names = [q.name for q in spec.askable]
    for key, g in given.items():
        q = spec.question(key)
        if q is None:
            close = did_you_mean(key, names)
            fix = (
                f"Did you mean '{close}'? {g.fix(close, g.value)}"
                if close
                else f"Known keys: {', '.join(names)}."
            )
            raise AnswerError(f"{g.where}{key}: unknown question. {fix}")
        if q.computed:
            raise AnswerError(
                f"{g.where}{key}: is computed by the template and cannot be set. "
                f"Remove {key} from the answers."
            )


def _uses_computed(spec: TemplateSpec) -> bool:
    """Whether any question's ``when`` or ``default`` mentions a computed value."""
    names = [c.name for c in spec.computed]
    return any(n in f"{q.when} {q.default}" for q in spec.askable for n in names)


def _context(
    spec: TemplateSpec, base: dict[str, Any], answers: dict[str, Any], computed: bool
) -> dict[str, Any]:
    ctx = {**base, **answers}
    return {**ctx, **spec.computed_values(ctx)} if computed else ctx


def resolve(
    spec: TemplateSpec,
    given: dict[str, Given],
    *,
    defaults: bool,
    ask: Ask | None = None,
    preset: dict[str, Any] | None = None,
    base: dict[str, Any] | None = None,
) -> Resolution:
    """Complete answers for every question that applies; see the module docstring.

    ``preset`` replaces the template's defaults for some keys; ``base`` holds
    values the template sees without asking (e.g. inherited CI/CD settings).
    """
    check_keys(spec, given)
    preset = preset or {}
    base = base or {}
    result = Resolution(answers={})
    computed = _uses_computed(spec)
    for q in spec.askable:
        ctx = _context(spec, base, result.answers, computed)
        if not q.applies(ctx):
            if q.name in given:
                result.ignored.append(q.name)
            continue
        if q.name in given:
            result.answers[q.name] = check_answer(q, given[q.name])
            check_validator(q, given[q.name], result.answers[q.name], ctx)
            continue
        default = preset[q.name] if q.name in preset else q.default_for(ctx)
        if defaults or q.name in preset and ask is None:
            result.answers[q.name] = check_answer(q, Given(default, "api"))
            check_validator(q, Given(default, "api"), result.answers[q.name], ctx)
        elif ask is not None:
            result.answers[q.name] = ask(q, default)
            check_validator(q, Given(result.answers[q.name], "prompt"), result.answers[q.name], ctx)
        else:
            result.missing.append(q.name)
            result.answers[q.name] = default  # to evaluate later `when`s
    return result


def check_validator(q: Question, given: Given, value: Any, ctx: dict[str, Any]) -> None:
    """Run the template's ``validator`` for a given answer, as copier would."""
    problem = q.validation_error(value, ctx)
    if problem:
        shown = given.value if not q.secret else "***"
        raise AnswerError(
            f"{given.where}{q.name}: {shown!r} is refused by the template: {problem.rstrip('.')}. "
            + given.fix(q.name, "...")
        )


def require_complete(result: Resolution) -> None:
    """Refuse, listing all of them, when answers are missing and nobody can be asked."""
    if result.missing:
        keys = ", ".join(result.missing)
        example = result.missing[0]
        raise UsageError(
            f"Missing answers for: {keys} (no terminal to ask). Pass each with "
            f"--data KEY=VALUE (e.g. --data {example}=...) or in --config-file FILE, "
            "or add --defaults to take the defaults."
        )
