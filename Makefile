# The two commands (README): `make run` starts the app, `make test` runs the tests.
# Each first runs scripts/setup.sh, which installs only what is missing.
.PHONY: run test bench lint typecheck lock setup

run:
	@scripts/setup.sh run
	.venv/bin/vfeedback $(ARGS)

test:
	@scripts/setup.sh test
	.venv/bin/ruff check vfeedback tests benchmarks
	.venv/bin/mypy
	.venv/bin/python -m pytest $(PYTEST_ARGS)

bench:
	@scripts/setup.sh test
	.venv/bin/python -m benchmarks

lint:
	.venv/bin/ruff check vfeedback tests benchmarks

typecheck:
	.venv/bin/mypy

# Re-pin every dependency after changing pyproject.toml.
lock:
	.venv/bin/pip-compile -q --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
		--allow-unsafe -o requirements/lock.txt pyproject.toml
