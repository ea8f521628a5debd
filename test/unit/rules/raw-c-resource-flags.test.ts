// raw-c-resource with flags and status codes (flow/c-flags.ts): a release or a hand-off decided by
// a variable the path has set (`r = 0;`, `ok = true;`, `newrec = FALSE;`) goes one way only. Shapes
// from openssh, mongoose and irssi, each written here as a fixture of its own, with the leak that
// the same shape hides when the code is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const RULE = 'raw-c-resource';

const STATUS_CODE = (early: string) => code`
  int parse_proposal(const char *raw, char ***propp) {
      char **proposal = NULL;
      int r;
      *propp = NULL;
      if ((proposal = calloc(10, sizeof(char *))) == NULL)
          return -2;
      if (raw == NULL) {
          r = SSH_ERR_INVALID_FORMAT;
          goto out;
      }
      ${early}
      if ((r = consume(raw)) != 0)
          goto out;
      if ((r = get_u8(raw)) != 0 || (r = get_u32(raw)) != 0)
          goto out;
      r = 0;
      *propp = proposal;
   out:
      if (r != 0 && proposal != NULL)
          free(proposal);
      return r;
  }`;

describe('raw-c-resource: status codes', () => {
  it('handed on when the status is 0, freed at the label otherwise: no leak', async () => {
    assert.deepEqual(await lines(STATUS_CODE(''), 'cpp', RULE, 'kex.c'), []);
  });

  it('an early return that skips the label still leaks', async () => {
    assert.deepEqual(await lines(STATUS_CODE('if (raw[0] == 0) return -1;'), 'cpp', RULE, 'kex.c'), [5]);
  });

  it('a status tested `< 0` after `(r = f()) < 0`: the failure exit frees, success hands on', async () => {
    assert.deepEqual(
      await lines(
        code`
      int load(struct ctx *c, const char *p) {
          int ret = 0;
          char *buf = malloc(64);
          if (buf == NULL)
              return -1;
          if ((ret = fill(buf, p)) < 0)
              goto done;
          c->buf = buf;
      done:
          if (ret < 0)
              free(buf);
          return ret;
      }`,
        'cpp',
        RULE,
        'load.c',
      ),
      [],
    );
  });
});

describe('raw-c-resource: success flags', () => {
  const LISTENER = (store: string, test: string) => code`
    bool open_listener(struct conn *c, int port) {
        bool success = false;
        int fd;
        if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
            log_error("socket");
        } else if (port <= 0) {
            log_error("bind");
        } else {
            ${store}
            success = true;
        }
        if (${test}) close(fd);
        return success;
    }`;

  it('closed unless the success branch stored it: no leak', async () => {
    assert.deepEqual(await lines(LISTENER('c->fd = fd;', 'success == false && fd != -1'), 'cpp', RULE, 'sock.c'), []);
    assert.deepEqual(await lines(LISTENER('c->fd = fd;', '!success && fd != -1'), 'cpp', RULE, 'sock.c'), []);
  });

  it('stored through a conversion macro (`c->fd = S2PTR(fd)`): handed on', async () => {
    assert.deepEqual(await lines(LISTENER('c->fd = S2PTR(fd);', '!success'), 'cpp', RULE, 'sock.c'), []);
  });

  it('tested against the named value its acquisition was checked against', async () => {
    const named = (store: string) =>
      LISTENER(store, 'success == false && fd != SOCK_INVALID').replace(
        '(fd = socket(AF_INET, SOCK_STREAM, 0)) == -1',
        '(fd = socket(AF_INET, SOCK_STREAM, 0)) == SOCK_INVALID',
      );
    assert.deepEqual(await lines(named('c->fd = fd;'), 'cpp', RULE, 'sock.c'), []);
    assert.deepEqual(await lines(named('log_info("ready");'), 'cpp', RULE, 'sock.c'), [4]);
  });

  it('the success branch that forgets to store it leaks', async () => {
    assert.deepEqual(await lines(LISTENER('log_info("ready");', '!success'), 'cpp', RULE, 'sock.c'), [4]);
  });
});

describe('raw-c-resource: a flag set beside the acquisition', () => {
  const SETUP = (branches: string) => code`
    void setup_server(struct rec *rec, int found) {
        char *old_chatnet = NULL;
        int newrec;
        if (!found) {
            newrec = TRUE;
            rec = create_setup();
        } else {
            newrec = FALSE;
            old_chatnet = g_strdup(rec->chatnet);
        }
        fill(rec);
        ${branches}
    }`;

  it('released in the branch of the same flag: no leak', async () => {
    assert.deepEqual(
      await lines(
        SETUP('if (newrec) { add(rec); } else { modify(rec, old_chatnet); g_free(old_chatnet); }'),
        'cpp',
        RULE,
        'fe-server.c',
      ),
      [],
    );
  });

  it('released in the other branch: the leak is found', async () => {
    assert.deepEqual(
      await lines(
        SETUP('if (newrec) { add(rec); g_free(old_chatnet); } else { modify(rec, old_chatnet); }'),
        'cpp',
        RULE,
        'fe-server.c',
      ),
      [9],
    );
  });
});

describe('raw-c-resource: flags set in a loop', () => {
  it('a flag zeroed before the loop that an earlier iteration may set is unknown where the loop acquires', async () => {
    assert.deepEqual(
      await lines(
        code`
      int parse_first(char **params, int count, struct session *s) {
          char *salt = NULL;
          unsigned long rounds = 0;
          for (int i = 0; i < count; i++) {
              if (!strncmp(params[i], "s=", 2)) {
                  g_free(salt);
                  salt = g_strdup(params[i] + 2);
              } else if (!strncmp(params[i], "i=", 2)) {
                  rounds = strtoul(params[i] + 2, NULL, 10);
              }
          }
          if (salt == NULL || rounds == 0) {
              g_free(salt);
              return -1;
          }
          if (strlen(salt) < 4)
              return -1;
          use(salt, rounds);
          g_free(salt);
          return 0;
      }`,
        'cpp',
        RULE,
        'scram.c',
      ),
      [7],
    );
  });
});

describe('raw-c-resource: a case label inside a conditional directive', () => {
  const SWITCH = (release: string) => code`
    static void set_key_info(struct tls *tls, int keytype)
    {
        char *algorithm = NULL;
        switch (keytype) {
        case KEY_DH:
            set_algorithm(tls, "DH");
            break;
    #ifndef NO_EC
        case KEY_EC: {
            algorithm = g_strdup_printf("ECDH: %s", curve_name(tls));
            printf("%s\\n", algorithm);
            ${release}
            break;
        }
    #endif
        default:
            set_algorithm(tls, "other");
            break;
        }
    }`;

  it('is still one of the switch cases: released through a wrapper macro, no leak', async () => {
    assert.deepEqual(await lines(SWITCH('g_free_and_null(algorithm);'), 'cpp', RULE, 'tls.c'), []);
  });

  it('and its leak is found when nothing releases it', async () => {
    assert.deepEqual(await lines(SWITCH('log_info("set");'), 'cpp', RULE, 'tls.c'), [10]);
  });
});

// OpenSC's shape: the status compared with the library's named success code, never with 0.
const NAMED_SUCCESS = (handOn: string) => code`
  static int decode_list(struct ctx *ctx, const unsigned char *p, size_t len, struct item ***out, size_t *num) {
      struct item **items;
      size_t idx = 0;
      int ret;
      items = calloc(MAX_ITEMS, sizeof(*items));
      if (items == NULL)
          return SC_ERROR_OUT_OF_MEMORY;
      while (idx < MAX_ITEMS && len) {
          ret = decode_one(ctx, &p, &len);
          if (ret != SC_SUCCESS)
              goto err;
          items[idx] = calloc(1, sizeof(struct item));
          if (items[idx] == NULL) {
              ret = SC_ERROR_OUT_OF_MEMORY;
              goto err;
          }
          idx++;
      }
      ${handOn}
      ret = SC_SUCCESS;
  err:
      if (ret != SC_SUCCESS) {
          for (size_t i = 0; i < idx; i++)
              free(items[i]);
          free(items);
      }
      return ret;
  }`;

describe('raw-c-resource: a named success status', () => {
  it('handed to the out-parameter on success, freed at the label on failure: no leak', async () => {
    assert.deepEqual(await lines(NAMED_SUCCESS('*out = items; *num = idx;'), 'cpp', RULE, 'asn1.c'), []);
  });

  it('the success path that hands nothing on still leaks', async () => {
    assert.deepEqual(await lines(NAMED_SUCCESS('*num = idx;'), 'cpp', RULE, 'asn1.c'), [5]);
  });
});

// OpenSC's sm-iso.c shape: failures set a named code and jump; the label frees only when `r < 0`.
const NEGATIVE_CODES = (early: string) => code`
  static int wrap_apdu(struct card *card, const struct apdu *apdu, struct apdu **out) {
      struct apdu *wrapped = NULL;
      unsigned char *resp = NULL;
      int r;
      wrapped = malloc(sizeof(*wrapped));
      if (!wrapped) {
          r = SC_ERROR_OUT_OF_MEMORY;
          goto err;
      }
      r = format_head(card, wrapped);
      if (r < 0)
          goto err;
      ${early}
      resp = calloc(1, wrapped->resplen);
      if (!resp) {
          r = SC_ERROR_OUT_OF_MEMORY;
          goto err;
      }
      wrapped->resp = resp;
      *out = wrapped;
  err:
      if (r < 0) {
          free(resp);
          free(wrapped);
      }
      return r;
  }`;

describe('raw-c-resource: named failure codes of a status tested `< 0`', () => {
  it('every failure sets a named code and the label frees when `r < 0`: no leak', async () => {
    assert.deepEqual(await lines(NEGATIVE_CODES(''), 'cpp', RULE, 'sm-iso.c'), []);
  });

  it('a failure that sets a positive count before the jump still leaks', async () => {
    assert.deepEqual(
      await lines(NEGATIVE_CODES('if (apdu->cse == 9) { r = 1; goto err; }'), 'cpp', RULE, 'sm-iso.c'),
      [5],
    );
  });
});

// OpenSC's pkcs15-cache.c shape: a caller's buffer reused or a new one allocated; on failure the label
// frees only what is not the caller's.
const CALLER_BUFFER = (store: string) => code`
  int read_cached(FILE *f, unsigned char **buf, size_t *bufsize, size_t count) {
      unsigned char *data = NULL;
      int rv;
      if (*buf == NULL) {
          data = malloc(count);
          if (data == NULL) {
              rv = SC_ERROR_OUT_OF_MEMORY;
              goto err;
          }
      } else {
          data = *buf;
      }
      if (count != fread(data, 1, count, f)) {
          rv = SC_ERROR_BUFFER_TOO_SMALL;
          goto err;
      }
      ${store}
      rv = SC_SUCCESS;
  err:
      if (rv != SC_SUCCESS) {
          if (data != *buf)
              free(data);
      }
      return rv;
  }`;

describe('raw-c-resource: the resource compared with another pointer', () => {
  it("freed on failure unless it is the caller's own buffer, handed on on success: no leak", async () => {
    assert.deepEqual(await lines(CALLER_BUFFER('*buf = data; *bufsize = count;'), 'cpp', RULE, 'cache.c'), []);
  });

  it('nothing handed on at success still leaks', async () => {
    assert.deepEqual(await lines(CALLER_BUFFER('*bufsize = count;'), 'cpp', RULE, 'cache.c'), [5]);
  });
});
