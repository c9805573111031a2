#ifndef CSYNOD_HEAP_H
#define CSYNOD_HEAP_H

#include <stddef.h>

/// What the C allocator holds, as glibc's mallinfo2 reports it; all zero where it cannot tell.
typedef struct {
    /// Bytes handed out and not yet freed (in the heap's arenas and in their own mappings).
    size_t allocated;
    /// Bytes the allocator has taken from the system: arenas plus separately mapped blocks.
    size_t active;
} SynodHeapUsage;

SynodHeapUsage synod_heap_usage(void);

/// Gives the pages of freed memory back to the system (glibc malloc_trim); nothing elsewhere.
void synod_heap_trim(void);

#endif
