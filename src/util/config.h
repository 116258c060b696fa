/*
 * config: settings from an INI file, parsed by libinih (the only user of
 * it).  The file is chosen by --config PATH, else $EVID_CONFIG, else
 * "evid.conf" in the working folder (which may be absent: defaults apply).
 * Every key is listed in docs/configuration.md.
 */
#ifndef EVID_UTIL_CONFIG_H
#define EVID_UTIL_CONFIG_H

#include <stddef.h>

struct config {
	/* [server] */
	char listen[128];        /* "127.0.0.1:8080" */
	char base_url[256];      /* "http://127.0.0.1:8080" */
	int threads;             /* worker threads, 1..64, default 4 */
	int session_hours;       /* session lifetime, default 12 */
	/* [database] */
	char db_path[1024];      /* "var/evid.db" */
	int busy_timeout_ms;     /* default 5000 */
	int result_cache;        /* queue answers kept per server connection, default 32 */
	/* [company] */
	char company_name[201];
	char company_oib[12];
	char company_address[301];
	char timezone[64];       /* "Europe/Zagreb" */
	char language[3];        /* "hr" or "en" */
	/* [mail] */
	char mail_address[255];       /* the support address, e.g. "podrska@firma.hr" ("" = no mail) */
	char mail_from_name[201];     /* display name on outgoing mail */
	char mail_aliases[1024];      /* other addresses of ours, comma-separated */
	char mail_tag_prefix[17];     /* "#": subjects carry "[#2026-000123]" */
	int mail_reopen_days;         /* a reply reopens a closed ticket within this, default 14 */
	int mail_autoreply_per_hour;  /* automatic answers to one sender per hour, default 5 */
	int mail_max_message_mb;      /* larger messages go to quarantine, default 25 */
	int mail_max_file_mb;         /* larger files are left out, default 20 */
	int mail_max_files;           /* most files kept from one message, default 100 */
	/* [smtp] outgoing mail */
	char smtp_url[256];           /* "smtp://127.0.0.1:25" or "smtps://host:465" ("" = none) */
	char smtp_starttls[9];        /* "required", "try" or "off" (for smtp://), default "try" */
	char smtp_username[255];
	char smtp_password[256];      /* never logged */
	int smtp_verify_tls;          /* 1 (default) or 0 for a self-signed test server */
	char smtp_ca_file[1024];      /* extra CA bundle, "" = the system's */
	int smtp_timeout_seconds;     /* per attempt, default 30 */
	int smtp_give_up_hours;       /* a message still failing after this is failed, default 48 */
	int smtp_retry_seconds;       /* first retry delay, doubling up to an hour, default 60 */
	/* [imap] incoming mail by polling */
	char imap_url[256];           /* "imaps://mail.firma.hr/INBOX" ("" = no polling) */
	char imap_starttls[9];        /* as smtp_starttls, for imap:// */
	char imap_username[255];
	char imap_password[256];      /* never logged */
	char imap_oauth2_token[2048]; /* XOAUTH2 bearer token instead of a password */
	int imap_verify_tls;
	char imap_ca_file[1024];
	int imap_interval_seconds;    /* how often evid serve polls, default 60 */
	char imap_after_import[8];    /* "none", "seen" (default) or "move" */
	char imap_move_to[128];       /* folder for "move" */
	/* [billing] ticket work under no contract, and the default kind of work */
	int billing_increment_minutes;   /* rounding increment, 0..1440, default 15 (0 = exact) */
	char billing_rounding[8];        /* "up" (default) or "nearest" */
	char billing_round_per[8];       /* "entry" (default) or "ticket" */
	int billing_minimum_minutes;     /* per ticket and rate in a month, 0..1440, default 0 */
	char billing_default_rate[33];   /* the rate code of entries without one, default "remote" */
	/* where the values came from, for messages */
	char path[1024];         /* the file read, or "" when none was */
};

/* Fill c with the built-in defaults. */
void config_defaults(struct config *c);

/*
 * Read the file at path over the defaults already in c.  When `required` is
 * 0 a missing file is not an error (c keeps its defaults).  Returns 0, or -1
 * with a message in err naming the file and line ("evid.conf:7: unknown key
 * 'lisen' in [server]").  Values are validated: an unknown time zone, a bad
 * listen address, an invalid OIB or language are errors.
 */
int config_load(struct config *c, const char *path, int required, char *err, size_t errsz);

/*
 * Set one key as if it were read from a file (the same validation), for
 * command-line overrides such as `evid serve --listen`.  Returns 0, or -1
 * with a message in err ("unknown key 'lisen' in [server]", "listen: ...").
 * Setting [server] listen also moves base_url when it still was the
 * default derived from the old listen address.
 */
int config_set(struct config *c, const char *section, const char *key, const char *value,
	       char *err, size_t errsz);

/*
 * Choose the config path: explicit (from --config, may be NULL), else
 * $EVID_CONFIG, else "evid.conf".  *required is set to 1 unless it is the
 * fallback "evid.conf".
 */
const char *config_path_choose(const char *explicit_path, int *required);

#endif
