"""What one login costs: the CPU time and the memory of one password check, for
PBKDF2 at Django's default, Argon2id at Django's default, OWASP's Argon2id
settings and the project's own (departments.passwords.ProjectArgon2PasswordHasher).

    .venv/bin/python benchmarks/login_bench.py [--repeat 20]

Each candidate runs in a fresh interpreter, so the peak resident memory it adds
is its own. A login verifies one hash, which costs what making it costs, so
"logins per core per second" is 1 / (CPU seconds per hash): the ceiling of a
core that does nothing but check passwords. The CPU time counts every thread of
the process (Argon2 with parallelism > 1 uses several). Prints JSON, one object
per candidate.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# (label, hasher class path, attributes overriding the class's own)
CANDIDATES: list[tuple[str, str, dict[str, int]]] = [
    (
        "PBKDF2-SHA256, Django default (1,000,000 iterations; today's code path)",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        {},
    ),
    (
        "Argon2id, Django default (t=2, m=100 MiB, p=8)",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        {},
    ),
    (
        "Argon2id, RFC 9106 second choice (t=3, m=64 MiB, p=4)",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4},
    ),
    (
        "Argon2id, OWASP (t=1, m=46 MiB, p=1)",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        {"time_cost": 1, "memory_cost": 46 * 1024, "parallelism": 1},
    ),
    (
        "Argon2id, OWASP (t=2, m=19 MiB, p=1)",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1},
    ),
    (
        "Argon2id, t=3, m=32 MiB, p=1",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        {"time_cost": 3, "memory_cost": 32 * 1024, "parallelism": 1},
    ),
    (
        "Argon2id, this project (departments.passwords)",
        "departments.passwords.ProjectArgon2PasswordHasher",
        {},
    ),
]

ONE_CANDIDATE = """
import json, os, resource, sys, time
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from django.utils.module_loading import import_string
path, overrides, repeat = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
hasher = import_string(path)()
for name, value in overrides.items():
    setattr(hasher, name, value)
password = "Xingtai-Demo-2023"
salt = hasher.salt()
# The interpreter's own peak, before any hash.
before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
encoded = hasher.encode(password, salt)
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cpu = time.process_time(); wall = time.perf_counter()
for _ in range(repeat):
    assert hasher.verify(password, encoded)
cpu = (time.process_time() - cpu) / repeat
wall = (time.perf_counter() - wall) / repeat
print(json.dumps({
    "encoded_prefix": encoded.rsplit("$", 2)[0],
    "cpu_ms": round(cpu * 1000, 1),
    "wall_ms": round(wall * 1000, 1),
    "memory_mib": round((peak_kib - before_kib) / 1024, 1),
    "logins_per_core_per_s": round(1 / cpu, 1),
}))
"""


def measure(path: str, overrides: dict[str, int], repeat: int) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", ONE_CANDIDATE, path, json.dumps(overrides), str(repeat)],
        cwd=BASE_DIR,
        env={**os.environ, "PYTHONPATH": str(BASE_DIR)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="checks per candidate")
    args = parser.parse_args()
    print(json.dumps({"cpu_cores": os.cpu_count()}))
    for label, path, overrides in CANDIDATES:
        # PBKDF2's one check is half a second: fewer of them say as much.
        repeat = max(3, args.repeat // 4) if "PBKDF2" in path else args.repeat
        print(
            json.dumps({"candidate": label, **measure(path, overrides, repeat)}, ensure_ascii=False)
        )


if __name__ == "__main__":
    main()
