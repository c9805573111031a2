#include "CSynodCRC32C.h"

#include <string.h>

#if defined(__x86_64__)

int synod_crc32c_hardware_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
}

// One dependent chain of crc32 instructions, eight bytes each: several GB/s, far above what
// the disk and the network carry.
__attribute__((target("sse4.2"))) uint32_t synod_crc32c_hardware_update(
    uint32_t crc, const uint8_t *bytes, size_t count) {
    uint64_t wide = crc;
    while (count >= 32) {
        uint64_t a, b, c, d;
        memcpy(&a, bytes, 8);
        memcpy(&b, bytes + 8, 8);
        memcpy(&c, bytes + 16, 8);
        memcpy(&d, bytes + 24, 8);
        wide = __builtin_ia32_crc32di(wide, a);
        wide = __builtin_ia32_crc32di(wide, b);
        wide = __builtin_ia32_crc32di(wide, c);
        wide = __builtin_ia32_crc32di(wide, d);
        bytes += 32;
        count -= 32;
    }
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        wide = __builtin_ia32_crc32di(wide, word);
        bytes += 8;
        count -= 8;
    }
    uint32_t narrow = (uint32_t)wide;
    while (count > 0) {
        narrow = __builtin_ia32_crc32qi(narrow, *bytes);
        bytes += 1;
        count -= 1;
    }
    return narrow;
}

#else

int synod_crc32c_hardware_available(void) { return 0; }

uint32_t synod_crc32c_hardware_update(uint32_t crc, const uint8_t *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return crc;
}

#endif
