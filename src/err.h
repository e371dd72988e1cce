/*
 * Error detail for the core modules: functions return 0 / -1 (or a small
 * documented enum) and put "what: why (context)" here; the caller logs it
 * once.  Never put a secret into an err.
 */
#ifndef KITAS_ERR_H
#define KITAS_ERR_H

#include <stdarg.h>
#include <stdio.h>

#define ERR_MSG_MAX	256

struct err {
	char	msg[ERR_MSG_MAX];
};

static inline void
err_set(struct err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline void
err_set(struct err *err, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

#endif
