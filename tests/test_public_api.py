"""The package's public surface is deliberate: what ``__all__`` lists, and nothing private."""

import mlops_stacks


def test_exports_are_public_and_importable() -> None:
    for name in mlops_stacks.__all__:
        assert hasattr(mlops_stacks, name), name
        assert not name.startswith("_") or name == "__version__"


def test_version_is_a_release_string() -> None:
    parts = mlops_stacks.__version__.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)
