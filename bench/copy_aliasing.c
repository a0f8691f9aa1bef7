/* copy_aliasing: what pyuvnet_copy (pyuvnet/uv/pyuvnet_copy.h) is for.
 *
 *   copy_aliasing            microseconds per 64 KiB copy, memcpy against
 *                            pyuvnet_copy, by (dst - src) mod 4096
 *   copy_aliasing --check    pyuvnet_copy copies every byte and no other,
 *                            at every page offset and around its sizes'
 *                            edges (tests/bench/test_bench_copy_aliasing.py);
 *                            exit status 1 if not
 *
 *   make bench-copy          builds it and runs the first
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pyuvnet_copy.h"

#define AREA (256 * 1024)
#define GUARD 0xA5

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static char* area(void) {
    char* p = aligned_alloc(4096, AREA);
    if (p == NULL) {
        perror("aligned_alloc");
        exit(2);
    }
    return p;
}

/* Each offset (dst - src) mod 4096 and each size, with bytes on both sides
 * of the destination that must stay as they were. */
static int check(void) {
    static const size_t sizes[] = {0, 1, 63, 64, 65, 127, 2047, 2048, 2049, 4096, 65535, 65536,
                                   65536 + 7};
    char* src = area();
    char* dst = area();
    size_t i, s;
    int failures = 0;
    for (i = 0; i < AREA; i++)
        src[i] = (char)(i * 131 + (i >> 8));
    for (unsigned ahead = 0; ahead < 4096; ahead++) {
        for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s], src_at = 300, dst_at = (src_at + ahead) % 4096 + 4096;
            memset(dst, GUARD, n + dst_at + 64);
            pyuvnet_copy(dst + dst_at, src + src_at, n);
            int bad = memcmp(dst + dst_at, src + src_at, n) != 0;
            for (i = dst_at - 64; i < dst_at && !bad; i++)
                bad = (unsigned char)dst[i] != GUARD;
            for (i = dst_at + n; i < dst_at + n + 64 && !bad; i++)
                bad = (unsigned char)dst[i] != GUARD;
            if (bad && failures++ < 10)
                printf("wrong copy: %zu bytes, destination %u bytes ahead\n", n, ahead);
        }
    }
    for (unsigned ahead = 0; ahead < 4096; ahead++) {
        int expected = ahead >= 1 && ahead <= 63;
        if (pyuvnet_copy_aliases(dst + 4096 + ahead, dst + 4096) != expected && failures++ < 10)
            printf("pyuvnet_copy_aliases wrong at %u bytes ahead\n", ahead);
    }
    printf("%s: %d failures\n", failures ? "FAILED" : "ok", failures);
    return failures != 0;
}

static double microseconds_per_copy(void (*copy)(char*, const char*, size_t), char* dst,
                                    const char* src, size_t n) {
    int rounds = 2000;
    double start = seconds();
    for (int i = 0; i < rounds; i++) {
        copy(dst, src, n);
        __asm__ volatile("" : : "r"(dst) : "memory");   /* every copy happens */
    }
    return (seconds() - start) / rounds * 1e6;
}

static void libc_copy(char* dst, const char* src, size_t n) { memcpy(dst, src, n); }
static void our_copy(char* dst, const char* src, size_t n) { pyuvnet_copy(dst, src, n); }

int main(int argc, char** argv) {
    if (argc > 1 && strcmp(argv[1], "--check") == 0)
        return check();
    char* src = area();
    char* dst = area();
    size_t n = 65536;
    memset(src, 1, AREA);
    memset(dst, 2, AREA);
    printf("64 KiB copies, us each (2,000 rounds, warm caches)\n");
    printf("%-22s %8s %13s\n", "(dst - src) mod 4096", "memcpy", "pyuvnet_copy");
    for (unsigned ahead = 0; ahead <= 128; ahead += ahead < 64 ? 4 : 32) {
        const char* s = src + 100;
        char* d = dst + 100 + ahead;
        printf("%-22u %8.2f %13.2f\n", ahead, microseconds_per_copy(libc_copy, d, s, n),
               microseconds_per_copy(our_copy, d, s, n));
    }
    return 0;
}
