"""A template's questions, walked as copier walks them, with mlops-stacks' messages.

``Questionnaire.read(src)`` reads ``copier.yml`` with copier's ``Worker``
(``!include``, several documents, ``_secret_questions``, ``_envops``,
``_jinja_extensions``, ``_external_data``). ``resolve`` then walks the
questions in order exactly as copier's ``--data``/``--defaults`` run does:
each one is a copier ``Question`` over the answers so far, so ``when``,
``ask``, ``default``, ``choices``, ``validator``, types, secrets and computed
values (``when: false``) mean the same under ``init`` and ``update`` as under
``copier copy``. A forked template needs no mlops-stacks code.

What this module adds is the error: one line with where the answer came from
(``answers.yml:3: ``), the key, the value, what is allowed and the fix, in the
form of the place it came from (``--data``, the file, or the prompt)::

    cloud: 'azur' is not one of azure, aws, gcp. Did you mean 'azure'? Pass --data cloud=azure.

A template's ``validator`` message is used as written. When it reads as a
verdict on the value (it starts with *is*, *must*, *contains*, *has* ...) it
follows the value; otherwise it is quoted as "refused by the template". A
message ending in ``(try VALUE)`` names the fix. Three checks are stricter than
copier, because the answers end up in YAML and shell lines: a one-line string
question refuses control characters (a line break would add YAML keys); a
string question given a number or boolean in a file asks for quotes; a boolean
must be a boolean word (copier reads ``maybe`` as true).

copier has no public API for one question at a time, which a prompt per
question and a per-answer message need. This module reads, never overrides,
these copier internals: ``copier._user_data.Question`` and ``AnswersMap``,
``Worker._render_context``, ``Worker._external_data``,
``Question._formatted_choices`` and ``copier._types.MISSING``. copier is
pinned below 10, and ``tests/scaffold/test_questionnaire.py`` compares init
with ``copier copy`` on every question type, so a change there fails a test.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import io
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from copier._types import MISSING

from mlops_stacks.errors import AnswerError, MlopsStacksError, UsageError
from mlops_stacks.jsontypes import JsonObject, JsonValue
from mlops_stacks.scaffold.answers import Given
from mlops_stacks.scaffold.render import tune_jinja
from mlops_stacks.scaffold.source import CONFIG_NAMES

_TRUE = {"true", "yes", "y", "on", "1", "t"}
_FALSE = {"false", "no", "n", "off", "0", "f"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_TRY = re.compile(r"\s*\(try (?P<value>.*)\)\s*$")
_SHORT = reprlib.Repr()  # a value in a message: short, however large the answer
_SHORT.maxstring = _SHORT.maxother = 120
_SHORT.maxlist = _SHORT.maxdict = 4
_SHORT.maxlevel = 2
_VERDICT = ("is ", "must ", "contains ", "has ", "needs ", "should ", "cannot ", "does ")

Ask = Callable[[JsonValue, JsonValue], JsonValue]
"""Ask one question: (copier question, default) -> checked answer."""


class _Refusal(Exception):
    """What is wrong with a value, and the value to suggest (``None``: no suggestion)."""

    def __init__(self, problem: str, suggestion: JsonValue = None) -> None:
        super().__init__(problem)
        self.problem, self.suggestion = problem, suggestion


def did_you_mean(value: str, options: list[str]) -> str | None:
    """The closest option to ``value``, if one is close enough."""
    lowered = {o.lower(): o for o in options}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def is_computed(details: JsonObject) -> bool:
    """A computed value: ``when: false`` literally, never asked nor set by users."""
    when = details.get("when", True)
    return when is False or (isinstance(when, str) and when.strip().lower() == "false")


@dataclass
class Resolution:
    answers: JsonObject  # the questions that apply, in copier.yml order
    computed: JsonObject = field(default_factory=dict)  # when-false values, not recorded
    ignored: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    stopped: str | None = None  # the first question that needs a missing answer


@dataclass
class Questionnaire:
    """A template's questions (``copier.yml``), read by copier's ``Worker``."""

    config_file: Path
    worker: JsonValue  # copier.Worker for the template and destination
    questions: dict[str, JsonObject]  # name -> details, in order
    cache_bytecode: bool = False  # see render.tune_jinja

    @classmethod
    def read(
        cls,
        src: str | Path,
        *,
        vcs_ref: str | None = None,
        destination: Path | None = None,
        trusted: bool = False,
        cache_bytecode: bool = False,
    ) -> Questionnaire:
        """The questionnaire of the template at ``src`` (a folder, or a git URL at
        ``vcs_ref``: its newest tag when ``None``, as copier picks it)."""
        from copier import Worker
        from copier.errors import CopierError

        worker = Worker(
            src_path=str(src),
            vcs_ref=vcs_ref,
            dst_path=destination or Path(),
            defaults=True,
            quiet=True,
            unsafe=trusted,
        )
        config = Path(src) / CONFIG_NAMES[0]
        try:  # copier prints a banner of its own for a bad file; the error below says it all
            with contextlib.redirect_stderr(io.StringIO()):
                folder = Path(worker.template.local_abspath)
                config = next((folder / n for n in CONFIG_NAMES if (folder / n).is_file()), config)
                questions = dict(worker.template.questions_data)
        except Exception as exc:
            if type(exc).__name__ == "ProcessExecutionError":  # git could not clone
                lines = [line.strip(" |\t") for line in str(exc).strip().splitlines()]
                detail = next((line for line in reversed(lines) if line), "git failed")
                detail = re.sub(r"^(Stderr:\s*\|?\s*)?(fatal:\s*)?", "", detail)
                raise MlopsStacksError(
                    f"--template: cannot clone {src}"
                    + (f" at {vcs_ref}" if vcs_ref else "")
                    + f": {detail.rstrip('.')}. Check the URL, the version and your network."
                ) from None
            if vcs_ref and "revision" in str(exc).lower():
                raise MlopsStacksError(
                    f"--vcs-ref: {vcs_ref!r} is not a version of {src} ({exc}).",
                    hint="Pass one of its tags (`git tag` lists them) or a commit.",
                ) from None
            if isinstance(exc, (CopierError, OSError, ValueError, TypeError)):
                raise _unreadable(config, exc) from None
            raise
        questions = {str(k): dict(v) for k, v in questions.items()}
        return cls(config, worker, questions, cache_bytecode)

    @property
    def settings(self) -> JsonObject:
        """The template's ``_`` settings (``_tasks``, ``_exclude``, ...)."""
        return {f"_{k}": v for k, v in self.worker.template.config_data.items()}

    @property
    def askable(self) -> list[str]:
        return [n for n, d in self.questions.items() if not is_computed(d)]

    def question(self, name: str, answers: JsonObject) -> JsonValue:
        """copier's ``Question`` for ``name`` over ``answers``, as copier builds it."""
        from copier._user_data import AnswersMap, Question

        worker = self.worker
        worker.answers = AnswersMap(
            init=dict(answers), metadata=worker.template.metadata, external=self._external
        )
        return self._evaluate(
            name,
            lambda: Question(
                answers=worker.answers,
                context=worker._render_context(),
                jinja_env=self._jinja_env,
                settings=worker.settings,
                var_name=name,
                **self.questions[name],
            ),
        )

    @functools.cached_property
    def _jinja_env(self) -> JsonValue:
        """copier's environment, made on first use: after the trust check, since
        ``_jinja_extensions`` import code."""
        from copier.errors import CopierError

        try:
            env = self.worker.jinja_env
        except (CopierError, ImportError, AttributeError, TypeError, ValueError) as exc:
            raise _unreadable(self.config_file, exc) from None
        tune_jinja(env, cache_bytecode=self.cache_bytecode)
        return env

    @functools.cached_property
    def _external(self) -> JsonValue:
        return self.worker._external_data()  # copier's lazy loader, read on first use

    def _evaluate(self, name: str, what: Callable[[], JsonValue]) -> JsonValue:
        """``what()``, with a template error said as one line naming the question."""
        import jinja2
        from copier.errors import CopierError

        try:
            return what()
        except (CopierError, jinja2.TemplateError, ValueError, TypeError, OSError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise MlopsStacksError(
                f"{self.config_file}: cannot evaluate {name} ({first}).",
                hint="The template's copier.yml has an error; fix it or use another --template.",
            ) from None

    def default(self, q: JsonValue) -> JsonValue:
        """The question's default as copier computes it (``MISSING`` when it has none)."""

        def default() -> JsonValue:
            try:
                return q.get_default()
            except ValueError:  # copier checks a default; a bad one is reported when taken
                return _raw_default(q)

        return self._evaluate(q.var_name, default)

    def check_keys(self, given: dict[str, Given]) -> None:
        """Refuse keys the template does not ask (with a did-you-mean) and computed keys."""
        names = self.askable
        for key, g in given.items():
            if key not in self.questions:
                close = did_you_mean(key, names)
                fix = (
                    f"Did you mean '{close}'? {g.fix(close, g.value)}"
                    if close
                    else f"Known keys: {', '.join(names)}."
                )
                raise AnswerError(f"{g.where}{key}: unknown question. {fix}")
            if is_computed(self.questions[key]):
                raise AnswerError(
                    f"{g.where}{key}: is computed by the template and cannot be set. "
                    f"Remove {key} from the answers."
                )

    def resolve(
        self,
        given: dict[str, Given],
        *,
        defaults: bool,
        ask: Ask | None = None,
        preset: JsonObject | None = None,
        base: JsonObject | None = None,
    ) -> Resolution:
        """Walk the questions in order, as copier does, and complete the answers.

        A question that applies takes, in order: the given answer; ``base`` (values
        the template sees without asking, like copier's ``--data``); the default
        (``preset`` replaces it for some keys) with ``--defaults``, a ``preset``
        without a prompt, or ``ask: false``; a prompt; or it is *missing*. A given
        answer for a question that does not apply is *ignored* (reported back),
        because one answers file often serves several setups.
        """
        self.check_keys(given)
        preset, base = preset or {}, base or {}
        context = dict(base)
        out = Resolution(answers={})
        for name, details in self.questions.items():
            try:
                self._answer(name, details, given, context, out, defaults, ask, preset, base)
            except MlopsStacksError:
                if out.missing and name not in given:
                    out.stopped = name  # it needs a missing answer, as copier would too
                    break
                raise
        return out

    def _answer(
        self,
        name: str,
        details: JsonObject,
        given: dict[str, Given],
        context: JsonObject,
        out: Resolution,
        defaults: bool,
        ask: Ask | None,
        preset: JsonObject,
        base: JsonObject,
    ) -> None:
        """One step of ``resolve``: the question ``name``, over ``context``."""
        q = self.question(name, context)
        if is_computed(details) or not self._evaluate(name, q.get_when):
            if name in given:
                out.ignored.append(name)
            value = self.default(q)  # copier keeps it for rendering, unrecorded
            if value is not MISSING:
                context[name] = out.computed[name] = value
            return
        if name in given:
            value = check(q, given[name])
        elif name in base:
            value = check(q, Given(base[name], "api"))
        else:
            default = preset[name] if name in preset else self.default(q)
            if default is MISSING and (defaults or ask is None):
                out.missing.append(name)  # no default: copier says "required"
                value = None
            elif defaults or (name in preset and ask is None) or not q.get_ask():
                value = check(q, Given(default, "api"))
            elif ask is not None:
                value = ask(q, None if default is MISSING else default)
            else:
                out.missing.append(name)
                value = None if default is MISSING else default  # for the next `when`s
        context[name] = out.answers[name] = value


def _unreadable(config: Path, exc: BaseException) -> MlopsStacksError:
    from copier.errors import MultipleConfigFilesError

    if isinstance(exc, MultipleConfigFilesError):
        return MlopsStacksError(
            f"--template: {config.parent} has both copier.yml and copier.yaml; copier reads "
            "one. Keep one of them."
        )
    detail = " ".join(str(exc.__cause__ or exc).split()) or type(exc).__name__
    return MlopsStacksError(f"--template: cannot read {config}: {detail}")


def _raw_default(q: JsonValue) -> JsonValue:
    """copier's default before it is checked: the given (``--data``) value, or rendered."""
    if q.var_name in q.answers.init:
        return q.answers.init[q.var_name]
    return q.render_value(q.settings.defaults.get(q.var_name, q.default))


def require_complete(result: Resolution, defaults: bool = False) -> None:
    """Refuse, listing all of them, when answers are missing and nobody can be asked."""
    if result.missing:
        keys = ", ".join(result.missing)
        why = "they have no default" if defaults else "no terminal to ask"
        if result.stopped:
            why += f"; {result.stopped} and the questions after it need them first"
        rest = "." if defaults else ", or add --defaults to take the defaults."
        raise UsageError(
            f"Missing answers for: {keys} ({why}). Pass each with "
            f"--data KEY=VALUE (e.g. --data {result.missing[0]}=...) or in --config-file FILE"
            + rest
        )


# ---- checking one answer ------------------------------------------------------


def choices(q: JsonValue) -> list[JsonValue]:
    """The choices a question offers (questionary ``Choice``s, rendered and typed by
    copier), without the disabled ones."""
    if not q.choices:
        return []
    return [c for c in q._formatted_choices if not c.disabled]


def choice_values(q: JsonValue) -> list[JsonValue]:
    """The values a choice question accepts."""
    return [c.value for c in choices(q)]


def _kind(value: JsonValue) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {list: "a list", dict: "a mapping", type(None): "empty (null)"}.get(
        type(value), type(value).__name__
    )


def _before_copier(q: JsonValue, given: Given) -> JsonValue:
    """The checks stricter than copier's (see the module docstring)."""
    value, kind = given.value, q.get_type_name()
    if kind == "bool" and isinstance(value, str):
        if value.strip().lower() not in _TRUE | _FALSE:
            raise _Refusal("is not a boolean (use true or false)")
        return value.strip().lower() in _TRUE
    if kind == "str" and not q.multiselect:
        if not isinstance(value, str) and given.where:  # YAML typed it: `name: 12345`
            quoted = None if isinstance(value, (list, dict)) else f'"{value}"'
            raise _Refusal(f"is {_kind(value)}, not a string (quote it)", quoted)
        if isinstance(value, str) and _CONTROL.search(value) and not q.get_multiline():
            raise _Refusal(
                "contains a line break or control character: answers are one line",
                _CONTROL.sub(" ", value).strip() or None,
            )
    if q.choices and not q.multiselect and isinstance(value, str):  # case does not matter
        lowered = {str(v).lower(): v for v in choice_values(q)}
        return lowered.get(value.lower(), value)
    return value


def _typed(q: JsonValue, value: JsonValue) -> JsonValue:
    """copier's cast and choice check, refused in our words."""
    from copier.errors import CopierError

    try:
        return q.parse_answer(value)
    except (ValueError, TypeError, CopierError):
        if not q.choices:
            kind = q.get_type_name()
            what = {"int": "a whole number", "float": "a number"}.get(kind, f"valid {kind.upper()}")
            raise _Refusal(f"is not {what}") from None
    names = [str(v) for v in choice_values(q)]
    words = value.strip("[]").split(",")[:1] if isinstance(value, str) else []
    close = did_you_mean(words[0].strip(), names) if words else None
    if q.multiselect:
        example = f"[{close or names[0]}]"
        raise _Refusal(f"is not a list of some of {', '.join(names)}", example) from None
    hint = f". Did you mean '{close}'?" if close else ""
    raise _Refusal(f"is not one of {', '.join(names)}{hint}", close or names[0]) from None


def _validated(q: JsonValue, value: JsonValue) -> JsonValue:
    """The template's ``validator``, rendered by copier over the answers and ``value``."""
    if q.validator:
        try:
            message = str(q.render_value(q.validator, {q.var_name: value}))
        except Exception as exc:  # as copier: a validator that fails to render refuses
            message = str(exc) or type(exc).__name__
        message = " ".join(message.split())
        if message:
            fix = _TRY.search(message)
            problem = message[: fix.start()] if fix else message
            if not problem.startswith(_VERDICT):
                problem = f"is refused by the template: {problem}"
            raise _Refusal(problem.rstrip("."), fix.group("value") if fix else None)
    return value


def _accepted(q: JsonValue, suggestion: JsonValue, given: Given) -> bool:
    """Whether a suggested value passes the same checks (a suggestion must be a fix)."""
    if given.where and isinstance(suggestion, str):  # YAML text for a file: its value
        import yaml

        try:
            suggestion = yaml.safe_load(suggestion)
        except yaml.YAMLError:
            return False
    try:
        _validated(q, _typed(q, _before_copier(q, Given(suggestion, given.source, given.line))))
    except _Refusal:
        return False
    return True


def check(q: JsonValue, given: Given) -> JsonValue:
    """One answer checked as copier checks it; returns copier's typed value.

    A refusal is an ``AnswerError`` of one line: where, the key, the value, the
    problem and the fix.
    """
    try:
        return _validated(q, _typed(q, _before_copier(q, given)))
    except _Refusal as refusal:
        shown = "***" if q.secret else _SHORT.repr(given.value)
        if refusal.suggestion is not None and _accepted(q, refusal.suggestion, given):
            fix = given.fix(q.var_name, refusal.suggestion)
        else:
            fix = given.ask_again(q.var_name)
        end = " " if refusal.problem.endswith(("?", ".")) else ". "
        raise AnswerError(
            f"{given.where}{q.var_name}: {shown} {refusal.problem}{end}{fix}"
        ) from None
