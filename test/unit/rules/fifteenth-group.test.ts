// Shapes from the fifteenth group of real projects (OpenSC, gevent's libuv and libev, snapcast; judged
// before any tuning on them): each a fixture of its own, beside the leak the same shape has when the
// code is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const RULE = 'raw-c-resource';

describe('raw-c-resource: a lock published by compare-and-swap', () => {
  const MAKE_LOCK = (publish: string) => code`
    static lock_t *volatile shared_lock = NULL;
    static lock_t *make_lock(void) {
        if (shared_lock == NULL) {
            lock_t *lock = malloc(sizeof(lock_t));
            init_lock(lock);
            if (${publish} != NULL) {
                destroy_lock(lock);
                free(lock);
            }
        }
        return shared_lock;
    }`;

  it('the swap that wins stores it in the global; the loser frees its own: no leak', async () => {
    assert.deepEqual(
      await lines(MAKE_LOCK('InterlockedCompareExchangePointer(&shared_lock, lock, NULL)'), 'cpp', RULE, 'vfd.h'),
      [],
    );
    assert.deepEqual(
      await lines(MAKE_LOCK('__sync_val_compare_and_swap(&shared_lock, NULL, lock)'), 'cpp', RULE, 'vfd.c'),
      [],
    );
  });

  it('a plain read of the global in its place publishes nothing: the winner leaks', async () => {
    assert.deepEqual(await lines(MAKE_LOCK('peek_lock(&shared_lock)'), 'cpp', RULE, 'vfd.c'), [4]);
  });
});

describe('raw-c-resource: a forked child that sets up its stdio and execs', () => {
  const CHILD_INIT = (exec: string) => code`
    static void child_init(const struct options *options, int error_fd) {
        int use_fd = open("/dev/null", O_RDONLY);
        if (use_fd < 0)
            write_errno(error_fd);
        if (use_fd != 0)
            dup2(use_fd, 0);
        if (options->cwd != NULL && chdir(options->cwd))
            write_errno(error_fd);
        ${exec}
        write_errno(error_fd);
    }`;

  it('the descriptors are meant for the program the child execs: no leak', async () => {
    assert.deepEqual(await lines(CHILD_INIT('execvp(options->file, options->args);'), 'cpp', RULE, 'process.c'), []);
  });

  it('without the exec the function returns with the descriptor open: a leak', async () => {
    assert.deepEqual(await lines(CHILD_INIT('run_hooks(options);'), 'cpp', RULE, 'process.c'), [2]);
  });
});

// Functions the C++ grammar used to give up on (a format macro glued to a string) and now reads:
// mpv's demuxer and rsync's popt, each with its hand-off written in a test of the place that holds it.
describe('raw-c-resource: the release guarded by the place it is stored in', () => {
  const OPEN_DEMUX = (guard: string) => code`
    int open_demux(struct demuxer *demuxer, struct priv *priv) {
        AVFormatContext *avfc = avformat_alloc_context();
        if (!avfc)
            goto fail;
        if (prepare(priv) < 0)
            goto fail;
        priv->avfc = avfc;
        if (find_info(avfc) < 0)
            goto fail;
        return 0;
    fail:
        if (${guard})
            avformat_free_context(avfc);
        return -1;
    }`;

  it('`if (!priv->avfc) free(avfc)` after `priv->avfc = avfc`: whichever way, no leak', async () => {
    assert.deepEqual(await lines(OPEN_DEMUX('!priv->avfc'), 'cpp', RULE, 'demux.c'), []);
    assert.deepEqual(await lines(OPEN_DEMUX('priv->avfc == NULL'), 'cpp', RULE, 'demux.c'), []);
  });

  it('a test of some other field decides nothing: the failure before the store may leak', async () => {
    assert.deepEqual(await lines(OPEN_DEMUX('!priv->opened'), 'cpp', RULE, 'demux.c'), [2]);
  });

  it("`if (av != con->argv) free(av)`: equal to the field, it is the field's", async () => {
    const src = (release: string) => code`
      int add_alias_arg(struct context *con, const char *next) {
          const char **av;
          int ac = con->argc, rc;
          if (next != NULL) {
              av = malloc((ac + 2) * sizeof(*av));
              if (av == NULL)
                  av = con->argv;
          } else
              av = con->argv;
          rc = parse_args(ac, av, &con->out_argc, &con->out_argv);
          ${release}
          return rc;
      }`;
    assert.deepEqual(
      await lines(src('if (av != NULL && av != con->argv)\n        free(av);'), 'cpp', RULE, 'popt.c'),
      [],
    );
    assert.deepEqual(await lines(src(''), 'cpp', RULE, 'popt.c'), [5]);
  });
});
