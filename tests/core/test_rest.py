"""``core.rest``: a second flask-smorest ``Api`` (as the OB 3.0 API uses, ``config_prefix="OBAPI_"``) lives
beside the default one without touching its document nor the app's error pages."""

from __future__ import annotations

from marshmallow import fields

from core import rest
from core.security import public


class ProbeSchema(rest.StrictSchema):
    badge = fields.String(required=True)


def test_a_second_api_instance_lives_beside_the_default_one(app, login_as, client):
    second = rest.Api(config_prefix="OBAPI_")
    app.config.update(OBAPI_API_TITLE="Open Badges", OBAPI_API_VERSION="3.0", OBAPI_OPENAPI_VERSION="3.1.0")
    second.init_app(app)
    bp = rest.ApiBlueprint("ob_probe", __name__, url_prefix="/ims/probe")

    @bp.route("/badge")
    @public
    @bp.response(200, ProbeSchema)
    def badge():
        return {"badge": "ok", "dropped": "not in the schema"}

    second.register_blueprint(bp)
    apis = app.extensions["flask-smorest"]["apis"]
    assert apis[""]["ext_obj"] is rest.api and apis["OBAPI_"]["ext_obj"] is second
    assert list(second.spec.to_dict()["paths"]) == ["/ims/probe/badge"]
    assert second.spec.to_dict()["info"]["title"] == "Open Badges"
    assert client.get("/ims/probe/badge").json == {"badge": "ok"}
    login_as("admin")
    ours = client.get("/api/v1/openapi.json").json
    assert ours["info"]["title"] == "Tremplin API" and "/ims/probe/badge" not in ours["paths"]
    assert "/api/v1/me" in ours["paths"]
    page = client.get("/no-such-page")  # the app's own error pages still answer
    assert page.status_code == 404 and page.mimetype == "text/html"
