/*
 * mhd_api: libmicrohttpd, loaded when `evid serve` starts its server
 * rather than when any `evid` process starts.
 *
 * libmicrohttpd brings GnuTLS and its companions; loading them cost every
 * `evid` process (mail-in, the CLI) about 5 ms for nothing.  The web layer
 * reaches libmicrohttpd through this table, filled by
 * dlopen("libmicrohttpd.so.12") once per process.  Members are
 * libmicrohttpd's functions of the same name without the MHD_ prefix.
 */
#ifndef EVID_WEB_MHD_API_H
#define EVID_WEB_MHD_API_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

struct mhd_api {
	struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port,
					   MHD_AcceptPolicyCallback apc, void *apc_cls,
					   MHD_AccessHandlerCallback dh, void *dh_cls, ...);
	MHD_socket (*quiesce_daemon)(struct MHD_Daemon *d);
	void (*stop_daemon)(struct MHD_Daemon *d);
	struct MHD_Response *(*create_response_from_buffer)(size_t size, void *buffer,
							    enum MHD_ResponseMemoryMode mode);
	struct MHD_Response *(*create_response_from_buffer_with_free_callback)(
	    size_t size, void *buffer, MHD_ContentReaderFreeCallback crfc);
	enum MHD_Result (*add_response_header)(struct MHD_Response *resp, const char *name,
					       const char *value);
	enum MHD_Result (*queue_response)(struct MHD_Connection *conn, unsigned int status,
					  struct MHD_Response *resp);
	void (*destroy_response)(struct MHD_Response *resp);
	int (*get_connection_values)(struct MHD_Connection *conn, enum MHD_ValueKind kind,
				     MHD_KeyValueIterator it, void *it_cls);
	const char *(*lookup_connection_value)(struct MHD_Connection *conn,
					       enum MHD_ValueKind kind, const char *key);
	enum MHD_Result (*lookup_connection_value_n)(struct MHD_Connection *conn,
						     enum MHD_ValueKind kind, const char *key,
						     size_t key_size, const char **value,
						     size_t *value_size);
	struct MHD_PostProcessor *(*create_post_processor)(struct MHD_Connection *conn,
							    size_t buffer_size,
							    MHD_PostDataIterator it, void *it_cls);
	enum MHD_Result (*post_process)(struct MHD_PostProcessor *pp, const char *data, size_t n);
	enum MHD_Result (*destroy_post_processor)(struct MHD_PostProcessor *pp);
	const union MHD_ConnectionInfo *(*get_connection_info)(struct MHD_Connection *conn,
								enum MHD_ConnectionInfoType type,
								...);
};

/* The loaded table, after a successful mhd_api_load(); NULL before. */
extern const struct mhd_api *mhd_api_table;
#define MHD mhd_api_table

/*
 * Loads libmicrohttpd once per process (thread-safe).  0 on success; -1
 * with the reason in err when the library or one of its functions is
 * missing.
 */
int mhd_api_load(char *err, size_t errsz);

#endif
