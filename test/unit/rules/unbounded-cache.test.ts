import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, findings, lines } from '../helpers';

const RULE = 'unbounded-cache';

describe('unbounded-cache', () => {
  it('does not flag unbounded caches on module-level functions: their argument domain decides', async () => {
    assert.deepEqual(
      await lines(
        code`
      import functools
      from functools import lru_cache, cache
      @lru_cache(maxsize=None)
      def a(x): return x
      @functools.lru_cache(None)
      def b(x): return x
      @functools.cache
      def c(x): return x
      @cache
      def d(x): return x
      @functools.cache
      def version(): return read_version()
    `,
        'python',
        RULE,
      ),
      [],
    );
  });

  it('flags an unbounded lru_cache on an instance method (keeps every self alive), not a bounded one', async () => {
    const found = await findings(
      code`
      from functools import lru_cache, cache
      class Model:
          @lru_cache(maxsize=None)
          def predict(self, x): return x
          @cache
          def embed(self, x): return x
          @lru_cache(maxsize=32)
          def bounded(self, x): return x
          @staticmethod
          @lru_cache(maxsize=None)
          def helper(x): return x
    `,
      'python',
      { rule: RULE },
    );
    assert.deepEqual(
      found.map((f) => f.location.startPoint.line + 1),
      [3, 5],
    );
    assert.match(found[0].message, /self/);
  });

  it('flags a builder whose cache size defaults to None and calls passing maxsize=None (seed 003)', async () => {
    assert.deepEqual(
      await lines(
        code`
      class PipelineBuilder:
          def cache(self, maxsize=None):
              self.maxsize = maxsize
              return self
      p = PipelineBuilder().cache(maxsize=None)
    `,
        'python',
        RULE,
      ),
      [2, 5],
    );
  });

  it('does not flag dict memos: a fixed key set (status lines, tokens per site) is the common case', async () => {
    assert.deepEqual(
      await lines(
        code`
      _memo = {}
      def fib(n):
          if n in _memo:
              return _memo[n]
          _memo[n] = n if n < 2 else fib(n - 1) + fib(n - 2)
          return _memo[n]
      class Resolver:
          cache = {}
          def resolve(self, name):
              if name not in self.cache:
                  self.cache[name] = lookup(name)
              return self.cache[name]
    `,
        'python',
        RULE,
      ),
      [],
    );
  });

  it('does not flag bounded caches, evicting dicts, or caches local to a function', async () => {
    assert.deepEqual(
      await lines(
        code`
      from functools import lru_cache
      @lru_cache(maxsize=256)
      def a(x): return x
      @lru_cache
      def b(x): return x
      _cache = {}
      def get(k):
          if k not in _cache:
              if len(_cache) > 100:
                  _cache.pop(next(iter(_cache)))
              _cache[k] = k
          return _cache[k]
      def local(xs):
          seen = {}
          for x in xs:
              seen[x] = 1
          return seen
    `,
        'python',
        RULE,
      ),
      [],
    );
  });

  it('C++: a global or member static map is a registry, not a memo', async () => {
    assert.deepEqual(
      await lines(
        code`
      static std::map<std::string, Pass*> passes;
      void register_pass(const std::string& name, Pass* p) {
        if (passes.find(name) == passes.end()) passes[name] = p;
      }`,
        'cpp',
        RULE,
      ),
      [],
    );
  });

  it('C++: flags a static map used as a cache and only inserted into', async () => {
    assert.deepEqual(
      await lines(
        code`
      const Glyph& glyph(int code) {
        static std::unordered_map<int, Glyph> cache;
        auto it = cache.find(code);
        if (it != cache.end()) return it->second;
        cache[code] = render(code);
        return cache[code];
      }
      const Glyph& bounded(int code) {
        static std::map<int, Glyph> cache;
        if (cache.size() > 256) cache.clear();
        cache.emplace(code, render(code));
        return cache[code];
      }`,
        'cpp',
        RULE,
      ),
      [2],
    );
  });
});

describe('unbounded-cache: cachetools', () => {
  it('flags cachetools.cached with a plain dict, not with an LRUCache', async () => {
    assert.deepEqual(
      await lines(
        code`
      import cachetools
      from cachetools import cached, LRUCache
      @cachetools.cached(cache={})
      def a(x): return x
      @cached(cache=LRUCache(maxsize=64))
      def b(x): return x
    `,
        'python',
        RULE,
      ),
      [3],
    );
  });
});
