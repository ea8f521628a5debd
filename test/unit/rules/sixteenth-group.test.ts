// Shapes from the sixteenth group of real projects (libusb, libfuse, fail2ban, kazoo; judged before any
// tuning on them): each a fixture of its own, beside the leak the same shape has when the code is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

describe('raw-c-resource: an object linked into an intrusive container by a member', () => {
  const NOTIFY = (link: string) => code`
    void notify(struct ctx *ctx, int event) {
        struct msg *msg = calloc(1, sizeof(*msg));
        if (!msg)
            return;
        msg->event = event;
        ${link}
    }`;

  it('list_add_tail(&msg->list, …), avl_insert, rb_link_node: the container keeps it, no leak', async () => {
    for (const link of [
      'list_add_tail(&msg->list, &ctx->msgs);',
      'list_add_nreq(&msg->nreq, &ctx->notify_list);',
      'avl_insert(&ctx->tree, &msg->node);',
      'rb_link_node(&msg->rb, parent, link);',
      'ctx->ops->queue_push(ctx->q, &msg->entry);',
    ])
      assert.deepEqual(await lines(NOTIFY(link), 'cpp', 'raw-c-resource', 'hotplug.c'), [], link);
  });

  it('registered by its interface member (FreeRDP plugins): the host keeps it, no leak', async () => {
    const src = code`
      UINT entry(PDEVICE_ENTRY_POINTS ep) {
          rdpsndFakePlugin *fake = calloc(1, sizeof(rdpsndFakePlugin));
          if (!fake)
              return CHANNEL_RC_NO_MEMORY;
          fake->device.Free = rdpsnd_fake_free;
          ep->pRegisterRdpsndDevice(ep->rdpsnd, &fake->device);
          return CHANNEL_RC_OK;
      }`;
    assert.deepEqual(await lines(src, 'cpp', 'raw-c-resource', 'rdpsnd_fake.c'), []);
  });

  it('registered with its status returned untested: a failed registration leaks it', async () => {
    const src = (after: string) => code`
      UINT entry(IDRDYNVC_ENTRY_POINTS *ep) {
          UINT status = CHANNEL_RC_OK;
          SSHAGENT_PLUGIN *agent = calloc(1, sizeof(SSHAGENT_PLUGIN));
          if (!agent)
              return CHANNEL_RC_NO_MEMORY;
          agent->iface.Terminated = agent_terminated;
          status = ep->RegisterPlugin(ep, "sshagent", &agent->iface);
          ${after}
          return status;
      }`;
    assert.deepEqual(await lines(src(''), 'cpp', 'raw-c-resource', 'sshagent_main.c'), [3]);
    assert.deepEqual(
      await lines(
        src('if (status != CHANNEL_RC_OK)\n        free(agent);'),
        'cpp',
        'raw-c-resource',
        'sshagent_main.c',
      ),
      [],
    );
  });

  it('a call that works on a part of it (a signal set, a counter, a lock) keeps nothing: a leak', async () => {
    for (const part of [
      'sigaddset(&msg->mask, SIGINT);',
      'atomic_add(&msg->refs, 1);',
      'pthread_mutex_init(&msg->lock, NULL);',
    ])
      assert.deepEqual(await lines(NOTIFY(part), 'cpp', 'raw-c-resource', 'hotplug.c'), [2], part);
  });
});

describe('resource-without-context: closed by quit() or logout()', () => {
  const SEND = (release: string) => code`
    import smtplib

    def send(host, ssl, msg):
        smtp = smtplib.SMTP(host)
        try:
            if ssl:
                raise Exception("starttls failed")
            smtp.sendmail("a", "b", msg)
        finally:
            ${release}`;

  it('smtp.quit() in finally, even as an argument in a nested try: no leak', async () => {
    assert.deepEqual(await lines(SEND('smtp.quit()'), 'python', 'resource-without-context', 'smtp.py'), []);
    // Continuation lines carry the template's own indentation (4) besides their own (8).
    const nested = [
      'try:',
      '    log.debug("Disconnected: %i %s", *smtp.quit())',
      'except smtplib.SMTPServerDisconnected:',
      '    pass',
    ]
      .map((l, i) => (i ? ' '.repeat(12) : '') + l)
      .join('\n');
    assert.deepEqual(await lines(SEND(nested), 'python', 'resource-without-context', 'smtp.py'), []);
  });

  it('imaplib closes in logout(): no leak', async () => {
    const src = code`
      import imaplib

      def fetch(host):
          m = imaplib.IMAP4_SSL(host)
          try:
              return m.select("INBOX")
          finally:
              m.logout()`;
    assert.deepEqual(await lines(src, 'python', 'resource-without-context', 'mail.py'), []);
  });

  it('a finally that only logs leaves the raise with it open: a leak', async () => {
    assert.deepEqual(await lines(SEND('log.debug("done")'), 'python', 'resource-without-context', 'smtp.py'), [4]);
  });
});

describe('resource-without-context: a loop that takes objects out of a container and joins them', () => {
  const STOP = (take: string) => code`
    def stop(self):
        while self._workers:
            worker = ${take}
            worker.join()`;

  it('worker = workers.pop() / queue.get(): made before the loop, joined once each, no finding', async () => {
    for (const take of ['self._workers.pop()', 'self._queue.get()', 'self._workers.popleft()'])
      assert.deepEqual(await lines(STOP(take), 'python', 'resource-without-context', 'handler.py'), [], take);
  });

  it('a thread made and joined on every iteration is still reported', async () => {
    assert.deepEqual(
      await lines(STOP('threading.Thread(target=self._run)'), 'python', 'resource-without-context', 'handler.py'),
      [3],
    );
  });
});
