/** The socket-abuse tests, sized by the caller (short in the default run, long in test:reliability). */
import { chmodSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abuse, connectAs, modes, rapidConnections, serving, startAgent, statusLoad, type AgentUnderTest } from './socket.ts';
import { figure } from './common.ts';

export function socketAbuseTests(size: { frames: number; rapid: number; clients: number; requests: number; label: string; command: string }): void {
  let a: AgentUnderTest;
  beforeAll(async () => {
    a = await startAgent();
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
  });

  describe(`socket abuse (${size.label})`, () => {
    it('another uid cannot connect: socket dir 0700 and socket owned by the agent user', () => {
      const m = modes(a);
      const root = process.getuid?.() === 0;
      const asNobody = root ? connectAs(65534, a.loc.path) : 'not root: skipped';
      // Second layer: with the directory opened up, the socket's own mode still refuses.
      chmodSync(a.loc.dir, 0o755);
      let dirOpen: string;
      try {
        dirOpen = root ? connectAs(65534, a.loc.path) : 'not root: skipped';
      } finally {
        chmodSync(a.loc.dir, 0o700);
      }
      figure({
        row: `socket permissions (${size.label})`,
        tried: 'connect as uid 65534 (nobody) to the agent socket; HOME and runtime dir left 0755',
        count: 1,
        lost: asNobody === 'connected' ? 'CONNECTED' : `refused (${asNobody})`,
        detail: { ...m, asNobody, withDirOpened: dirOpen },
        command: size.command,
      });
      expect(m.dir).toBe('700');
      expect(m.dirUid).toBe(process.getuid?.());
      expect(m.socketUid).toBe(process.getuid?.());
      // connect(2) needs write permission on the socket: nobody but the owner may have it.
      expect(Number.parseInt(m.socket, 8) & 0o022).toBe(0);
      if (root) {
        expect(asNobody).toBe('EACCES');
        expect(dirOpen).toBe('EACCES');
      }
    });

    it(`${size.frames} hostile frames (unknown events and methods, oversized, invalid JSON, random bytes) leave it serving`, async () => {
      const s = await abuse(a, size.frames);
      figure({
        row: `socket hostile frames (${size.label})`,
        tried: 'unknown envelope types/methods, bad params, invalid JSON, 300 KiB and 1 MiB frames, random bytes, 20,000-deep JSON, __proto__',
        count: Object.values(s.frames).reduce((n, f) => n + f.sent, 0),
        lost: `${s.checks - s.servingAfterEach} of ${s.checks} health checks failed`,
        detail: s as unknown as Record<string, unknown>,
        command: size.command,
      });
      expect(s.servingAfterEach).toBe(s.checks);
    }, 300_000);

    it(`${size.rapid} rapid connections leave it serving`, async () => {
      const r = await rapidConnections(a, size.rapid);
      const ok = await serving(a);
      figure({
        row: `socket rapid connections (${size.label})`,
        tried: 'connections opened and dropped, 50 at a time, a third mid-frame',
        count: size.rapid,
        lost: ok ? 'nothing (still serving)' : 'NOT SERVING',
        detail: r,
        command: size.command,
      });
      expect(r.opened + r.refused).toBe(size.rapid);
      expect(ok).toBe(true);
    }, 300_000);

    it(`${size.clients} concurrent clients × ${size.requests} status requests are all answered`, async () => {
      const s = await statusLoad(a, size.clients, size.requests);
      figure({
        row: `socket status load (${size.label})`,
        tried: `${size.clients} concurrent clients × ${size.requests} status requests`,
        count: s.requests,
        lost: `${s.requests - s.answered} unanswered; p50 ${s.p50} ms, p99 ${s.p99} ms`,
        detail: s as unknown as Record<string, unknown>,
        command: size.command,
      });
      expect(s.answered).toBe(s.requests);
      expect(await serving(a)).toBe(true);
    }, 600_000);
  });
}
