# The two commands (README): `make run` starts the app, `make test` runs the tests.
# Each first runs scripts/setup.sh, which installs only what is missing.
.PHONY: run test bench mutation lint typecheck lock setup bundle bundle-test

run:
	@scripts/setup.sh run
	.venv/bin/vfeedback $(ARGS)

test:
	@scripts/setup.sh test
	.venv/bin/ruff check vfeedback tests benchmarks scripts
	.venv/bin/lint-imports
	.venv/bin/mypy
	.venv/bin/python -m pytest $(PYTEST_ARGS)

bench:
	@scripts/setup.sh test
	.venv/bin/python -m benchmarks

# Mutation testing (scripts/mutation.py): not part of CI; niced, one mutant at a time, and only the tests
# that cover each module. MODULES="vfeedback/core/frames.py ..." runs a few; the default runs them all.
mutation:
	@scripts/setup.sh test
	nice -n 10 .venv/bin/python scripts/mutation.py $(MODULES)

lint:
	.venv/bin/ruff check vfeedback tests benchmarks scripts
	.venv/bin/lint-imports

typecheck:
	.venv/bin/mypy

# Re-pin every dependency (with hashes) after changing pyproject.toml: what the app needs to run,
# then the tests and tools on top of exactly those pins.
PIN = .venv/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links --extra postgres
lock:
	$(PIN) -o requirements/runtime.txt pyproject.toml requirements/build.in
	$(PIN) --extra dev -c requirements/runtime.txt -o requirements/dev.txt pyproject.toml requirements/build.in
	$(PIN) --extra bundle -c requirements/runtime.txt -o requirements/bundle.txt pyproject.toml requirements/build.in

# The self-contained app (packaging/README.md): dist/vfeedback/ and dist/vfeedback_<version>_amd64.deb,
# then the proof that they work where nothing else is installed (a stripped environment, a clean
# Debian chroot). Each first runs scripts/setup.sh bundle (build/venv-bundle from requirements/bundle.txt).
bundle:
	@scripts/bundle.sh

bundle-test:
	@scripts/bundle-test.sh
