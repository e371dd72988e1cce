/*
 * Uploaded documents: what a file is, judged by its first bytes and never
 * by its name, and a file name fit to show back.
 */
#ifndef KITAS_DOC_H
#define KITAS_DOC_H

#include <stddef.h>

#define DOC_NAME_MAX	200

/* "application/pdf", "image/jpeg", "image/png", or NULL for anything else. */
const char	*doc_sniff(const unsigned char *buf, size_t len);

/*
 * The last path component of name, without control characters, cut to
 * DOC_NAME_MAX bytes on a UTF-8 boundary; "document" if nothing is left.
 */
void		 doc_filename(const char *name, char *out, size_t outsz);

/* 1 when type is one of the document types of the database's doc_type. */
int		 doc_type_valid(const char *type);

#endif
