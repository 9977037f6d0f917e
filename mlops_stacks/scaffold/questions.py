"""The questions a copier template asks, read from its ``copier.yml``.

``load_template_spec(path)`` reads the questionnaire, so answers are checked and
prompted for before any rendering starts. ``when``, ``default`` and ``validator``
are evaluated by copier's own ``Question`` objects, with copier's Jinja
environment (``_envops``, ``_jinja_extensions``) and render context
(``_external_data``, ``_copier_conf``, ``now``, ``make_secret``), over the answers
given so far: a forked template means the same under ``init`` as under copier.

A question whose ``when`` is the literal ``false`` is a *computed value*
(e.g. ``project_package``): never asked, never set by users, never recorded.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from mlops_stacks.errors import MlopsStacksError

CONFIG_NAMES = ("copier.yml", "copier.yaml")


@dataclass(frozen=True)
class Choice:
    label: str
    value: Any


@dataclass
class Question:
    """One entry of ``copier.yml``."""

    name: str
    type: str = "str"
    help: str = ""
    choices: list[Choice] = field(default_factory=list)
    default: Any = None
    when: Any = True
    secret: bool = False
    validator: str = ""
    details: dict[str, Any] = field(default_factory=dict, repr=False)  # as in copier.yml
    spec: TemplateSpec | None = field(default=None, repr=False, compare=False)

    @property
    def computed(self) -> bool:
        """Never asked: ``when: false`` literally."""
        if isinstance(self.when, bool):
            return not self.when
        return isinstance(self.when, str) and self.when.strip().lower() == "false"

    @property
    def choice_values(self) -> list[Any]:
        return [c.value for c in self.choices]

    def applies(self, context: dict[str, Any]) -> bool:
        """Whether the question is asked, given the answers so far."""
        if self.computed:
            return False
        if self.spec is None or isinstance(self.when, bool):
            return bool(self.when)
        return bool(self.spec.evaluate(self, context, lambda cq: cq.get_when()))

    def validation_error(self, value: Any, context: dict[str, Any]) -> str:
        """The template's own ``validator`` message for ``value`` (empty: valid)."""
        if not self.validator or self.spec is None:
            return ""
        rendered = self.spec.evaluate(
            self, context, lambda cq: cq.render_value(self.validator, {self.name: value})
        )
        return " ".join(str(rendered).split())

    def default_for(self, context: dict[str, Any]) -> Any:
        """The default, rendered over the answers so far and cast to the question's type."""
        if self.spec is None or not (isinstance(self.default, str) and "{" in self.default):
            return self.default

        def default(cq: Any) -> Any:
            rendered = cq.render_value(self.default)
            try:
                return cq.cast_answer(rendered) if self.type != "str" else rendered
            except (TypeError, ValueError):
                return rendered  # the answer checks say what is wrong with it

        return self.spec.evaluate(self, context, default)


@dataclass
class TemplateSpec:
    """A template folder and its questionnaire."""

    path: Path
    config_file: Path
    questions: list[Question]
    settings: dict[str, Any]
    destination: Path = field(default_factory=Path)  # where _external_data is read
    trusted: bool = False  # _external_data may read outside the destination

    def question(self, name: str) -> Question | None:
        return next((q for q in self.questions if q.name == name), None)

    @property
    def askable(self) -> list[Question]:
        return [q for q in self.questions if not q.computed]

    @property
    def computed(self) -> list[Question]:
        return [q for q in self.questions if q.computed]

    def computed_values(self, answers: dict[str, Any]) -> dict[str, Any]:
        """Computed values (``when: false``) rendered over ``answers``."""
        out: dict[str, Any] = {}
        for q in self.computed:
            try:
                out[q.name] = q.default_for({**answers, **out})
            except MlopsStacksError:
                continue  # depends on something not answered yet
        return out

    @cached_property
    def _worker(self) -> Any:
        from copier._main import Worker

        return Worker(
            src_path=str(self.path),
            dst_path=self.destination,
            defaults=True,
            quiet=True,
            unsafe=self.trusted,
        )

    @cached_property
    def _jinja_env(self) -> Any:
        """copier's environment for this template; each expression is compiled once."""
        env = self._worker.jinja_env
        env.from_string = functools.lru_cache(maxsize=None)(env.from_string)
        return env

    @cached_property
    def _external(self) -> Any:
        return self._worker._external_data()  # copier's lazy loader, read on first use

    def evaluate(self, q: Question, context: dict[str, Any], what: Callable[[Any], Any]) -> Any:
        """``what(copier_question)`` for ``q`` over ``context``, as copier evaluates it."""
        import jinja2
        from copier._user_data import AnswersMap
        from copier._user_data import Question as CopierQuestion
        from copier.errors import CopierError

        worker = self._worker
        try:
            worker.answers = AnswersMap(
                init=dict(context), metadata=worker.template.metadata, external=self._external
            )
            question = CopierQuestion(
                answers=worker.answers,
                context=worker._render_context(),
                jinja_env=self._jinja_env,
                settings=worker.settings,
                var_name=q.name,
                **q.details,
            )
            return what(question)
        except (CopierError, jinja2.TemplateError, ValueError, TypeError, OSError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise MlopsStacksError(
                f"{self.config_file}: cannot evaluate {q.name} ({first}).",
                hint="The template's copier.yml has an error; fix it or use another --template.",
            ) from None


def _choices(raw: Any) -> list[Choice]:
    if raw is None:
        return []
    if isinstance(raw, dict):
        return [Choice(str(label), value) for label, value in raw.items()]
    if isinstance(raw, list):
        out = []
        for item in raw:
            if isinstance(item, (list, tuple)) and len(item) == 2:
                out.append(Choice(str(item[0]), item[1]))
            else:
                out.append(Choice(str(item), item))
        return out
    return []


def _type_of(default: Any) -> str:
    """The type copier assumes when ``type`` is omitted."""
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str")):
        if isinstance(default, kind):
            return name
    return "yaml"


def _question(name: str, raw: dict[str, Any]) -> Question:
    """One question as copier normalised it (short forms are ``{"default": value}``)."""
    return Question(
        details=dict(raw),
        name=name,
        type=str(raw.get("type") or _type_of(raw.get("default"))),
        help=str(raw.get("help", "") or ""),
        choices=_choices(raw.get("choices")),
        default=raw.get("default"),
        when=raw.get("when", True),
        secret=bool(raw.get("secret", False)),
        validator=str(raw.get("validator", "") or ""),
    )


def find_config(path: Path) -> Path | None:
    for name in CONFIG_NAMES:
        if (path / name).is_file():
            return path / name
    return None


def load_template_spec(
    path: Path, *, destination: Path | None = None, trusted: bool = False
) -> TemplateSpec:
    """Read the questionnaire of the template folder at ``path`` for ``destination``.

    copier reads ``copier.yml`` (its ``!include`` tags, several documents,
    ``_secret_questions``); this keeps its questions in order, as copier asks them.
    """
    from copier.errors import CopierError

    config = find_config(path)
    if config is None:
        raise MlopsStacksError(
            f"--template: {path} is not a copier template (no copier.yml in it).",
            hint="Pass the folder that holds copier.yml, or omit --template for the built-in one.",
        )
    spec = TemplateSpec(
        path=path,
        config_file=config,
        questions=[],
        settings={},
        destination=destination or Path(),
        trusted=trusted,
    )
    try:  # copier prints a banner of its own for a bad file; the error below says it all
        with contextlib.redirect_stderr(io.StringIO()):
            template = spec._worker.template
            spec.settings = {f"_{k}": v for k, v in template.config_data.items()}
            questions = template.questions_data
    except (CopierError, OSError, ValueError, TypeError) as exc:
        detail = " ".join(str(exc.__cause__ or exc).split()) or type(exc).__name__
        raise MlopsStacksError(f"--template: cannot read {config}: {detail}") from None
    for name, raw in questions.items():
        q = _question(str(name), raw)
        q.spec = spec
        spec.questions.append(q)
    return spec
