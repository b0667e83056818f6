"""Configuration: defaults, then the environment, then the ``config`` mapping given to ``create_app``.

Environment variables: ``DATABASE_URL``, ``SECRET_KEY``, ``TREMPLIN_BASE_URL`` and any ``TREMPLIN_<KEY>``
(``TREMPLIN_ENV``, ``TREMPLIN_SMTP_HOST``…), whose value is parsed as JSON when it can be.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Values that must never sign anything in production.
WEAK_SECRET_KEYS = frozenset({"", "dev", "change-me", "secret", "changeme"})
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says what to change."""


DEFAULTS: dict[str, Any] = {
    # development | production | testing
    "ENV": "development",
    "BASE_URL": "http://127.0.0.1:5000",
    "SQLALCHEMY_DATABASE_URI": None,  # None → SQLite file under instance/
    "SQLALCHEMY_ENGINE_OPTIONS": None,  # None → pool_pre_ping for server databases (not for SQLite files)
    "SECRET_KEY": None,  # None → development: a random key kept in instance/secret_key
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "tremplin_session",
    "SESSION_COOKIE_SECURE": None,  # None → secure exactly when BASE_URL is https
    "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
    "WTF_CSRF_TIME_LIMIT": 60 * 60 * 12,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "BABEL_DEFAULT_LOCALE": "fr",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Brussels",
    "LANGUAGES": ["fr", "en", "nl"],
    # Login lock-outs (OWASP): within the window, LOGIN_MAX_FAILURES failures for one account from one address
    # lock that account from that address; LOGIN_MAX_FAILURES_PER_ADDRESS failures from one address (any
    # accounts) lock the address; LOGIN_MAX_FAILURES_PER_ACCOUNT failures against one account from browsers that
    # never logged in to it lock it for such browsers (None turns either brake off). A browser that logged in
    # before holds a signed device cookie (LOGIN_DEVICE_COOKIE_DAYS) and only its own failures count against it.
    "LOGIN_MAX_FAILURES": 10,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 100,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 50,
    "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "LOGIN_DEVICE_COOKIE_DAYS": 365,
    # Networks whose addresses the per-address limits skip (the forms' RATE_LIMITS and the login's per-address
    # brake; never the per-account ones): empty by default, a benchmark or a test on loopback says so itself.
    # A JSON list or a comma-separated string of addresses or networks ("127.0.0.0/8, ::1").
    "RATE_LIMIT_EXEMPT_NETWORKS": [],
    # Pages kept in memory per person and version of what they show (core/pagecache.py). VERIFY renders each
    # kept page afresh and fails on a difference: None → on in the test configuration only.
    "PAGE_CACHE": True,
    "PAGE_CACHE_VERIFY": None,
    "INVITATION_TTL_SECONDS": 14 * 24 * 3600,
    "PASSWORD_RESET_TTL_SECONDS": 3600,
    "PASSWORD_MIN_LENGTH": 10,
    # Outgoing mail: without SMTP_HOST, messages stay in the outbox that coordinators read in the UI.
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": True,
    "MAIL_FROM": "Tremplin <no-reply@localhost>",
    # Where every kept file goes (core.storage): evidence, job results. file:///absolute/folder (default: the
    # instance folder, whose evidence/ and jobs/ hold them) or s3://bucket/prefix (endpoint and credentials from
    # the standard AWS_* variables; "path" addressing for most self-hosted stores, also ?addressing=path).
    "STORAGE_URL": None,
    "S3_ADDRESSING_STYLE": None,
    # Privacy: evidence files are deleted this many days after their cohort ended, by `tremplin privacy purge
    # --apply` (0: kept until erased by hand); who is responsible for the data and how to reach them (shown on
    # the privacy notice; default: the badge issuer's name and address).
    "EVIDENCE_RETENTION_DAYS": 365,
    "PRIVACY_CONTROLLER": None,
    "PRIVACY_CONTACT": None,
    # Background jobs (core.jobs), run by `tremplin worker` processes (never by web processes; result files go to
    # storage, jobs/…): how often a worker polls (slowing down to the idle poll when there is nothing to do), the
    # heartbeat of a running job, when a silent running job counts as abandoned, how many tries a job gets and the
    # backoff between them (RETRY_SECONDS × 2^(n-1), at most RETRY_MAX_SECONDS).
    "JOBS_POLL_SECONDS": 0.5,
    "JOBS_IDLE_POLL_SECONDS": 2,
    "JOBS_HEARTBEAT_SECONDS": 30,
    "JOBS_STALE_SECONDS": 300,
    "JOBS_MAX_ATTEMPTS": 5,
    "JOBS_RETRY_SECONDS": 10,
    "JOBS_RETRY_MAX_SECONDS": 3600,
    "JOBS_KEEP_DAYS": 7,  # finished jobs and their files are deleted after this (they hold personal data)
    # Open Badges: the passphrase encrypting private signing keys (default: derived from SECRET_KEY), the
    # issuer identifier of OB 3.0 credentials ("key": did:key, offline-verifiable; "web": did:web of BASE_URL),
    # and the issuer profile created by `tremplin keys generate`.
    "BADGES_KEY_PASSPHRASE": None,
    "BADGES_ISSUER_DID": "key",
    "BADGES_ISSUER_NAME": None,
    "BADGES_ISSUER_URL": None,
    "BADGES_ISSUER_EMAIL": None,
    # The training body's LinkedIn page id (digits): "Add to profile" links then name that page, not just a name.
    "LINKEDIN_ORGANIZATION_ID": None,
    # The training body on its documents: its name (default: the badge issuer's) and its declaration number
    # (France: numéro de déclaration d'activité, NDA; written on the certificats de réalisation).
    "ORGANISATION_NAME": None,
    "ORGANISATION_NDA": None,
    "ORGANISATION_COUNTRY": "FR",  # "BE": Belgian wording (attestation de participation, numéro d'agrément)
    # PAdES signature of every PDF (core.pdf_signing): on by default, with the platform's self-signed certificate,
    # or a certificate from a certification authority (PKCS#12 file and its passphrase); a time-stamping
    # authority's URL (RFC 3161) makes the signatures PAdES B-T instead of B-B.
    "PDF_SIGNING": True,
    "PDF_SIGNING_PKCS12": None,
    "PDF_SIGNING_PASSPHRASE": None,
    "PDF_SIGNING_TSA_URL": None,
    "PDF_SIGNING_LOCATION": None,
    # The verifier's network transport (badges.resolver) refuses loopback, private, link-local and other internal
    # addresses; these comma-separated CIDR ranges are let through anyway (tests, intranets). Checked at start.
    "VERIFY_ALLOW_NETWORKS": "",
    # Émargement (courses.emargement): the public-holiday calendars of the `holidays` library checked for a
    # cohort, by its time zone ("FR", "BE", or a subdivision: "FR-57"); the days a training body also keeps
    # ("MM-DD" → name: a Belgian community's or region's day, which the library does not count as public); how
    # long an excused absence's file is kept (the fact "justification provided" stays).
    "EMARGEMENT_HOLIDAY_CALENDARS": {"Europe/Paris": ["FR"], "Europe/Brussels": ["BE"]},
    "EMARGEMENT_EXTRA_HOLIDAYS": {},
    "EXCUSE_FILE_RETENTION_DAYS": 90,
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    "PROXY_COUNT": 0,
    # Compression (Flask-Compress) of what a phone downloads: pages, JSON and text assets, brotli or gzip, whichever
    # the browser prefers. Never images, PDFs or ZIPs (already compressed), never a response that already has a
    # Content-Encoding, never a streamed response (downloads go out chunk by chunk, as they are made).
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_BR_LEVEL": 5,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,
    "COMPRESS_STREAMS": False,
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/ld+json",
        "image/svg+xml",
    ],
}


def _instance_secret_key(instance_path: Path) -> str:
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load(app, overrides: dict[str, Any] | None) -> None:
    """Fill ``app.config`` and check that it is safe to run."""
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("TREMPLIN")
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if overrides:
        app.config.update(overrides)

    env = app.config["ENV"]
    if env not in ("development", "production", "testing"):
        raise ConfigError(f"TREMPLIN_ENV must be development, production or testing, not {env!r}.")
    app.testing = env == "testing" or bool(app.config.get("TESTING"))
    if app.config["PAGE_CACHE_VERIFY"] is None:
        app.config["PAGE_CACHE_VERIFY"] = app.testing

    instance = Path(app.instance_path)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'tremplin.db'}"
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://") or uri.startswith("postgresql://"):
        # Heroku-style URLs: use psycopg 3, the driver we ship.
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
    if app.config["SQLALCHEMY_ENGINE_OPTIONS"] is None:
        # A server connection can die between requests: ping it at checkout. A SQLite file cannot, and the ping
        # would cost a statement per request.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": not uri.startswith("sqlite")}

    key = app.config["SECRET_KEY"]
    if env == "production":
        if not key or key in WEAK_SECRET_KEYS or len(key) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                "Refusing to start in production with the default or a weak secret key: set SECRET_KEY to a "
                f"random value of at least {MIN_SECRET_KEY_LENGTH} characters, for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
    elif not key:
        app.config["SECRET_KEY"] = _instance_secret_key(instance)

    _check_login_limits(app.config)

    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    secure = app.config["BASE_URL"].startswith("https://")
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["PREFERRED_URL_SCHEME"] = "https" if secure else "http"


def exempt_networks(value: Any) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``RATE_LIMIT_EXEMPT_NETWORKS`` read: a list, or a comma-separated string, of addresses or networks."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ConfigError('RATE_LIMIT_EXEMPT_NETWORKS must be a list of networks, such as ["127.0.0.0/8"].')
    networks = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ConfigError(
                f"RATE_LIMIT_EXEMPT_NETWORKS: {text!r} is not an address or a network (such as 127.0.0.0/8)."
            ) from exc
    return tuple(networks)


def _check_login_limits(config) -> None:
    for key, optional in (
        ("LOGIN_MAX_FAILURES", False),
        ("LOGIN_MAX_FAILURES_PER_ADDRESS", True),
        ("LOGIN_MAX_FAILURES_PER_ACCOUNT", True),
        ("LOGIN_FAILURE_WINDOW_SECONDS", False),
        ("LOGIN_DEVICE_COOKIE_DAYS", False),
    ):
        value = config[key]
        if value is None and optional:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            off = " or null (off)" if optional else ""
            raise ConfigError(f"TREMPLIN_{key} must be a whole number above 0{off}, not {value!r}.")
    exempt_networks(config["RATE_LIMIT_EXEMPT_NETWORKS"])
