// GNU extensions that Swift's Glibc module does not expose.
#define _GNU_SOURCE
#include "CParallelShims.h"
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <dirent.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdio.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#endif

int parallel_die_with_parent(void) {
#ifdef __linux__
    return prctl(PR_SET_PDEATHSIG, SIGKILL);
#else
    return 0;
#endif
}

int parallel_pipe_cloexec(int fds[2]) {
#ifdef __linux__
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

long parallel_write_nosigpipe(int fd, const void *buffer, unsigned long count) {
    sigset_t pipe_only, old, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    // A SIGPIPE already pending for this thread is not ours to consume.
    sigemptyset(&pending);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    ssize_t written = write(fd, buffer, count);
    int saved = errno;
    if (written < 0 && saved == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_only, NULL, &zero) < 0 && errno == EINTR) {}
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return written;
}

int parallel_spawn_close_from(posix_spawn_file_actions_t *actions, int low) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return posix_spawn_file_actions_addclosefrom_np(actions, low);
#else
    (void)actions; (void)low;
    return 0;
#endif
}

int parallel_close_from(int low) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    closefrom(low);
    return 0;
#else
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = low; fd < max; fd++) close((int)fd);
    return 0;
#endif
}

/// The most descriptors one message carries (Linux's SCM_MAX_FD).
#define PARALLEL_MAX_FDS 253

long parallel_send_with_fds(int socket, const void *bytes, unsigned long length, const int *fds, int count) {
    struct iovec vector = { .iov_base = (void *)bytes, .iov_len = length };
    union { char buffer[CMSG_SPACE(sizeof(int) * PARALLEL_MAX_FDS)]; struct cmsghdr align; } control;
    memset(&control, 0, sizeof(control));
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1 };
    if (count < 0 || count > PARALLEL_MAX_FDS) { errno = EINVAL; return -1; }
    if (count > 0) {
        message.msg_control = control.buffer;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)count);
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
        memcpy(CMSG_DATA(header), fds, sizeof(int) * (size_t)count);
    }
    long sent;
    do {
#ifdef MSG_NOSIGNAL
        sent = sendmsg(socket, &message, MSG_NOSIGNAL);
#else
        sent = sendmsg(socket, &message, 0);
#endif
    } while (sent < 0 && errno == EINTR);
    return sent;
}

long parallel_receive_with_fds(int socket, void *bytes, unsigned long length, int *fds, int capacity, int *count, int flags) {
    struct iovec vector = { .iov_base = bytes, .iov_len = length };
    union { char buffer[CMSG_SPACE(sizeof(int) * PARALLEL_MAX_FDS)]; struct cmsghdr align; } control;
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = control.buffer,
                              .msg_controllen = sizeof(control.buffer) };
    *count = 0;
    long received;
#ifdef MSG_CMSG_CLOEXEC
    flags |= MSG_CMSG_CLOEXEC;
#endif
    do { received = recvmsg(socket, &message, flags); } while (received < 0 && errno == EINTR);
    if (received < 0) return received;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        int n = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *passed = (int *)CMSG_DATA(header);
        for (int i = 0; i < n; i++) {
            // Keep what fits; close the rest so a confused peer cannot leak descriptors into us.
#ifndef MSG_CMSG_CLOEXEC
            fcntl(passed[i], F_SETFD, FD_CLOEXEC);
#endif
            if (*count < capacity) { fds[(*count)++] = passed[i]; } else { close(passed[i]); }
        }
    }
    return received;
}

int parallel_sigchld_descriptor(void) {
#ifdef __linux__
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
#else
    return -1;
#endif
}

int parallel_pidfd_open(int pid) {
#if defined(__linux__) && defined(SYS_pidfd_open)
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

int parallel_pidfd_send_signal(int pidfd, int signal) {
#if defined(__linux__) && defined(SYS_pidfd_send_signal)
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0);
#else
    (void)pidfd; (void)signal;
    errno = ENOSYS;
    return -1;
#endif
}

int parallel_thread_count(void) {
#ifdef __linux__
    DIR *directory = opendir("/proc/self/task");
    if (!directory) return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        if (entry->d_name[0] != '.') count++;
    }
    closedir(directory);
    return count;
#else
    return -1;
#endif
}

int parallel_memory_file(const char *name, long long size) {
#ifdef __linux__
    int fd = memfd_create(name, MFD_CLOEXEC);
#else
    char unique[64];
    static volatile int counter = 0;
    snprintf(unique, sizeof unique, "/%s-%d-%d", name, (int)getpid(), __sync_add_and_fetch(&counter, 1));
    int fd = shm_open(unique, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
        shm_unlink(unique);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
#endif
    if (fd < 0) return -1;
    if (ftruncate(fd, (off_t)size) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}
