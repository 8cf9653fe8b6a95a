#ifndef C_PARALLEL_SHIMS_H
#define C_PARALLEL_SHIMS_H

#include <spawn.h>

/// Asks the kernel to SIGKILL this process when its parent dies (Linux); 0 elsewhere or on success.
int parallel_die_with_parent(void);

/// `pipe2(fds, O_CLOEXEC)` where available, otherwise pipe + FD_CLOEXEC; 0 on success.
int parallel_pipe_cloexec(int fds[2]);

/// Adds "close every descriptor from `low` up" to `actions` where the C library supports it.
int parallel_spawn_close_from(posix_spawn_file_actions_t *actions, int low);

#endif
