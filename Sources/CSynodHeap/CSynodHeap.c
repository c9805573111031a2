#include "CSynodHeap.h"

// A libc header first: glibc defines __GLIBC__ in it.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// jemalloc's control interface. Weak: it is there only in a process that runs on jemalloc
// (the synod executable links it, so its malloc replaces libc's); elsewhere (the tests) it is
// null and glibc's own interface answers.
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
    __attribute__((weak));

// How jemalloc runs in this process, read by jemalloc when it starts (a symbol it looks up in
// the executable; ignored where there is no jemalloc):
// - background_thread: a thread of its own gives freed pages back to the system, not the
//   consensus thread inside a malloc or a free;
// - dirty_decay_ms 1000, muzzy_decay_ms 0: freed pages go back within about a second, and
//   wholly (resident memory then tracks what is in use, as Redis's does);
// - narenas 2: fewer arenas than jemalloc's default of 4 per CPU, each with its own free
//   pages, for a process whose allocations are nearly all on one thread.
const char *malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:2";

static int runs_on_jemalloc(void) { return mallctl != NULL; }

// Statistics are cached; writing the epoch refreshes them.
static void refresh_jemalloc_statistics(void) {
    uint64_t epoch = 1;
    size_t epoch_length = sizeof(epoch);
    mallctl("epoch", &epoch, &epoch_length, &epoch, epoch_length);
}

static size_t jemalloc_statistic(const char *name) {
    size_t value = 0;
    size_t length = sizeof(value);
    return mallctl(name, &value, &length, NULL, 0) == 0 ? value : 0;
}

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define SYNOD_HAS_MALLINFO2 1
#endif

SynodHeapUsage synod_heap_usage(void) {
    SynodHeapUsage usage = {0, 0};
    if (runs_on_jemalloc()) {
        refresh_jemalloc_statistics();
        usage.allocated = jemalloc_statistic("stats.allocated");
        usage.active = jemalloc_statistic("stats.active");
        return usage;
    }
#ifdef SYNOD_HAS_MALLINFO2
    struct mallinfo2 info = mallinfo2();
    usage.allocated = info.uordblks + info.hblkhd;
    usage.active = info.arena + info.hblkhd;
#endif
    return usage;
}

void synod_heap_trim(void) {
    if (runs_on_jemalloc()) {
        // "arena.<MALLCTL_ARENAS_ALL>.purge": every arena's unused dirty pages.
        char name[64];
        snprintf(name, sizeof(name), "arena.%u.purge", 4096u);
        mallctl(name, NULL, NULL, NULL, 0);
        return;
    }
#ifdef SYNOD_HAS_MALLINFO2
    malloc_trim(0);
#endif
}

void synod_heap_allocator(char *buffer, size_t capacity) {
    if (capacity == 0) return;
    if (!runs_on_jemalloc()) {
        snprintf(buffer, capacity, "libc");
        return;
    }
    const char *version = NULL;
    size_t length = sizeof(version);
    if (mallctl("version", &version, &length, NULL, 0) != 0 || version == NULL) {
        snprintf(buffer, capacity, "jemalloc");
        return;
    }
    // "5.3.0-0-g54eaed1d..." -> "jemalloc-5.3.0"
    size_t release = strcspn(version, "-");
    snprintf(buffer, capacity, "jemalloc-%.*s", (int)release, version);
}
