"""The fake workspace's identity endpoints keep the real APIs' rules (fake_identity.py)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.databricks.fake_server import FakeDatabricks

SCIM = "/api/2.0/preview/scim/v2/ServicePrincipals"
SP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal"
APP = "6f5ccf28-d83a-4957-9bfb-5bbfac551410"


def call(server: FakeDatabricks, method: str, endpoint: str, body: Any = None,
         token: str | None = None, **query: Any) -> tuple[int, dict[str, Any]]:
    answer = requests.request(method, server.url + endpoint, json=body, params=query or None,
                              headers={"Authorization": f"Bearer {token or server.token}"},
                              timeout=10)  # fmt: skip
    return answer.status_code, answer.json()


def create_sp(server: FakeDatabricks, name: str, **extra: Any) -> dict[str, Any]:
    status, sp = call(server, "POST", SCIM, {"schemas": [SP_SCHEMA], "displayName": name, **extra})
    assert status == 200, sp
    return sp


def test_scim_create_needs_the_schema_and_a_name_and_answers_scim_errors(
    server: FakeDatabricks,
) -> None:
    status, body = call(server, "POST", SCIM, {"displayName": "x"})
    assert status == 400
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == "400" and "schemas" in body["detail"]
    assert call(server, "POST", SCIM, {"schemas": [SP_SCHEMA]})[0] == 400


def test_scim_application_ids_are_unique_display_names_are_not(server: FakeDatabricks) -> None:
    first = create_sp(server, "ci", applicationId=APP)
    assert first["applicationId"] == APP
    status, body = call(server, "POST", SCIM,
                        {"schemas": [SP_SCHEMA], "displayName": "other", "applicationId": APP})
    assert status == 409 and body["status"] == "409"
    second = create_sp(server, "ci")  # same display name: allowed
    assert second["applicationId"] != APP and second["id"] != first["id"]


def test_scim_list_filters_pages_and_leaves_resources_out_when_empty(
    server: FakeDatabricks,
) -> None:
    create_sp(server, "demo-staging-deployer")
    create_sp(server, "demo-prod-deployer")
    status, body = call(server, "GET", SCIM, filter='displayName eq "demo-prod-deployer"')
    assert status == 200 and [r["displayName"] for r in body["Resources"]] == ["demo-prod-deployer"]
    _, body = call(server, "GET", SCIM, filter='displayName sw "demo-"', count=1, startIndex=2)
    assert body["totalResults"] == 2 and body["itemsPerPage"] == 1 and len(body["Resources"]) == 1
    _, body = call(server, "GET", SCIM, filter='displayName eq "nobody"')
    assert body["totalResults"] == 0 and "Resources" not in body
    assert call(server, "GET", SCIM, count=101)[0] == 400
    assert call(server, "GET", SCIM, filter="displayName = nobody")[0] == 400


def test_obo_tokens_need_a_principal_work_once_made_and_not_on_azure(
    server: FakeDatabricks,
) -> None:
    path = "/api/2.0/token-management/on-behalf-of/tokens"
    assert call(server, "POST", path, {"application_id": APP})[0] == 400
    sp = create_sp(server, "ci")
    status, body = call(server, "POST", path, {"application_id": sp["applicationId"],
                                               "lifetime_seconds": 60})
    assert status == 200 and body["token_value"]
    status, me = call(server, "GET", "/api/2.0/preview/scim/v2/Me", token=body["token_value"])
    assert status == 200 and me["userName"] == sp["applicationId"]
    assert call(server, "GET", "/api/2.0/preview/scim/v2/Me", token="dapi-made-up")[0] == 401
    server.cloud = "azure"
    assert call(server, "POST", path, {"application_id": sp["applicationId"]})[0] == 404


def test_folder_permissions_check_levels_principals_and_show_inheritance(
    server: FakeDatabricks,
) -> None:
    call(server, "POST", "/api/2.0/workspace/mkdirs", {"path": "/Shared/.bundle/demo"})
    folder = call(server, "GET", "/api/2.0/workspace/get-status", path="/Shared/.bundle/demo")[1]
    perm = f"/api/2.0/permissions/directories/{folder['object_id']}"
    _, acl = call(server, "GET", perm)
    assert acl["access_control_list"] == [{
        "group_name": "users", "all_permissions": [{
            "permission_level": "CAN_MANAGE", "inherited": True,
            "inherited_from_object": [f"/directories/{server.state.objects['/Shared'].object_id}"],
        }],
    }]  # fmt: skip
    entry = {"service_principal_name": APP, "permission_level": "CAN_MANAGE"}
    assert call(server, "PATCH", perm, {"access_control_list": [entry]})[0] == 400  # no such SP
    create_sp(server, "ci", applicationId=APP)
    bad = {**entry, "permission_level": "CAN_QUERY"}
    assert call(server, "PATCH", perm, {"access_control_list": [bad]})[0] == 400
    status, acl = call(server, "PATCH", perm, {"access_control_list": [entry]})
    assert status == 200
    mine = [e for e in acl["access_control_list"] if e.get("service_principal_name") == APP]
    assert mine[0]["all_permissions"] == [{"permission_level": "CAN_MANAGE", "inherited": False}]
    assert call(server, "GET", "/api/2.0/permissions/directories/999999")[0] == 404


@pytest.mark.parametrize(("securable", "name", "privilege", "status"), [
    ("catalog", "staging", "USE_CATALOG", 200),
    ("catalog", "nowhere", "USE_CATALOG", 404),
    ("schema", "staging.demo", "USE_CATALOG", 400),  # not a schema privilege
    ("schema", "staging.demo", "CREATE_MODEL", 200),
    ("catalog", "staging", "CREATE_MODELS", 400),
])  # fmt: skip
def test_grants_check_securable_privilege_and_principal(
    server: FakeDatabricks, securable: str, name: str, privilege: str, status: int,
) -> None:
    call(server, "POST", "/api/2.1/unity-catalog/schemas",
         {"catalog_name": "staging", "name": "demo"})
    path = f"/api/2.1/unity-catalog/permissions/{securable}/{name}"
    change = {"changes": [{"principal": APP, "add": [privilege]}]}
    if status == 200:  # a valid grant, to a principal the workspace does not have
        assert call(server, "PATCH", path, change)[0] == 404
    create_sp(server, "ci", applicationId=APP)  # now the principal exists
    got, body = call(server, "PATCH", path, change)
    assert got == status, body
    if status == 200:
        assert call(server, "GET", path)[1]["privilege_assignments"] == [
            {"principal": APP, "privileges": [privilege]}]


def test_oauth_secrets_need_a_workspace_principal_and_sign_it_in(server: FakeDatabricks) -> None:
    path = "/api/2.0/accounts/servicePrincipals/{}/credentials/secrets"
    assert call(server, "POST", path.format(424242), {})[0] == 404
    sp = create_sp(server, "ci")
    assert call(server, "POST", path.format(sp["id"]), {"lifetime": "3600"})[0] == 400
    assert call(server, "POST", path.format(sp["id"]), {"lifetime": "99999999s"})[0] == 400
    status, made = call(server, "POST", path.format(sp["id"]), {"lifetime": "3600s"})
    assert status == 200 and made["secret"]
    listed = call(server, "GET", path.format(sp["id"]))[1]["secrets"]
    assert [s["id"] for s in listed] == [made["id"]] and "secret" not in listed[0]
    form = {"grant_type": "client_credentials", "client_id": sp["applicationId"]}
    wrong = requests.post(server.url + "/oidc/v1/token", data={**form, "client_secret": "x"},
                          timeout=10)  # fmt: skip
    assert wrong.status_code == 401
    right = requests.post(server.url + "/oidc/v1/token",
                          data={**form, "client_secret": made["secret"]}, timeout=10).json()
    me = call(server, "GET", "/api/2.0/preview/scim/v2/Me", token=right["access_token"])[1]
    assert me["userName"] == sp["applicationId"]
