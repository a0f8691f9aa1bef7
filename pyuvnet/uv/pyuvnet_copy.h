/* pyuvnet_copy: memcpy for a read's bytes, without AMD's 4K-aliasing stall.
 *
 * glibc (2.36 here) copies a block of a few KiB or more with `rep movsb`.
 * On AMD Zen that runs 15 to 25 times slower when the destination lies 1
 * to 31 bytes after the source in page offset ((dst - src) mod 4096): a
 * 64 KiB copy takes 22-43 us instead of 1.6 us (bench/copy_aliasing.c).
 * A server copies each read out of the loop's one buffer into a fresh
 * bytes object, and malloc hands the same place back to a steady pattern
 * of allocations, so once a connection's chunks land there they stay
 * there: bench runs of 64 KiB uploads turned up seconds of it, the
 * server's user CPU per request tripled.  In that window (taken to 63
 * bytes, past what was measured) the block is copied backward, 64 bytes at
 * a time: each store then lands behind the loads still to come, and the
 * copy runs at memcpy's speed.  Plain C, no Python: bench/copy_aliasing.c
 * compiles it on its own (tests/bench/test_bench_copy_aliasing.py, make
 * bench-copy). */
#ifndef PYUVNET_COPY_H
#define PYUVNET_COPY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Below this, glibc copies with vector loops that handle the aliasing. */
#define PYUVNET_COPY_ALIASING_MIN 2048

/* Whether copying to ``dst`` from ``src`` is in the slow window. */
static inline int pyuvnet_copy_aliases(const char* dst, const char* src) {
    size_t ahead = ((uintptr_t)dst - (uintptr_t)src) & 4095;
    return ahead - 1 < 63;
}

/* memcpy(dst, src, n) for blocks that do not overlap. */
static inline void pyuvnet_copy(char* dst, const char* src, size_t n) {
    size_t blocks;
    if (n < PYUVNET_COPY_ALIASING_MIN || !pyuvnet_copy_aliases(dst, src)) {
        memcpy(dst, src, n);
        return;
    }
    blocks = n / 64;
    dst += blocks * 64;
    src += blocks * 64;
    memcpy(dst, src, n % 64);
    while (blocks-- > 0) {
        dst -= 64;
        src -= 64;
        memcpy(dst, src, 64);   /* a constant size: vector moves, not rep movsb */
    }
}

#endif
