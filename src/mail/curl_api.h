/*
 * curl_api: libcurl, loaded when the first message is sent or fetched
 * rather than when `evid` starts.
 *
 * libcurl brings some twenty libraries with it (OpenSSL, LDAP, Kerberos,
 * SSH, RTMP, ...); loading them cost every `evid` process about 15 ms, three
 * times what `evid mail-in` spends on its own work.  Only the SMTP sender
 * and the IMAP fetcher need libcurl, so they reach it through this table,
 * filled by dlopen("libcurl.so.4") once per process.  The table's members
 * are libcurl's functions of the same name without the curl_ prefix.
 */
#ifndef EVID_MAIL_CURL_API_H
#define EVID_MAIL_CURL_API_H

#include <stddef.h>

#include <curl/curl.h>

struct curl_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	CURLcode (*easy_send)(CURL *c, const void *p, size_t n, size_t *sent);
	CURLcode (*easy_recv)(CURL *c, void *p, size_t n, size_t *got);
	void (*easy_cleanup)(CURL *c);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	CURLU *(*url)(void);
	CURLUcode (*url_set)(CURLU *u, CURLUPart part, const char *s, unsigned int flags);
	CURLUcode (*url_get)(const CURLU *u, CURLUPart part, char **s, unsigned int flags);
	void (*url_cleanup)(CURLU *u);
	void (*free)(void *p);
};

/*
 * The loaded table, after a successful curl_api_load(); NULL before.
 */
extern const struct curl_api *curl_api_table;
#define CU curl_api_table

/*
 * Loads libcurl and runs curl_global_init, once per process (thread-safe;
 * later calls only report the first outcome).  0 on success; -1 with the
 * reason ("cannot load libcurl.so.4: ...") in err when the library or one
 * of its functions is missing or its initialisation failed.
 */
int curl_api_load(char *err, size_t errsz);

#endif
