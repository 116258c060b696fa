/*
 * mediatype: one table of extensions and media types, read both ways (see
 * mediatype.h).  The first row for a type gives its extension.
 */
#include <string.h>
#include <strings.h>

#include "mail/mediatype.h"

static const struct {
	const char *ext;
	const char *type;
} table[] = {
    {".txt", "text/plain"},
    {".html", "text/html"},
    {".htm", "text/html"},
    {".csv", "text/csv"},
    {".ics", "text/calendar"},
    {".vcf", "text/vcard"},
    {".xml", "text/xml"},
    {".rtf", "application/rtf"},
    {".rtf", "text/rtf"},
    {".pdf", "application/pdf"},
    {".zip", "application/zip"},
    {".7z", "application/x-7z-compressed"},
    {".rar", "application/vnd.rar"},
    {".gz", "application/gzip"},
    {".json", "application/json"},
    {".doc", "application/msword"},
    {".dot", "application/msword"},
    {".xls", "application/vnd.ms-excel"},
    {".ppt", "application/vnd.ms-powerpoint"},
    {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {".odt", "application/vnd.oasis.opendocument.text"},
    {".ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {".msg", "application/vnd.ms-outlook"},
    {".eml", "message/rfc822"},
    {".p7s", "application/pkcs7-signature"},
    {".asc", "application/pgp-signature"},
    {".dat", "application/ms-tnef"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".png", "image/png"},
    {".gif", "image/gif"},
    {".bmp", "image/bmp"},
    {".tif", "image/tiff"},
    {".tiff", "image/tiff"},
    {".webp", "image/webp"},
    {".svg", "image/svg+xml"},
    {".heic", "image/heic"},
    {".mp3", "audio/mpeg"},
    {".wav", "audio/wav"},
    {".mp4", "video/mp4"},
    {".txt", "message/delivery-status"},
    {".txt", "text/rfc822-headers"},
};

#define N_TABLE (sizeof(table) / sizeof(table[0]))

const char *mediatype_for_name(const char *filename)
{
	const char *dot = filename ? strrchr(filename, '.') : NULL;
	size_t i;

	if (!dot)
		return "application/octet-stream";
	for (i = 0; i < N_TABLE; i++)
		if (strcasecmp(dot, table[i].ext) == 0 && strcmp(table[i].ext, ".dat") != 0)
			return table[i].type;
	return "application/octet-stream";
}

const char *mediatype_ext(const char *media_type)
{
	size_t i;

	if (!media_type)
		return ".bin";
	for (i = 0; i < N_TABLE; i++)
		if (strcmp(media_type, table[i].type) == 0)
			return table[i].ext;
	if (strncmp(media_type, "text/", 5) == 0)
		return ".txt";
	return ".bin";
}
