import { browserEnvironment } from '../../../client/src/environment.js';

/** The adapter over the real globals, where Node has them too (BroadcastChannel, timers, fetch). */

test('a message crosses a real BroadcastChannel to the other channel of that name, as a copy', async () => {
  const environment = browserEnvironment();
  const sender = environment.openChannel('browser-environment-test')!;
  const receiver = environment.openChannel('browser-environment-test')!;
  try {
    const message = { type: 'logged-out', reason: 'logout' };
    const received = new Promise((resolve) => receiver.onMessage(resolve));
    sender.postMessage(message);

    const copy = await received;
    expect(copy).toEqual(message);
    expect(copy).not.toBe(message);
  } finally {
    sender.close();
    receiver.close();
  }
});

test('a cancelled timer does not fire; the next one does', async () => {
  const environment = browserEnvironment();
  const fired: string[] = [];
  environment.setTimer(() => fired.push('cancelled'), 0)();
  await new Promise((resolve) => environment.setTimer(() => resolve(fired.push('kept')), 1));
  expect(fired).toEqual(['kept']);
});
