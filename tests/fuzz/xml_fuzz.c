/*
 * libFuzzer harness for the untrusted XML intake: every byte string goes
 * through xml_parse_untrusted() and, as central's answer to a two-request
 * batch, through clr_interpret() with the real schema.  Run it longer
 * from the repository root with:
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc $(pkg-config --cflags libxml-2.0) src/xml.c src/clr.c tests/fuzz/xml_fuzz.c $(pkg-config --libs libxml-2.0 libcurl) -o /tmp/xml_fuzz && mkdir -p /tmp/xml_corpus && /tmp/xml_fuzz -max_len=65536 -max_total_time=3600 /tmp/xml_corpus tests/vectors/xml
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clr.h"
#include "xml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct clr_conf	conf;
static struct clr_batch	batch;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct err	err;
	xmlDocPtr	doc;

	if (conf.schema == NULL) {
		xml_init("assets");
		if ((conf.schema = xml_schema_load(
		    "assets/schemas/central-clearance-1.xsd", &err)) == NULL) {
			fprintf(stderr, "%s\n", err.msg);
			return (-1);
		}
		batch.n = 2;
		snprintf(batch.req[0].key, sizeof(batch.req[0].key),
		    "00000000-0000-4000-8000-000000000001");
		snprintf(batch.req[1].key, sizeof(batch.req[1].key),
		    "00000000-0000-4000-8000-000000000002");
	}
	if ((doc = xml_parse_untrusted((const char *)data, len, &err)) != NULL)
		xmlFreeDoc(doc);
	clr_interpret(&conf, &batch, 200, NULL, (const char *)data, len);
	return (0);
}
