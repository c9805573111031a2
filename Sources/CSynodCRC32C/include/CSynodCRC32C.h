#ifndef CSYNOD_CRC32C_H
#define CSYNOD_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU computes CRC-32C in hardware (x86-64 SSE4.2's crc32 instruction).
int synod_crc32c_hardware_available(void);

/// Continues the CRC-32C register `crc` (not inverted) over `count` bytes, with the crc32
/// instruction. Call only when `synod_crc32c_hardware_available()` says so.
uint32_t synod_crc32c_hardware_update(uint32_t crc, const uint8_t *bytes, size_t count);

#endif
