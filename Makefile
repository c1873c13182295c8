# The README's two commands: `make report` (build and run the main job: the course report)
# and `make test`. Both install the system libraries first when they are missing (apt-get).

SYSTEM_PACKAGES := libcairo2-dev libopenblas-dev fonts-dejavu-core gzip xz-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: report test bench check-report system-packages

system-packages:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || { \
		echo "Installing $(SYSTEM_PACKAGES)"; \
		$(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y $(SYSTEM_PACKAGES); }

# Runs (or reuses) every lesson and writes .tokenwise/site/index.html.
report: system-packages
	swift build -c release
	.build/release/tokenwise report

# The engine tests compile lessons against the library's dynamic product: build it first
# (the course's lessons train real models, so they run against the release build).
test: system-packages
	swift build --product TokenwiseKit
	swift build -c release --product TokenwiseKit
	TOKENWISE_COURSE_BUILD_DIR=.build/release swift test

bench: system-packages
	swift build -c release
	.build/release/tokenwise bench

# Renders the report in headless Chromium: broken links, missing images, console errors.
check-report:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	python3 scripts/check-report.py .tokenwise/site .tokenwise/screenshots
