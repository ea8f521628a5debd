// Shapes from the seventeenth group of real projects (libmicrohttpd; judged before any tuning on it):
// each a fixture of its own, beside the leak the same shape has when the code is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const RULE = 'raw-c-resource';

describe('raw-c-resource: a call given the resource through a cast, its status tested', () => {
  const START = (arg: string, onFailure: string) => code`
    int create_named_thread(handle_t *handle, size_t stack, void *(*routine)(void *), void *arg) {
        struct helper *param = malloc(sizeof(struct helper));
        if (NULL == param)
            return 0;
        param->routine = routine;
        param->arg = arg;
        if (! create_thread(handle, stack, &named_thread_starter, ${arg}))
        {
            ${onFailure}
            return 0;
        }
        return ! 0;
    }`;

  it('freed where the thread was not created, so the thread owns it otherwise: no leak', async () => {
    for (const arg of ['(void *) param', 'param', '(void *) (param)'])
      assert.deepEqual(await lines(START(arg, 'free(param);'), 'cpp', RULE, 'mhd_threads.c'), [], arg);
  });

  it("a test of another call's status hands nothing over: the early return leaks it", async () => {
    // A test of another call's status says nothing about who owns it: freed after, it is the caller's.
    const other = code`
      int run_helper(handle_t *handle, void *arg) {
          struct helper *param = malloc(sizeof(struct helper));
          if (NULL == param)
              return 0;
          if (! check_handle(handle, (void *) arg))
              return 0;
          use_helper((void *) param);
          free(param);
          return 1;
      }`;
    assert.deepEqual(await lines(other, 'cpp', RULE, 'helper.c'), [2]);
  });
});

describe('raw-c-resource: two acquisitions under opposite tests of one flag', () => {
  const ACCEPT = (second: string) => code`
    int accept_one(int fd, int use_accept4) {
        int s = -1;
        if (use_accept4 && (-1 != (s = accept4(fd, NULL, NULL, 0))))
            set_flags(1);
        if (${second} && (-1 != (s = accept(fd, NULL, NULL))))
            set_flags(2);
        if (s < 0)
            return -1;
        return add_connection(s);
    }`;

  it('`use_accept4 && …` then `!use_accept4 && …`: one of them runs, nothing is overwritten', async () => {
    assert.deepEqual(await lines(ACCEPT('! use_accept4'), 'cpp', RULE, 'daemon.c'), []);
  });

  it('a second test of another flag can run both: the first socket is overwritten', async () => {
    assert.deepEqual(await lines(ACCEPT('retry'), 'cpp', RULE, 'daemon.c'), [3]);
  });
});

describe('raw-c-resource: a record given to a function of this file that only fills it', () => {
  const CREATE = (setter: string) => code`
    ${setter}

    static int create_provider(struct cfg *cfg, int custom) {
        struct info *info = calloc(1, sizeof(*info));
        if (!info)
            return 1;
        if (set_provider_opts(cfg, info, custom))
            return 1;
        LIST_INSERT_HEAD(&info_list, info, link);
        return 0;
    }`;
  const FILLS = code`
    static int set_provider_opts(struct cfg *cfg, struct info *info, int custom) {
        info->wildcard = cfg_getbool(cfg, "wildcard");
        if (getserver(cfg->name, &info->server_name))
            return 1;
        return 0;
    }`;
  const KEEPS = code`
    static int set_provider_opts(struct cfg *cfg, struct info *info, int custom) {
        cfg->info = info;
        return custom ? check(cfg) : 0;
    }`;

  it('set_provider_opts() reads and fills it: its failure return leaks it', async () => {
    assert.deepEqual(await lines(CREATE(FILLS), 'cpp', RULE, 'conf.c'), [9]);
  });

  it('one that stores it in the config keeps it: no leak', async () => {
    assert.deepEqual(await lines(CREATE(KEEPS), 'cpp', RULE, 'conf.c'), []);
  });

  it('a function defined elsewhere, named for setting: it may keep it, no finding', async () => {
    assert.deepEqual(await lines(CREATE(''), 'cpp', RULE, 'conf.c'), []);
  });
});

describe('raw-c-resource: functions of this file that keep what they are given', () => {
  it('a list helper whose parameter is an LPVOID stores it: the list owns it', async () => {
    const src = (param: string) => code`
      static DWORD AddListItem(list_item_t **pfirst, ${param}) {
          list_item_t *new_item = malloc(sizeof(list_item_t));
          if (new_item == NULL)
              return ERROR_OUTOFMEMORY;
          new_item->data = data;
          *pfirst = new_item;
          return NO_ERROR;
      }

      static DWORD AddBlock(list_item_t **list, int index) {
          block_t *block = malloc(sizeof(block_t));
          if (!block)
              return ERROR_OUTOFMEMORY;
          block->index = index;
          DWORD err = AddListItem(list, block);
          if (err) {
              free(block);
              return err;
          }
          return notify(index);
      }`;
    for (const param of ['LPVOID data', 'PVOID data', 'gpointer data', 'void *data'])
      assert.deepEqual(await lines(src(param), 'cpp', RULE, 'interactive.c'), [], param);
  });

  it('an object deleted where the setter failed belongs to the setter otherwise', async () => {
    const src = (onFailure: string) => code`
      static BOOL set_plugin_data(proxyPlugin *plugin, proxyData *pdata, void *data) {
          return plugin->mgr->SetPluginData(plugin->mgr, plugin->name, pdata, data);
      }

      static BOOL session_started(proxyPlugin *plugin, proxyData *pdata) {
          auto state = new DynChannelState();
          if (!set_plugin_data(plugin, pdata, state)) {
              ${onFailure}
              return FALSE;
          }
          return TRUE;
      }`;
    assert.deepEqual(await lines(src('delete state;'), 'cpp', RULE, 'bitmap-filter.cpp'), []);
  });
});
