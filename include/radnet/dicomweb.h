/* radnet dicomweb: a PACS as an ingest source (PS3.18 DICOMweb).
 *
 *   radnet ingest dicomweb+http://HOST:PORT/dicom-web -w WS [--study-filter Q]
 *
 * QIDO-RS lists studies (paged with limit/offset, the filter appended to the
 * query), then each study's instances with their series (one paged query
 * per study, /studies/{uid}/instances); every
 * instance not in the workspace yet (rn_instance_lookup_known: by
 * SOPInstanceUID) is fetched with WADO-RS (multipart/related;
 * type="application/dicom") and handed to the ingest as an object
 * (store.h's RnIngestFeed): the same extraction and quarantine as a file.
 * Its catalogue name (files.path) is the instance's URL, never with
 * credentials. Order: studies page by page as the server pages them, each
 * page, series and instance list sorted by UID (bytewise) and each UID
 * once, so reruns and resumed runs visit the same sequence.
 *
 * Requests: up to `parallel` WADO transfers at once (libcurl multi), handed
 * over in listing order. 5xx, 429, time-outs and broken connections are
 * retried `retries` times with doubling back-off from `backoff_ms`; other
 * 4xx fail at once with the status and URL, except 404/410 on one
 * instance (gone since the listing, or its UIDs ambiguous on the server):
 * that instance is quarantined like an unreadable file (stage read, code
 * io: tried again next run) and the ingest goes on. A response larger than
 * its limit fails (RN_ERROR_LIMIT).
 *
 * Credentials, read at open and kept only in memory: RADNET_DICOMWEB_TOKEN
 * (Authorization: Bearer), else RADNET_DICOMWEB_USER and
 * RADNET_DICOMWEB_PASSWORD (basic), else the netrc file (RADNET_DICOMWEB_NETRC,
 * else ~/.netrc) when it has the host. A URL with user info is refused:
 * it would be recorded in the workspace. https certificates are always
 * verified, against RADNET_DICOMWEB_CA (a PEM bundle) when set, else the
 * system's CAs.
 */
#ifndef RADNET_DICOMWEB_H
#define RADNET_DICOMWEB_H

#include "radnet/core.h"
#include "radnet/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RN_DICOMWEB_SCHEME "dicomweb+"

/* True when source names a DICOMweb service ("dicomweb+http://...",
 * "dicomweb+https://..."). */
bool rn_dicomweb_is_source(const char *source);

/* ---- multipart/related (RFC 2046), streaming ------------------------- */

/* The boundary parameter of a Content-Type value (quoted or not, 1-70
 * characters); false with RN_ERROR_PARSE when there is none or it is not
 * multipart. */
bool rn_multipart_boundary(const char *content_type, char *out, size_t cap, RnError **err);

/* One body part: content_type is the part's Content-Type header (NULL when
 * absent); body is malloc'd and passes to the sink. */
typedef bool (*RnPartSink)(void *user, const char *content_type, uint8_t *body, size_t n,
                           RnError **err);

typedef struct RnMultipart RnMultipart;

/* A parser fed the body in pieces of any size. Memory: one part (at most
 * max_part bytes; larger is RN_ERROR_LIMIT) plus a delimiter; headers of a
 * part are limited to RN_MULTIPART_MAX_HEADERS bytes. */
#define RN_MULTIPART_MAX_HEADERS 16384u
RnMultipart *rn_multipart_open(const char *boundary, size_t max_part, RnPartSink sink,
                               void *user, RnError **err);
bool rn_multipart_feed(RnMultipart *m, const uint8_t *data, size_t n, RnError **err);
/* The body ended: false (RN_ERROR_PARSE) unless the close delimiter was seen. */
bool rn_multipart_finish(RnMultipart *m, RnError **err);
size_t rn_multipart_parts(const RnMultipart *m);
void rn_multipart_close(RnMultipart *m);

/* ---- QIDO-RS responses ------------------------------------------------ */

/* The first string value of each of tags (8 hex digits, e.g. "0020000D")
 * of each object of a QIDO-RS JSON array, in order: *values holds *count
 * rows of n_tags malloc'd strings (objects lacking one of the tags are left
 * out; *objects counts them all). Free with rn_dicomweb_strings_free(values,
 * count * n_tags). An empty body is no rows. */
bool rn_qido_rows(const char *json, size_t n, const char *const *tags, size_t n_tags,
                  char ***values, size_t *count, size_t *objects, RnError **err);
void rn_dicomweb_strings_free(char **values, size_t count);

/* ---- the source -------------------------------------------------------- */

typedef struct RnDicomwebOptions {
    const char *study_filter; /* QIDO query terms, e.g. "ModalitiesInStudy=CT" */
    int parallel;             /* WADO transfers at once; <= 0: 4 */
    int retries;              /* per request; < 0: 5 */
    int backoff_ms;           /* first back-off; <= 0: 500 (doubles) */
    int timeout_s;            /* per request, whole transfer; <= 0: 300 */
    uint32_t page;            /* QIDO limit per page; 0: 500 */
    size_t max_instance;      /* bytes; 0: 2 GiB */
} RnDicomwebOptions;

void rn_dicomweb_options_init(RnDicomwebOptions *o);

typedef struct RnDicomweb RnDicomweb;

/* Opens the source (no request yet). url: "dicomweb+http(s)://...". */
RnDicomweb *rn_dicomweb_open(const char *url, const RnDicomwebOptions *opts, RnError **err);
void rn_dicomweb_close(RnDicomweb *d);
/* The ingest feed of d (valid while d lives). */
RnIngestFeed rn_dicomweb_feed(RnDicomweb *d);

typedef struct RnDicomwebStats {
    uint64_t studies, series, instances; /* listed */
    uint64_t fetched, skipped, missing;  /* instances (missing: 404/410) */
    uint64_t bytes, requests, retries;
} RnDicomwebStats;

void rn_dicomweb_stats(const RnDicomweb *d, RnDicomwebStats *out);

/* rn_ingest with d as the source. */
bool rn_dicomweb_ingest(const char *ws, const char *url, const RnDicomwebOptions *dw,
                        const RnIngestOptions *opts, RnIngestSummary *summary,
                        RnDicomwebStats *stats, RnError **err);

#ifdef __cplusplus
}
#endif

#endif
