// Shapes from the twenty-fourth group of real projects (iperf, thc-hydra, bluez, libimobiledevice,
// varnish, tio, bup, rdiff-backup, youtube-dl, pyroute2, searx, getmail6): each a fixture of its own,
// beside the same shape the other way round.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, findings, lines } from '../helpers';

const C_RULE = 'raw-c-resource';
const PY_RULE = 'resource-without-context';

describe('raw-c-resource: an OpenSSL BIO chain is owned by whoever holds its head', () => {
  const ENCODE = (free: string) =>
    code`
    #include <openssl/bio.h>
    #include <openssl/evp.h>
    int encode(const unsigned char *buf, int len) {
        BIO *bio, *b64;
        b64 = BIO_new(BIO_f_base64());
        bio = BIO_new(BIO_s_mem());
        bio = BIO_push(b64, bio);
        BIO_write(bio, buf, len);
        BIO_flush(bio);
        FREE;
        return 0;
    }`.replace('FREE', free);

  it('is not flagged: `bio = BIO_push(b64, bio)` then `BIO_free_all(bio)` frees both (iperf_auth.c)', async () => {
    assert.deepEqual(await lines(ENCODE('BIO_free_all(bio);'), 'cpp', C_RULE, 'f.c'), []);
  });

  it('flags a BIO pushed without keeping the chain: `BIO_push(b64, bio)` as a statement borrows b64', async () => {
    const dropped = ENCODE('BIO_free(bio);').replace('bio = BIO_push(b64, bio);', 'BIO_push(b64, bio);');
    assert.deepEqual(await lines(dropped, 'cpp', C_RULE, 'f.c'), [5]);
  });
});

describe('resource-without-context: a mixin leaves closing to the class it is mixed into', () => {
  const MIXIN = (name: string) =>
    code`
    import poplib
    class NAME(object):
        def _connect(self):
            self.conn = poplib.POP3(self.host, self.port)
            self.conn.user(self.user)
    `.replace('NAME', name);

  it("is not flagged: getmail6's POP3initMixIn opens self.conn, the retriever base's quit() closes it", async () => {
    assert.deepEqual(await lines(MIXIN('POP3initMixIn'), 'python', PY_RULE, 'retrievers.py'), []);
    assert.deepEqual(await lines(MIXIN('SSLMixin'), 'python', PY_RULE, 'retrievers.py'), []);
  });

  it('flags the same attribute in a class that is not a mixin', async () => {
    assert.deepEqual(await lines(MIXIN('POP3Retriever'), 'python', PY_RULE, 'retrievers.py'), [4]);
  });
});

describe('resource-without-context: a Popen given to a helper named for communicate()', () => {
  const PROBE = (call: string) =>
    code`
    import subprocess
    def probe(cmd):
        handle = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.PIPE, stdin=subprocess.PIPE)
        CALL
        if handle.wait() != 0:
            return None
        return True
    `.replace('CALL', call);

  it("is not flagged: youtube-dl's process_communicate_or_kill(handle) communicates, closing the pipes", async () => {
    assert.deepEqual(await lines(PROBE('out, err = process_communicate_or_kill(handle)'), 'python', PY_RULE), []);
  });

  it('flags the pipes when the helper only logs the process', async () => {
    assert.deepEqual(await lines(PROBE('log_process(handle)'), 'python', PY_RULE), [3]);
  });
});

describe('one-shot Python folders: devscripts/ and contrib/ outside the package', () => {
  const READ = code`
    def read_notes(path):
        return open(path, 'rb').read()
  `;

  it("is not flagged in youtube-dl's devscripts/ or a top-level contrib/ (run by hand, then exit)", async () => {
    assert.deepEqual(await lines(READ, 'python', PY_RULE, 'devscripts/create-github-release.py'), []);
    assert.deepEqual(await lines(READ, 'python', PY_RULE, 'contrib/svn_watcher.py'), []);
  });

  it('flags it in the library, and in devscripts/ named like a server (youtube-dl buildserver.py)', async () => {
    assert.deepEqual(await lines(READ, 'python', PY_RULE, 'youtube_dl/utils.py'), [2]);
    assert.deepEqual(await lines(READ, 'python', PY_RULE, 'devscripts/buildserver.py'), [2]);
  });
});

describe('resource-without-context: a raise in a branch that never hands the file on', () => {
  const OPEN_IDX = (success: string) =>
    code`
    class GitError(Exception):
        pass
    def open_idx(filename):
        f = open(filename, 'rb')
        header = f.read(8)
        if header[0:4] == b'PACK':
            SUCCESS
        else:
            raise GitError('unrecognized idx file header')
    `.replace('SUCCESS', success);

  it("flags bup's open_idx: handed to PackIdxV2 in one branch, left open by the raise in the other", async () => {
    assert.deepEqual(await lines(OPEN_IDX('return PackIdxV2(filename, f)'), 'python', PY_RULE, 'git.py'), [4]);
  });

  it('offers no `with` fix there: the branch that hands it on must not close it', async () => {
    const found = await findings(OPEN_IDX('return PackIdxV2(filename, f)'), 'python', {
      file: 'git.py',
      rule: PY_RULE,
    });
    assert.equal(found.length, 1);
    assert.match(found[0].message, /Close it before raising\.$/);
    assert.deepEqual(
      (found[0].fixes ?? []).filter((f) => !f.title.startsWith('Ignore')),
      [],
    );
  });

  it('is not flagged when the only raise comes after the hand-off, on the same path', async () => {
    const after = code`
      def open_idx(filename):
          f = open(filename, 'rb')
          idx = PackIdxV2(filename, f)
          if not idx.ok:
              raise ValueError('bad index')
          return idx
    `;
    assert.deepEqual(await lines(after, 'python', PY_RULE, 'git.py'), []);
  });
});

describe('resource-without-context: os.pipe() ends that are only used, never closed', () => {
  const SYNC = (after: string) =>
    code`
    import os, threading
    def decorated(msg, f, monitor):
        rcmd, cmd = os.pipe()
        t = threading.Thread(target=monitor, args=(rcmd,))
        t.start()
        try:
            return f(msg)
        finally:
            os.write(cmd, b'q')
            t.join()
            AFTER
    `.replace('AFTER', after);

  it("flags pyroute2's control pipe: the write end is written to and never closed", async () => {
    const found = await findings(SYNC('pass'), 'python', { file: 'compat.py', rule: PY_RULE });
    assert.deepEqual(
      found.map((f) => [f.location.startPoint.line + 1, /`cmd`, the write end/.test(f.message)]),
      [[3, true]],
    );
  });

  it('is not flagged when it is closed, returned or stored', async () => {
    assert.deepEqual(await lines(SYNC('os.close(cmd)'), 'python', PY_RULE, 'compat.py'), []);
    const kept = code`
      import os, select
      def make(self):
          r, w = os.pipe()
          select.select([r], [], [], 0)
          self.wakeup = w
          return r
    `;
    assert.deepEqual(await lines(kept, 'python', PY_RULE, 'compat.py'), []);
  });

  it('is not flagged at module level or in a test module', async () => {
    const top = code`
      import os
      r, w = os.pipe()
      os.write(w, b'x')
    `;
    assert.deepEqual(await lines(top, 'python', PY_RULE, 'compat.py'), []);
    assert.deepEqual(await lines(SYNC('pass'), 'python', PY_RULE, 'tests/test_compat.py'), []);
  });
});
