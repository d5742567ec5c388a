"""Production refuses to start without its secrets, with demo accounts, or insecurely.

Each test starts Django in a subprocess with a production environment, as a
server would, since the settings are read once per process.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
# Variables of the test run's own environment that would change the outcome.
PRODUCTION_VARIABLES = {
    "DJANGO_ENV",
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DEBUG",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    # Set by tests/conftest.py for Playwright; check --deploy rightly refuses it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_env(database: Path, **overrides: str | None) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in PRODUCTION_VARIABLES
        and name.removesuffix("_FILE") not in PRODUCTION_VARIABLES
    }
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="dc.xingtai.gov.cn",
        DATABASE_URL=f"sqlite:///{database}",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        AUDIT_KEY=secrets.token_hex(32),
        AUDIT_ANCHOR_FILE=str(database.with_suffix(".audit-anchors.log")),
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run(env, "manage.py", *args)


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("production") / "db.sqlite3"
    result = manage(production_env(database), "migrate", "--noinput", "-v", "0")
    assert result.returncode == 0, result.stderr
    return database


@pytest.fixture
def database(migrated_database: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "db.sqlite3"
    shutil.copy(migrated_database, copy)
    return copy


def add_demo_account(env: dict[str, str]) -> None:
    result = manage(
        env,
        "shell",
        "-c",
        "from departments.models import User; "
        "User.objects.create(username='demo.liaison', is_demo=True)",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_a_required_variable(name: str, database: Path) -> None:
    result = manage(production_env(database, **{name: None}), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} (or {name}_FILE) must be set in production." in result.stderr


def test_production_refuses_to_start_in_debug_mode(database: Path) -> None:
    result = manage(production_env(database, DEBUG="1"), "check")
    assert result.returncode != 0
    assert "DEBUG must be off in production." in result.stderr


def test_the_secret_key_may_come_from_a_file(database: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(50) + "\n", encoding="utf-8")
    env = production_env(database, SECRET_KEY=None, SECRET_KEY_FILE=str(key_file))
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


def test_the_full_production_environment_passes_the_deployment_checks(database: Path) -> None:
    result = manage(production_env(database), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_turns_on_the_transport_and_cookie_protections(database: Path) -> None:
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'session_httponly': s.SESSION_COOKIE_HTTPONLY,"
        "'session_samesite': s.SESSION_COOKIE_SAMESITE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'csrf_httponly': s.CSRF_COOKIE_HTTPONLY, 'ssl_redirect': s.SECURE_SSL_REDIRECT,"
        "'proxy_header': s.SECURE_PROXY_SSL_HEADER, 'hsts': s.SECURE_HSTS_SECONDS,"
        "'frame': s.X_FRAME_OPTIONS, 'silenced': s.SILENCED_SYSTEM_CHECKS}))"
    )
    result = manage(production_env(database), "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "session_secure": True,
        "session_httponly": True,
        "session_samesite": "Lax",
        "csrf_secure": True,
        "csrf_httponly": True,
        "ssl_redirect": True,
        "proxy_header": ["HTTP_X_FORWARDED_PROTO", "https"],
        "hsts": 31_536_000,
        "frame": "DENY",
        "silenced": [],
    }


def test_a_malformed_proxy_header_setting_is_refused(database: Path) -> None:
    result = manage(production_env(database, SECURE_PROXY_SSL_HEADER="https"), "check")
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must name a header and a value" in result.stderr


def test_the_deployment_checks_fail_while_a_demo_account_exists(database: Path) -> None:
    env = production_env(database)
    add_demo_account(env)
    result = manage(env, "check", "--deploy")
    assert result.returncode != 0
    assert "departments.E001" in result.stderr
    assert "1 demo account(s) exist" in result.stderr


def test_the_wsgi_application_is_not_built_while_a_demo_account_exists(database: Path) -> None:
    env = production_env(database)
    add_demo_account(env)
    result = run(env, "-c", "import config.wsgi")
    assert result.returncode != 0
    assert "Demo accounts exist" in result.stderr


def test_the_wsgi_application_is_built_without_demo_accounts(database: Path) -> None:
    result = run(production_env(database), "-c", "import config.wsgi; print('built')")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "built"


def test_development_keeps_its_demo_accounts(database: Path) -> None:
    env = production_env(database, DJANGO_ENV="development")
    add_demo_account(env)
    result = run(env, "-c", "import config.wsgi; print('built')")
    assert result.returncode == 0, result.stderr


def test_production_serves_the_collected_assets_itself(database: Path, tmp_path: Path) -> None:
    env = production_env(database, STATIC_ROOT=str(tmp_path / "static"))
    # viewflow's and the admin's assets are left out only to keep the test fast
    # (compressing them takes about a minute).
    collected = manage(
        env, "collectstatic", "--noinput", "-v", "0", "-i", "viewflow", "-i", "admin"
    )
    assert collected.returncode == 0, collected.stderr
    probe = (
        "import config.wsgi\n"
        "from django.templatetags.static import static\n"
        "from django.test import Client\n"
        "url = static('css/app.css')\n"
        "response = Client().get(url, secure=True, HTTP_HOST='dc.xingtai.gov.cn')\n"
        "body = b''.join(response.streaming_content)\n"
        "print(url, response.status_code, response['Cache-Control'].replace(' ', ''),"
        " b'CJK' in body)\n"
    )
    result = run(env, "-c", probe)
    assert result.returncode == 0, result.stderr
    url, status, cache_control, has_content = result.stdout.split()
    assert (url, status, has_content) == ("/static/css/app.css", "200", "True")
    assert "max-age" in cache_control
