import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, config, findings, lines } from '../helpers';

const RULE = 'unbounded-queue';

describe('unbounded-queue', () => {
  it('flags queues without maxsize in every spelling (seed 003 result_q)', async () => {
    assert.deepEqual(
      await lines(
        code`
      import queue
      import asyncio
      import multiprocessing as mp
      from queue import LifoQueue, PriorityQueue
      from multiprocessing import Queue
      a = queue.Queue()
      b = mp.Queue()
      ctx = mp.get_context("spawn")
      c = ctx.Queue()
      d = asyncio.Queue(maxsize=0)
      e = LifoQueue()
      f = PriorityQueue(-1)
      g = Queue()
      h = queue.SimpleQueue()
      manager = mp.Manager()
      i = manager.Queue()
      def produce(frames):
          for frame in frames:
              for q in (a, b, c, d, e, f, g, h, i):
                  pass
              a.put(frame); b.put(frame); c.put(frame); d.put_nowait(frame); e.put(frame)
              f.put(frame); g.put(frame); h.put(frame); i.put(frame)
    `,
        'python',
        RULE,
      ),
      [6, 7, 9, 10, 11, 12, 13, 14, 16],
    );
  });

  it('does not flag a queue that is never filled in a loop: one put per thread, a hand-off, fixed pushes', async () => {
    assert.deepEqual(
      await lines(
        code`
      import asyncio, queue, threading
      def worker(results):
          results.put(compute())
      def run(n):
          results = queue.Queue()
          threads = [threading.Thread(target=worker, args=(results,)) for _ in range(n)]
          for t in threads: t.start()
          return [results.get() for _ in range(n)]
      class Lifespan:
          def __init__(self):
              self.events = asyncio.Queue()
          async def startup(self):
              await self.events.put({"type": "lifespan.startup"})
          async def shutdown(self):
              await self.events.put({"type": "lifespan.shutdown"})
    `,
        'python',
        RULE,
      ),
      [],
    );
  });

  it('does not flag literal or computed maxsize, or a local class named Queue', async () => {
    assert.deepEqual(
      await lines(
        code`
      import queue
      import multiprocessing as mp
      a = queue.Queue(maxsize=100)
      b = mp.Queue(4)
      c = queue.Queue(maxsize=2 * workers)
      class Queue:
          pass
      d = Queue()
    `,
        'python',
        RULE,
      ),
      [],
    );
  });

  it('flags a long-lived deque used as a work queue, not a local BFS deque or a bounded one', async () => {
    assert.deepEqual(
      await lines(
        code`
      from collections import deque
      jobs = deque()
      history = deque(maxlen=10)
      def produce(xs):
          for x in xs:
              jobs.append(x)
              history.append(x)
      def consume():
          return jobs.popleft()
      def bfs(g, s):
          todo = deque([s])
          while todo:
              n = todo.popleft()
              todo.extend(g[n])
    `,
        'python',
        RULE,
      ),
      [2],
    );
  });

  it('C++: flags a std::queue member pushed with no capacity check', async () => {
    const [f] = await findings(
      code`
      class ResultSink {
       public:
        void push_all(std::vector<Packet> ps) {
          std::lock_guard<std::mutex> lock(m_);
          for (auto& p : ps) results_.push(std::move(p));
        }
       private:
        std::mutex m_;
        std::queue<Packet> results_;
      };`,
      'cpp',
      { rule: RULE },
    );
    assert.equal(f.location.startPoint.line, 8);
    assert.equal(f.related[0].location.startPoint.line, 4);
  });

  it('C++: does not flag a queue that waits while full (seed 000 #8, capacity 4)', async () => {
    assert.deepEqual(
      await lines(
        code`
      template <typename T>
      class BoundedBlockingQueue {
       public:
        explicit BoundedBlockingQueue(size_t capacity) : capacity_(capacity) {}
        void push(T item) {
          std::unique_lock<std::mutex> lock(mutex_);
          not_full_.wait(lock, [this] { return queue_.size() < capacity_; });
          queue_.push(std::move(item));
        }
       private:
        size_t capacity_;
        std::queue<T> queue_;
        std::mutex mutex_;
        std::condition_variable not_full_;
      };
      void run() {
        const size_t QUEUE_CAPACITY = 4;
        BoundedBlockingQueue<int> input_queue(QUEUE_CAPACITY);
      }`,
        'cpp',
        RULE,
      ),
      [],
    );
  });

  it('takes extra constructors from config', async () => {
    assert.deepEqual(
      await lines(
        code`
      import janus
      q = janus.Queue()
      while True:
          q.put(read())
    `,
        'python',
        RULE,
        undefined,
        config({ queueConstructors: ['janus.Queue'] }),
      ),
      [2],
    );
  });
});

describe('unbounded-queue: classes that bound their own deque', () => {
  it('does not flag the deque inside a queue class that enforces maxsize', async () => {
    assert.deepEqual(
      await lines(
        code`
      from collections import deque
      class BoundedQueue:
          def __init__(self, maxsize):
              self.maxsize = maxsize
              self.items = deque()
          def put(self, x):
              if len(self.items) >= self.maxsize:
                  raise Full
              self.items.append(x)
          def get(self):
              return self.items.popleft()
    `,
        'python',
        RULE,
      ),
      [],
    );
  });
});

describe('unbounded-queue: C++ members pushed from out-of-line methods', () => {
  it('flags a member queue pushed in a method defined outside the class, not one size-checked there', async () => {
    assert.deepEqual(
      await lines(
        code`
      class Pool {
       public:
        void submit(Task t);
        void bounded_submit(Task t);
       private:
        std::deque<Task> tasks_;
        std::queue<Task> limited_;
      };
      void Pool::submit(Batch b) { for (Task& t : b) tasks_.push_back(std::move(t)); }
      Task Pool::next() { Task t = std::move(tasks_.front()); tasks_.pop_front(); return t; }
      void Pool::bounded_submit(Task t) {
        if (limited_.size() >= 64) limited_.pop();
        limited_.push(std::move(t));
      }
      void Pool::fill(Batch b) { for (Task& t : b) bounded_submit(t); }`,
        'cpp',
        RULE,
      ),
      [6],
    );
  });
});

describe('unbounded-queue: C++ storage that is not a queue', () => {
  it('does not flag a deque used as an arena (pushed, never popped)', async () => {
    assert.deepEqual(
      await lines(
        code`
      class NFA {
        Thread* Alloc() {
          arena_.emplace_back();
          return &arena_.back();
        }
        std::deque<Thread> arena_;
      };`,
        'cpp',
        RULE,
      ),
      [],
    );
  });
});
