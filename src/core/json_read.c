/* A small strict JSON reader (RFC 8259): the whole document is parsed into
 * one flat node array plus one string arena, so a parse is three
 * allocations that grow geometrically and one free. Strings are decoded to
 * UTF-8 (surrogate pairs joined; lone surrogates and invalid UTF-8 refused);
 * nesting is limited to RN_JSON_MAX_DEPTH. */
#include "radnet/core.h"

#include <stdlib.h>
#include <string.h>

typedef struct JsonNode {
    RnJsonType type;
    size_t key;        /* arena offset of the member key; SIZE_MAX: none */
    size_t key_len;
    size_t str;        /* strings: arena offset */
    size_t len;        /* strings: bytes; containers: children */
    size_t kids;       /* containers: first index into the kids array */
    double num;
} JsonNode;

struct RnJson {
    JsonNode *nodes;
    size_t n_nodes, cap_nodes;
    size_t *kids;       /* child node indices, contiguous per container */
    size_t n_kids, cap_kids;
    RnBuf arena;
    /* parse-time stack of child indices of the open containers */
    size_t *stack;
    size_t n_stack, cap_stack;
};

typedef struct Parser {
    const unsigned char *s;
    size_t n, pos;
    RnJson *doc;
    RnError **err;
} Parser;

static bool grow(void **p, size_t *cap, size_t need, size_t elem, RnError **err)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    size_t bytes;
    if (!rn_mul_size(c, elem, &bytes)) {
        rn_error_set(err, RN_ERROR_LIMIT, "JSON document too large");
        return false;
    }
    void *q = rn_realloc(*p, bytes, err);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

static bool fail(Parser *p, const char *what)
{
    rn_error_set_at(p->err, RN_ERROR_PARSE, p->pos, "JSON: %s", what);
    return false;
}

static void skip_ws(Parser *p)
{
    while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                             p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static bool new_node(Parser *p, RnJsonType type, size_t *idx)
{
    RnJson *d = p->doc;
    if (!grow((void **)&d->nodes, &d->cap_nodes, d->n_nodes + 1, sizeof(JsonNode), p->err))
        return false;
    JsonNode *nd = &d->nodes[d->n_nodes];
    memset(nd, 0, sizeof *nd);
    nd->type = type;
    nd->key = SIZE_MAX;
    *idx = d->n_nodes++;
    return true;
}

static bool append_utf8(Parser *p, uint32_t cp)
{
    unsigned char b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | (cp >> 18));
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 4;
    }
    return rn_buf_append(&p->doc->arena, b, k, p->err);
}

static bool hex4(Parser *p, uint32_t *out)
{
    if (p->n - p->pos < 4)
        return fail(p, "truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p->s[p->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return fail(p, "bad \\u escape");
    }
    *out = v;
    return true;
}

static bool escape(Parser *p)
{
    if (p->pos >= p->n)
        return fail(p, "truncated escape");
    unsigned char c = p->s[p->pos++];
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = c ? strchr(from, c) : NULL;
    if (hit)
        return rn_buf_append(&p->doc->arena, &to[hit - from], 1, p->err);
    if (c != 'u')
        return fail(p, "bad escape");
    uint32_t cp;
    if (!hex4(p, &cp))
        return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return fail(p, "lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo;
        if (p->n - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
            return fail(p, "lone high surrogate");
        p->pos += 2;
        if (!hex4(p, &lo))
            return false;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return fail(p, "bad surrogate pair");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    return append_utf8(p, cp);
}

/* Parses a string literal into the arena at offset *off, *len bytes. */
static bool string_lit(Parser *p, size_t *off, size_t *len)
{
    p->pos++; /* opening quote */
    RnBuf *a = &p->doc->arena;
    *off = a->len;
    size_t run = p->pos;
    for (;;) {
        if (p->pos >= p->n)
            return fail(p, "unterminated string");
        unsigned char c = p->s[p->pos];
        if (c == '"' || c == '\\') {
            if (!rn_buf_append(a, p->s + run, p->pos - run, p->err))
                return false;
            p->pos++;
            if (c == '"')
                break;
            if (!escape(p))
                return false;
            run = p->pos;
        } else if (c < 0x20) {
            return fail(p, "control character in string");
        } else {
            p->pos++;
        }
    }
    *len = a->len - *off;
    if (!rn_text_utf8_valid(a->data + *off, *len))
        return fail(p, "invalid UTF-8 in string");
    /* NUL-terminate in the arena so callers get C strings */
    return rn_buf_append(a, "", 1, p->err);
}

static bool number_lit(Parser *p, double *out)
{
    size_t start = p->pos;
    const unsigned char *s = p->s;
    if (p->pos < p->n && s[p->pos] == '-')
        p->pos++;
    if (p->pos >= p->n || s[p->pos] < '0' || s[p->pos] > '9')
        return fail(p, "bad number");
    if (s[p->pos] == '0')
        p->pos++;
    else
        while (p->pos < p->n && s[p->pos] >= '0' && s[p->pos] <= '9')
            p->pos++;
    if (p->pos < p->n && s[p->pos] == '.') {
        p->pos++;
        if (p->pos >= p->n || s[p->pos] < '0' || s[p->pos] > '9')
            return fail(p, "bad fraction");
        while (p->pos < p->n && s[p->pos] >= '0' && s[p->pos] <= '9')
            p->pos++;
    }
    if (p->pos < p->n && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->n && (s[p->pos] == '+' || s[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->n || s[p->pos] < '0' || s[p->pos] > '9')
            return fail(p, "bad exponent");
        while (p->pos < p->n && s[p->pos] >= '0' && s[p->pos] <= '9')
            p->pos++;
    }
    char tmp[64];
    size_t len = p->pos - start;
    if (len >= sizeof tmp)
        return fail(p, "number too long");
    memcpy(tmp, s + start, len);
    tmp[len] = 0;
    *out = strtod(tmp, NULL);
    return true;
}

static bool literal(Parser *p, const char *word)
{
    size_t k = strlen(word);
    if (p->n - p->pos < k || memcmp(p->s + p->pos, word, k) != 0)
        return fail(p, "bad literal");
    p->pos += k;
    return true;
}

static bool value(Parser *p, int depth, size_t *idx);

static bool push_kid(Parser *p, size_t idx)
{
    RnJson *d = p->doc;
    if (!grow((void **)&d->stack, &d->cap_stack, d->n_stack + 1, sizeof(size_t), p->err))
        return false;
    d->stack[d->n_stack++] = idx;
    return true;
}

/* Moves the children pushed since `mark` into the kids array of node idx. */
static bool close_container(Parser *p, size_t idx, size_t mark)
{
    RnJson *d = p->doc;
    size_t count = d->n_stack - mark;
    if (!grow((void **)&d->kids, &d->cap_kids, d->n_kids + count, sizeof(size_t), p->err))
        return false;
    if (count)
        memcpy(d->kids + d->n_kids, d->stack + mark, count * sizeof(size_t));
    d->nodes[idx].kids = d->n_kids;
    d->nodes[idx].len = count;
    d->n_kids += count;
    d->n_stack = mark;
    return true;
}

static bool container(Parser *p, int depth, bool object, size_t *idx)
{
    if (depth >= RN_JSON_MAX_DEPTH)
        return fail(p, "nesting too deep");
    if (!new_node(p, object ? RN_JSON_OBJECT : RN_JSON_ARRAY, idx))
        return false;
    size_t mark = p->doc->n_stack;
    char close = object ? '}' : ']';
    p->pos++;
    skip_ws(p);
    if (p->pos < p->n && p->s[p->pos] == close) {
        p->pos++;
        return close_container(p, *idx, mark);
    }
    for (;;) {
        size_t key = SIZE_MAX, key_len = 0, kid;
        skip_ws(p);
        if (object) {
            if (p->pos >= p->n || p->s[p->pos] != '"')
                return fail(p, "expected member name");
            if (!string_lit(p, &key, &key_len))
                return false;
            skip_ws(p);
            if (p->pos >= p->n || p->s[p->pos] != ':')
                return fail(p, "expected ':'");
            p->pos++;
        }
        if (!value(p, depth + 1, &kid))
            return false;
        p->doc->nodes[kid].key = key;
        p->doc->nodes[kid].key_len = key_len;
        if (!push_kid(p, kid))
            return false;
        skip_ws(p);
        if (p->pos >= p->n)
            return fail(p, "unterminated container");
        if (p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->s[p->pos] != close)
            return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
        p->pos++;
        return close_container(p, *idx, mark);
    }
}

static bool value(Parser *p, int depth, size_t *idx)
{
    skip_ws(p);
    if (p->pos >= p->n)
        return fail(p, "expected a value");
    unsigned char c = p->s[p->pos];
    if (c == '{' || c == '[')
        return container(p, depth, c == '{', idx);
    if (c == '"') {
        size_t off, len;
        if (!string_lit(p, &off, &len) || !new_node(p, RN_JSON_STRING, idx))
            return false;
        p->doc->nodes[*idx].str = off;
        p->doc->nodes[*idx].len = len;
        return true;
    }
    if (c == 't' || c == 'f') {
        if (!literal(p, c == 't' ? "true" : "false") || !new_node(p, RN_JSON_BOOL, idx))
            return false;
        p->doc->nodes[*idx].num = c == 't';
        return true;
    }
    if (c == 'n')
        return literal(p, "null") && new_node(p, RN_JSON_NULL, idx);
    double v;
    if (!number_lit(p, &v) || !new_node(p, RN_JSON_NUMBER, idx))
        return false;
    p->doc->nodes[*idx].num = v;
    return true;
}


RnJson *rn_json_parse(const char *text, size_t n, RnError **err)
{
    RnJson *d = rn_calloc(1, sizeof *d, err);
    if (!d)
        return NULL;
    Parser p = {(const unsigned char *)text, n, 0, d, err};
    size_t root;
    bool ok = value(&p, 0, &root);
    if (ok) {
        skip_ws(&p);
        if (p.pos != n)
            ok = fail(&p, "trailing characters");
    }
    free(d->stack);
    d->stack = NULL;
    if (!ok) {
        rn_json_free(d);
        return NULL;
    }
    return d; /* node 0 is the root: values are created before their children */
}

void rn_json_free(RnJson *doc)
{
    if (!doc)
        return;
    free(doc->nodes);
    free(doc->kids);
    free(doc->stack);
    rn_buf_free(&doc->arena);
    free(doc);
}

/* A value handle is the node index + 1 so that 0 means "none". */
static const JsonNode *node(const RnJson *doc, RnJsonRef ref)
{
    return (ref && ref <= doc->n_nodes) ? &doc->nodes[ref - 1] : NULL;
}

RnJsonRef rn_json_root(const RnJson *doc)
{
    return doc && doc->n_nodes ? 1 : 0;
}

RnJsonType rn_json_type(const RnJson *doc, RnJsonRef v)
{
    const JsonNode *nd = node(doc, v);
    return nd ? nd->type : RN_JSON_NONE;
}

size_t rn_json_count(const RnJson *doc, RnJsonRef v)
{
    const JsonNode *nd = node(doc, v);
    return nd && (nd->type == RN_JSON_ARRAY || nd->type == RN_JSON_OBJECT) ? nd->len : 0;
}

RnJsonRef rn_json_at(const RnJson *doc, RnJsonRef v, size_t i)
{
    if (i >= rn_json_count(doc, v))
        return 0;
    return doc->kids[node(doc, v)->kids + i] + 1;
}

const char *rn_json_member_key(const RnJson *doc, RnJsonRef member, size_t *len)
{
    const JsonNode *nd = node(doc, member);
    if (!nd || nd->key == SIZE_MAX)
        return NULL;
    if (len)
        *len = nd->key_len;
    return (const char *)doc->arena.data + nd->key;
}

RnJsonRef rn_json_get(const RnJson *doc, RnJsonRef object, const char *key)
{
    if (rn_json_type(doc, object) != RN_JSON_OBJECT)
        return 0;
    size_t klen = strlen(key), n = rn_json_count(doc, object);
    for (size_t i = 0; i < n; i++) {
        RnJsonRef m = rn_json_at(doc, object, i);
        size_t len;
        const char *k = rn_json_member_key(doc, m, &len);
        if (len == klen && memcmp(k, key, klen) == 0)
            return m;
    }
    return 0;
}

const char *rn_json_get_string(const RnJson *doc, RnJsonRef v, size_t *len)
{
    const JsonNode *nd = node(doc, v);
    if (!nd || nd->type != RN_JSON_STRING)
        return NULL;
    if (len)
        *len = nd->len;
    return (const char *)doc->arena.data + nd->str;
}

double rn_json_number(const RnJson *doc, RnJsonRef v)
{
    const JsonNode *nd = node(doc, v);
    return nd && (nd->type == RN_JSON_NUMBER || nd->type == RN_JSON_BOOL) ? nd->num : 0.0;
}
