#ifndef CSYNOD_HEAP_H
#define CSYNOD_HEAP_H

#include <stddef.h>

/// What the C allocator holds: jemalloc's statistics where the process runs on jemalloc (the
/// synod executable links it), glibc's mallinfo2 otherwise; all zero where neither can tell.
typedef struct {
    /// Bytes handed out and not yet freed.
    size_t allocated;
    /// Bytes the allocator holds in pages it uses: handed out, or free within them.
    size_t active;
} SynodHeapUsage;

SynodHeapUsage synod_heap_usage(void);

/// Gives the pages of freed memory back to the system now (jemalloc: purges every arena;
/// glibc: malloc_trim).
void synod_heap_trim(void);

/// Writes the allocator's name and version as INFO's mem_allocator shows it ("jemalloc-5.3.0",
/// "libc"), NUL-terminated and cut to `capacity` bytes.
void synod_heap_allocator(char *buffer, size_t capacity);

#endif
