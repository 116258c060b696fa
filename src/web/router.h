/*
 * router: the API's route table, {method, pattern, handler, access} per
 * endpoint, and the matching of a request's method and path against it.
 */
#ifndef EVID_WEB_ROUTER_H
#define EVID_WEB_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "web/request.h"

/*
 * Find the route for method and path, filling ids with the path's {id}
 * segments.  Returns the route, or NULL: then *path_known is 1 when the path
 * exists under other methods, whose names are written to allow ("GET, POST",
 * allowsz bytes) for a 405, and 0 for a 404.
 */
const struct route *router_match(const char *method, const char *path, int64_t ids[WEB_MAX_IDS],
				 int *path_known, char *allow, size_t allowsz);

#endif
