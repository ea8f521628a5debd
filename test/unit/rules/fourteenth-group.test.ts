// Shapes from the fourteenth group of real projects (judged before any tuning on them): each a fixture
// of its own, beside the leak the same shape has when the code is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

describe('cleanup-in-loop: what the call tears down', () => {
  it("a module's close(fd) closes the loop's descriptor, not the module", async () => {
    const src = code`
      import os

      def close_all(pipes, conn):
          for master, slave in pipes:
              os.close(master)
              os.close(slave)
          for item in pipes:
              conn.send(item)
              conn.close()`;
    assert.deepEqual(await lines(src, 'python', 'cleanup-in-loop'), [9]);
  });

  it("a library's close(handle) on the iteration's own handle is per-element teardown", async () => {
    const src = (arg: string) => code`
      void finish(Library* lib, std::vector<Handle*>& handles) {
        for (Handle* h : handles) {
          lib->flush(h);
          lib->close(${arg});
        }
      }`;
    assert.deepEqual(await lines(src('h'), 'cpp', 'cleanup-in-loop'), []);
    // Not every argument is a handle: `close(true)` still tears the library down on each iteration.
    assert.deepEqual(await lines(src('true'), 'cpp', 'cleanup-in-loop'), [4]);
  });

  it("a buffer's reset() beside its own members rewinds it; a smart pointer's reset() frees", async () => {
    const writer = (use: string) => code`
      int Session::write_all() {
        for (;;) {
          ssize_t n = write(fd_, ${use});
          if (n == -1) return -1;
          wb_.reset();
          if (fill_wb() != 0) return -1;
        }
      }`;
    assert.deepEqual(await lines(writer('wb_.pos, wb_.rleft()'), 'cpp', 'cleanup-in-loop'), []);
    assert.deepEqual(await lines(writer('wb_->pos, wb_->rleft()'), 'cpp', 'cleanup-in-loop'), [5]);
  });
});
