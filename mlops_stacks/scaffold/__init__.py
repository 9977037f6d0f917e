"""Generating projects from copier templates (``mlops-stacks init``).

The public entry point is ``init_project(InitOptions(...)) -> InitResult``, which
is ``generate(prepare(options))``: ``prepare`` checks everything (and prompts)
without writing; ``generate`` renders and commits.
Modules, in the order ``init`` uses them: ``source`` (which template),
``answers`` (--data and --config-file), ``destination`` (where the project
goes), ``questionnaire`` (copier's questions, walked as copier walks them, with
our messages), ``prompts`` (asking at a terminal), ``render`` (copier into a
temporary folder, then into place) and ``gitrepo``.
"""

from __future__ import annotations

from mlops_stacks.scaffold.api import (
    InitOptions,
    InitPlan,
    InitResult,
    generate,
    init_project,
    prepare,
)

__all__ = ["InitOptions", "InitPlan", "InitResult", "generate", "init_project", "prepare"]
