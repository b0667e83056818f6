"""The marshmallow schemas of the Open Badges 3.0 API: they serialise the responses, validate the query and make
the OpenAPI document served at ``/ims/ob/v3p0/discovery`` (flask-smorest, its own ``Api`` with the ``OBAPI_``
configuration prefix, apart from ``/api/v1``)."""

from __future__ import annotations

from flask_smorest import Api
from marshmallow import Schema, fields, validate

from badges.obapi.server import CREDENTIAL_READ, CREDENTIAL_UPSERT, PROFILE_READ, PROFILE_UPDATE

MAX_LIMIT = 100

SCOPE_DESCRIPTIONS = {
    CREDENTIAL_READ: "Permission to read AchievementCredentials for the authenticated entity.",
    CREDENTIAL_UPSERT: "Permission to create or update AchievementCredentials (not granted by this platform).",
    PROFILE_READ: "Permission to read the profile for the authenticated entity.",
    PROFILE_UPDATE: "Permission to update the profile (not granted by this platform).",
}


class ObApi(Api):
    """flask-smorest's ``Api`` without its application-wide ``HTTPException`` handler: the rest of the platform
    answers errors in HTML, and this API answers its own as ``imsx_StatusInfo`` (a blueprint handler)."""

    def _register_error_handlers(self) -> None:
        return None


class CredentialsQuery(Schema):
    limit = fields.Integer(
        load_default=MAX_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": "The maximum number of credentials to return."},
    )
    offset = fields.Integer(
        load_default=0, validate=validate.Range(min=0), metadata={"description": "The index of the first one."}
    )
    since = fields.AwareDateTime(
        load_default=None,
        metadata={"description": "Only credentials issued after this moment (ISO 8601 with a time zone)."},
    )


class GetOpenBadgeCredentialsResponse(Schema):
    """The 1EdTech ``GetOpenBadgeCredentialsResponse``: the credentials as JSON-LD documents (each with its
    Data Integrity proof), byte for byte as issued."""

    credential = fields.List(fields.Dict(), required=True, metadata={"description": "AchievementCredentials"})


class Profile(Schema):
    """The 1EdTech ``Profile`` of the trainee: identifier, name and e-mail address; nothing else."""

    class Meta:
        ordered = True

    id = fields.String(required=True, metadata={"format": "uri"})
    type = fields.List(fields.String(), required=True)
    name = fields.String()
    email = fields.Email()


class CodeMinorField(Schema):
    imsx_codeMinorFieldName = fields.String(required=True)
    imsx_codeMinorFieldValue = fields.String(required=True)


class CodeMinor(Schema):
    imsx_codeMinorField = fields.List(fields.Nested(CodeMinorField), required=True)


class ImsxStatusInfo(Schema):
    """The 1EdTech ``Imsx_StatusInfo`` every error is answered with."""

    imsx_codeMajor = fields.String(
        required=True, validate=validate.OneOf(["failure", "processing", "success", "unsupported"])
    )
    imsx_severity = fields.String(required=True, validate=validate.OneOf(["error", "status", "warning"]))
    imsx_description = fields.String()
    imsx_codeMinor = fields.Nested(CodeMinor)
