"""The runner's public surface is what the contract promises."""

import mlops_stacks.runner as runner


def test_public_api() -> None:
    promised = {"run_job", "RunRecord", "RunEvent", "list_runs", "load_run", "check_requirements"}
    assert promised <= set(runner.__all__)
    for name in runner.__all__:
        assert hasattr(runner, name), name
        assert not name.startswith("_")
