/**
 * Ledger updates in one process go one at a time (issue 17 §2).
 *
 * FIXED BUG (src/engine/ledger.ts LedgerStore.update): read, change, then a compare-and-swap write
 * whose hash check and rename are separated by an await: two updates at once in the agent could
 * both pass the check, and the second rename dropped the first's change (or gave up with
 * CONCURRENT after five tries).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LedgerStore } from '../../src/engine/ledger.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { join } from 'node:path';

let h: TempHome;
beforeEach(() => {
  h = tempHome();
});
afterEach(() => h.cleanup());

it('30 concurrent updates in one process: none lost, none refused', async () => {
  const store = new LedgerStore(join(h.home, 'state'));
  const results = await Promise.allSettled(
    Array.from({ length: 30 }, (_, i) =>
      store.update((l) => {
        l.backups[`/f${i}`] = `sha256:${i}`;
      }),
    ),
  );
  expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  expect(Object.keys((await store.load()).backups).length).toBe(30);
});

it('an update whose change throws is refused alone; the others of its batch are written', async () => {
  const store = new LedgerStore(join(h.home, 'state'));
  const results = await Promise.allSettled([
    store.update((l) => {
      l.backups['/a'] = 'sha256:a';
    }),
    store.update((l) => {
      l.backups['/half'] = 'sha256:half';
      throw new Error('boom');
    }),
    store.update((l) => {
      l.backups['/b'] = 'sha256:b';
    }),
  ]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((results[1] as PromiseRejectedResult).reason.message).toBe('boom');
  expect(Object.keys((await store.load()).backups).sort()).toEqual(['/a', '/b']);
});
