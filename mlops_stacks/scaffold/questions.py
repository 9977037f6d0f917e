"""The questions a copier template asks, read from its ``copier.yml``.

``load_template_spec(path)`` reads the questionnaire without importing copier
(which is slow to import), so answers are checked and prompted for before any
rendering starts. ``when`` and ``default`` are Jinja expressions rendered over
the answers given so far, the same way copier renders them.

A question whose ``when`` is the literal ``false`` is a *computed value*
(e.g. ``project_package``): never asked, never set by users, never recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from mlops_stacks.errors import MlopsStacksError

CONFIG_NAMES = ("copier.yml", "copier.yaml")
_FALSE_WORDS = {"", "n", "no", "f", "false", "off", "~", "null", "none", "0"}


def to_bool(value: Any) -> bool:
    """Read a rendered ``when`` (or any YAML-ish value) as a boolean, like copier does."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if value is None:
        return False
    return str(value).strip().lower() not in _FALSE_WORDS


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
        if isinstance(self.when, str) and self.spec is not None:
            return to_bool(self.spec.render(self.when, context, where=f"{self.name}.when"))
        return to_bool(self.when)

    def validation_error(self, value: Any, context: dict[str, Any]) -> str:
        """The template's own ``validator`` message for ``value`` (empty: valid)."""
        if not self.validator or self.spec is None:
            return ""
        rendered = self.spec.render(
            self.validator, {**context, self.name: value}, where=f"{self.name}.validator"
        )
        return " ".join(rendered.split())

    def default_for(self, context: dict[str, Any]) -> Any:
        """The default, rendered over the answers so far (strings only are templates)."""
        if isinstance(self.default, str) and self.spec is not None and "{" in self.default:
            rendered = self.spec.render(self.default, context, where=f"{self.name}.default")
            if self.type == "bool":
                return to_bool(rendered)
            return rendered
        return self.default


@dataclass
class TemplateSpec:
    """A template folder and its questionnaire."""

    path: Path
    config_file: Path
    questions: list[Question]
    settings: dict[str, Any]

    @property
    def answers_file(self) -> str:
        return str(self.settings.get("_answers_file", ".copier-answers.yml"))

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

    _compiled: dict[str, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def _env(self) -> Any:
        from jinja2.sandbox import SandboxedEnvironment

        envops = dict(self.settings.get("_envops") or {})
        envops.pop("undefined", None)
        extensions: list[str] = []
        try:
            import jinja2_ansible_filters  # noqa: F401  (copier loads these filters too)

            extensions.append("jinja2_ansible_filters.AnsibleCoreFiltersExtension")
        except ImportError:
            pass
        return SandboxedEnvironment(extensions=extensions, **envops)

    def render(self, expression: str, context: dict[str, Any], *, where: str) -> str:
        """Render one Jinja expression of ``copier.yml`` over ``context``."""
        import jinja2

        try:
            compiled = self._compiled.get(expression)
            if compiled is None:
                compiled = self._compiled[expression] = self._env.from_string(expression)
            return compiled.render(**context)
        except jinja2.TemplateError as exc:
            raise MlopsStacksError(
                f"{self.config_file}: cannot evaluate {where} ({exc}).",
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


def _question(name: str, raw: Any) -> Question:
    if not isinstance(raw, dict):
        # Short form: `name: default`.
        return Question(name=name, type=_type_of(raw), default=raw)
    return Question(
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


def load_template_spec(path: Path) -> TemplateSpec:
    """Read the questionnaire of the template folder at ``path``."""
    import yaml

    config = find_config(path)
    if config is None:
        raise MlopsStacksError(
            f"--template: {path} is not a copier template (no copier.yml in it).",
            hint="Pass the folder that holds copier.yml, or omit --template for the built-in one.",
        )
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MlopsStacksError(f"--template: cannot read {config}: {exc}") from None
    if not isinstance(data, dict):
        raise MlopsStacksError(f"--template: {config} is not a mapping of questions.")
    settings = {k: v for k, v in data.items() if str(k).startswith("_")}
    spec = TemplateSpec(path=path, config_file=config, questions=[], settings=settings)
    for name, raw in data.items():
        if str(name).startswith("_"):
            continue
        q = _question(str(name), raw)
        q.spec = spec
        spec.questions.append(q)
    return spec
