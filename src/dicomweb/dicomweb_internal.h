/* Private to the dicomweb stage: HTTP requests on libcurl (http.c) that the
 * source (source.c) drives. */
#ifndef RADNET_DICOMWEB_INTERNAL_H
#define RADNET_DICOMWEB_INTERNAL_H

#include "radnet/dicomweb.h"

typedef struct Http Http;
typedef struct Request Request;

typedef enum RequestKind {
    REQ_QIDO = 0, /* JSON body kept whole (bounded) */
    REQ_WADO,     /* multipart/related with exactly one application/dicom part */
} RequestKind;

/* Credentials are read from the environment here and stay in Http. */
Http *rn_http_open(const RnDicomwebOptions *o, RnError **err);
void rn_http_close(Http *h);

/* Starts a GET (url copied). limit: largest body (QIDO) or part (WADO). */
Request *rn_http_start(Http *h, RequestKind kind, const char *url, size_t limit, RnError **err);
/* Moves transfers on for at most wait_ms; false only on a libcurl failure. */
bool rn_http_pump(Http *h, int wait_ms, RnError **err);
/* True once the request succeeded or failed for good (retries included). */
bool rn_http_finished(const Request *r);
/* The outcome: false with the request's error; else the QIDO body (*data
 * NUL-terminated, *more when the server warned of more results) or the
 * WADO part. *data passes to the caller. */
bool rn_http_take(Request *r, uint8_t **data, size_t *n, bool *more, RnError **err);
/* The request failed with 404 or 410: the resource is not (or no longer)
 * there. */
bool rn_http_missing(const Request *r);
/* Cancels when unfinished; NULL is a no-op. */
void rn_http_free(Request *r);

/* A blocking GET (QIDO): start, pump until finished, take. */
bool rn_http_get(Http *h, const char *url, size_t limit, uint8_t **data, size_t *n, bool *more,
                 RnError **err);

void rn_http_counts(const Http *h, uint64_t *requests, uint64_t *retries, uint64_t *bytes);

#endif
