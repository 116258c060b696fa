/*
 * log: one line per event on stderr, fit for journald ("level=info ..." with
 * a syslog priority prefix when EVID_LOG_PREFIX=1, as sd-daemon reads it).
 * Thread-safe: a line is written with one call under the stdio lock.
 * Never pass a password, a token, a cookie or a session id to these.
 */
#ifndef EVID_UTIL_LOG_H
#define EVID_UTIL_LOG_H

__attribute__((format(printf, 1, 2))) void log_info(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void log_warn(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void log_error(const char *fmt, ...);

/* Suppress info lines (used by tests and quiet CLI commands). */
void log_set_quiet(int quiet);

#endif
