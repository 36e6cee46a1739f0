# bindsnoop: see README.md. `make V=1` shows the full commands.
#   make              build ./bindsnoop (dynamic)
#   make STATIC=1     build a fully static ./bindsnoop
#   make ARCH=arm64   cross-build ./bindsnoop for arm64 (objects in build/arm64)
#   make test         unit tests, live tests here, VM matrix (run as root)
#   make bench        the storm benchmarks, one table (run as root; not a test)
#   make bench-vm     the same table in Debian's kernels under QEMU
#   make install      DESTDIR/PREFIX honoured
#   make docs         README.md's options, completion lists, man OPTIONS from user/option_table.c
#   make image        the container image bindsnoop:VERSION (IMAGE=name:tag), FROM scratch
#   make fuzz         every libFuzzer target for FUZZ_SECONDS (default 120) each
#   make asan         bindsnoop, unit and live tests under ASan+UBSan (build/asan)
#   make soak         >= 10 minutes of storms, rotations, restarts (run as root)

# The target: this machine's architecture unless ARCH= says another (x86,
# arm64). A cross build uses Debian's cross compiler and the target's
# libraries from a private sysroot (scripts/install-deps.sh --cross fills it).
HOST_ARCH := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
ARCH := $(HOST_ARCH)
DEB_ARCH_x86 := amd64
DEB_ARCH_arm64 := arm64
TRIPLET_x86 := x86_64-linux-gnu
TRIPLET_arm64 := aarch64-linux-gnu
ifeq ($(DEB_ARCH_$(ARCH)),)
$(error ARCH=$(ARCH) is not a target bindsnoop builds for; use x86 or arm64)
endif
ifeq ($(ARCH),$(HOST_ARCH))
OUTPUT ?= build
else
OUTPUT ?= build/$(ARCH)
CROSS_COMPILE ?= $(TRIPLET_$(ARCH))-
SYSROOT ?= .cache/sysroot/$(ARCH)
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
endif
# The kernel types the BPF side is compiled against: x86's keep their path.
VMLINUX_DIR := $(if $(filter x86,$(ARCH)),vmlinux,vmlinux/$(ARCH))
comma := ,
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
# systemd reads units from /usr/local/lib/systemd/system too.
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
# bash-completion reads /usr/local/share/bash-completion/completions too.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
CLANG ?= clang
BPFTOOL ?= bpftool

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# user/ follows an event through the pipeline: capture/ (load, attach, read the
# ring buffer, fold), enrich/ (processes, holders, containers), diagnose/
# (why, and the fix), output/ (table, JSON, file, syslog, metrics); what they
# share (the report and its text forms, options, signals) sits at the top.
# pipeline/ (ring buffer -> report -> enrich -> diagnose -> outputs) and who/
# (the --who command) stand above the stages. A header is included by its
# path under user/ ("output/session.h"), and scripts/check-layers.sh fails on
# an include that points against the stage order.
USER_DIRS := user user/capture user/enrich user/diagnose user/output user/pipeline user/who
USER_INCLUDES := -Iuser

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers \
	  -MMD -MP -I$(OUTPUT) -Ibpf $(USER_INCLUDES) -D_GNU_SOURCE $(SANITIZE_FLAGS)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Ibpf -I$(VMLINUX_DIR) -MMD -MP
LDLIBS := -lbpf -lelf -lz -ljson-c
ifdef SYSROOT
SYSROOT_LIBS := $(SYSROOT)/usr/lib/$(TRIPLET_$(ARCH)) $(SYSROOT)/lib/$(TRIPLET_$(ARCH))
CFLAGS += -isystem $(SYSROOT)/usr/include -isystem $(SYSROOT)/usr/include/$(TRIPLET_$(ARCH))
LDFLAGS += $(addprefix -L,$(SYSROOT_LIBS)) \
	   $(addprefix -Wl$(comma)-rpath-link$(comma),$(SYSROOT_LIBS))
endif
ifeq ($(STATIC),1)
LDFLAGS += -static
# libmicrohttpd's TLS dependencies (gnutls, p11-kit) have no static libraries
# in Debian: a static bindsnoop has no --metrics (and says so).
METRICS ?= 0
endif
METRICS ?= 1
# Its headers only: bindsnoop loads libmicrohttpd when --metrics asks for it.
ifeq ($(METRICS),1)
CFLAGS += -DBINDSNOOP_METRICS_SERVER
endif
# --journal sends with libsystemd, which Debian ships as a shared library
# only: a static bindsnoop has no --journal (and says so).
ifeq ($(STATIC),1)
JOURNAL ?= 0
endif
JOURNAL ?= 1
# Its headers only: bindsnoop loads libsystemd when --journal asks for it.
ifeq ($(JOURNAL),1)
CFLAGS += -DBINDSNOOP_JOURNAL
endif
# The kind of the last build: switching between `make` and `make STATIC=1`
# must rebuild (a static build has no metrics server), though no source changed.
BUILD_KIND := $(ARCH)-$(if $(filter 1,$(STATIC)),static,dynamic)-metrics$(METRICS)-journal$(JOURNAL)
LDFLAGS += $(SANITIZE_FLAGS)

USER_SRCS := $(wildcard $(addsuffix /*.c,$(USER_DIRS)))
USER_HEADERS := $(wildcard $(addsuffix /*.h,$(USER_DIRS)))
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
# Modules the unit tests link: everything but main and the BPF-facing loader/pipeline.
PURE_OBJS := $(filter-out $(addprefix $(OUTPUT)/user/,main.o capture/tracer.o pipeline/event_pipeline.o),$(USER_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
LIVE_SRCS := $(wildcard tests/live/*.c)
# The options: the table (one row per option), its parser and --help, and the
# parsers those rows call. A module of its own that bindsnoop, the live suite
# (options-table reads the rows) and build/option-docs all link as it is.
OPTIONS_OBJS := $(addprefix $(OUTPUT)/user/,option_table.o options.o errno_names.o \
		output/syslog_target.o output/listen_address.o capture/path_filter.o)
# The tests' own library (tests/lib): the one JSON checker of the unit tests and the live suite.
TESTLIB_SRCS := $(wildcard tests/lib/*.c)
TESTLIB_OBJS := $(patsubst tests/lib/%.c,$(OUTPUT)/tests/lib/%.o,$(TESTLIB_SRCS))
TOOLS_SRCS := $(wildcard tests/tools/*.c)
TOOLS_BINS := $(patsubst tests/tools/%.c,$(OUTPUT)/tests/%,$(TOOLS_SRCS))

.PHONY: FORCE docs image image-test fuzz fuzz-build asan unit-test-bins soak all clean test unit-test live-test vm-test collector-test deploy-test bench bench-vm install uninstall run format deps deb
.DELETE_ON_ERROR:

all: bindsnoop

# ./bindsnoop is shared by every OUTPUT (build, build/arm64): relinked when
# the last link was of another kind or architecture.
bindsnoop: $(USER_OBJS) build/bindsnoop-kind
	$(call msg,LINK,$@ ($(BUILD_KIND)))
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(USER_OBJS) $(LDLIBS) -o $@

# Rewritten (and so newer than every object) only when the build kind changes.
$(OUTPUT)/build-kind: FORCE | $(OUTPUT)
	$(Q)[ "$$(cat $@ 2>/dev/null)" = $(BUILD_KIND) ] || echo $(BUILD_KIND) > $@

build/bindsnoop-kind: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)[ "$$(cat $@ 2>/dev/null)" = $(BUILD_KIND) ] || echo $(BUILD_KIND) > $@

FORCE:

# A fresh Debian 12 machine has no BPF toolchain: install it first (a quick
# no-op once everything is there).
# SKIP_DEPS=1 (the Debian package build, whose Build-Depends are checked by
# dpkg-buildpackage) leaves it out.
$(OUTPUT)/.deps-installed: scripts/install-deps.sh | $(OUTPUT)
ifneq ($(SKIP_DEPS),1)
	$(Q)scripts/install-deps.sh $(if $(SYSROOT),--cross $(DEB_ARCH_$(ARCH)) $(SYSROOT))
endif
	$(Q)touch $@

# One BPF object for every kernel: userspace picks the programs a kernel can
# take (bpf/compat.bpf.h). The binary embeds it without DWARF: `bpftool gen
# object` (the BPF linker) keeps BTF and the CO-RE relocations, drops the rest.
# BPF_PREBUILT=DIR takes DIR's object, compiled from the same source with the
# same flags for this ARCH, instead of compiling it again (about 20 s of CPU):
# `make asan` and the image's static build take build/'s.
ifneq ($(BPF_PREBUILT),)
$(OUTPUT)/bindsnoop.debug.bpf.o: $(BPF_PREBUILT)/bindsnoop.debug.bpf.o | $(OUTPUT)
	$(call msg,BPF-COPY,$@)
	$(Q)cp $< $@
else
$(OUTPUT)/bindsnoop.debug.bpf.o: bpf/bindsnoop.bpf.c | $(OUTPUT) $(OUTPUT)/.deps-installed
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
endif

$(OUTPUT)/bindsnoop.bpf.o: $(OUTPUT)/bindsnoop.debug.bpf.o
	$(call msg,BPF-LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

SKELETONS := $(OUTPUT)/bindsnoop.skel.h

# Only the loader includes the skeleton, and the test of what it embeds.
$(OUTPUT)/user/capture/tracer.o $(OUTPUT)/tests/test_bpf_object: $(SKELETONS)

$(OUTPUT)/user/%.o: user/%.c $(OUTPUT)/build-kind | $(OUTPUT)/.deps-installed
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(OUTPUT)/tests/test_%: tests/unit/test_%.c tests/unit/unit.h tests/unit/sample_report.h $(PURE_OBJS) $(TESTLIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -Itests/unit -Itests/lib $< $(PURE_OBJS) $(TESTLIB_OBJS) $(LDLIBS) -o $@

$(OUTPUT)/tests/lib/%.o: tests/lib/%.c | $(OUTPUT)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The live suite and its helpers run on this machine and inside the test VMs,
# so they are always static.
$(OUTPUT)/tests/live-test: $(LIVE_SRCS) $(TESTLIB_SRCS) $(OPTIONS_OBJS) $(wildcard tests/live/*.h tests/lib/*.h) | $(OUTPUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) -static -Itests/live -Itests/lib $(LIVE_SRCS) $(TESTLIB_SRCS) \
		$(OPTIONS_OBJS) -o $@

# What README.md, the bash completion and the man page say about each option,
# made from the option table (scripts/option-docs.c): `make docs` writes it,
# `make unit-test` fails when a committed file differs.
$(OUTPUT)/option-docs: scripts/option-docs.c $(OPTIONS_OBJS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(OPTIONS_OBJS) -o $@

docs: $(OUTPUT)/option-docs
	$(Q)$(OUTPUT)/option-docs --update

$(OUTPUT)/tests/%: tests/tools/%.c | $(OUTPUT)/tests
	$(call msg,CC-TOOL,$@)
	$(Q)$(CC) $(CFLAGS) -static $< -o $@

# The benchmark's own programs (tests/bench): an empty BPF program on each
# backend's hook, the floor every tracer is measured against. Static like the
# tools, since scripts/vm-bench.sh runs it in the VMs too.
BENCH_BINS := $(OUTPUT)/tests/empty-hook $(OUTPUT)/tests/bpf-run-time

$(OUTPUT)/empty_hook.bpf.o: tests/bench/empty_hook.bpf.c | $(OUTPUT) $(OUTPUT)/.deps-installed
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/tests/empty-hook: tests/bench/empty-hook.c $(OUTPUT)/empty_hook.skel.h | $(OUTPUT)/tests
	$(call msg,CC-TOOL,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -static $< -lbpf -lelf -lz -o $@

$(OUTPUT)/tests/bpf-run-time: tests/bench/bpf-run-time.c | $(OUTPUT)/tests $(OUTPUT)/.deps-installed
	$(call msg,CC-TOOL,$@)
	$(Q)$(CC) $(CFLAGS) -static $< -lbpf -lelf -lz -o $@

$(OUTPUT) $(OUTPUT)/tests $(OUTPUT)/tests/lib:
	$(Q)mkdir -p $@

# libFuzzer targets (tests/fuzz/README.md): clang, with ASan and UBSan, the
# pure modules rebuilt for them, checked against json-c and libresolv.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 120
FUZZ_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -g -O1 -std=gnu11 -Wall -Wno-unused-parameter -D_GNU_SOURCE \
	       -I$(OUTPUT) -Ibpf $(USER_INCLUDES) -Itests/fuzz $(FUZZ_SANITIZE)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_OBJS := $(patsubst $(OUTPUT)/user/%.o,$(OUTPUT)/fuzz/user/%.o,$(PURE_OBJS))

$(OUTPUT)/fuzz/user/%.o: user/%.c $(OUTPUT)/bindsnoop.skel.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_OBJS)
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJS) $(LDLIBS) -ljson-c \
		-lresolv -o $@

# Kept between runs: make would delete them as intermediate files.
.SECONDARY: $(FUZZ_OBJS) $(TESTLIB_OBJS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

# The same program and tests built with ASan+UBSan in build/asan; the live
# suite (a static harness) drives the instrumented bindsnoop.
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	      -fno-sanitize-recover=undefined
asan: $(OUTPUT)/bindsnoop.debug.bpf.o
	$(Q)$(MAKE) --no-print-directory OUTPUT=build/asan SANITIZE_FLAGS="$(ASAN_FLAGS)" \
		BPF_PREBUILT=$(OUTPUT) build/asan/bindsnoop unit-test-bins

$(OUTPUT)/bindsnoop: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

unit-test-bins: $(UNIT_BINS)

SOAK_MINUTES ?= 10
soak: bindsnoop $(TOOLS_BINS)
	$(Q)tests/soak/soak.py --bindsnoop ./bindsnoop --storm $(OUTPUT)/tests/bind-storm --minutes $(SOAK_MINUTES)

deps:
	$(Q)scripts/install-deps.sh --test

# Then the option docs against the option table, and the live suite's --list,
# which fails when an option's row names no live test or one the suite does
# not have (no root needed); tests/lib/harness-test.sh: the suites' shared
# harness (tracer.sh, tracer.py, summary.sh).
unit-test: $(UNIT_BINS) $(OUTPUT)/tests/live-test $(OUTPUT)/option-docs
	$(Q)scripts/run-unit-tests.sh $(UNIT_BINS) tests/lib/harness-test.sh
	$(Q)$(OUTPUT)/option-docs --check
	$(Q)$(OUTPUT)/tests/live-test --list >/dev/null && echo "live-test --list: every option names live tests it has"

# Every JSON line of the run is then checked against the schema file itself.
live-test: bindsnoop $(OUTPUT)/tests/live-test $(TOOLS_BINS)
	$(Q)$(OUTPUT)/tests/live-test --bindsnoop ./bindsnoop --tools $(OUTPUT)/tests \
		--json-log $(OUTPUT)/live-test.jsonl
	$(Q)if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then \
		tests/lib/validate_events.py --schema schema/bindsnoop-event-v2.schema.json \
			$(OUTPUT)/live-test.jsonl; \
	else \
		echo "live-test: no python3-jsonschema (make deps): lines not checked against the schema"; \
	fi

vm-test:
	$(Q)scripts/vm-test.sh

collector-test: bindsnoop $(TOOLS_BINS)
	$(Q)tests/collectors/run.sh

deploy-test: bindsnoop
	$(Q)tests/deploy/run.sh

test:
	$(Q)scripts/test.sh

# deploy/container/Containerfile with Debian's docker.io, from the static
# binary (built in build/static): no registry is asked for anything.
VERSION := $(shell sed -n 's/^\#define BINDSNOOP_VERSION "\(.*\)"/\1/p' user/options.h)
IMAGE ?= bindsnoop:$(VERSION)
image:
	$(Q)scripts/build-image.sh $(IMAGE)

# The image run as README.md says, beside docker containers (run as root).
image-test:
	$(Q)tests/image/run.sh

# Benchmarks, not tests: `make test` never runs them. BENCH_ARGS go to the
# script, e.g. make bench BENCH_ARGS="--count 200000 --runs 1".
bench: bindsnoop $(TOOLS_BINS) $(BENCH_BINS)
	$(Q)scripts/bench.sh $(BENCH_ARGS)

# The same table in the 6.1, 6.12 and newest-kernel VMs, every backend, with
# libbpf-tools on 6.1; it builds its own static artefacts. BENCH_VM_ARGS go to
# scripts/vm-bench.sh, e.g. BENCH_VM_ARGS="--kernels 6.1 --count 20000".
bench-vm:
	$(Q)scripts/vm-bench.sh $(BENCH_VM_ARGS)

# sudo make run ARGS="--port 3000"
run: bindsnoop
	./bindsnoop $(ARGS)

format:
	$(Q)clang-format -i bpf/*.c bpf/*.h $(USER_SRCS) $(USER_HEADERS) tests/*/*.c tests/*/*.h

# The binary, bindsnoop(8), bash completion and the systemd unit, whose
# ExecStart names SBINDIR.
install: bindsnoop
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 bindsnoop $(DESTDIR)$(SBINDIR)/bindsnoop
	install -m 0644 docs/bindsnoop.8 $(DESTDIR)$(MANDIR)/man8/bindsnoop.8
	install -m 0644 deploy/bash-completion/bindsnoop $(DESTDIR)$(BASHCOMPDIR)/bindsnoop
	sed 's|@SBINDIR@|$(SBINDIR)|g' deploy/systemd/bindsnoop.service.in \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/bindsnoop.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/bindsnoop.service

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/bindsnoop $(DESTDIR)$(MANDIR)/man8/bindsnoop.8 \
		$(DESTDIR)$(SYSTEMDUNITDIR)/bindsnoop.service $(DESTDIR)$(BASHCOMPDIR)/bindsnoop

# The Debian package (debian/), built from a copy of the sources in
# $(OUTPUT)/deb so that the tree stays clean; the .deb lands in $(OUTPUT)/deb.
# ARCH=arm64 on another machine cross-builds the arm64 package.
deb:
	$(Q)scripts/build-deb.sh $(OUTPUT)/deb $(DEB_ARCH_$(ARCH))

clean:
	rm -rf $(OUTPUT) bindsnoop

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/user/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/tests/*.d \
	   $(OUTPUT)/tests/lib/*.d $(OUTPUT)/fuzz/user/*.d $(OUTPUT)/fuzz/user/*/*.d)
