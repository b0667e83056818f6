"""The OpenAPI document is true: every /api/v1 route is described and every description has a route, real
responses validate against their schemas, and schemathesis finds no server error and no schema violation."""

from __future__ import annotations

import re

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from core import api_auth
from core.db import db
from tests.courses.conftest import placement_with_hours

METHODS = {"get", "put", "post", "patch", "delete"}


def _routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        out |= {(path, method.lower()) for method in rule.methods if method.lower() in METHODS}
    return out


def test_every_route_is_documented_and_every_operation_exists(app, client, login_as):
    login_as("admin")
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops if method in METHODS}
    assert documented == _routes(app)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert (op["operationId"] and "200" in op["responses"]) or "201" in op["responses"], (path, method)
            names = set(re.findall(r"{([a-z_]+)}", path))
            assert names == {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}, (path, method)


def test_the_document_is_valid_openapi_3_1(app):
    from core import openapi

    schemathesis.openapi.from_dict(openapi.document()).validate()


def test_the_document_needs_a_login(client):
    assert client.get("/api/v1/openapi.json").status_code == 401


def _validator(doc, path: str, method: str, status: int):
    schema = doc["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**schema, "components": doc["components"]})


def test_real_responses_match_their_schemas(app, cohort, admin, make_tutor):
    from core import openapi

    doc = openapi.document()
    placement, _ = placement_with_hours(cohort.enrolment, make_tutor(), "Accueil C", 60)
    _token, secret = api_auth.create_token(admin, "t", ["read", "write:attendance", "write:hours"], 30)
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    c, s = cohort.cohort.uuid, cohort.past[0].uuid
    calls = [
        ("/api/v1/me", "get", "/api/v1/me"),
        ("/api/v1/programmes", "get", "/api/v1/programmes"),
        ("/api/v1/cohorts", "get", "/api/v1/cohorts"),
        ("/api/v1/cohorts/{cohort_id}", "get", f"/api/v1/cohorts/{c}"),
        ("/api/v1/cohorts/{cohort_id}/sessions", "get", f"/api/v1/cohorts/{c}/sessions"),
        ("/api/v1/sessions/{session_id}/attendance", "get", f"/api/v1/sessions/{s}/attendance"),
        ("/api/v1/cohorts/{cohort_id}/placements", "get", f"/api/v1/cohorts/{c}/placements"),
        ("/api/v1/placements/{placement_id}/hours", "get", f"/api/v1/placements/{placement.uuid}/hours"),
        ("/api/v1/cohorts/{cohort_id}/eligibility", "get", f"/api/v1/cohorts/{c}/eligibility"),
        ("/api/v1/cohorts/{cohort_id}/badges", "get", f"/api/v1/cohorts/{c}/badges"),
        ("/api/v1/cohorts/{cohort_id}/reports/{kind}", "get", f"/api/v1/cohorts/{c}/reports/sessions"),
        ("/api/v1/reports/funder", "get", "/api/v1/reports/funder"),
    ]
    for path, method, url in calls:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        _validator(doc, path, method, 200).validate(response.json)
    missing = client.get(f"/api/v1/cohorts/{placement.uuid}", headers=headers)
    assert missing.status_code == 404
    _validator(doc, "/api/v1/cohorts/{cohort_id}", "get", 404).validate(missing.json)
    roster = client.get(f"/api/v1/sessions/{s}/attendance", headers=headers).json
    stale = client.put(
        f"/api/v1/sessions/{s}/attendance",
        json={"roster_version": roster["roster_version"] + 5, "marks": []},
        headers=headers,
        csrf=False,
    )
    assert stale.status_code == 409
    _validator(doc, "/api/v1/sessions/{session_id}/attendance", "put", 409).validate(stale.json)


@pytest.mark.fuzz
def test_schemathesis_finds_no_server_error_and_no_schema_violation(app, cohort, admin, make_tutor):
    """Every operation, with random input (and with the ids of real objects), as a coordinator's token."""
    from core import openapi

    placement, entries = placement_with_hours(cohort.enrolment, make_tutor(), "Accueil D", 60, 90)
    _token, secret = api_auth.create_token(admin, "fuzz", ["read", "write:attendance", "write:hours"], 30)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}

    def wsgi(environ, start_response):  # each request in its own app context, as in production
        with app.app_context():
            return list(app.wsgi_app(environ, start_response))

    schema = schemathesis.openapi.from_dict(openapi.document())
    schema.app = wsgi
    real = {
        "cohort_id": str(cohort.cohort.uuid),
        "session_id": str(cohort.past[0].uuid),
        "placement_id": str(placement.uuid),
        "hours_id": str(entries[0].uuid),
    }
    checks = [not_a_server_error, response_schema_conformance]
    seen: dict[tuple[str, int], int] = {}
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        variants = [(GenerationMode.POSITIVE, {}), (GenerationMode.NEGATIVE, {})]
        if names:
            variants.append((GenerationMode.POSITIVE, {k: v for k, v in real.items() if k in names}))
        for mode, path_parameters in variants:
            strategy = operation.as_strategy(mode, path_parameters=path_parameters or None)

            @given(case=strategy)
            @settings(
                max_examples=10,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                response = case.call(headers=headers)
                key = (case.operation.label, response.status_code)
                seen[key] = seen.get(key, 0) + 1
                case.validate_response(response, checks=checks)

            run()
            ran += 1
    assert ran >= 20
    statuses = {status for _label, status in seen}
    assert 200 in statuses and 404 in statuses and 401 not in statuses  # the token was used, real ids were found
    assert sum(seen.values()) >= 100
