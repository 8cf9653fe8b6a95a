#ifndef C_PARALLEL_SHIMS_H
#define C_PARALLEL_SHIMS_H

#include <spawn.h>

/// Asks the kernel to SIGKILL this process when its parent dies (Linux); 0 elsewhere or on success.
int parallel_die_with_parent(void);

/// `pipe2(fds, O_CLOEXEC)` where available, otherwise pipe + FD_CLOEXEC; 0 on success.
int parallel_pipe_cloexec(int fds[2]);

/// `write(2)` to a pipe whose reader may be gone, without `SIGPIPE`: the signal is blocked for the
/// calling thread during the write, and one it raised is consumed before the mask is restored, so
/// the caller sees `EPIPE` and the process (whose disposition is the application's) lives.
long parallel_write_nosigpipe(int fd, const void *buffer, unsigned long count);

/// Adds "close every descriptor from `low` up" to `actions` where the C library supports it.
int parallel_spawn_close_from(posix_spawn_file_actions_t *actions, int low);

/// Closes every descriptor from `low` up in this process; 0 on success.
int parallel_close_from(int low);

/// Sends `length` bytes and the `count` (at most 253, Linux's `SCM_MAX_FD`) descriptors in `fds` as
/// one message (`SCM_RIGHTS`); the bytes sent, or -1 with `errno`. The descriptors go with the first
/// byte sent: a short send sends them all the same.
long parallel_send_with_fds(int socket, const void *bytes, unsigned long length, const int *fds, int count);

/// Receives one message into `bytes` and up to `capacity` (at most 253) descriptors into `fds`
/// (close-on-exec; more are closed), setting `*count`; `flags` as `recvmsg`'s (`MSG_DONTWAIT`); the bytes received (0 at the end of the stream), or -1 with `errno`.
long parallel_receive_with_fds(int socket, void *bytes, unsigned long length, int *fds, int capacity, int *count, int flags);

/// Blocks `SIGCHLD` in this thread and returns a close-on-exec descriptor that reads it (Linux's
/// `signalfd`); -1 elsewhere.
int parallel_sigchld_descriptor(void);

/// A close-on-exec descriptor for process `pid` (Linux's `pidfd_open`); -1 where there is none.
int parallel_pidfd_open(int pid);

/// Sends `signal` to the process behind `pidfd`; 0 on success, -1 with `errno`.
int parallel_pidfd_send_signal(int pidfd, int signal);

/// The number of threads in this process (`/proc/self/task`); -1 where it cannot be known.
int parallel_thread_count(void);

/// An anonymous, close-on-exec memory file of `size` bytes, zero-filled, that no name in the file
/// system reaches: `memfd_create` on Linux, elsewhere `shm_open` of a unique name unlinked at once.
/// The descriptor, or -1 with `errno`.
int parallel_memory_file(const char *name, long long size);

#endif
