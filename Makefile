# The README's two commands: `make report` (build and run the main job) and `make test`.
# Both install the system libraries first when they are missing (Debian: apt-get).

SYSTEM_PACKAGES := libcairo2-dev libopenblas-dev fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: report test bench system-packages

system-packages:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || { \
		echo "Installing $(SYSTEM_PACKAGES)"; \
		$(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y $(SYSTEM_PACKAGES); }

# Until the course lessons exist, the main job is the speed benchmark.
report: system-packages
	swift build -c release
	.build/release/tokenwise bench

test: system-packages
	swift test

bench: system-packages
	swift build -c release
	.build/release/tokenwise bench
