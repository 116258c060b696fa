/*
 * mediatype: the few file name extensions and media types (RFC 6838) the
 * mail parser maps between: a type for a TNEF attachment known only by its
 * name, an extension for a part known only by its type.
 */
#ifndef EVID_MAIL_MEDIATYPE_H
#define EVID_MAIL_MEDIATYPE_H

/* The media type for filename's extension (case-insensitive), or
 * "application/octet-stream".  Static string. */
const char *mediatype_for_name(const char *filename);

/* The extension with its dot (".pdf") for a lowercase media type, or ".bin".
 * Static string. */
const char *mediatype_ext(const char *media_type);

#endif
