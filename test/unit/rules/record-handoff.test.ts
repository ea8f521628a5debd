// A struct built in a function and then handed to a call as its last use is given away: irssi's
// `ignore_add_rec(rec)`, `query_init(query)`, `MODULE_DATA_SET(server, rec)` and the user data of an
// async call were all judged false alarms. A buffer handed to a call, a record the call only reads
// before more work, or one the function frees after the call, is still the function's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const RULE = 'raw-c-resource';

describe('a record built here and handed on', () => {
  it('is given away when a call takes it as its last use (g_new0, then fields, then add)', async () => {
    const registered = code`
      void autoignore_add(SERVER_REC *server, char *mask, int level) {
        IGNORE_REC *rec;
        rec = g_new0(IGNORE_REC, 1);
        rec->mask = g_strdup(mask);
        rec->level = level;
        ignore_add_rec(rec);
      }`;
    assert.deepEqual(await lines(registered, 'cpp', RULE, 'src/autoignore.c'), []);
  });

  it('is given away to a macro that stores it, and as the user data of an async call', async () => {
    const stored = code`
      static void sig_connected(SERVER_REC *server) {
        MODULE_SERVER_REC *rec = calloc(1, sizeof(*rec));
        MODULE_DATA_SET(server, rec);
      }

      void resolve_async(const char *addr, NET_CALLBACK func, void *user) {
        struct lookup *data = malloc(sizeof(struct lookup));
        data->func = func;
        data->user = user;
        resolver_start_async(resolver, addr, NULL, on_resolved, data);
      }`;
    assert.deepEqual(await lines(stored, 'cpp', RULE, 'src/net.c'), []);
  });

  it('still leaks on an early return before the hand-off', async () => {
    const early = code`
      int add_entry(struct table *t, const char *key) {
        struct entry *e = calloc(1, sizeof *e);
        if (!e) return -1;
        e->key = strdup(key);
        if (!e->key) return -1;
        table_insert(t, e);
        return 0;
      }`;
    assert.deepEqual(await lines(early, 'cpp', RULE, 'src/table.c'), [2]);
  });

  it('is only borrowed by a call followed by more uses (parse, then fail)', async () => {
    const parsed = code`
      int load_entry(struct table *t, const char *line) {
        struct entry *e = calloc(1, sizeof *e);
        if (!e) return -1;
        if (parse_entry(line, e) != 0) return -1;
        e->loaded = 1;
        table_insert(t, e);
        return 0;
      }`;
    assert.deepEqual(await lines(parsed, 'cpp', RULE, 'src/table.c'), [2]);
  });

  it('is given away when later uses are only on other branches (a flag tied to the acquisition)', async () => {
    const flagged = code`
      void cmd_ignore(const char *mask, int level) {
        IGNORE_REC *rec = ignore_find(mask);
        int created = rec == NULL;
        if (rec == NULL) {
          rec = g_new0(IGNORE_REC, 1);
          rec->mask = g_strdup(mask);
        }
        rec->level |= level;
        if (created && rec->level == 0) {
          g_free(rec->mask);
          g_free(rec);
          return;
        }
        if (created)
          ignore_add_rec(rec);
        else
          ignore_update_rec(rec);
      }`;
    assert.deepEqual(await lines(flagged, 'cpp', RULE, 'src/fe-ignore.c'), []);
  });

  it('is only borrowed when the function frees it after the call', async () => {
    const freed = code`
      void send_record(int fd) {
        struct msg *m = malloc(sizeof(struct msg));
        m->kind = 1;
        write_msg(fd, m);
        free(m);
      }
      int try_send(int fd) {
        struct msg *m = malloc(sizeof(struct msg));
        m->kind = 2;
        if (write_msg(fd, m) < 0) return -1;
        free(m);
        return 0;
      }`;
    assert.deepEqual(await lines(freed, 'cpp', RULE, 'src/msg.c'), [8]);
  });

  it('a buffer handed to a call is still leaked (not a record)', async () => {
    const buffer = code`
      int checksum_file(int fd, size_t n) {
        unsigned char *buf = malloc(n);
        if (!buf) return -1;
        read_all(fd, buf, n);
        int sum = crc32(buf, n);
        return sum;
      }`;
    assert.deepEqual(await lines(buffer, 'cpp', RULE, 'src/crc.c'), [2]);
  });

  it('is linked into a sys/queue.h list or tree by its macros', async () => {
    const queued = code`
      int enqueue_packet(struct session *s, const void *data, size_t len) {
        struct packet *p = calloc(1, sizeof(*p));
        if (p == NULL) return -1;
        p->len = len;
        TAILQ_INSERT_TAIL(&s->outgoing, p, next);
        note_queued(s, p->len); // used after the insert: the macro, not the last use, hands it on
        return 0;
      }`;
    assert.deepEqual(await lines(queued, 'cpp', RULE, 'src/packet.c'), []);
  });

  it('is handed on with a callback through its first member (libuv requests)', async () => {
    const request = code`
      typedef struct { uv_write_t req; uv_buf_t buf; } write_req_t;
      static void after_write(uv_write_t *req, int status) { free(req); }
      void echo(uv_stream_t *handle, const uv_buf_t *buf, ssize_t nread) {
        write_req_t *wr = malloc(sizeof *wr);
        wr->buf = uv_buf_init(buf->base, nread);
        if (uv_write(&wr->req, handle, &wr->buf, 1, after_write)) abort();
      }
      void echo_no_callback(uv_stream_t *handle, const uv_buf_t *buf, ssize_t nread) {
        write_req_t *wr = malloc(sizeof *wr);
        wr->buf = uv_buf_init(buf->base, nread);
        if (uv_try_write(handle, &wr->buf, 1) < 0) return;
        uv_write(&wr->req, handle, &wr->buf, 1, NULL);
      }`;
    assert.deepEqual(await lines(request, 'cpp', RULE, 'src/echo.c'), [9]);
  });

  it('goes to the caller as a pointer past its header, or as its first member', async () => {
    const header = code`
      int buf_alloc(size_t size, char **out) {
        struct hdr *h = malloc(sizeof(struct hdr) + size);
        if (h == NULL) return -1;
        h->size = size;
        *out = (char *)(h + 1);
        return 0;
      }
      struct archive *archive_match_new(void) {
        struct archive_match *a = calloc(1, sizeof(*a));
        if (a == NULL) return NULL;
        a->magic = 0x0cad11c9;
        return &(a->archive);
      }`;
    assert.deepEqual(await lines(header, 'cpp', RULE, 'src/buf.c'), []);
  });

  it('is not tracked when it lands in an extern global', async () => {
    const global = code`
      void save_env(char **envp, int n) {
        extern char **environ;
        if ((environ = calloc(n + 1, sizeof(*environ))) == NULL) {
          environ = envp;
          return;
        }
        if (n == 0) return;
        environ[0] = envp[0];
      }`;
    assert.deepEqual(await lines(global, 'cpp', RULE, 'compat/env.c'), []);
  });

  it('memcpy returns its destination, also inside parentheses', async () => {
    const dup = code`
      char *my_strdup(const char *str) {
        size_t len = strlen(str) + 1;
        char *cp = malloc(len);
        if (cp != NULL)
          return(memcpy(cp, str, len));
        return NULL;
      }`;
    assert.deepEqual(await lines(dup, 'cpp', RULE, 'compat/strdup.c'), []);
  });
});
