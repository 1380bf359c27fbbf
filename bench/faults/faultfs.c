/* A storage fault injector for Ripcord's database, loaded with LD_PRELOAD into `ripcord serve`
 * (scripts/storage-faults, Tests/RipcordTests/StorageFaultTests.swift). No root needed.
 *
 * While the file named by $RIPCORD_FAULT_FLAG exists, every write, pwrite64, ftruncate64, fsync and
 * fdatasync on a file whose path contains $RIPCORD_FAULT_MATCH (default "sqlite3") fails with
 * $RIPCORD_FAULT_ERRNO: ENOSPC (disk full, the default), EROFS (read-only) or EIO. Remove the flag
 * file and the "disk" works again. Reads are never touched.
 *   cc -shared -fPIC -O2 -o faultfs.so faultfs.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static int should_fail(int fd) {
    const char *flag = getenv("RIPCORD_FAULT_FLAG");
    struct stat st;
    if (flag == NULL || stat(flag, &st) != 0) return 0;
    const char *match = getenv("RIPCORD_FAULT_MATCH");
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = '\0';
    return strstr(path, match ? match : "sqlite3") != NULL;
}

static int fault_errno(void) {
    const char *name = getenv("RIPCORD_FAULT_ERRNO");
    if (name && strcmp(name, "EROFS") == 0) return EROFS;
    if (name && strcmp(name, "EIO") == 0) return EIO;
    return ENOSPC;
}

#define REAL(name) static __typeof__(name) *real; if (!real) real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t count) {
    REAL(write);
    if (should_fail(fd)) { errno = fault_errno(); return -1; }
    return real(fd, buf, count);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t offset) {
    REAL(pwrite64);
    if (should_fail(fd)) { errno = fault_errno(); return -1; }
    return real(fd, buf, count, offset);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    REAL(pwrite);
    if (should_fail(fd)) { errno = fault_errno(); return -1; }
    return real(fd, buf, count, offset);
}

int ftruncate64(int fd, off64_t length) {
    REAL(ftruncate64);
    if (should_fail(fd)) { errno = fault_errno(); return -1; }
    return real(fd, length);
}

int fsync(int fd) {
    REAL(fsync);
    if (should_fail(fd)) { errno = fault_errno() == ENOSPC ? ENOSPC : EIO; return -1; }
    return real(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync);
    if (should_fail(fd)) { errno = fault_errno() == ENOSPC ? ENOSPC : EIO; return -1; }
    return real(fd);
}
