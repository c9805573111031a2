#ifndef CSYNOD_WRITEBACK_H
#define CSYNOD_WRITEBACK_H

/// Starts writing `count` bytes of the file `descriptor` from `offset` to the disk, without
/// waiting for it (Linux's sync_file_range with SYNC_FILE_RANGE_WRITE). Returns 0, or -1 with
/// errno set; where the call does not exist it does nothing and returns 0.
int synod_start_writeback(int descriptor, long long offset, long long count);

#endif
