"""Generating projects from copier templates (``mlops-stacks init``).

The public entry point is ``init_project(InitOptions(...)) -> InitResult``.
Modules, in the order ``init`` uses them: ``source`` (which template),
``questions`` (its copier.yml), ``answers`` (--data and --config-file),
``destination`` (where the project goes), ``rules`` and ``resolve`` (checking
and completing answers), ``prompts`` (asking at a terminal), ``render``
(copier into a temporary folder, then into place) and ``gitrepo``.
"""

from __future__ import annotations

from mlops_stacks.scaffold.api import InitOptions, InitResult, init_project

__all__ = ["InitOptions", "InitResult", "init_project"]
