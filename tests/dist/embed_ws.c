/* embed_ws WS SOURCE METHOD BATCH: rn_embed_run_dist with a small transform
 * batch, so that 2 and 3 ranks each get whole batches of a small test
 * archive (the CLI keeps the default of 2048 rows). Run with or without
 * mpirun by the MPI tests. */
#include "radnet/embed.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: embed_ws WS SOURCE METHOD BATCH\n");
        return 1;
    }
    RnEmbedRunOptions o = {0};
    o.method = argv[3];
    o.batch = (size_t)strtoul(argv[4], NULL, 10);
    o.params.dim = 16;
    o.params.seed = 1;
    o.params.threads = 1;
    RnError *err = NULL;
    RnDist *d = NULL;
    bool ok = rn_embed_source_parse(argv[2], &o.source) && o.batch > 0 &&
              (d = rn_dist_open(120, &err)) != NULL &&
              rn_embed_run_dist(argv[1], &o, d, NULL, &err);
    if (!ok) {
        fprintf(stderr, "embed_ws: %s\n", err ? rn_error_message(err) : "bad arguments");
        rn_error_free(err);
        rn_dist_abort(d, 1);
        return 1;
    }
    return rn_dist_close(d, NULL) ? 0 : 1;
}
