"""``mlops-stacks schema``: print the JSON schema of bundle files, for editors and CI."""

from __future__ import annotations

import json
import sys

import typer

HELP = """Print the JSON schema of bundle configuration files (databricks.yml and includes).

Editors validate and complete bundle files with it. Save it once and point
yaml-language-server (VS Code YAML extension, neovim, JetBrains) at it with a
comment on the first line of each file:

    mlops-stacks schema > .mlops-stacks-schema.json
    # yaml-language-server: $schema=.mlops-stacks-schema.json

Or validate files in CI with check-jsonschema:

    check-jsonschema --schemafile .mlops-stacks-schema.json databricks.yml

Typed fields also accept `${...}` references, as in the files you write.
`mlops-stacks validate` does more: it resolves references and checks the task graph.
"""


def schema() -> None:
    from mlops_stacks.bundle.schema import editor_schema

    sys.stdout.write(json.dumps(editor_schema(), indent=2) + "\n")


def register(app: typer.Typer) -> None:
    app.command("schema", help=HELP)(schema)
