/*
 * quote: where the new part of a reply ends and the quoted history starts,
 * so the history folds away on display.  Recognises a trailing block of '>'
 * lines, "On ... wrote:" and its Croatian forms ("... je napisao/la:"),
 * Outlook's "From: ... Sent: ..." / "Od: ... Poslano: ..." header block and
 * "-----Original Message-----" / "-----Izvorna poruka-----".
 */
#ifndef EVID_CORE_QUOTE_H
#define EVID_CORE_QUOTE_H

#include <stddef.h>

/*
 * Offset in text (n bytes of UTF-8) where quoted history starts, at the
 * beginning of a line; n when there is none.  A message that is all quote
 * (nothing new above it) returns n as well, so nothing is hidden.
 */
size_t quote_split(const char *text, size_t n);

#endif
