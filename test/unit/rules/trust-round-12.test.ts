// Shapes from the judged false alarms and recall misses still open after the eleventh group: each a
// fixture of its own, beside the leak the same shape has when the code is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

/** A multi-line block for a `code` template, each line indented to the template's column `column`. */
const at = (column: number, text: string) =>
  text
    .split('\n')
    .map((l) => ' '.repeat(column) + l)
    .join('\n');

describe('unbounded-queue: finite producers', () => {
  it('a parameter annotated as a collection is a finite batch; an iterable parameter may be a stream', async () => {
    const replay = (annotation: string) => code`
      import asyncio
      from typing import Iterable, Sequence

      class ClientPlayback:
          def __init__(self):
              self.queue = asyncio.Queue()

          async def playback(self):
              while True:
                  flow = await self.queue.get()
                  await self.replay(flow)

          def start_replay(self, flows: ${annotation}) -> None:
              for f in flows:
                  self.queue.put_nowait(f)`;
    assert.deepEqual(await lines(replay('Sequence[Flow]'), 'python', 'unbounded-queue'), []);
    assert.deepEqual(await lines(replay('list[Flow]'), 'python', 'unbounded-queue'), []);
    assert.deepEqual(await lines(replay('Iterable[Flow]'), 'python', 'unbounded-queue'), [6]);
  });

  it("a loop over this file's generator that yields a fixed number of times is finite", async () => {
    const checker = (methods: string) => code`
      import queue

      class Checker:
          def __init__(self):
              self.wqueue = queue.Queue()

          def methods(self, anchor):
${methods}

          def check(self, link):
              for method in self.methods(link):
                  if method(link) == 429:
                      self.wqueue.put(link, False)
                      return`;
    const fixed = at(14, 'if not anchor:\n    yield head\nyield get');
    const looping = at(14, 'while True:\n    yield get');
    assert.deepEqual(await lines(checker(fixed), 'python', 'unbounded-queue'), []);
    assert.deepEqual(await lines(checker(looping), 'python', 'unbounded-queue'), [5]);
  });

  it('a stage taking from a finite work list passes on a finite stream; from a fed queue, an endless one', async () => {
    const linkcheck = (fill: string) => code`
      import queue
      import threading

      class LinkChecker:
          def __init__(self):
              self.rqueue = queue.Queue()
              self.wqueue = queue.PriorityQueue()

          def check(self, hyperlinks):
${fill}
              for _ in range(total):
                  yield self.rqueue.get()

          def run(self):
              while True:
                  link = self.wqueue.get()
                  self.rqueue.put(self.check_uri(link))
                  self.wqueue.task_done()`;
    const finite = at(
      14,
      'total = 0\nfor link in hyperlinks.values():\n    self.wqueue.put(link, False)\n    total += 1',
    );
    const stream = at(14, 'total = 0\nwhile True:\n    self.wqueue.put(next_link(), False)\n    total += 1');
    assert.deepEqual(await lines(linkcheck(finite), 'python', 'unbounded-queue'), []);
    assert.deepEqual(await lines(linkcheck(stream), 'python', 'unbounded-queue'), [6, 7]);
  });
});

describe('unbounded-cache: interning tables', () => {
  it('a static map whose entries are handed out by address is an interning table; a memo by value is not', async () => {
    const lookup = (found: string, made: string) => code`
      #include <array>
      #include <map>
      struct buffer_type { int device; void *context; };

      const buffer_type *split_buffer_type(const float *split) {
          static std::map<std::array<float, 4>, buffer_type> types;
          std::array<float, 4> key = {split[0], split[1], split[2], split[3]};
          auto it = types.find(key);
          if (it != types.end())
              ${found}
          auto result = types.emplace(key, buffer_type{0, nullptr});
          ${made}
      }`;
    const interned = await lines(
      lookup('return &it->second;', 'return &result.first->second;'),
      'cpp',
      'unbounded-cache',
    );
    assert.deepEqual(interned, []);
    const copied = await lines(
      lookup('return new buffer_type(it->second);', 'return new buffer_type(result.first->second);'),
      'cpp',
      'unbounded-cache',
    );
    assert.deepEqual(copied, [6]);
  });

  it('a pointer to the entry is a handle callers keep; a reference or a copy is read at once', async () => {
    const table = (ret: string, value: string) => code`
      #include <string>
      #include <unordered_map>
      ${ret} interned(const std::string &name) {
          static std::unordered_map<std::string, std::string> names;
          if (names.count(name) == 0)
              names[name] = name;
          return ${value};
      }`;
    assert.deepEqual(await lines(table('const std::string *', '&names[name]'), 'cpp', 'unbounded-cache'), []);
    assert.deepEqual(await lines(table('const std::string &', 'names[name]'), 'cpp', 'unbounded-cache'), [4]);
    assert.deepEqual(await lines(table('std::string', 'names[name]'), 'cpp', 'unbounded-cache'), [4]);
  });
});

describe('unbounded-queue (C++): a producer that waits for the last batch', () => {
  const island = (wait: string) => code`
    #include <mutex>
    #include <queue>
    struct WorkItem { float *buffer; unsigned index; };
    std::queue<WorkItem> workQueue;
    int pendingWorkCount = 0;
    std::mutex workQueueMutex;

    void worker() {
        for (;;) {
            std::lock_guard<std::mutex> lock(workQueueMutex);
            if (!workQueue.empty()) { workQueue.pop(); --pendingWorkCount; }
        }
    }

    void generate(float *buffer, unsigned blockCount) {
        for (;;) {
    ${wait}
        }
        std::lock_guard<std::mutex> lock(workQueueMutex);
        for (unsigned i = 0; i < blockCount; ++i)
            workQueue.push(WorkItem{buffer, i});
        pendingWorkCount = blockCount;
    }`;

  it('waiting until the pending count is back to zero bounds the queue to one batch', async () => {
    const waits = at(
      8,
      '{ std::lock_guard<std::mutex> lock(workQueueMutex); if (pendingWorkCount == 0u) break; }\nsleep(10);',
    );
    assert.deepEqual(await lines(island(waits), 'cpp', 'unbounded-queue'), []);
  });

  it('a loop that breaks on something else before pushing does not', async () => {
    const polls = at(8, 'if (poll_input() == 0) break;\nsleep(10);');
    assert.deepEqual(await lines(island(polls), 'cpp', 'unbounded-queue'), [4]);
  });
});
