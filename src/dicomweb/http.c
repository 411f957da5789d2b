/* HTTP GETs for QIDO-RS and WADO-RS on one libcurl multi handle: bounded
 * bodies, retries with doubling back-off on 5xx / 408 / 429 and on
 * transport failures (time-outs, refused or broken connections), a clear
 * error on any other status. Credentials come from the environment or a
 * netrc file and never appear in an error message. */
#include "dicomweb/dicomweb_internal.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ERROR_TEXT_MAX 512u
#define MAX_LIVE 256u

struct Http {
    CURLM *multi;
    RnDicomwebOptions opts;
    char *token;    /* bearer */
    char *user, *password;
    char *netrc;    /* netrc file name, NULL: libcurl's default */
    char *ca;       /* CA bundle for https, NULL: the system's */
    Request *live[MAX_LIVE];
    size_t n_live;
    uint64_t requests, retries, bytes;
};

struct Request {
    Http *http;
    RequestKind kind;
    CURL *easy;
    char *url;
    size_t limit;
    int attempt;
    double retry_at;  /* > 0: waiting to be sent again */
    bool in_multi, finished, more, missing;
    RnError *err;     /* the final error */
    RnError *abort;   /* why a write callback stopped the transfer */
    RnBuf body;       /* QIDO body, or the error text of a non-2xx answer */
    RnMultipart *mp;
    uint8_t *part;
    size_t part_n;
    size_t n_parts;
    struct curl_slist *headers;
};

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *env_dup(const char *name, RnError **err, bool *ok)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == 0)
        return NULL;
    char *s = rn_strdup(v, err);
    *ok = *ok && s != NULL;
    return s;
}

Http *rn_http_open(const RnDicomwebOptions *o, RnError **err)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        rn_error_set(err, RN_ERROR_INTERNAL, "libcurl: %s", curl_easy_strerror(curl_init_rc));
        return NULL;
    }
    Http *h = rn_calloc(1, sizeof *h, err);
    if (h == NULL)
        return NULL;
    h->opts = *o;
    bool ok = true;
    h->token = env_dup("RADNET_DICOMWEB_TOKEN", err, &ok);
    h->user = env_dup("RADNET_DICOMWEB_USER", err, &ok);
    h->password = env_dup("RADNET_DICOMWEB_PASSWORD", err, &ok);
    h->netrc = env_dup("RADNET_DICOMWEB_NETRC", err, &ok);
    h->ca = env_dup("RADNET_DICOMWEB_CA", err, &ok);
    if (ok && (h->user != NULL) != (h->password != NULL)) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "RADNET_DICOMWEB_USER and RADNET_DICOMWEB_PASSWORD go together");
        ok = false;
    }
    if (ok && (h->multi = curl_multi_init()) == NULL) {
        rn_error_set(err, RN_ERROR_NOMEM, "libcurl: cannot create a multi handle");
        ok = false;
    }
    if (ok)
        curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)o->parallel);
    if (!ok) {
        rn_http_close(h);
        return NULL;
    }
    return h;
}

static void wipe_free(char *s)
{
    if (s != NULL) {
        volatile char *p = s;
        while (*p)
            *p++ = 0;
        free(s);
    }
}

void rn_http_close(Http *h)
{
    if (h == NULL)
        return;
    while (h->n_live > 0)
        rn_http_free(h->live[h->n_live - 1]);
    if (h->multi != NULL)
        curl_multi_cleanup(h->multi);
    wipe_free(h->token);
    wipe_free(h->user);
    wipe_free(h->password);
    free(h->netrc);
    free(h->ca);
    free(h);
}

void rn_http_counts(const Http *h, uint64_t *requests, uint64_t *retries, uint64_t *bytes)
{
    *requests = h->requests;
    *retries = h->retries;
    *bytes = h->bytes;
}

/* ---- write callbacks ---------------------------------------------------- */

static long response_status(Request *r)
{
    long status = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static bool take_part(void *user, const char *content_type, uint8_t *body, size_t n,
                      RnError **err)
{
    Request *r = user;
    if (r->n_parts++ > 0) {
        free(body);
        rn_error_set(err, RN_ERROR_PARSE, "%s: more than one part for one instance", r->url);
        return false;
    }
    if (content_type != NULL && strncasecmp(content_type, "application/dicom", 17) != 0) {
        free(body);
        rn_error_set(err, RN_ERROR_PARSE, "%s: part of type %s, not application/dicom", r->url,
                     content_type);
        return false;
    }
    r->part = body;
    r->part_n = n;
    return true;
}

static bool wado_data(Request *r, const uint8_t *data, size_t n, RnError **err)
{
    if (r->mp == NULL) {
        const char *ct = NULL;
        char boundary[80];
        curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ct);
        RnError *local = NULL;
        if (!rn_multipart_boundary(ct, boundary, sizeof boundary, &local)) {
            rn_error_set(err, rn_error_code(local), "%s: %s", r->url, rn_error_message(local));
            rn_error_free(local);
            return false;
        }
        if ((r->mp = rn_multipart_open(boundary, r->limit, take_part, r, err)) == NULL)
            return false;
    }
    return rn_multipart_feed(r->mp, data, n, err);
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
    Request *r = user;
    size_t n = size * nmemb;
    long status = response_status(r);
    r->http->bytes += n;
    if (status < 200 || status >= 300) { /* keep the start of the error text */
        size_t room = r->body.len < ERROR_TEXT_MAX ? ERROR_TEXT_MAX - r->body.len : 0;
        if (room > 0 && !rn_buf_append(&r->body, ptr, n < room ? n : room, &r->abort))
            return 0;
        return n;
    }
    if (r->kind == REQ_QIDO) {
        if (n > r->limit - r->body.len) {
            rn_error_set(&r->abort, RN_ERROR_LIMIT, "%s: response larger than %zu bytes", r->url,
                         r->limit);
            return 0;
        }
        return rn_buf_append(&r->body, ptr, n, &r->abort) ? n : 0;
    }
    return wado_data(r, (const uint8_t *)ptr, n, &r->abort) ? n : 0;
}

/* "Warning: 299 ... more results" (PS3.18 8.3.4.4: the response was cut). */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *user)
{
    Request *r = user;
    size_t n = size * nmemb;
    if (n > 8 && strncasecmp(ptr, "Warning:", 8) == 0) {
        char line[256];
        size_t k = n < sizeof line - 1 ? n : sizeof line - 1;
        memcpy(line, ptr, k);
        line[k] = 0;
        for (char *c = line; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        if (strstr(line, "more") != NULL)
            r->more = true;
    }
    return n;
}

/* ---- requests ------------------------------------------------------------ */

static void reset_response(Request *r)
{
    rn_buf_free(&r->body);
    rn_multipart_close(r->mp);
    r->mp = NULL;
    free(r->part);
    r->part = NULL;
    r->part_n = r->n_parts = 0;
    r->more = false;
    rn_error_free(r->abort);
    r->abort = NULL;
}

static bool configure(Request *r, RnError **err)
{
    Http *h = r->http;
    const char *accept = r->kind == REQ_QIDO
                             ? "Accept: application/dicom+json"
                             : "Accept: multipart/related; type=\"application/dicom\"; "
                               "transfer-syntax=*";
    if ((r->headers = curl_slist_append(NULL, accept)) == NULL) {
        rn_error_set(err, RN_ERROR_NOMEM, "out of memory");
        return false;
    }
    CURL *e = r->easy;
    bool ok = curl_easy_setopt(e, CURLOPT_URL, r->url) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)h->opts.timeout_s);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "radnet");
    /* Redirects are not followed: credentials must not go to another host. */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    if (h->ca != NULL) /* a hospital's own CA; certificates are always verified */
        curl_easy_setopt(e, CURLOPT_CAINFO, h->ca);
    if (h->token != NULL) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
        curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, h->token);
    } else if (h->user != NULL) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, h->user);
        curl_easy_setopt(e, CURLOPT_PASSWORD, h->password);
    } else {
        curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
        if (h->netrc != NULL)
            curl_easy_setopt(e, CURLOPT_NETRC_FILE, h->netrc);
    }
    if (!ok)
        rn_error_set(err, RN_ERROR_INVALID, "%s: not a usable http(s) URL", r->url);
    return ok;
}

static bool submit(Request *r, RnError **err)
{
    reset_response(r);
    r->retry_at = 0;
    CURLMcode mc = curl_multi_add_handle(r->http->multi, r->easy);
    if (mc != CURLM_OK) {
        rn_error_set(err, RN_ERROR_INTERNAL, "libcurl: %s", curl_multi_strerror(mc));
        return false;
    }
    r->in_multi = true;
    r->http->requests++;
    return true;
}

Request *rn_http_start(Http *h, RequestKind kind, const char *url, size_t limit, RnError **err)
{
    if (h->n_live == MAX_LIVE) {
        rn_error_set(err, RN_ERROR_INTERNAL, "too many requests at once");
        return NULL;
    }
    Request *r = rn_calloc(1, sizeof *r, err);
    if (r == NULL)
        return NULL;
    r->http = h;
    r->kind = kind;
    r->limit = limit;
    bool ok = (r->url = rn_strdup(url, err)) != NULL;
    if (ok && (r->easy = curl_easy_init()) == NULL) {
        rn_error_set(err, RN_ERROR_NOMEM, "libcurl: cannot create a handle");
        ok = false;
    }
    if (ok)
        h->live[h->n_live++] = r;
    if (!ok || !configure(r, err) || !submit(r, err)) {
        rn_http_free(r);
        return NULL;
    }
    return r;
}

void rn_http_free(Request *r)
{
    if (r == NULL)
        return;
    Http *h = r->http;
    for (size_t i = 0; i < h->n_live; i++)
        if (h->live[i] == r) {
            h->live[i] = h->live[--h->n_live];
            break;
        }
    if (r->in_multi)
        curl_multi_remove_handle(h->multi, r->easy);
    if (r->easy != NULL)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    reset_response(r);
    rn_error_free(r->err);
    free(r->url);
    free(r);
}

bool rn_http_missing(const Request *r)
{
    return r->finished && r->missing;
}

bool rn_http_finished(const Request *r)
{
    return r->finished;
}

/* ---- outcomes -------------------------------------------------------- */

static bool transient_transport(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static bool transient_status(long status)
{
    return status >= 500 || status == 408 || status == 429;
}

/* The first line of an error body, printable ASCII only. */
static void error_text(const Request *r, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < r->body.len && k + 1 < cap; i++) {
        uint8_t c = r->body.data[i];
        if (c == '\n' || c == '\r')
            break;
        out[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[k] = 0;
}

static void fail(Request *r, RnErrorCode code, const char *why)
{
    rn_error_set(&r->err, code, "%s: %s", r->url, why);
    r->finished = true;
}

static const char credentials_hint[] =
    " (credentials: RADNET_DICOMWEB_TOKEN, RADNET_DICOMWEB_USER and _PASSWORD, or netrc)";

/* Why a transfer failed, and whether trying again may help; NULL: success. */
static const char *judge(Request *r, CURLcode rc, char *why, size_t cap, bool *retry,
                         RnErrorCode *code)
{
    long status = response_status(r);
    *retry = false;
    *code = RN_ERROR_IO;
    if (rc != CURLE_OK) {
        snprintf(why, cap, "%s", curl_easy_strerror(rc));
        *retry = transient_transport(rc);
        return why;
    }
    if (status < 200 || status >= 300) {
        char text[ERROR_TEXT_MAX];
        error_text(r, text, sizeof text);
        snprintf(why, cap, "HTTP %ld%s%s%s", status, text[0] ? ": " : "", text,
                 status == 401 || status == 403 ? credentials_hint : "");
        *retry = transient_status(status);
        r->missing = status == 404 || status == 410;
        return why;
    }
    if (r->kind != REQ_WADO)
        return NULL;
    RnError *local = NULL;
    if (r->mp == NULL || !rn_multipart_finish(r->mp, &local)) {
        snprintf(why, cap, "%s", local ? rn_error_message(local) : "empty response");
        rn_error_free(local);
        *retry = true; /* a cut connection looks the same */
        return why;
    }
    if (r->n_parts != 1) {
        *code = RN_ERROR_PARSE;
        snprintf(why, cap, "no instance in the response");
        return why;
    }
    return NULL;
}

/* Decides what a finished transfer means: done, retry later, or failed. */
static void conclude(Request *r, CURLcode rc)
{
    curl_multi_remove_handle(r->http->multi, r->easy);
    r->in_multi = false;
    if (r->abort != NULL) { /* our own limit or parse failure: no retry */
        rn_error_propagate(&r->err, r->abort);
        r->abort = NULL;
        r->finished = true;
        return;
    }
    char why[ERROR_TEXT_MAX + 160];
    bool retry;
    RnErrorCode code;
    if (judge(r, rc, why, sizeof why, &retry, &code) == NULL) {
        r->finished = true;
        return;
    }
    Http *h = r->http;
    if (retry && r->attempt >= h->opts.retries) {
        size_t k = strlen(why);
        snprintf(why + k, sizeof why - k, " (gave up after %d attempts)", r->attempt + 1);
        retry = false;
    }
    if (!retry) {
        fail(r, code, why);
        return;
    }
    double wait = h->opts.backoff_ms / 1000.0 * (double)(1u << (r->attempt < 16 ? r->attempt : 16));
    r->attempt++;
    h->retries++;
    r->retry_at = now_seconds() + wait;
}

bool rn_http_pump(Http *h, int wait_ms, RnError **err)
{
    double now = now_seconds(), next_retry = 0;
    for (size_t i = 0; i < h->n_live; i++) {
        Request *r = h->live[i];
        if (r->finished || r->in_multi || r->retry_at <= 0)
            continue;
        if (r->retry_at <= now) {
            if (!submit(r, err))
                return false;
        } else if (next_retry == 0 || r->retry_at < next_retry) {
            next_retry = r->retry_at;
        }
    }
    int running = 0;
    CURLMcode mc = curl_multi_perform(h->multi, &running);
    if (mc == CURLM_OK && running > 0) {
        int ms = wait_ms;
        if (next_retry > 0 && (next_retry - now) * 1000 < ms)
            ms = (int)((next_retry - now) * 1000) + 1;
        mc = curl_multi_poll(h->multi, NULL, 0, ms, NULL);
        if (mc == CURLM_OK)
            mc = curl_multi_perform(h->multi, &running);
    } else if (mc == CURLM_OK && next_retry > now) { /* only back-offs pending */
        double wait = next_retry - now;
        struct timespec t = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
        nanosleep(&t, NULL);
    }
    if (mc != CURLM_OK) {
        rn_error_set(err, RN_ERROR_INTERNAL, "libcurl: %s", curl_multi_strerror(mc));
        return false;
    }
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        char *r = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
        if (r != NULL)
            conclude((Request *)r, msg->data.result);
    }
    return true;
}

bool rn_http_take(Request *r, uint8_t **data, size_t *n, bool *more, RnError **err)
{
    *data = NULL;
    *n = 0;
    if (more != NULL)
        *more = r->more;
    if (r->err != NULL) {
        rn_error_set(err, rn_error_code(r->err), "%s", rn_error_message(r->err));
        return false;
    }
    if (r->kind == REQ_WADO) {
        *data = r->part;
        *n = r->part_n;
        r->part = NULL;
        return true;
    }
    if (!rn_buf_terminate(&r->body, err))
        return false;
    *data = r->body.data;
    *n = r->body.len;
    if (*data == NULL && (*data = rn_calloc(1, 1, err)) == NULL)
        return false;
    r->body = (RnBuf)RN_BUF_INIT;
    return true;
}

bool rn_http_get(Http *h, const char *url, size_t limit, uint8_t **data, size_t *n, bool *more,
                 RnError **err)
{
    Request *r = rn_http_start(h, REQ_QIDO, url, limit, err);
    if (r == NULL)
        return false;
    bool ok = true;
    while (ok && !r->finished)
        ok = rn_http_pump(h, 100, err);
    ok = ok && rn_http_take(r, data, n, more, err);
    rn_http_free(r);
    return ok;
}
