// raw-c-resource on the shapes real C and C++ code showed: each false alarm and each miss seen on
// public projects is reproduced here by a fixture written for it (no fetched code).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, findings, lines } from '../helpers';

const RULE = 'raw-c-resource';

describe('raw-c-resource: no false alarm on correct C', () => {
  it('C library calls never throw; goto-cleanup releases on every path', async () => {
    assert.deepEqual(
      await lines(
        code`
      int load(const char* p) {
        int rc = -1;
        char* buf = NULL;
        FILE* f = fopen(p, "rb");
        if (!f) goto out;
        buf = malloc(4096);
        if (!buf) goto out;
        if (std::fread(buf, 1, 4096, f) == 0) goto out;
        std::fprintf(stderr, "%s", buf);
        rc = 0;
      out:
        free(buf);
        if (f) fclose(f);
        return rc;
      }`,
        'cpp',
        RULE,
        'x.cpp',
      ),
      [],
    );
  });

  it('ownership handed off: *out = p, stored in a field on success, realloc result returned, adopted by a call', async () => {
    assert.deepEqual(
      await lines(
        code`
      int make(char** out, size_t n) {
        char* p = malloc(n);
        if (!p) return -1;
        *out = p;
        return 0;
      }
      int attach(struct conn* c, size_t n) {
        char* p = malloc(n);
        if (!p) return -1;
        if (c->ready) {
          c->buf = p;
          return 0;
        }
        free(p);
        return -2;
      }
      char* grow(char* in, size_t n) {
        char* re = realloc(in, n);
        return re;
      }
      void queue_job(struct queue* q, const char* s) {
        char* copy = strdup(s);
        job_queue_push(q, copy);
      }
      struct item* wrap_it(size_t n) {
        char* data = malloc(n);
        struct item* it = item_new_from(data, n);
        return it;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
  });

  it('acquisition inside the if-condition: the failure branch holds nothing', async () => {
    assert.deepEqual(
      await lines(
        code`
      int run(sqlite3* db, const char* sql) {
        sqlite3_stmt* st;
        const char* tail;
        if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) == SQLITE_OK) {
          while (sqlite3_step(st) == SQLITE_ROW) consume(st);
          sqlite3_finalize(st);
        }
        return 0;
      }
      int read_all(const char* p) {
        FILE* f;
        if ((f = fopen(p, "r")) == NULL) return -1;
        consume_file(f);
        fclose(f);
        return 0;
      }
      int prep(sqlite3* db) {
        sqlite3_stmt* st = NULL;
        int rc = sqlite3_prepare_v2(db, "select 1", -1, &st, NULL);
        if (rc != SQLITE_OK) return rc;
        sqlite3_step(st);
        sqlite3_finalize(st);
        return 0;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
  });

  it('of two out-parameters, the statement (not the leftover text) is the handle', async () => {
    const [f] = await findings(
      code`
      int run(sqlite3* db, const char* sql) {
        sqlite3_stmt* st;
        const char* tail;
        if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK) return -1;
        if (!check(tail)) return -2;
        sqlite3_finalize(st);
        return 0;
      }`,
      'cpp',
      { rule: RULE, file: 'x.c' },
    );
    assert.match(f.message, /`st`/);
    assert.match(f.message, /returns at line 5/);
  });

  it('RAII classes: acquired in the constructor, released in the destructor', async () => {
    assert.deepEqual(
      await lines(
        code`
      class File {
       public:
        explicit File(const char* p) : f_(nullptr) { f_ = fopen(p, "r"); }
        ~File() { if (f_) fclose(f_); }
       private:
        FILE* f_;
      };
      class Widget {
        Widget() { label_ = new Label(this); child = new Child(); }
        ~Widget() { delete child; }
        Label* label_;
        Child* child;
      };`,
        'cpp',
        RULE,
      ),
      [],
    );
  });

  it('a release guarded by the allocating condition, and a library free that equals free()', async () => {
    assert.deepEqual(
      await lines(
        code`
      void f(int big, size_t n) {
        char* p = NULL;
        if (big) p = malloc(n);
        work(p);
        if (big) free(p);
      }
      void g(const char* s) {
        char* d = strdup(s);
        if (!d) return;
        use_string(d);
        g_free(d);
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
  });

  it('same-file helpers that release their argument count as releases', async () => {
    assert.deepEqual(
      await lines(
        code`
      static void buf_destroy_all(struct buf* b, char* extra) { free(extra); free(b); }
      int f(size_t n) {
        char* e = malloc(n);
        struct buf* b = malloc(sizeof *b);
        if (!b) { free(e); return -1; }
        buf_destroy_all(b, e);
        return 0;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
  });

  it('a noreturn exit and an assert on the null handle do not leak', async () => {
    assert.deepEqual(
      await lines(
        code`
      void f(const char* p) {
        FILE* fp = fopen(p, "r");
        if (fp == NULL) { perror(p); exit(1); }
        if (bad(fp)) abort();
        fclose(fp);
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
  });
});

describe('raw-c-resource: leaks real projects shipped', () => {
  it('an early return inside the null-check block', async () => {
    assert.deepEqual(
      await lines(
        code`
      int first_line(const char* p, char* line, int n) {
        FILE* fp = fopen(p, "r");
        if (fp) {
          if (!fgets(line, n, fp)) return -1;
          fclose(fp);
        }
        return 0;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [2],
    );
  });

  it('a handle never bound to a name', async () => {
    assert.deepEqual(
      await lines(
        code`
      int is_dir(const char* p) {
        if (opendir(p) == NULL) return 0;
        return 1;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [2],
    );
  });

  it('an acquisition in the if-condition, then an early return on a later failure', async () => {
    assert.deepEqual(
      await lines(
        code`
      bool open_db(const char* p, Store* s) {
        sqlite3* db;
        if (sqlite3_open(p, &db) == SQLITE_OK) {
          if (!migrate(db)) return false;
          s->db = db;
          return true;
        }
        return false;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [3],
    );
  });

  it('sqlite3_open leaves a handle to close even when it fails', async () => {
    assert.deepEqual(
      await lines(
        code`
      int open_it(const char* p) {
        sqlite3* db = NULL;
        if (sqlite3_open(p, &db) != SQLITE_OK) return -1;
        sqlite3_close(db);
        return 0;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [3],
    );
  });

  it('a statement prepared in the if-condition and stepped in a loop, never finalized', async () => {
    assert.deepEqual(
      await lines(
        code`
      int count(sqlite3* db) {
        sqlite3_stmt* st;
        int n = 0;
        if (sqlite3_prepare_v2(db, "select x from t", -1, &st, NULL) == SQLITE_OK) {
          while (sqlite3_step(st) == SQLITE_ROW) n++;
        }
        return n;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [4],
    );
  });

  it('setjmp error exits skip the release (libpng style)', async () => {
    assert.deepEqual(
      await lines(
        code`
      int read_png(const char* p) {
        FILE* fp = fopen(p, "rb");
        if (!fp) return -1;
        png_structp png = make_png();
        if (setjmp(png_jmpbuf(png))) {
          return -1;
        }
        png_init_io(png, fp);
        png_read_info(png, NULL);
        fclose(fp);
        return 0;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [2],
    );
  });

  it('the second of two identical acquisitions in sibling branches', async () => {
    assert.deepEqual(
      await lines(
        code`
      int pick(int a, const char* p, const char* q) {
        char* s;
        if (a) {
          s = strdup(p);
          emit(s);
          free(s);
        } else {
          s = strdup(q);
          if (!emit(s)) return -1;
          free(s);
        }
        return 0;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [8],
    );
  });

  it('continue in a loop skips the release', async () => {
    assert.deepEqual(
      await lines(
        code`
      void each(char** names, int n) {
        for (int i = 0; i < n; i++) {
          char* s = strdup(names[i]);
          if (!s) continue;
          if (skip(s)) continue;
          emit(s);
          free(s);
        }
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [3],
    );
  });

  it('C++ new held by a raw local that an early return skips; a pointer overwritten by a new allocation', async () => {
    assert.deepEqual(
      await lines(
        code`
      bool load(const std::string& p) {
        Parser* parser = new Parser();
        if (!parser->open(p)) return false;
        parser->run();
        delete parser;
        return true;
      }
      void twice(size_t n) {
        char* buf = (char*)malloc(n);
        fill(buf, n);
        buf = (char*)malloc(2 * n);
        fill(buf, 2 * n);
        free(buf);
      }`,
        'cpp',
        RULE,
        'x.cpp',
      ),
      [2, 9],
    );
  });

  it('a throw skips the release; the message says where', async () => {
    const [f] = await findings(
      code`
      void encode(const char* p) {
        FILE* f = fopen(p, "wb");
        if (!f) throw std::runtime_error("open");
        if (!header(f)) throw std::runtime_error("header");
        fclose(f);
      }`,
      'cpp',
      { rule: RULE, file: 'x.cpp' },
    );
    assert.match(f.message, /`throw` at line 4/);
    assert.equal(f.related[0].location.startPoint.line, 3);
  });
});

describe('raw-c-resource: release names are whole words', () => {
  it('AffinityPanel_* does not contain "fini"; a ShouldClose query releases nothing', async () => {
    assert.deepEqual(
      await lines(
        code`
      int f(const char* p, Window* w) {
        char* buf = malloc(64);
        if (!buf) return -1;
        AffinityPanel_build(buf);
        if (glfwWindowShouldClose(buf)) return 1;
        free(buf);
        return 0;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [2],
    );
  });
});

describe('raw-c-resource: acquisition as the last conjunct of a condition', () => {
  it('the false branch of `ok && (d = opendir(p))` holds nothing', async () => {
    assert.deepEqual(
      await lines(
        code`
      void close_all(int low) {
        char path[64];
        DIR* d;
        int len = snprintf(path, sizeof path, "/proc/%d/fd", getpid());
        if (len > 0 && (d = opendir(path))) {
          walk(d, low);
          closedir(d);
          return;
        }
        fallback(low);
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
  });
});

describe('raw-c-resource: aliases and calls that only read through the resource', () => {
  it('an early return after a local alias copied the buffer; a reader call that returns a line', async () => {
    assert.deepEqual(
      await lines(
        code`
      int dif(int n) {
        int* buf = (int*)calloc(n, sizeof(int));
        if (buf == NULL) return -1;
        int* pbuf = buf;
        for (int i = 0; i < n; i++) *pbuf++ = i;
        if (mean_std(buf, n) == -1) return -1;
        free(buf);
        return 0;
      }
      bool read_settings(const char* name) {
        FILE* fd = fopen(name, "r");
        if (!fd) return false;
        for (;;) {
          char* line = read_line(fd);
          if (!line) break;
          if (too_new(line)) { free(line); return false; }
          free(line);
        }
        fclose(fd);
        return true;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [2, 11],
    );
  });

  it('a release, a store or a return through the alias counts', async () => {
    assert.deepEqual(
      await lines(
        code`
      int a(int n, struct s* out) {
        char* buf = malloc(n);
        if (!buf) return -1;
        char* cur = buf;
        if (n > 10) { free(cur); return -2; }
        out->data = cur;
        return 0;
      }
      char* b(int n) {
        char* buf = malloc(n);
        char* start = buf;
        return start;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
  });
});

describe('raw-c-resource: held-out projects, shapes judged false', () => {
  it('released unless it is the input itself; a flag set right after the acquisition', async () => {
    assert.deepEqual(
      await lines(
        code`
      int save(Surface* surface, int fmt) {
        Surface* converted = surface;
        if (surface->format != fmt) {
          converted = ConvertSurface(surface, fmt);
          if (!converted) return -1;
        }
        int rc = write_surface(converted);
        if (converted != surface) SDL_DestroySurface(converted);
        return rc;
      }
      int save2(Surface* surface, int fmt) {
        Surface* temp = NULL;
        bool temp_is_copy = false;
        temp = SDL_ConvertSurface(surface, fmt);
        temp_is_copy = true;
        if (!encode(temp)) {
          if (temp_is_copy && temp) SDL_FreeSurface(temp);
          return -1;
        }
        SDL_FreeSurface(temp);
        return 0;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
  });

  it('the last of a chain of || allocation checks; both sides of || null on failure; #if 0; a tool with main()', async () => {
    assert.deepEqual(
      await lines(
        code`
      int conv(int n) {
        int *a, *b;
        if ((a = malloc(n)) == NULL || (b = malloc(n)) == NULL) {
          free(a);
          return -1;
        }
        use2(a, b);
        free(a);
        free(b);
        return 0;
      }
      int dump(sqlite3* db) {
        sqlite3_stmt* st;
        int rc = sqlite3_prepare_v2(db, "select 1", -1, &st, 0);
        if (rc != SQLITE_OK || !st) return rc;
        sqlite3_step(st);
        sqlite3_finalize(st);
        return 0;
      }
      void unused(void) {
      #if 0
        char* p = malloc(4);
        if (!p) return;
        if (bad()) return;
        free(p);
      #endif
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
    assert.deepEqual(
      await lines(
        code`
      static int load(const char* path) {
        FILE* fp = fopen(path, "rb");
        if (!fp) return -1;
        if (!read_header(fp)) return -1;
        fclose(fp);
        return 0;
      }
      int main(int argc, char** argv) {
        return load(argv[1]);
      }`,
        'cpp',
        RULE,
        'tool.c',
      ),
      [],
    );
  });
});

describe('raw-c-resource: main() in a comment is not a program entry', () => {
  it('a library file whose header comment shows `int main()` is still checked', async () => {
    assert.deepEqual(
      await lines(
        code`
      // Usage:
      //   int main() { return load("x"); }
      /*
      int main(int argc, char** argv) { return 0; }
      */
      int load(const char* path) {
        FILE* f;
        if ((f = fopen(path, "rt")) == NULL) return -1;
        if (fseek(f, 0, SEEK_END)) return -1;
        fclose(f);
        return 0;
      }`,
        'cpp',
        RULE,
        'lib.cpp',
      ),
      [8],
    );
  });
});

describe('raw-c-resource: descriptors', () => {
  it('a descriptor taken over by fdopen, handed to other code, or returned through memcpy-like calls', async () => {
    assert.deepEqual(
      await lines(
        code`
      FILE* open_log(const char* p) {
        int fd = open(p, O_WRONLY);
        if (fd == -1) return NULL;
        FILE* f = fdopen(fd, "w");
        if (!f) { close(fd); return NULL; }
        return f;
      }
      int send_fd(struct peer* peer, const char* p) {
        int fd = open(p, O_RDONLY);
        if (fd < 0) return -1;
        return proc_send(peer, MSG_FILE, fd);
      }
      char* dup_str(const char* s, size_t n) {
        char* buf = malloc(n + 1);
        if (!buf) return NULL;
        buf[n] = 0;
        return memcpy(buf, s, n);
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
  });

  it('a descriptor only read through and leaked on an error path is found', async () => {
    assert.deepEqual(
      await lines(
        code`
      int read_status(char* out, size_t n) {
        int fd = open("/proc/self/status", O_RDONLY);
        if (fd < 0) return -1;
        if (read(fd, out, n) <= 0) return -1;
        close(fd);
        return 0;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [2],
    );
  });
});

describe('raw-c-resource: cleanup labels and wrapper releases', () => {
  it('a comment after the cleanup label; a wrapper release method; a return passing it on', async () => {
    assert.deepEqual(
      await lines(
        code`
      int test(const char* url) {
        CURL* curl = curl_easy_init();
        if (!curl) return 1;
        int rc = curl_easy_perform(curl);
      cleanup:
        /* always clean up */
        curl_easy_cleanup(curl);
        return rc;
      }
      PIX* blend(PIX* a) {
        PIX* pixd = pixCreate(1, 1, 32);
        if (!a) return ERROR_PTR("a not defined", "blend", pixd);
        fill(pixd, a);
        return pixd;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
    assert.deepEqual(
      await lines(
        code`
      void scan(const char* p) {
        Image pix = pixRead(p);
        if (!pix) return;
        process(pix);
        pix.destroy();
      }`,
        'cpp',
        RULE,
        'x.cpp',
      ),
      [],
    );
  });
});

describe('raw-c-resource: descriptors kept on purpose', () => {
  it('a cast invalid value, a descriptor kept as a standard stream, an owner-typed variable', async () => {
    assert.deepEqual(
      await lines(
        code`
      void create(int family) {
        sock_t fd = socket(family, SOCK_STREAM, 0);
        if (fd == (sock_t)-1) throw std::runtime_error("socket");
        adopt_socket(fd);
      }
      void daemonize(void) {
        int fd = open("/dev/null", O_RDWR);
        if (fd == -1) return;
        dup2(fd, 0);
        dup2(fd, 1);
        if (fd > 2) close(fd);
      }
      int stdfd_devnull(int in, int out) {
        int devnull, ret = 0;
        if ((devnull = open("/dev/null", O_RDWR)) == -1) return -1;
        if ((in && dup2(devnull, STDIN_FILENO) == -1) || (out && dup2(devnull, STDOUT_FILENO) == -1)) ret = -1;
        if (devnull > STDERR_FILENO) close(devnull);
        return ret;
      }
      bool fifo(const char* fn) {
        auto_fd fifo_fd;
        if ((fifo_fd = open(fn, O_RDONLY)) == -1) return false;
        if (!ready(fifo_fd.get())) return false;
        return true;
      }`,
        'cpp',
        RULE,
        'x.cpp',
      ),
      [],
    );
  });
});

describe('raw-c-resource: third group of projects, shapes judged false', () => {
  it('a reversed comparison `0 > (fd = socket())`; returning the address of a member', async () => {
    assert.deepEqual(
      await lines(
        code`
      int names(void) {
        int sockfd;
        if (0 > (sockfd = socket(AF_INET, SOCK_DGRAM, 0)))
          return -1;
        if (ioctl(sockfd, 1, 0) == -1) {
          uv__close(sockfd);
          return -2;
        }
        uv__close(sockfd);
        return 0;
      }
      struct base* create_state(size_t n) {
        struct state* state = malloc(sizeof *state);
        if (!state) return NULL;
        state->n = n;
        return &state->base;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
  });
});
