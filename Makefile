# The two commands README.md names: `make run` and `make test`.
.PHONY: run test lint

run:
	scripts/setup.sh run
	mkdir -p var
	DEBUG=1 .venv/bin/python manage.py migrate --noinput
	DEBUG=1 .venv/bin/python manage.py load_demo
	DEBUG=1 .venv/bin/python manage.py runserver 127.0.0.1:8000

test:
	scripts/setup.sh test
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/python scripts/import_cycles.py
	.venv/bin/pytest -n auto

lint:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .
