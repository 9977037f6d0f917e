"""The bundle engine: ``databricks.yml`` and its includes -> one resolved ``Bundle``.

::

    from mlops_stacks.bundle import load_bundle
    bundle, diags = load_bundle(target="dev", variables={"catalog": "main"})

This layer reads files only: ``${workspace.current_user.*}`` is resolved from
``current_user`` or a ``user_lookup`` the caller passes; ``mlops_stacks.load_bundle``
passes the Databricks one.

The work is a pipeline of small named steps (``bundle/steps/``) run in
phases (``bundle/phases.py``).
"""

from mlops_stacks.bundle.loader import load_bundle
from mlops_stacks.bundle.model import Bundle
from mlops_stacks.bundle.root import find_bundle_root
from mlops_stacks.bundle.summary import bundle_summary

__all__ = ["Bundle", "bundle_summary", "find_bundle_root", "load_bundle"]
