"""Placeholder workspace hosts (``mlops_stacks.hosts``)."""

from __future__ import annotations

import jinja2
import pytest
import yaml

from mlops_stacks.hosts import EXAMPLE_HOSTS, host_name, is_placeholder_host, placeholder_reason
from mlops_stacks.templates import builtin_template


def _template_defaults(cloud: str) -> tuple[str, str]:
    questions = yaml.safe_load((builtin_template() / "copier.yml").read_text())
    env = jinja2.Environment()
    return tuple(  # type: ignore[return-value]
        env.from_string(questions[key]["default"]).render(cloud=cloud).strip()
        for key in ("staging_workspace_host", "prod_workspace_host")
    )


@pytest.mark.parametrize("cloud", ["azure", "aws", "gcp"])
def test_the_examples_are_what_the_template_writes(cloud: str) -> None:
    assert _template_defaults(cloud) == EXAMPLE_HOSTS[cloud]
    for host in EXAMPLE_HOSTS[cloud]:
        assert is_placeholder_host(host)
        assert "example host" in str(placeholder_reason(host))
        # However the host is written: trailing slash, a path, upper case.
        assert is_placeholder_host(host.upper() + "/?o=1#job/2")


@pytest.mark.parametrize("host", [
    "https://<workspace>.cloud.databricks.com",
    "https://adb-xxxx.xx.azuredatabricks.net",
    "https://{{ staging_host }}",
    "https://your-workspace.cloud.databricks.com",
    "https://adb-0000000000000000.0.azuredatabricks.net",
    "https://3333333333333333.3.gcp.databricks.com",
    "https://staging.example.com",
    "https://ws.example",
    "https://workspace.invalid",
    "",
])
def test_obvious_placeholders(host: str) -> None:
    assert is_placeholder_host(host), host


@pytest.mark.parametrize("host", [
    "https://adb-4096012345678901.7.azuredatabricks.net",
    "https://acme-ml-staging.cloud.databricks.com",
    "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com",
    "https://4096012345678901.1.gcp.databricks.com",
    "http://127.0.0.1:8123",
    "local",
    "https://examples.cloud.databricks.com",
])
def test_real_looking_hosts_pass(host: str) -> None:
    assert placeholder_reason(host) is None, host


def test_host_name() -> None:
    assert host_name("HTTPS://User@Adb-1.2.AzureDatabricks.net:443/path?x#y") == \
        "adb-1.2.azuredatabricks.net"
