// Shapes from the real-code precision benchmark (bench/realworld): ownership handed on where the
// rule did not look, infeasible paths, and test code's failure paths. Each negative case has a
// positive twin, so a rule that stopped looking would fail it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, findings, lines } from '../helpers';

const RULE = 'raw-c-resource';

describe('raw-c-resource: hand-offs and infeasible paths', () => {
  it('treats `return &state->base` (container_of) as handing the block to the caller', async () => {
    assert.deepEqual(
      await lines(
        code`
      struct base { int kind; };
      struct state { struct base base; char *buf; };
      struct base *state_create(void) {
        struct state *state = calloc(1, sizeof(struct state));
        if (state == NULL) return NULL;
        state->buf = NULL;
        return &state->base;
      }
      int state_probe(void) {
        struct state *state = calloc(1, sizeof(struct state));
        if (state == NULL) return -1;
        init_lock(&state->base);
        return 0;
      }`,
        'cpp',
        RULE,
        'state.c',
      ),
      [10],
    );
  });

  it('follows a same-file callee that frees its parameter through a local copy (thread entry)', async () => {
    assert.deepEqual(
      await lines(
        code`
      typedef struct { int k; } job_t;
      static void run_job(void *opaque) {
        job_t *const job = (job_t *)opaque;
        compute(job->k);
        free(job);
      }
      static void peek_job(void *opaque) {
        job_t *const job = (job_t *)opaque;
        compute(job->k);
      }
      void run_all(int n) {
        for (int k = 0; k < n; k++) {
          job_t *job = malloc(sizeof(job_t));
          if (!job) return;
          job->k = k;
          run_job(job);
        }
      }
      void peek_all(int n) {
        for (int k = 0; k < n; k++) {
          job_t *job = malloc(sizeof(job_t));
          if (!job) return;
          job->k = k;
          peek_job(job);
        }
      }`,
        'cpp',
        RULE,
        'jobs.c',
      ),
      [21],
    );
  });

  it('treats a same-file callee that stores or adopts its parameter as taking it over', async () => {
    assert.deepEqual(
      await lines(
        code`
      struct list { char **items; int n; };
      static void keep(struct list *l, char *s) { l->items[l->n++] = s; }
      static void to_array(sarray *sa, char *s) { sarrayAddString(sa, s, L_INSERT); }
      static size_t measure(const char *s) { return strlen(s); }
      void a(struct list *l, size_t n) {
        char *s = malloc(n);
        if (!s) return;
        keep(l, s);
      }
      void b(sarray *sa, size_t n) {
        char *hex = calloc(n, 1);
        if (!hex) return;
        to_array(sa, hex);
      }
      size_t c(size_t n) {
        char *s = malloc(n);
        if (!s) return 0;
        size_t len = measure(s);
        return len;
      }`,
        'cpp',
        RULE,
        'keep.c',
      ),
      [16],
    );
  });

  it('reads `if ((B = A) == NULL) B = malloc(...)` and a later `if (A == NULL) free(B)` as one condition', async () => {
    assert.deepEqual(
      await lines(
        code`
      int sort_into(const int *A, int n) {
        int *B;
        if ((B = A) == NULL) { B = (int *)malloc(n * sizeof(int)); }
        use(B, n);
        if (A == NULL) { free(B); }
        return 0;
      }
      int sort_wrong(const int *A, int n) {
        int *B;
        if ((B = A) == NULL) { B = (int *)malloc(n * sizeof(int)); }
        use(B, n);
        if (A != NULL) { free(B); }
        return 0;
      }`,
        'cpp',
        RULE,
        'sort.c',
      ),
      [10],
    );
  });

  it('knows a flag set after the null check of the acquisition (`temp_is_copy = true`)', async () => {
    assert.deepEqual(
      await lines(
        code`
      int encode(SDL_Surface *surface, bool convert) {
        SDL_Surface *temp = NULL;
        bool temp_is_copy = false;
        if (convert) {
          temp = SDL_ConvertSurface(surface, 1);
          if (!temp) {
            return -1;
          }
          temp_is_copy = true;
        }
        if (to_yuv(surface) != 0) {
          if (temp_is_copy && temp) {
            SDL_FreeSurface(temp);
          }
          return -2;
        }
        if (temp_is_copy) SDL_FreeSurface(temp);
        return 0;
      }`,
        'cpp',
        RULE,
        'avif.c',
      ),
      [],
    );
  });

  it('sees no path through a switch default when the value was checked against the cases before', async () => {
    const body = (check: string) => code`
      PIX *convert(PIX *pixs, int d) {
        ${check}
        unsigned *map = (unsigned *)calloc(256, sizeof(unsigned));
        PIX *pixd = make(pixs);
        switch (d) {
          case 1: fill1(pixd, map); break;
          case 8: fill8(pixd, map); break;
          default: return NULL;
        }
        free(map);
        return pixd;
      }`;
    assert.deepEqual(await lines(body('if (d != 1 && d != 8) return NULL;'), 'cpp', RULE, 'conv.c'), []);
    assert.deepEqual(await lines(body('if (d != 1 && d != 2) return NULL;'), 'cpp', RULE, 'conv.c'), [3]);
    assert.deepEqual(await lines(body('if (d < 0) return NULL;'), 'cpp', RULE, 'conv.c'), [3]);
  });

  it('holds a WebPPicture only once something allocated into it', async () => {
    assert.deepEqual(
      await lines(
        code`
      int frame(const uint8_t *rgba, int stride, WebPAnimEncoder *enc) {
        WebPPicture pic;
        if (!WebPPictureInit(&pic)) return 1;
        if (stride <= 0) return 2;
        int ok = WebPPictureImportRGBA(&pic, rgba, stride);
        if (!ok) return 3;
        ok = WebPAnimEncoderAdd(enc, &pic, 0, NULL);
        WebPPictureFree(&pic);
        return ok ? 0 : 4;
      }
      int frame_leaky(const uint8_t *rgba, int stride, WebPAnimEncoder *enc) {
        WebPPicture pic;
        if (!WebPPictureInit(&pic)) return 1;
        int ok = WebPPictureImportRGBA(&pic, rgba, stride);
        if (!ok) return 3;
        if (!WebPAnimEncoderAdd(enc, &pic, 0, NULL)) return 4;
        WebPPictureFree(&pic);
        return 0;
      }`,
        'cpp',
        RULE,
        'anim.c',
      ),
      [13],
    );
  });

  it('says "handed on only on other paths" when the resource is stored on success', async () => {
    const [f] = await findings(
      code`
      int take_client(int listener, int *out) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) return 0;
        if (write(fd, "+", 1) != 1) return -1;
        *out = fd;
        return 1;
      }`,
      'cpp',
      { rule: RULE, file: 'server.c' },
    );
    assert.match(f.message, /leaks on the path that returns at line 4: it is handed on only on other paths/);
    assert.ok(
      f.related.some((r) => r.message === 'handed on here, on other paths' && r.location.startPoint.line === 4),
    );
  });

  describe('test code', () => {
    const errorPathLeak = code`
      static int check_roundtrip(const char *path) {
        FILE *fp = fopen(path, "rb");
        if (!fp) return -1;
        if (!read_header(fp)) return -2;
        fclose(fp);
        return 0;
      }`;
    const neverClosed = code`
      static int check_size(const char *path) {
        FILE *fp = fopen(path, "rb");
        if (!fp) return -1;
        return fgetc(fp);
      }`;

    it('skips a leak only on a failing test path (the test, and its process, ends)', async () => {
      for (const file of ['tests/test_io.c', 'test/io.c', 'unittest/io_test.cc', 'src/io_test.c'])
        assert.deepEqual(await lines(errorPathLeak, 'cpp', RULE, file), [], file);
    });

    it('flags test servers (long-running); a test program reports only leaks per loop iteration', async () => {
      // A test program runs once and exits (one-shot code, test/unit/rules/one-shot.test.ts).
      assert.deepEqual(await lines(neverClosed, 'cpp', RULE, 'tests/test_io.c'), []);
      assert.deepEqual(await lines(neverClosed, 'cpp', RULE, 'tests/server/check_size.c'), [2]);
      assert.deepEqual(await lines(errorPathLeak, 'cpp', RULE, 'tests/server/sws.c'), [2]);
      assert.deepEqual(await lines(errorPathLeak, 'cpp', RULE, 'tests/http_server.c'), [2]);
      assert.deepEqual(await lines(errorPathLeak, 'cpp', RULE, 'src/io.c'), [2]);
    });
  });
});

describe('raw-c-resource: null facts along paths, sentinels, C++ owners', () => {
  it('knows a pointer is still NULL where nothing set it, and remembers what a test found', async () => {
    assert.deepEqual(
      await lines(
        code`
      FILE *open_wrapped(int fd, int bad) {
        struct cookie *c;
        FILE *res, *in;
        c = NULL;
        in = res = NULL;
        in = fdopen(fd, "r");
        if (in == NULL) goto out;
        c = malloc(sizeof *c);
        if (c == NULL) goto out;
        c->in = in;
        res = fopencookie(c, "r", io);
      out:
        if (res == NULL) {
          if (in != NULL) fclose(in);
          if (c != NULL) free(c);
        }
        return res;
      }
      Surface *load(Stream *src, int grey) {
        Surface *surface = NULL;
        unsigned char *pixels = stbi_load_from_memory(src->data, src->size, 0, 0, 0, 4);
        if (!pixels) return NULL;
        if (grey) {
          surface = create_surface(4);
          if (surface) {
            fill(surface, pixels);
            stbi_image_free(pixels);
          }
        }
        if (!surface) {
          stbi_image_free(pixels);
        }
        return surface;
      }
      Surface *load_wrong(Stream *src, int grey) {
        Surface *surface = NULL;
        unsigned char *pixels = stbi_load_from_memory(src->data, src->size, 0, 0, 0, 4);
        if (!pixels) return NULL;
        surface = create_surface(4);
        if (!surface) return NULL;
        fill(surface, pixels);
        return surface;
      }`,
        'cpp',
        RULE,
        'wrap.c',
      ),
      [37],
    );
  });

  it('reads `== (iconv_t)(-1)` and `== MAP_FAILED` as the acquisition failing', async () => {
    assert.deepEqual(
      await lines(
        code`
      const char *check(const char *cs) {
        iconv_t cd = iconv_open("UTF-8", cs);
        if (cd == (iconv_t)(-1)) {
          return NULL;
        } else {
          iconv_close(cd);
        }
        return cs;
      }`,
        'cpp',
        RULE,
        'conv.c',
      ),
      [],
    );
  });

  it('C++: a project type built around a buffer and stored for the caller, a node adopted by reference', async () => {
    assert.deepEqual(
      await lines(
        code`
      bool read_block(Block *result, size_t n, bool ok) {
        char *buf = new char[n];
        if (!ok) {
          delete[] buf;
          return false;
        }
        result->data = Slice(buf, n);
        return true;
      }
      bool read_copy(Block *result, size_t n, bool ok) {
        char *buf = new char[n];
        if (!ok) {
          delete[] buf;
          return false;
        }
        result->text = std::string(buf, n);
        return true;
      }
      void add_path(Tree &tree, bool closed, int count) {
        Node *node = new Node();
        if (closed && count < 2) {
          delete node;
          return;
        }
        tree.AddChild(*node);
      }`,
        'cpp',
        RULE,
        'blocks.cc',
      ),
      [11],
    );
  });
});

describe('raw-c-resource: one build per path', () => {
  it('keeps one answer per preprocessor condition along a path', async () => {
    const src = (second: string) => code`
      int report(struct ctx *c) {
        char *msg = NULL;
      #if defined(WINDOWED)
        msg = strdup("traceback");
      #endif
        print_error(c);
      ${second}
        show(msg);
        free(msg);
      #endif
        return 1;
      }
      void triangulate(struct mesh *m) {
      #ifdef DEBUG_POLYS
        FILE *fout = fopen("polys.txt", "a");
      #endif
        for (unsigned a = 0; a < m->n; a++) step(m, a);
      #ifdef DEBUG_POLYS
        fclose(fout);
      #endif
      }`;
    assert.deepEqual(await lines(src('#if !defined(WINDOWED)\n  log_summary(c);\n#else'), 'cpp', RULE, 'launch.c'), []);
    // Released under another macro: a build with WINDOWED and without VERBOSE leaks it.
    assert.deepEqual(await lines(src('#if !defined(VERBOSE)\n  log_summary(c);\n#else'), 'cpp', RULE, 'launch.c'), [4]);
  });
});

describe('raw-c-resource: sixth project group', () => {
  it('released only where the call it was given failed: on success that call owns it', async () => {
    assert.deepEqual(
      await lines(
        code`
      int negotiate(struct conn *c, SSL_CTX *ctx) {
        SSL *ssl = SSL_new(ctx);
        if (!ssl) return -1;
        if (initiate_ssl(c, ssl) == ERR) {
          SSL_free(ssl);
          return -1;
        }
        return 0;
      }
      int probe(SSL_CTX *ctx) {
        SSL *ssl = SSL_new(ctx);
        if (!ssl) return -1;
        if (check_ssl(ssl) == ERR) return -1;
        SSL_free(ssl);
        return 0;
      }`,
        'cpp',
        RULE,
        'tls.c',
      ),
      [11],
    );
  });

  it('a flag that holds the acquisition’s own condition (`closefile = (fp == NULL)`)', async () => {
    const src = (flag: string) => code`
      int check_file(FILE *fp, const char *name) {
        int closefile = ${flag};
        if (fp == NULL && (fp = fopen(name, "r")) == NULL) return 1;
        if (read_header(fp) != 0) goto err;
        if (closefile) fclose(fp);
        return 0;
      err:
        if (closefile) fclose(fp);
        return 1;
      }`;
    assert.deepEqual(await lines(src('(fp == NULL)'), 'cpp', RULE, 'check.c'), []);
    assert.deepEqual(await lines(src('verbose()'), 'cpp', RULE, 'check.c'), [3]);
  });

  it('realloc(p, 0) frees, it acquires nothing', async () => {
    assert.deepEqual(
      await lines(
        code`
      void shrink_away(void *p) {
        realloc(p, 0);
      }
      void grow(void *p, size_t n) {
        realloc(p, n);
      }`,
        'cpp',
        RULE,
        'hook.c',
      ),
      [5],
    );
  });
});

describe('unbounded-cache (C++): registries of handles are not memo caches', () => {
  it('a static map of weak_ptr, shared_ptr or raw handles is a registry; of values, a cache', async () => {
    const src = (mapped: string) => code`
      ${mapped} lookup(const std::string &endpoint) {
        static std::unordered_map<std::string, ${mapped}> table;
        auto it = table.find(endpoint);
        if (it != table.end()) return it->second;
        ${mapped} v = make(endpoint);
        table[endpoint] = v;
        return v;
      }`;
    for (const handle of ['std::weak_ptr<socket_t>', 'backend_t*', 'buffer_type_t'])
      assert.deepEqual(await lines(src(handle), 'cpp', 'unbounded-cache', 'rpc.cpp'), [], handle);
    assert.deepEqual(await lines(src('std::string'), 'cpp', 'unbounded-cache', 'rpc.cpp'), [2]);
  });
});
