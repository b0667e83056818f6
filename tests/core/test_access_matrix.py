"""Role × endpoint matrix over the whole URL map: who gets what, for every route, with real objects.

Every (endpoint, method) of ``app.url_map`` has a row in ``MATRIX``: the status each role gets when it asks for
it with the URL arguments of real demo objects (``tests/demo_world.py``: Adèle's enrolment, placement, badge,
certificate…). The trainee is Adèle herself, the trainer is staff of her cohort, the tutor follows her placement,
the funder has no business with any of it. Writes are sent with a valid CSRF token and an empty body: the
matrix is about who is let through (403/401/302 to the login page) versus who reaches the form's checks
(400/422, or 302 back with a message), not about what a full form does (the feature tests do that).

A new route without a row fails ``test_the_matrix_covers_every_route``: adding a route means deciding, here,
who may reach it.
"""

from __future__ import annotations

import pytest

from core.security import is_public_endpoint
from tests.demo_world import ROLE_USERS, ROLES, login, url_for_rule, world

# Columns: anonymous, trainee, trainer, tutor, funder, admin (coordinator).
# 302 for anonymous on an HTML page is the redirect to the login page (checked); 401 on /api/.
# The walk is in this order (reads, then writes, then logout) on one demo copy per role, so a write may see what
# an earlier one did: the coordinator's "send the link again" revokes the referent link before its review (400).
MATRIX: dict[str, tuple[int, int, int, int, int, int]] = {
    "static GET": (200, 200, 200, 200, 200, 200),
    "admin.audit_log GET": (302, 403, 403, 403, 403, 200),
    "admin.outbox GET": (302, 403, 403, 403, 403, 200),
    "admin.outbox_message GET": (302, 403, 403, 403, 403, 200),
    "admin.users GET": (302, 403, 403, 403, 403, 200),
    "admin.users_detail GET": (302, 403, 403, 403, 403, 200),
    "admin.users_detail POST": (302, 403, 403, 403, 403, 422),
    "admin.users_invite POST": (302, 403, 403, 403, 403, 302),
    "admin.users_new GET": (302, 403, 403, 403, 403, 200),
    "admin.users_new POST": (302, 403, 403, 403, 403, 422),
    "api.me GET": (401, 200, 200, 200, 200, 200),
    "api.me_update PATCH": (401, 200, 200, 200, 200, 200),
    "api.openapi GET": (401, 200, 200, 200, 200, 200),
    "auth.accept_invitation GET": (302, 302, 302, 302, 302, 302),
    "auth.forgot_password GET": (200, 200, 200, 200, 200, 200),
    "auth.forgot_password POST": (200, 200, 200, 200, 200, 200),
    "auth.invitation GET": (200, 200, 200, 200, 200, 200),
    "auth.invitation POST": (400, 400, 400, 400, 400, 400),
    "auth.login GET": (200, 302, 302, 302, 302, 302),
    "auth.login POST": (200, 302, 302, 302, 302, 302),
    "auth.logout POST": (302, 302, 302, 302, 302, 302),
    "auth.password_reset GET": (400, 400, 400, 400, 400, 400),
    "auth.password_reset POST": (200, 200, 200, 200, 200, 200),
    "auth.reset_password GET": (302, 302, 302, 302, 302, 302),
    "badges_api.api_verify POST": (200, 200, 200, 200, 200, 200),
    "badges.assertion GET": (303, 303, 303, 303, 303, 303),
    "badges.assertion_jws GET": (200, 200, 200, 200, 200, 200),
    "badges.badge_class GET": (200, 200, 200, 200, 200, 200),
    "badges.badge_class_image GET": (200, 200, 200, 200, 200, 200),
    "badges.baked GET": (200, 200, 200, 200, 200, 200),
    "badges.baked_ob2 GET": (200, 200, 200, 200, 200, 200),
    "badges.credential GET": (200, 200, 200, 200, 200, 200),
    "badges.credential_jwt GET": (200, 200, 200, 200, 200, 200),
    "badges.did_document GET": (200, 200, 200, 200, 200, 200),
    "badges.backpack_authorize GET": (302, 302, 403, 403, 403, 403),
    "badges.backpack_callback GET": (302, 302, 403, 403, 403, 403),
    "badges.backpack_page GET": (302, 200, 403, 403, 403, 403),
    "badges.backpack_page POST": (302, 422, 403, 403, 403, 403),
    "badges.issuer_profile GET": (200, 200, 200, 200, 200, 200),
    "badges.key_document GET": (200, 200, 200, 200, 200, 200),
    "badges.my_badge GET": (302, 200, 403, 403, 403, 403),
    "badges.my_badge POST": (302, 302, 403, 403, 403, 403),
    "badges.my_badge_wallet POST": (302, 200, 403, 403, 403, 403),  # her badge's wallet offer (QR code)
    "badges.my_badges GET": (302, 200, 403, 403, 403, 403),
    # OpenID4VCI: public metadata; the OAuth endpoints answer anyone by what the request carries (a code, a token).
    "badges.oid4vci_authorization_server GET": (200, 200, 200, 200, 200, 200),
    "badges.oid4vci_credential POST": (401, 401, 401, 401, 401, 401),  # no bearer access token
    "badges.oid4vci_issuer_metadata GET": (200, 200, 200, 200, 200, 200),
    "badges.oid4vci_nonce POST": (200, 200, 200, 200, 200, 200),
    "badges.oid4vci_token POST": (400, 400, 400, 400, 400, 400),  # no grant_type: unsupported_grant_type
    "badges.profile GET": (200, 200, 200, 200, 200, 200),
    "badges.register GET": (302, 403, 403, 403, 403, 200),
    "badges.register_award GET": (302, 403, 403, 403, 403, 200),
    "badges.register_award POST": (302, 403, 403, 403, 403, 422),
    "badges.revocation_list GET": (200, 200, 200, 200, 200, 200),
    "badges.status_list GET": (200, 200, 200, 200, 200, 200),
    "badges.verify GET": (200, 200, 200, 200, 200, 200),
    "badges.verify POST": (422, 422, 422, 422, 422, 422),
    "badges.verify_badge GET": (200, 200, 200, 200, 200, 200),
    "core.account GET": (302, 200, 200, 200, 200, 200),
    "core.account POST": (302, 200, 200, 200, 200, 200),
    "core.api_token_revoke POST": (302, 404, 404, 404, 404, 302),
    "core.api_tokens GET": (302, 200, 200, 200, 200, 200),
    "core.api_tokens POST": (302, 422, 422, 422, 422, 422),
    "core.healthz GET": (200, 200, 200, 200, 200, 200),
    "core.home GET": (302, 200, 200, 200, 200, 200),
    "core.set_language POST": (302, 302, 302, 302, 302, 302),
    "courses.attendance_summary GET": (302, 200, 200, 403, 403, 200),
    "courses.calendar GET": (302, 200, 200, 200, 200, 200),
    "courses.calendar_feed_delete POST": (302, 302, 302, 302, 302, 302),
    "courses.calendar_feed_new POST": (302, 200, 200, 200, 200, 200),
    "courses.calendar_ics GET": (200, 200, 200, 200, 200, 200),
    "courses.certificate_pdf GET": (302, 200, 200, 403, 403, 200),
    "courses.cohort_certificates GET": (302, 403, 200, 403, 403, 200),
    "courses.cohort_documents GET": (302, 403, 200, 403, 403, 200),
    "courses.cohort_documents POST": (302, 403, 400, 403, 403, 400),
    "courses.document_pdf GET": (302, 200, 200, 403, 403, 200),
    "courses.cohort_certificates_zip POST": (302, 403, 302, 403, 403, 302),
    "courses.cohort_detail GET": (302, 403, 200, 403, 403, 200),
    "courses.competency_grid GET": (302, 403, 200, 403, 403, 200),
    "courses.competency_grid POST": (302, 403, 400, 403, 403, 400),  # no module nor competency chosen
    "courses.cohort_edit GET": (302, 403, 403, 403, 403, 200),
    "courses.cohort_edit POST": (302, 403, 403, 403, 403, 302),
    "courses.cohort_convocation GET": (302, 403, 403, 403, 403, 200),
    "courses.cohort_convocation POST": (302, 403, 403, 403, 403, 302),
    "courses.cohort_import GET": (302, 403, 403, 403, 403, 200),
    "courses.cohort_import POST": (302, 403, 403, 403, 403, 422),
    "courses.cohort_new GET": (302, 403, 403, 403, 403, 200),
    "courses.cohort_new POST": (302, 403, 403, 403, 403, 422),
    "courses.cohort_report GET": (302, 403, 200, 403, 403, 200),
    "courses.cohort_report_export GET": (302, 403, 200, 403, 403, 200),
    "courses.cohorts GET": (302, 403, 200, 403, 403, 200),
    "courses.emargement_code GET": (302, 403, 409, 403, 403, 409),  # the demo session's window is closed
    "courses.emargement_correct POST": (302, 403, 400, 403, 403, 400),
    "courses.emargement_countersign POST": (302, 403, 303, 403, 403, 303),
    "courses.emargement_device GET": (302, 403, 200, 403, 403, 200),
    "courses.emargement_device POST": (302, 403, 400, 403, 403, 400),
    "courses.emargement_excuse POST": (302, 403, 400, 403, 403, 400),
    "courses.emargement_override POST": (302, 403, 400, 403, 403, 400),
    "courses.emargement_pdf GET": (302, 403, 200, 403, 403, 200),
    "courses.emargement_screen GET": (302, 403, 200, 403, 403, 200),
    "courses.emargement_sign GET": (302, 200, 403, 403, 403, 403),
    "courses.emargement_sign POST": (302, 422, 403, 403, 403, 403),
    "courses.emargement_verify GET": (404, 404, 404, 404, 404, 404),  # a certificate's code is not a sheet's
    "courses.enrolment_detail GET": (302, 403, 200, 403, 403, 200),
    "courses.evidence_download GET": (302, 200, 200, 403, 403, 200),
    "courses.final_work POST": (302, 403, 403, 403, 403, 422),
    "courses.framework GET": (200, 200, 200, 200, 200, 200),
    "courses.bpf_index GET": (302, 403, 403, 403, 403, 302),
    "courses.bpf_report GET": (302, 403, 403, 403, 403, 200),
    "courses.bpf_report_export GET": (302, 403, 403, 403, 403, 200),
    "courses.enrolment_funding GET": (302, 403, 403, 403, 403, 200),
    "courses.enrolment_funding POST": (302, 403, 403, 403, 403, 302),
    "courses.enrolment_esf POST": (302, 403, 403, 403, 403, 404),
    "courses.esf_participants_export GET": (302, 403, 403, 403, 403, 404),
    "courses.esf_report GET": (302, 403, 403, 403, 200, 200),
    "courses.esf_report_export GET": (302, 403, 403, 403, 200, 200),
    "courses.satisfaction_report GET": (302, 403, 403, 403, 200, 200),
    "courses.satisfaction_report_export GET": (302, 403, 403, 403, 200, 200),
    "courses.my_questionnaires GET": (302, 200, 403, 403, 403, 403),
    "courses.questionnaire GET": (302, 200, 403, 403, 403, 403),
    "courses.questionnaire POST": (302, 422, 403, 403, 403, 403),
    "courses.qualiopi_index GET": (302, 403, 403, 403, 403, 200),
    "courses.qualiopi_index POST": (302, 403, 403, 403, 403, 302),
    "courses.funder_report GET": (302, 403, 403, 403, 200, 200),
    "courses.funder_report_export GET": (302, 403, 403, 403, 200, 200),
    "courses.hours_review POST": (302, 403, 422, 422, 403, 422),  # refused: the page again, the answer kept
    "courses.hours_to_confirm GET": (302, 403, 200, 200, 403, 200),
    "courses.glossary GET": (302, 200, 200, 200, 200, 200),
    "courses.hours_confirm_all POST": (302, 403, 400, 400, 403, 400),  # no day listed
    "courses.my_hours GET": (302, 200, 403, 403, 403, 403),
    "courses.my_hours POST": (302, 422, 403, 403, 403, 403),
    "courses.my_documents GET": (302, 200, 403, 403, 403, 403),
    "courses.my_hours_delete POST": (302, 302, 403, 403, 403, 403),  # her own pending day: deleted
    "courses.my_hours_edit GET": (302, 200, 403, 403, 403, 403),
    "courses.my_hours_edit POST": (302, 404, 403, 403, 403, 403),  # deleted just before (writes run in key order)
    "courses.my_training GET": (302, 200, 403, 403, 403, 403),
    "courses.pause_add POST": (302, 403, 403, 403, 403, 422),
    "courses.pause_delete POST": (302, 403, 403, 403, 403, 302),
    "courses.placement_add POST": (302, 403, 403, 403, 403, 422),
    "courses.placement_end POST": (302, 403, 403, 403, 403, 302),
    "courses.placement_send_link POST": (302, 403, 403, 403, 403, 302),
    "courses.platform_export POST": (302, 403, 403, 403, 403, 400),
    "courses.programme_detail GET": (302, 403, 200, 403, 403, 200),
    "courses.programmes GET": (302, 403, 200, 403, 403, 200),
    "courses.reports_index GET": (302, 403, 200, 403, 200, 200),
    "courses.session_detail GET": (302, 403, 200, 403, 403, 200),
    "courses.session_detail POST": (302, 403, 400, 403, 403, 400),
    "courses.session_edit GET": (302, 403, 403, 403, 403, 200),
    "courses.session_edit POST": (302, 403, 403, 403, 403, 422),
    "courses.session_new GET": (302, 403, 403, 403, 403, 200),
    "courses.session_new POST": (302, 403, 403, 403, 403, 422),
    "courses.session_sheet GET": (302, 403, 200, 403, 403, 200),
    "courses.tutor_link GET": (200, 200, 200, 200, 200, 200),
    # The trainee's column: 404 once she has deleted her pending day (courses.my_hours_delete, walked before).
    "courses.tutor_link_review POST": (422, 404, 422, 422, 422, 400),
    "courses.tutor_link_confirm_all POST": (400, 400, 400, 400, 400, 400),  # no day listed (or link revoked)
    "courses.validation_add POST": (302, 403, 422, 403, 403, 422),
    "courses.validation_withdraw POST": (302, 403, 403, 403, 403, 302),
    "courses.verify_certificate GET": (200, 200, 200, 200, 200, 200),
    "courses.withdrawal POST": (302, 403, 403, 403, 403, 302),
    "courses_api.attendance GET": (401, 403, 200, 403, 403, 200),
    "courses_api.attendance_save PUT": (401, 403, 422, 403, 403, 422),
    "courses_api.cohort GET": (401, 403, 200, 403, 200, 200),
    "courses_api.cohort_badges GET": (401, 403, 200, 403, 403, 200),
    "courses_api.cohort_eligibility GET": (401, 403, 200, 403, 403, 200),
    "courses_api.cohort_placements GET": (401, 403, 200, 403, 403, 200),
    "courses_api.cohort_report GET": (401, 403, 200, 403, 403, 200),
    "courses_api.cohort_sessions GET": (401, 403, 200, 403, 403, 200),
    "courses_api.cohorts GET": (401, 403, 200, 403, 200, 200),
    "courses_api.funder_report GET": (401, 403, 403, 403, 200, 200),
    "courses_api.hours_review POST": (401, 404, 422, 422, 403, 422),  # trainee: her day is deleted (see above)
    "courses_api.placement_hours GET": (401, 200, 200, 200, 403, 200),
    "courses_api.placement_hours_log POST": (401, 422, 403, 403, 403, 403),
    "courses_api.programmes GET": (401, 403, 200, 403, 200, 200),
    "jobs.detail GET": (302, 403, 403, 403, 403, 200),
    "jobs.download GET": (302, 403, 403, 403, 403, 200),
    "jobs.mine GET": (302, 200, 200, 200, 200, 200),
    "jobs.overview GET": (302, 403, 403, 403, 403, 200),
    "jobs.retry POST": (302, 403, 403, 403, 403, 302),
    "jobs.status GET": (302, 403, 403, 403, 403, 200),
    # Open Badges 3.0 API: the consent page needs a valid request from an application (400 without one); the
    # resources answer bearer tokens only (a session cookie is not enough: 401); nothing is stored from outside.
    "oauth.applications GET": (302, 200, 200, 200, 200, 200),
    "oauth.withdraw POST": (302, 302, 404, 404, 404, 404),  # Adèle withdraws the demo application's access
    "oauth.authorize GET": (302, 400, 400, 400, 400, 400),
    "oauth.authorize POST": (302, 400, 400, 400, 400, 400),
    "oauth.discovery GET": (200, 200, 200, 200, 200, 200),
    "oauth.register POST": (400, 400, 400, 400, 400, 400),
    "oauth.token POST": (400, 400, 400, 400, 400, 400),
    "oauth.revoke POST": (401, 401, 401, 401, 401, 401),  # no client credentials
    "obapi.get_credentials GET": (401, 401, 401, 401, 401, 401),
    "obapi.upsert_credential POST": (405, 405, 405, 405, 405, 405),
    "obapi.get_profile GET": (401, 401, 401, 401, 401, 401),
    "obapi.put_profile PUT": (405, 405, 405, 405, 405, 405),
    "privacy.my_data GET": (302, 200, 200, 200, 200, 200),
    "privacy.my_data POST": (302, 200, 200, 200, 200, 200),  # the ZIP of one's own data (any account)
    "privacy.notice GET": (200, 200, 200, 200, 200, 200),
    "privacy.user_privacy GET": (302, 403, 403, 403, 403, 200),
    "privacy.user_privacy POST": (302, 403, 403, 403, 403, 200),  # no action chosen: the page again
}


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config}


def routes(app):
    """(key, rule, method) for every route, reads first and logout last (writes may change the demo copy)."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((f"{rule.endpoint} {method}", rule, method))
    return sorted(found, key=lambda r: (r[2] != "GET", r[0] == "auth.logout POST", r[0]))


def request(client, url: str, method: str):
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        return client.open(url, method=method, json={})
    return client.open(url, method=method, data={})


def test_the_matrix_covers_every_route(app):
    keys = {key for key, _rule, _method in routes(app)}
    assert sorted(keys - MATRIX.keys()) == [], "new routes: add a row to MATRIX (who may reach them?)"
    assert sorted(MATRIX.keys() - keys) == [], "rows for routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, client, demo, role):
    w = world(app)
    if ROLE_USERS[role]:
        login(client, ROLE_USERS[role])
    column = ROLES.index(role)
    wrong = []
    for key, rule, method in routes(app):
        url = url_for_rule(app, rule, w)
        response = request(client, url, method)
        response.close()
        expected = MATRIX.get(key, (None,) * 6)[column]
        if response.status_code != expected:
            wrong.append(f"{key} {url}: {response.status_code} (expected {expected})")
        if role == "anonymous" and response.status_code == 302 and not is_public_endpoint(app, rule.endpoint):
            assert response.headers["Location"].startswith("/login"), key
    assert wrong == [], "\n".join(wrong)
