// A descriptor handed to a project's own function is usually kept there (`proc_send(peer, fd)`), so
// raw-c-resource reads it as handed on. Two kinds of function only configure it and keep nothing: one
// this file defines whose every use of the descriptor is a system call that borrows it (lldpd's
// netlink_socket_set_buffer_size), and an option setter by its name wherever it is defined
// (libvncserver's SetNonBlocking, open62541's UA_EventLoopPOSIX_setNoSigPipe). A failure return after
// either still holds the descriptor: recall misses from lldpd and libvncserver.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const RULE = 'raw-c-resource';

const CONNECT = (helper: string, call: string) =>
  code`
  #include <sys/socket.h>
  #include <unistd.h>
  struct cfg { int nl_socket; };
  HELPER
  int nl_connect(struct cfg *cfg, int protocol) {
      int s = socket(AF_NETLINK, SOCK_RAW, protocol);
      if (s == -1)
          return -1;
      if (CALL)
          return -1;
      if (bind(s, 0, 0) < 0) {
          close(s);
          return -1;
      }
      cfg->nl_socket = s;
      return 0;
  }`
    .replace('HELPER', helper)
    .replace('CALL', call);

const SIZE_HELPER = `static int set_size(int s, int optname, int bufsize) {
    int got = 0; socklen_t size = sizeof(int);
    if (bufsize > 0 && setsockopt(s, SOL_SOCKET, optname, &bufsize, sizeof(bufsize)) < 0)
        return -1;
    if (getsockopt(s, SOL_SOCKET, optname, &got, &size) < 0)
        return -1;
    return got;
}`;

describe('raw-c-resource: descriptors given to functions that only configure them', () => {
  it('flags the return after a same-file helper that only calls setsockopt/getsockopt fails', async () => {
    assert.deepEqual(await lines(CONNECT(SIZE_HELPER, 'set_size(s, SO_SNDBUF, 4096) == -1'), 'cpp', RULE, 'f.c'), [13]);
  });

  it('flags it through a chain of such helpers', async () => {
    const chain = `${SIZE_HELPER}\nstatic int tune(int fd) { return set_size(fd, SO_RCVBUF, 8192) < 0 ? -1 : 0; }`;
    assert.deepEqual(await lines(CONNECT(chain, 'tune(s) == -1'), 'cpp', RULE, 'f.c'), [14]);
  });

  it('flags the return after an option setter defined elsewhere fails (`!SetNonBlocking(sock)`)', async () => {
    assert.deepEqual(await lines(CONNECT('', '!SetNonBlocking(s)'), 'cpp', RULE, 'f.c'), [6]);
    assert.deepEqual(await lines(CONNECT('', 'sock_set_keepalive(s, 1) != 0'), 'cpp', RULE, 'f.c'), [6]);
  });

  it('is not flagged: a same-file helper that stores the descriptor keeps it', async () => {
    const keeper = `struct conn { int fd; };\nstatic struct conn g;\nstatic int attach(int s) { if (s < 0) return -1; g.fd = s; return 0; }`;
    assert.deepEqual(await lines(CONNECT(keeper, 'attach(s) == -1'), 'cpp', RULE, 'f.c'), []);
  });

  it('is not flagged: a helper that hands it to another function of the project may keep it', async () => {
    const forwards = `static int attach(int s) { return register_fd(s) < 0 ? -1 : 0; }`;
    assert.deepEqual(await lines(CONNECT(forwards, 'attach(s) == -1'), 'cpp', RULE, 'f.c'), []);
  });

  it('is not flagged: a function of another file that is not an option setter (`proc_send(peer, s)`)', async () => {
    assert.deepEqual(await lines(CONNECT('', 'proc_send(cfg, s) < 0'), 'cpp', RULE, 'f.c'), []);
  });
});

describe('raw-c-resource: descriptors given to a project I/O helper by its name', () => {
  const READER = (call: string) =>
    code`
    #include <fcntl.h>
    #include <stdlib.h>
    #include <unistd.h>
    long offset_of(const char *path) {
        char *buf = NULL;
        int fd = open(path, O_RDONLY);
        if (fd == -1)
            return -1;
        if (CALL < 0)
            return -1;
        close(fd);
        long v = strtol(buf, NULL, 10);
        free(buf);
        return v;
    }`.replace('CALL', call);

  it('flags the failure return after `read_all_alloc(fd, &buf)` or `xwrite(fd, ...)`: they only read or write', async () => {
    // util-linux's lsclocks.c reads its /proc file with read_all_alloc().
    assert.deepEqual(await lines(READER('read_all_alloc(fd, &buf)'), 'cpp', RULE, 'f.c'), [6]);
    assert.deepEqual(await lines(READER('xwrite(fd, "x", 1)'), 'cpp', RULE, 'f.c'), [6]);
  });

  it('is not flagged: `io_watch_read(fd, cb)`, `ev_read_start(loop, fd)` keep it to watch', async () => {
    assert.deepEqual(await lines(READER('io_watch_read(fd, on_data)'), 'cpp', RULE, 'f.c'), []);
    assert.deepEqual(await lines(READER('ev_read_start(loop, fd)'), 'cpp', RULE, 'f.c'), []);
  });
});
