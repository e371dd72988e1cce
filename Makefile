# KITAS case server.  `make run` and `make test` are the contract (README.md).

CC	?= cc
# Debian's kore was built with these; every object that sees a Kore
# struct must use them too (they change struct http_request).
KORE_FEATURES := $(shell cat /usr/share/kore/features 2>/dev/null)
PKGS	:= libpq libsodium libxml-2.0 libxslt libexslt libcurl libqrencode libpng
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhpdf

WARN	:= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter
CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 $(WARN) -fPIC -D_FORTIFY_SOURCE=2 -fstack-protector-strong
SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer

# Core modules shared by the server module, kitasctl and the unit tests.
CORE	:= src/ref.c src/passport.c src/settings.c src/i18n.c src/lang.c \
	   src/xml.c src/clr.c src/pgarr.c src/auth.c src/vault.c src/doc.c \
	   src/form.c src/mail.c src/sf.c src/sig.c src/digest.c \
	   src/render.c src/permit.c src/permit_keys.c src/permit_crl.c \
	   src/permit_signer.c src/photo.c src/eitas.c src/keyfile.c
CTL	:= src/kitasctl.c src/migrate.c src/policy.c src/permitctl.c \
	   src/userctl.c src/partnerctl.c
KORE_SRC := $(wildcard kore/*.c)
UNIT	:= $(wildcard tests/unit/*_test.c)

B	:= build
CORE_O	:= $(CORE:%.c=$(B)/%.o)
KORE_O	:= $(KORE_SRC:%.c=$(B)/%.o)
CTL_O	:= $(CTL:%.c=$(B)/%.o)

HTTP_PORT ?= 8080
PG_PORT	  ?= 5433

.PHONY: all deps run test unit-bins bench clean
# Keep the sanitizer objects between runs.
.SECONDARY:

all: kitas.so kitasctl

kitas.so: $(KORE_O) $(CORE_O)
	$(CC) -shared -o $@ $^ $(PKG_LIBS)

kitasctl: $(CTL_O) $(CORE_O)
	$(CC) -o $@ $^ $(PKG_LIBS)

$(B)/kore/%.o: kore/%.c kore/*.h src/*.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc $(KORE_FEATURES) $(PKG_CFLAGS) -c -o $@ $<

$(B)/src/%.o: src/%.c src/*.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc $(PKG_CFLAGS) -c -o $@ $<

# Unit tests: each tests/unit/X_test.c is linked with the core modules,
# built with ASan/UBSan, and never with Kore.
$(B)/san/%.o: src/%.c src/*.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -Isrc $(PKG_CFLAGS) -c -o $@ $<

$(B)/unit/%: tests/unit/%.c $(CORE:src/%.c=$(B)/san/%.o) $(B)/san/migrate.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -Isrc $(PKG_CFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

unit-bins: $(UNIT:tests/unit/%.c=$(B)/unit/%)

deps:
	@missing=$$(grep -v '^#' conf/deps | while read -r p cmd; do \
	    [ -n "$$p" ] || continue; \
	    [ -n "$$cmd" ] && command -v "$$cmd" >/dev/null && continue; \
	    dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | \
	        grep -q 'ok installed' || echo "$$p"; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -qq $$missing || \
	    { apt-get update -qq && apt-get install -y -qq $$missing; }; \
	fi

run: deps all
	conf/stack.sh var $(PG_PORT) run $(HTTP_PORT)

test: deps all unit-bins
	tests/run.sh

bench: deps all
	tests/bench/run.sh $(BENCH)

clean:
	rm -rf $(B) kitas.so kitasctl
