/* dump_ws WS: the workspace's canonical catalogue dump
 * (rn_store_dump_canonical) on stdout, for the MPI tests to compare. */
#include "radnet/store.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: dump_ws WS\n");
        return 1;
    }
    RnError *err = NULL;
    RnBuf b = RN_BUF_INIT;
    RnStore *s = rn_store_open(argv[1], RN_STORE_READ, &err);
    bool ok = s && rn_store_dump_canonical(s, &b, &err) &&
              fwrite(b.data, 1, b.len, stdout) == b.len;
    if (!ok)
        fprintf(stderr, "dump_ws: %s: %s\n", argv[1], err ? rn_error_message(err) : "write");
    rn_error_free(err);
    rn_buf_free(&b);
    rn_store_close(s);
    return ok ? 0 : 1;
}
