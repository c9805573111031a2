#include "CSynodHeap.h"

// A libc header first: glibc defines __GLIBC__ in it.
#include <stdlib.h>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>

SynodHeapUsage synod_heap_usage(void) {
    struct mallinfo2 info = mallinfo2();
    SynodHeapUsage usage = {info.uordblks + info.hblkhd, info.arena + info.hblkhd};
    return usage;
}

void synod_heap_trim(void) { malloc_trim(0); }
#else
SynodHeapUsage synod_heap_usage(void) {
    SynodHeapUsage usage = {0, 0};
    return usage;
}

void synod_heap_trim(void) {}
#endif
