/*
 * Checks of form values that must hold before a value is handed to the
 * database as a typed parameter (an enum): a value that would
 * make the cast fail is the user's mistake, answered with a message,
 * not a server error.
 */
#ifndef KITAS_FORM_H
#define KITAS_FORM_H

/* 1 when s is one of the space-separated words of list. */
int	form_in_list(const char *s, const char *list);

#endif
