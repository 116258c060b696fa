# Evidencija: plain GNU Make with pkg-config.  `make` builds ./evid;
# `make run` and `make test` are the two commands of the README.
# Objects go under build/ (build/asan/ with SANITIZE=1).

CC ?= cc
PKGS := sqlite3 jansson libsodium inih gmime-3.0 libytnef
# Loaded at run time by dlopen (src/mail/curl_api.c, src/web/mhd_api.c,
# src/report/report_api.c): only their headers are compiled in, so
# `evid mail-in` does not pay for them.
DLPKGS := libmicrohttpd libcurl cairo pangocairo xlsxwriter
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(DLPKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ifeq ($(SANITIZE),1)
BUILD ?= build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1
else
BUILD ?= build
SANFLAGS :=
OPT := -O2
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-missing-field-initializers
CFLAGS ?= $(OPT) -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -Isrc -I$(BUILD)/gen $(WARN) $(SANFLAGS) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(SANFLAGS) $(LDFLAGS)
LIBS := $(PKG_LIBS) -lpthread -lm

LIB_SRC := $(sort $(wildcard src/util/*.c src/core/*.c src/store/*.c src/mail/*.c src/web/*.c \
	src/report/*.c src/cli/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/migrations.o $(BUILD)/obj/gen/assets.o
ASSETS := $(sort $(wildcard src/web/assets/*))
MIGRATIONS := $(sort $(wildcard src/store/migrations/*.sql))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
EVID := $(BUILD)/evid

.PHONY: all evid run test deps deps-test clean fmt fuzz bench
all: $(EVID) $(if $(filter build,$(BUILD)),evid)

evid: $(EVID)
	@ln -sf $(EVID) evid

$(EVID): $(BUILD)/obj/src/main.o $(BUILD)/libevid.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/libevid.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gen/migrations.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/assets.c: $(ASSETS) scripts/embed-assets.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-assets.sh $(ASSETS) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/assets.o: $(BUILD)/gen/assets.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/gen/migrations.o: $(BUILD)/gen/migrations.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libevid.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags cmocka 2>/dev/null) -o $@ $< \
		$(BUILD)/libevid.a $(ALL_LDFLAGS) $(LIBS) $(shell pkg-config --libs cmocka 2>/dev/null)

deps:
	@sh scripts/install-deps.sh

deps-test:
	@sh scripts/install-deps.sh --test

# make run: set up, build, create the demo database once, serve.
run: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/run.sh $(EVID)

# make test: everything, ending with "N passed, N failed".
test: deps-test
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@sh tests/run.sh $(BUILD)

# make fuzz: the MIME parser under libFuzzer with ASan and UBSan (clang), for
# FUZZ_SECONDS, seeded from the mail corpus; what it learns stays in
# build/fuzz/corpus, what crashes lands in build/fuzz/crash-*.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_SRC := fuzz/fuzz_mime.c src/mail/mime.c src/mail/charset.c src/mail/rfc2047.c \
	src/mail/tnef.c src/mail/mediatype.c src/core/mail.c src/core/quote.c \
	src/core/html_text.c src/core/utf8.c src/core/validate.c src/util/buf.c src/util/xalloc.c
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -Isrc -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

build/fuzz/fuzz_mime: $(FUZZ_SRC) $(wildcard src/mail/*.h src/core/*.h src/util/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(shell pkg-config --cflags gmime-3.0 libytnef) -o $@ \
		$(FUZZ_SRC) $(shell pkg-config --libs gmime-3.0 libytnef)

fuzz: build/fuzz/fuzz_mime
	@mkdir -p build/fuzz/corpus build/fuzz/seeds
	@cp tests/data/mail/*.eml build/fuzz/seeds/
	build/fuzz/fuzz_mime -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		-max_len=262144 -dict=fuzz/mime.dict -artifact_prefix=build/fuzz/ \
		build/fuzz/corpus build/fuzz/seeds

# make bench: every benchmark in bench/ in turn (*.sh with sh, *.py with
# python3) against the optimised build; each prints its numbers and target.
bench: deps-test
	@$(MAKE) --no-print-directory all
	@set -e; for b in $(sort $(wildcard bench/*.sh bench/*.py)); do \
		echo "== $$b"; \
		case $$b in *.sh) sh $$b $(EVID) ;; *.py) /usr/bin/python3 $$b $(EVID) ;; esac; \
	done

fmt:
	clang-format -i $(LIB_SRC) src/main.c $(wildcard src/*/*.h) $(UNIT_SRC)

clean:
	rm -rf build evid

-include $(shell find build -name '*.d' 2>/dev/null)
