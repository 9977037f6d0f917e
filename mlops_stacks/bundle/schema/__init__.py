"""The bundle schema: what fields a bundle may have, and checking a tree against it.

- ``bundle_schema.json``: the JSON schema (draft-07) of the bundle format subset
  mlops-stacks supports; ``mlops-stacks schema`` prints it for editors.
- ``check_schema(tree)``: validate a located tree, returning diagnostics.
"""

from mlops_stacks.bundle.schema.loader import editor_schema, load_schema
from mlops_stacks.bundle.schema.validator import check_schema, is_reference

__all__ = ["check_schema", "editor_schema", "is_reference", "load_schema"]
