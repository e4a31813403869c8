# lathe — a real-time mastering console for JACK.
#   make            build ./lathe
#   make check      every test (unit, integration on a private jackd, GUI under Xvfb)
#   make demo       install what is missing, build, run the console with the demo mix
#   make bench      real-time factors, JACK DSP load, memory
#   make rtcheck    prove the RT rules with an interposer
#   make asan       the tests under AddressSanitizer and UBSan
#   make fuzz       libFuzzer harnesses (clang)
# B=DIR puts objects elsewhere (parallel builds of the same tree).

B ?= build
CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=

DEBIAN_PACKAGES = build-essential pkg-config clang jackd2 libjack-jackd2-dev libgtk-4-dev liblo-dev \
	libebur128-dev check libsndfile1-dev libfftw3-dev libjson-glib-dev libcairo2-dev \
	xvfb xauth imagemagick xdotool sox appstream desktop-file-utils libsoxr-dev libflac-dev cdrdao cuetools flac libavahi-client-dev liblo-tools zita-njbridge
PKGS = jack libebur128 sndfile fftw3f fftw3 glib-2.0 gtk4 liblo json-glib-1.0 check cairo soxr flac avahi-client

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

OPT ?= -O2 -ftree-vectorize -fno-math-errno
CFLAGS ?= -g
# Packagers: CPPFLAGS, CFLAGS and LDFLAGS from the environment are honoured (Debian's
# `dpkg-buildflags` hardening: _FORTIFY_SOURCE, -fstack-protector-strong, relro), and
# WERROR=0 drops -Werror for compilers newer than the ones this tree was checked with.
WERROR ?= 1
WERROR_FLAG = $(if $(filter 1,$(WERROR)),-Werror)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR_FLAG) -Wno-unused-parameter $(OPT) $(CFLAGS) $(SAN) $(CPPFLAGS) $(PKG_CFLAGS) -I.
LDLIBS = $(PKG_LIBS) -lfftw3f_threads -lfftw3_threads -lm -lpthread
LDFLAGS += $(SAN)

ENGINE_SRC = $(sort $(wildcard engine/*.c engine/dsp/*.c engine/meter/*.c))
OSC_SRC = $(sort $(wildcard osc/*.c))
SESSION_SRC = $(sort $(wildcard sessions/*.c))
GUI_SRC = $(sort $(wildcard gui/*.c))
LIB_SRC = $(ENGINE_SRC) $(OSC_SRC) $(SESSION_SRC) $(GUI_SRC)
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o)
SUPPORT_SRC = $(sort $(wildcard tests/support/*.c))
SUPPORT_OBJ = $(SUPPORT_SRC:%.c=$(B)/%.o)
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
INTEG_SRC = $(sort $(wildcard tests/integration/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
INTEG_BIN = $(INTEG_SRC:tests/integration/%.c=$(B)/tests/%)
BENCH_SRC = $(sort $(wildcard bench/*.c))
BENCH_BIN = $(BENCH_SRC:bench/%.c=$(B)/bench/%)

.PHONY: all check unit integration demo bench rtcheck asan fuzz soak install clean deps check-deps
all: lathe

lathe: $(B)/lathe
	@if [ "$(B)" = build ]; then cp -f $(B)/lathe lathe; fi

$(B)/lathe: $(B)/main.o $(B)/liblathe.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/liblathe.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(SUPPORT_OBJ) $(B)/liblathe.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJ) $(B)/liblathe.a $(LDLIBS)

$(B)/tests/%: tests/integration/%.c $(SUPPORT_OBJ) $(B)/liblathe.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJ) $(B)/liblathe.a $(LDLIBS)

$(B)/bench/%: bench/%.c $(B)/liblathe.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/liblathe.a $(LDLIBS)

$(B)/rtcheck.so: tests/rtcheck/rtcheck.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fPIC -shared -o $@ $< -ldl -lpthread

# Tests: unit suites first (fast), then the ones that start jackd, lathe and Xvfb.
check: lathe $(UNIT_BIN) $(INTEG_BIN) $(B)/rtcheck.so
	@LATHE_BIN=$(CURDIR)/$(B)/lathe RTCHECK_SO=$(CURDIR)/$(B)/rtcheck.so LATHE_SRC=$(CURDIR) sh tests/run.sh $(UNIT_BIN) $(INTEG_BIN)

unit: $(UNIT_BIN)
	@LATHE_BIN=$(CURDIR)/$(B)/lathe LATHE_SRC=$(CURDIR) sh tests/run.sh $(UNIT_BIN)

integration: lathe $(INTEG_BIN) $(B)/rtcheck.so
	@LATHE_BIN=$(CURDIR)/$(B)/lathe RTCHECK_SO=$(CURDIR)/$(B)/rtcheck.so LATHE_SRC=$(CURDIR) sh tests/run.sh $(INTEG_BIN)

demo: check-deps
	@$(MAKE) --no-print-directory lathe
	./lathe demo

bench: lathe $(BENCH_BIN)
	@for b in $(BENCH_BIN); do LATHE_BIN=$(CURDIR)/$(B)/lathe $$b || exit 1; done

# The RT interposer over the integration scenario, then proof that it catches a planted malloc.
rtcheck: lathe $(B)/rtcheck.so
	@$(MAKE) --no-print-directory B=build-rtplant CFLAGS="-g -DLATHE_RT_PLANT_MALLOC" build-rtplant/lathe
	@LATHE_BIN=$(CURDIR)/$(B)/lathe LATHE_PLANT_BIN=$(CURDIR)/build-rtplant/lathe RTCHECK_SO=$(CURDIR)/$(B)/rtcheck.so \
		LATHE_SRC=$(CURDIR) sh tests/isolate.sh sh tests/rtcheck/run.sh

asan:
	@$(MAKE) --no-print-directory B=build-asan OPT="-O1 -fno-omit-frame-pointer" SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" check

# libFuzzer (clang): the library with coverage and ASan/UBSan in build-fuzz, then each harness
# (tests/fuzz/fuzz_NAME.c) for FUZZ_SECONDS over tests/fuzz/corpus/NAME; new finds are written to
# build-fuzz/found/NAME and merged (-merge=1: only what adds coverage) into tests/fuzz/corpus/NAME.
# A crash stops here with the input in build-fuzz/crash-NAME-*.  `make check` replays the corpora.
# (-Wno-error: a clang-only warning elsewhere in the tree must not stop the fuzzing; it is still shown.)
FUZZ_SECONDS ?= 600
FUZZ_NAMES ?= osc session
FUZZ_FLAGS ?= -timeout=30 -print_final_stats=1
# osc: one UDP datagram can be 65,507 bytes, and 3,000 nested bundles (the crash of issue 11) take 60 kB
FUZZ_MAX_LEN_osc = 65507
FUZZ_MAX_LEN_session = 16384
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
fuzz:
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang OPT="-O1 -g -Wno-error" SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
		$(FUZZ_NAMES:%=build-fuzz/fuzz/fuzz_%)
	@set -e; for h in $(FUZZ_NAMES); do \
		mkdir -p build-fuzz/found/$$h tests/fuzz/corpus/$$h; \
		echo "== fuzz_$$h: $(FUZZ_SECONDS) s over tests/fuzz/corpus/$$h"; \
		ml=$(FUZZ_MAX_LEN_session); [ $$h = osc ] && ml=$(FUZZ_MAX_LEN_osc); \
		build-fuzz/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -max_len=$$ml $(FUZZ_FLAGS) -dict=tests/fuzz/$$h.dict \
			-artifact_prefix=build-fuzz/crash-$$h- \
			build-fuzz/found/$$h tests/fuzz/corpus/$$h; \
		build-fuzz/fuzz/fuzz_$$h -merge=1 -max_len=$$ml $(FUZZ_FLAGS) tests/fuzz/corpus/$$h build-fuzz/found/$$h \
			>build-fuzz/merge-$$h.log 2>&1 || { cat build-fuzz/merge-$$h.log; exit 1; }; \
		tail -n 1 build-fuzz/merge-$$h.log; \
	done

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(B)/liblathe.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(B)/liblathe.a $(LDLIBS)

soak: lathe
	@LATHE_BIN=$(CURDIR)/$(B)/lathe LATHE_SRC=$(CURDIR) LATHE_SOAK_SECONDS=600 sh tests/soak.sh

# Debian packages: installed when root, otherwise the exact command is printed.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "lathe: all Debian packages present"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "lathe: missing packages; run: sudo apt-get install$$missing"; exit 1; fi

check-deps: deps

# The application id is GtkApplication's (gui/gui.c): GNOME matches the window to the desktop
# file, the AppStream component and the icon by it.
APP_ID = org.lathe.Console
install: lathe
	install -Dm755 $(B)/lathe $(DESTDIR)$(PREFIX)/bin/lathe
	install -Dm644 docs/lathe.1 $(DESTDIR)$(PREFIX)/share/man/man1/lathe.1
	install -Dm644 docs/desktop/$(APP_ID).desktop $(DESTDIR)$(PREFIX)/share/applications/$(APP_ID).desktop
	install -Dm644 docs/desktop/$(APP_ID).metainfo.xml $(DESTDIR)$(PREFIX)/share/metainfo/$(APP_ID).metainfo.xml
	install -Dm644 docs/desktop/$(APP_ID).svg $(DESTDIR)$(PREFIX)/share/icons/hicolor/scalable/apps/$(APP_ID).svg
	install -d $(DESTDIR)$(PREFIX)/share/lathe/presets
	for f in sessions/presets/*.lathe; do [ -e "$$f" ] && install -m644 "$$f" $(DESTDIR)$(PREFIX)/share/lathe/presets/; done; true

clean:
	rm -rf build build-asan build-rtplant build-fuzz lathe

-include $(LIB_OBJ:.o=.d) $(B)/main.d $(SUPPORT_OBJ:.o=.d)
