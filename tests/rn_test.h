/* Minimal unit-test harness: each test file is one executable whose exit
 * status tells meson whether every check held. */
#ifndef RN_TEST_H
#define RN_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rn_test_failures;
static int rn_test_checks;

#define CHECK(cond)                                                          \
    do {                                                                     \
        rn_test_checks++;                                                    \
        if (!(cond)) {                                                       \
            rn_test_failures++;                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_MSG(cond, ...)                                                 \
    do {                                                                     \
        rn_test_checks++;                                                    \
        if (!(cond)) {                                                       \
            rn_test_failures++;                                              \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, \
                    #cond);                                                  \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
        }                                                                    \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                \
    CHECK_MSG(fabs((double)(a) - (double)(b)) <= (tol), "%.17g vs %.17g",    \
              (double)(a), (double)(b))

#define CHECK_EQ_INT(a, b)                                                   \
    CHECK_MSG((long long)(a) == (long long)(b), "%lld vs %lld",              \
              (long long)(a), (long long)(b))

#define CHECK_EQ_STR(a, b)                                                   \
    CHECK_MSG(strcmp((a), (b)) == 0, "\"%s\" vs \"%s\"", (a), (b))

/* Ends main(): a test that checked nothing fails. */
#define TEST_DONE()                                                          \
    do {                                                                     \
        fprintf(stderr, "%d checks, %d failed\n", rn_test_checks,            \
                rn_test_failures);                                           \
        return (rn_test_failures || rn_test_checks == 0) ? 1 : 0;            \
    } while (0)

#endif
