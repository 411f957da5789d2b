/* Dumps one CAE problem for tests/embed/test_cae_torch.py: the layer list,
 * the initial parameters, a batch, every layer's output, the loss and the
 * gradient of every parameter, then the loss before each of `steps` Adam
 * steps and the parameters after them.
 * Usage: cae_torch_dump OUTDIR SIZE LEVELS CHANNELS DIM N STEPS */
#include "embed/cae.h"

#include <stdio.h>
#include <stdlib.h>

static bool dump(const char *dir, const char *name, const float *data,
                 size_t rows, size_t cols)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    RnArray a = {.dtype = RN_DTYPE_F32, .ndim = 2, .shape = {rows, cols},
                 .data = (void *)data};
    RnError *err = NULL;
    if (!rn_npy_write(path, &a, &err)) {
        fprintf(stderr, "%s: %s\n", path, rn_error_message(err));
        rn_error_free(err);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: %s OUTDIR SIZE LEVELS CHANNELS DIM N STEPS\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    CaeConfig cfg = {.size = (uint32_t)atoi(argv[2]), .levels = (uint32_t)atoi(argv[3]),
                     .channels = (uint32_t)atoi(argv[4]), .dim = (uint32_t)atoi(argv[5])};
    size_t n = (size_t)atoi(argv[6]), steps = (size_t)atoi(argv[7]);
    RnError *err = NULL;
    CaeNet *net = cae_net_new(&cfg, &err);
    if (!net) {
        fprintf(stderr, "%s\n", rn_error_message(err));
        return 1;
    }
    cae_net_init(net, 42);
    size_t ppi = (size_t)cfg.size * cfg.size, np = cae_net_param_count(net);
    float *x = malloc(n * ppi * sizeof *x);
    uint64_t s = 99;
    for (size_t i = 0; i < n * ppi; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (float)((s >> 40) * (1.0 / 16777216.0));
    }
    RnBuf arch = RN_BUF_INIT;
    char path[4096];
    snprintf(path, sizeof path, "%s/arch.txt", dir);
    bool ok = cae_net_describe(net, &arch, NULL) &&
              rn_file_write_atomic(path, arch.data, arch.len, NULL) &&
              dump(dir, "params", cae_net_params(net), 1, np) &&
              dump(dir, "x", x, n, ppi);
    double loss;
    ok = ok && cae_net_loss(net, x, n, true, &loss, NULL);
    for (size_t i = 0; ok && i < cae_net_layer_count(net); i++) {
        size_t per;
        const float *y = cae_net_layer_output(net, i, &per);
        char name[32];
        snprintf(name, sizeof name, "layer%02zu", i);
        ok = dump(dir, name, y, n, per);
    }
    float lossf = (float)loss;
    ok = ok && dump(dir, "grads", cae_net_grads(net), 1, np) &&
         dump(dir, "loss", &lossf, 1, 1);
    CaeAdam *adam = ok ? cae_adam_new(net, 1e-3f, NULL) : NULL;
    float *curve = calloc(steps + 1, sizeof *curve);
    for (size_t t = 0; adam && t <= steps && ok; t++) {
        ok = cae_net_loss(net, x, n, t < steps, &loss, NULL);
        curve[t] = (float)loss;
        if (t < steps)
            cae_adam_step(adam, net);
    }
    ok = ok && adam && dump(dir, "curve", curve, 1, steps + 1) &&
         dump(dir, "params_after", cae_net_params(net), 1, np);
    free(curve);
    cae_adam_free(adam);
    rn_buf_free(&arch);
    free(x);
    cae_net_free(net);
    rn_error_free(err);
    return ok ? 0 : 1;
}
