/*
 * log: single-line records on stderr for journald (see log.h).  Each line is
 * built first, newline included, and written with one fwrite (one write(2):
 * stderr has no buffer), so lines from worker threads never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util/log.h"

static int log_quiet;

void log_set_quiet(int quiet)
{
	log_quiet = quiet;
}

static void log_line(int prio, const char *level, const char *fmt, va_list ap)
{
	char line[2048];
	int n = 0, m;
	const char *prefix = getenv("EVID_LOG_PREFIX");

	if (prefix && prefix[0] == '1')
		n = snprintf(line, sizeof(line), "<%d>", prio);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "level=%s ", level);
	/* the line and its newline in one write: stderr has no buffer */
	m = vsnprintf(line + n, sizeof(line) - 1 - (size_t)n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)fwrite(line, 1, (size_t)n, stderr);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_quiet)
		return;
	va_start(ap, fmt);
	log_line(6, "info", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(4, "warn", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(3, "error", fmt, ap);
	va_end(ap);
}
