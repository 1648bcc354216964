"""Use up the calling user's inotify watches (the "System limit for number of file watchers
reached" an IDE or a bundler causes), then wait to be killed.

  python3 fill-inotify.py DIR INSTANCES

Watches every subdirectory of DIR in up to INSTANCES inotify instances until the kernel refuses
(ENOSPC); prints "full <watches>" then sleeps. Run it as a dedicated uid: the limit is per user.
"""
import ctypes, errno, os, sys, time

libc = ctypes.CDLL(None, use_errno=True)
base, instances = sys.argv[1], int(sys.argv[2])
dirs = [os.path.join(base, d).encode() for d in sorted(os.listdir(base))]
fds, total = [], 0
IN_MODIFY = 0x2
try:
    for _ in range(instances):
        fd = libc.inotify_init1(0)
        if fd < 0:
            raise OSError(ctypes.get_errno(), 'inotify_init1')
        fds.append(fd)
        for d in dirs:
            if libc.inotify_add_watch(fd, d, IN_MODIFY) < 0:
                e = ctypes.get_errno()
                if e == errno.ENOSPC:
                    raise StopIteration
                raise OSError(e, 'inotify_add_watch')
            total += 1
    sys.stdout.write('not full %d\n' % total); sys.stdout.flush()
    sys.exit(1)
except StopIteration:
    sys.stdout.write('full %d\n' % total); sys.stdout.flush()
while True:
    time.sleep(3600)
