"""One settings module, read from the environment.

SQLite is the default so that `make run` needs no server; set DATABASE_URL
to use PostgreSQL. Secrets may also come from a file named by `<NAME>_FILE`.
"""

import os
import secrets
from datetime import time, timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envfloat(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


# "production" makes every insecure default an error; "development" (the
# default, used by `make run` and the tests) keeps the machine self-contained.
DJANGO_ENV = envstr("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"


def envrequired(name: str, development_default: str) -> str:
    """A value production must be given; development falls back to a local default.

    A missing value in production stops the server instead of running on a
    default that was only ever meant for a developer's machine.
    """
    value = envstr(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set in production.")
    return development_default


DEBUG = envbool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")
# The published development key signs sessions only under DEBUG (`make run`).
# Without DEBUG and without SECRET_KEY (tests, benchmarks, commands) the process
# gets a key of its own, and config/wsgi.py refuses to serve with such a key: a
# server started without DEBUG never runs on a key anyone can read here.
DEVELOPMENT_SECRET_KEY = "development-only-key-never-used-in-production"
SECRET_KEY = envstr("SECRET_KEY")
SECRET_KEY_EPHEMERAL = False
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set in production.")
    if DEBUG:
        SECRET_KEY = DEVELOPMENT_SECRET_KEY
    else:
        SECRET_KEY = "ephemeral-" + secrets.token_urlsafe(48)
        SECRET_KEY_EPHEMERAL = True

ALLOWED_HOSTS = [
    host.strip()
    for host in envrequired("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "csp",
    "viewflow",
    "viewflow.workflow",
    "operations",
    "audit",
    "departments",
    "plans",
    "workflow",
    "meetings",
    "rounds",
    "notices",
    "supervision",
    "documents",
    "bulletins",
    "indicators",
    "dashboard",
    "assessment",
    "ledger",
    "jobs",
    "demo",
    "axes",
]

# The issuing body of the working group's official documents (督办单, 通报).
WORKING_GROUP_NAME = envstr("WORKING_GROUP_NAME", "邢台市质量强市建设工作专班")
# A bulletin draft's PDF of a plan with more tasks than this is rendered by a Celery
# task (bulletins.render) with a progress indicator; smaller ones inline.
BULLETIN_INLINE_MAX_TASKS = envint("BULLETIN_INLINE_MAX_TASKS", 60)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "common.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "departments.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "workflow.middleware.UnitScopeMiddleware",
    "departments.middleware.SessionLifetimeMiddleware",
    "departments.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files from each application machine itself: the deployment
    # networks are closed and need no separate file server or CDN. In
    # development `runserver` serves them.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notices.context.unread",
            ],
        },
    },
]

# A production web process keeps its database connection between requests: a new
# one per request costs PostgreSQL a process (fork, authentication, catalogue
# caches), about a third of the server's CPU in the deadline-rush benchmark.
# CONN_HEALTH_CHECKS re-checks a kept connection before a request reuses it.
DATABASES = {
    "default": dj_database_url.parse(
        envrequired("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's default cost of a random page read (4) is set for spinning
    # disks; on the SSDs of today's servers 1.1 is the usual setting. With 4 the
    # planner reads a 100k-row table whole rather than look up the few thousand
    # rows of the latest rounds by index (the dashboard's indicator values: 120 ms
    # against 38 ms). DB_RANDOM_PAGE_COST=4 restores the default.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c random_page_cost={envfloat('DB_RANDOM_PAGE_COST', 1.1)}"
    )
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several requests (and the test live server) write at once: take the
    # write lock when a transaction begins (IMMEDIATE) and wait for it, instead
    # of failing with "database is locked" when a reader later tries to write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "departments.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user name before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's, re-hashing an outdated password hash with its own audit row.
    "departments.backends.PasswordModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Stored passwords: Argon2id (departments.passwords says which parameters and
# why). The hashers after the first only verify: a password stored by one of them
# (PBKDF2 was Django's default before) is re-hashed with the first at the
# person's next successful login (departments.backends).
PASSWORD_HASHERS = [
    "departments.passwords.ProjectArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Passwords (等保 2.0 level 3, identification): 12 characters or more, three
# of the four character classes, not a common password, not like the name.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "departments.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
]

# Login failures: LOGIN_FAILURE_LIMIT failures for one user name within
# LOGIN_FAILURE_WINDOW lock that name for LOGIN_LOCKOUT, counted from the
# failure that reached the limit (departments/lockout.py).
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW = timedelta(minutes=envint("LOGIN_FAILURE_WINDOW_MINUTES", 15))
LOGIN_LOCKOUT = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 30))
# And per client address, across user names: LOGIN_ADDRESS_FAILURE_LIMIT failures
# from one address within LOGIN_FAILURE_WINDOW refuse further attempts from it until
# the oldest ages out. High enough that a whole office behind one NAT address never
# meets it by mistyping; low enough to stop guessing across many names.
LOGIN_ADDRESS_FAILURE_LIMIT = envint("LOGIN_ADDRESS_FAILURE_LIMIT", 50)
# Reverse proxies in front of the application machines (0: none). The
# client address in the audit trail and for axes is read through them.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
AXES_HANDLER = "departments.lockout.WindowedLockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_LOCKOUT
# By the user name typed only, so a new client address does not unlock it (a
# callable: see departments.lockout.lockout_parameters for why not a list).
AXES_LOCKOUT_PARAMETERS = "departments.lockout.lockout_parameters"
# Attempts refused during a lockout do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "departments.lockout.lockout_response"
AXES_VERBOSE = False
# The name typed, cut to the longest user name an account can have: axes stores
# it in a 255-character column, and nothing longer can name an account anyway.
AXES_USERNAME_CALLABLE = "departments.lockout.typed_username"

# Chinese is the default whatever the browser asks for; English is a choice
# the person makes (kept in the language cookie).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The project's catalogue first: where both name a string ("Task"), ours wins.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "viewflow"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed copies, but not hashed names: viewflow 2.4's bundled Roboto
    # CSS points at font files the wheel does not ship, which makes Django's
    # manifest storage abort collectstatic. WhiteNoise then lets browsers cache
    # each asset for WHITENOISE_MAX_AGE seconds (60 by default).
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "media")))
# Evidence files (佐证材料): the largest accepted, and whether archives (zip, rar,
# 7z, gz, tar) are. The kind of file is judged by its content (files.checks).
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
EVIDENCE_ALLOW_ARCHIVES = envbool("EVIDENCE_ALLOW_ARCHIVES", False)
# A plan file uploaded on the import page (plans.views): the largest accepted.
PLAN_UPLOAD_MAX_BYTES = envint("PLAN_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)

# django-guardian: no anonymous user row; every reader logs in.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# The unit registry's group for the county-level governments, as plans write it.
COUNTY_GROUP_NAME = "各县(市、区)政府"

# Sessions: a new key at login (Django's login() does it), gone at logout, ended
# after SESSION_IDLE_TIMEOUT_MINUTES without a request and, however busy,
# SESSION_ABSOLUTE_HOURS after the login. The stored session expires
# SESSION_COOKIE_AGE after its last save, and departments.middleware saves it
# again on activity (at most once a minute, rather than on every request as
# SESSION_SAVE_EVERY_REQUEST would).
SESSION_IDLE_TIMEOUT_MINUTES = envint("SESSION_IDLE_TIMEOUT_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_HOURS = envint("SESSION_ABSOLUTE_HOURS", 12)
# "Remember this device for the working day" on the login page: the session
# cookie then outlives the browser (phones close tabs) until SESSION_REMEMBER_UNTIL
# local time of the day of the login, never beyond SESSION_ABSOLUTE_HOURS; the
# idle timeout holds all the same. SESSION_REMEMBER_DEVICE=0 takes the option away.
SESSION_REMEMBER_DEVICE = envbool("SESSION_REMEMBER_DEVICE", True)
SESSION_REMEMBER_UNTIL = envstr("SESSION_REMEMBER_UNTIL", "20:00")
try:
    time.fromisoformat(SESSION_REMEMBER_UNTIL)
except ValueError as error:
    raise ImproperlyConfigured("SESSION_REMEMBER_UNTIL must be a time like 20:00.") from error

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Transport and browser protections; all on in production, where
# `manage.py check --deploy --fail-level WARNING` must pass with nothing silenced.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", PRODUCTION)
# Behind a TLS-terminating proxy: "HTTP_X_FORWARDED_PROTO,https". Set it only
# when the proxy overwrites that header, or clients can claim HTTPS themselves.
_proxy_ssl_header = envlist("SECURE_PROXY_SSL_HEADER")
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must name a header and a value: HTTP_X_FORWARDED_PROTO,https"
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header[0], _proxy_ssl_header[1])
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from the server's own static
# files, never inline; styles may be inline (the bulletin preview's official-document
# stylesheet, a few style attributes); nothing loads from another host, which the
# customers' closed networks could not reach anyway.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# At most this many files in one request (Django refuses more with 400): a report's
# evidence comes a few files at a time.
DATA_UPLOAD_MAX_NUMBER_FILES = envint("DATA_UPLOAD_MAX_NUMBER_FILES", 20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}

# Celery: the supervision sweep on a beat schedule (several machines) and work
# off the request path. Small deployments run `manage.py supervise` from cron.
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "supervise": {
        "task": "supervision.sweep",
        "schedule": float(envint("SUPERVISE_EVERY_SECONDS", 300)),
    },
}

# The sweep records each run (supervision.SweepRun) and keeps this many days of them.
SWEEP_RUNS_KEEP_DAYS = envint("SWEEP_RUNS_KEEP_DAYS", 14)

# The escalation ladder and the lights (days); all configurable.
SUPERVISION = {
    "YELLOW_DAYS": envint("SUPERVISION_YELLOW_DAYS", 3),
    "REMIND_DAYS": [int(d) for d in envlist("SUPERVISION_REMIND_DAYS", "3,1")],
    "NOTICE_AFTER_DAYS": envint("SUPERVISION_NOTICE_AFTER_DAYS", 5),
    "NOTICE_ANSWER_DAYS": envint("SUPERVISION_NOTICE_ANSWER_DAYS", 10),
    "RETURNS_FOR_YELLOW": envint("SUPERVISION_RETURNS_FOR_YELLOW", 2),
}

# Notices (notices/): in the application at once; e-mail and the units' work-chat
# group robots (WeCom/DingTalk) sent off the request path by the delivery sweep.
# Quiet hours ("22:00-07:00", local time; empty: none) hold e-mail and robot
# messages until the window ends.
NOTICE_QUIET_HOURS = envstr("NOTICE_QUIET_HOURS", "")
NOTICE_WEBHOOK_TIMEOUT = envint("NOTICE_WEBHOOK_TIMEOUT", 5)  # seconds per robot request
NOTICE_WEBHOOK_RETRIES = envint("NOTICE_WEBHOOK_RETRIES", 3)
NOTICE_EMAIL_RETRIES = envint("NOTICE_EMAIL_RETRIES", 3)
# The daily digest e-mail goes out at the first sweep from this local time on.
NOTICE_DIGEST_AT = envstr("NOTICE_DIGEST_AT", "17:30")
# Immediate e-mails per person per day; the rest wait for one digest e-mail (0: no limit).
NOTICE_EMAIL_DAILY_LIMIT = envint("NOTICE_EMAIL_DAILY_LIMIT", 10)
# Queue a delivery task after each notify() (needs a Celery worker); off: the sweep sends.
NOTICE_ASYNC = envbool("NOTICE_ASYNC", False)
# The address links in e-mails and robot messages start with.
NOTICE_SITE_URL = envstr("NOTICE_SITE_URL", "http://127.0.0.1:8000")
# --- Group robot hardening (notices/; issue 17 finding 7) -------------------
# Hosts a unit's group robot may point at: https on the standard port only, and
# every address the host resolves to must be public (no loopback, private,
# link-local, multicast or reserved address); redirects are never followed.
NOTICE_ROBOT_HOSTS = envlist("NOTICE_ROBOT_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")
# Fernet keys sealing the robots' addresses (access tokens) and signing secrets at
# rest, comma-separated (or NOTICE_ROBOT_KEYS_FILE): the first seals, all open.
# Empty: a key derived from SECRET_KEY (keys from SECRET_KEY_FALLBACKS still open).
# Rotate: put the new key first, keep the old one after it, run
# `manage.py reseal_robots`, then drop the old key.
NOTICE_ROBOT_KEYS = envlist("NOTICE_ROBOT_KEYS")
# --- end group robot hardening ----------------------------------------------
# E-mail: SMTP when EMAIL_HOST is set, else printed to the console (development).
EMAIL_HOST = envstr("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- audit chain: key and anchors (audit/chain.py, audit/anchors.py) ------------
# The HMAC key of the audit chain, held outside the database: AUDIT_KEY or a file
# named by AUDIT_KEY_FILE; its id in AUDIT_KEY_ID (default: a fingerprint of the
# key). Retired keys stay verifiable in AUDIT_OLD_KEYS (or AUDIT_OLD_KEYS_FILE), a
# JSON object {"key id": "key"}. Outside production an unset key means the
# development key (audit.chain.DEVELOPMENT_KEY, id "dev"; a system check warns
# when a server without DEBUG runs on it); production refuses to start without one.
AUDIT_KEY = envrequired("AUDIT_KEY", "")
AUDIT_KEY_ID = envstr("AUDIT_KEY_ID", "")
AUDIT_OLD_KEYS = envstr("AUDIT_OLD_KEYS", "")
# "sm3" (GB/T 32905, the default) or "sha256"; each row records the one it used.
AUDIT_DIGEST = envstr("AUDIT_DIGEST", "sm3").strip().lower()
# The append-only file the chain's head is anchored in (one JSON line per anchor);
# production must name it (on storage the database account cannot write).
# Development defaults to a file per database (audit.anchors.anchor_path).
AUDIT_ANCHOR_FILE = envrequired("AUDIT_ANCHOR_FILE", "")
# The audit trail is written as this many chains side by side (audit.services):
# a write waits only when every stream is taken by a transaction not yet ended,
# so it should be at least the number of threads that write at once (gunicorn
# workers x threads + Celery concurrency). Lowering it later is safe.
AUDIT_STREAMS = max(1, envint("AUDIT_STREAMS", 16))
AUDIT_ANCHOR_EVERY_ROWS = envint("AUDIT_ANCHOR_EVERY_ROWS", 1000)
AUDIT_ANCHOR_EVERY_MINUTES = envint("AUDIT_ANCHOR_EVERY_MINUTES", 10)
AUDIT_ANCHOR_SYSLOG = envbool("AUDIT_ANCHOR_SYSLOG", False)
# Anchors of another trail in the file are an error (production) or ignored.
AUDIT_ANCHOR_STRICT = envbool("AUDIT_ANCHOR_STRICT", PRODUCTION)
CELERY_BEAT_SCHEDULE["audit-anchor"] = {
    "task": "audit.anchor",
    "schedule": float(60 * AUDIT_ANCHOR_EVERY_MINUTES),
}
# --- end of the audit chain block -------------------------------------------------

# --- Production server: logs, health endpoint (deploy/, operations/health.py; issue 18) ---
# Every request gets an id: nginx's X-Request-ID when it sends one (deploy/nginx/),
# else a new one; it is echoed in the response's X-Request-ID, gunicorn's access
# line and (LOG_FORMAT=json) every log line written while serving the request.
MIDDLEWARE.insert(0, "operations.logs.RequestIdMiddleware")
# LOG_FORMAT "text" (the default: Python's plain lines) or "json": one JSON object a
# line (time, level, logger, message, request_id) for journald and a log collector.
LOG_FORMAT = envstr("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT == "json":
    LOGGING["formatters"] = {"json": {"()": "operations.logs.JsonFormatter"}}
    LOGGING["handlers"]["console"]["formatter"] = "json"
    # The Celery worker writes through these handlers too, instead of its own format.
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False
elif LOG_FORMAT != "text":
    raise ImproperlyConfigured("LOG_FORMAT must be text or json.")
# /healthz answers over plain HTTP too, so a load balancer can probe a machine directly.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# /healthz fails when more than HEALTH_NOTICE_LATE_MAX e-mail or robot deliveries
# have waited longer than HEALTH_NOTICE_LATE_MINUTES (the sweep, the worker or the
# mail server is down); the broker's ping waits at most HEALTH_TIMEOUT_SECONDS.
HEALTH_NOTICE_LATE_MINUTES = envint("HEALTH_NOTICE_LATE_MINUTES", 60)
HEALTH_NOTICE_LATE_MAX = envint("HEALTH_NOTICE_LATE_MAX", 0)
# ... and when the supervision sweep last ran longer ago than this (the beat stopped).
HEALTH_SWEEP_LATE_MINUTES = envint("HEALTH_SWEEP_LATE_MINUTES", 60)
HEALTH_TIMEOUT_SECONDS = float(envstr("HEALTH_TIMEOUT_SECONDS", "0.5"))
# --- end of the production server block ------------------------------------------------

# --- background jobs (jobs/): slow work off the request path, with progress -----
# How a job runs: "celery" (a worker, through CELERY_BROKER_URL; a broker that
# cannot be reached falls back to "thread"), "thread" (a thread of the web process
# after the response: the development server, which has no broker), or "sync" (in
# the request; the tests). Production defaults to "celery".
JOBS_RUN = envstr("JOBS_RUN", "celery" if PRODUCTION else "thread")
if JOBS_RUN not in ("celery", "thread", "sync"):
    raise ImproperlyConfigured(f"JOBS_RUN must be celery, thread or sync, not {JOBS_RUN!r}")
# A ledger .xlsx export of more rows than this is made by a job (a progress page, a
# notice when ready); smaller ones download at once.
LEDGER_EXPORT_INLINE_MAX_ROWS = envint("LEDGER_EXPORT_INLINE_MAX_ROWS", 2000)
# The assessment's official PDF of more units than this is laid out by a job
# (2.8 s at 50 units); its .xlsx (352 ms at 50 units) always downloads at once.
ASSESSMENT_PDF_INLINE_MAX_UNITS = envint("ASSESSMENT_PDF_INLINE_MAX_UNITS", 20)
# Load WeasyPrint and the official faces when a worker process starts and, in the
# background, at a web process's first request (documents/warmup.py).
PDF_WARM_UP = envbool("PDF_WARM_UP", True)
# A job still waiting or running this long after it was asked for has lost its
# worker (a restart, a killed thread): the hourly tidy-up fails it and tells the
# person who asked, who can ask again.
JOBS_STALE_MINUTES = envint("JOBS_STALE_MINUTES", 60)
# A finished job's file is deleted this many days after it was made; the job row
# and its audit rows stay, and its page says the file is gone.
JOBS_KEEP_DAYS = envint("JOBS_KEEP_DAYS", 7)
CELERY_BEAT_SCHEDULE["jobs-tidy"] = {"task": "jobs.tidy", "schedule": 3600.0}
# --- end of the background jobs block ---------------------------------------
