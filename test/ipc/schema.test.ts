import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/ipc/schema.ts';
import { MAX_SOCKET_PATH_BYTES, SHORT_SOCKET_DIR_FILE, socketLocation } from '../../src/home/paths.ts';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from '../helpers/home.ts';

describe('socketLocation', () => {
  it('Linux: $XDG_RUNTIME_DIR/gwctl/', () => {
    expect(socketLocation({ home: '/home/a', env: { XDG_RUNTIME_DIR: '/run/user/1000' }, platform: 'linux', uid: 1000 })).toEqual({
      dir: '/run/user/1000/gwctl',
      path: '/run/user/1000/gwctl/agent.sock',
    });
  });

  it('Linux without XDG_RUNTIME_DIR: the state dir (~/.local/state/gwctl/, or $XDG_STATE_HOME/gwctl/)', () => {
    expect(socketLocation({ home: '/home/a', env: {}, platform: 'linux' }).path).toBe('/home/a/.local/state/gwctl/agent.sock');
    expect(socketLocation({ home: '/home/a', env: { XDG_STATE_HOME: '/x/state' }, platform: 'linux' }).path).toBe('/x/state/gwctl/agent.sock');
    // Relative XDG values are invalid by the spec and ignored.
    expect(socketLocation({ home: '/home/a', env: { XDG_RUNTIME_DIR: 'run' }, platform: 'linux' }).path).toBe('/home/a/.local/state/gwctl/agent.sock');
  });

  it('macOS: ~/Library/Application Support/gwctl/ whatever TMPDIR or XDG say', () => {
    expect(socketLocation({ home: '/Users/a', env: { XDG_RUNTIME_DIR: '/run/x', TMPDIR: '/var/folders/x' }, platform: 'darwin' }).path).toBe(
      '/Users/a/Library/Application Support/gwctl/agent.sock',
    );
  });

  it('a path over 103 bytes falls back to a short dir named in a file only the user can read, and says why', () => {
    // Not /tmp/gwctl-<uid>: another local user could create that first and block the agent.
    const h = tempHome();
    try {
      const home = join(h.home, 'x'.repeat(90));
      const before = socketLocation({ home, env: {}, platform: 'darwin', uid: 501 });
      expect(before.pending).toBe(true); // no agent has chosen one: nothing answers
      expect(before.fallbackReason).toMatch(/longer than 103 bytes/);
      const loc = socketLocation({ home, env: {}, platform: 'darwin', uid: 501, create: true });
      expect(loc.dir).toMatch(/^\/tmp\/gwctl-501-[0-9a-f]{16}$/);
      expect(loc.path).toBe(`${loc.dir}/agent.sock`);
      expect(loc.fallbackReason).toMatch(/longer than 103 bytes/);
      // Clients find the same one; the name is kept owner-only.
      expect(socketLocation({ home, env: {}, platform: 'darwin', uid: 501 })).toEqual(loc);
      const pointer = join(home, 'Library', 'Application Support', 'gwctl', SHORT_SOCKET_DIR_FILE);
      expect(statSync(pointer).mode & 0o777).toBe(0o600);
      expect(statSync(join(pointer, '..')).mode & 0o777).toBe(0o700);
      // Each user's home picks its own.
      const other = socketLocation({ home: join(h.home, 'y'.repeat(90)), env: {}, platform: 'darwin', uid: 501, create: true });
      expect(other.dir).not.toBe(loc.dir);
    } finally {
      h.cleanup();
    }
    const ok = socketLocation({
      home: '/home/a',
      env: { XDG_RUNTIME_DIR: '/r/' + 'y'.repeat(MAX_SOCKET_PATH_BYTES - '/r//gwctl/agent.sock'.length) },
      platform: 'linux',
    });
    expect(Buffer.byteLength(ok.path)).toBe(MAX_SOCKET_PATH_BYTES);
    expect(ok.fallbackReason).toBeUndefined();
  });
});

describe('parseRequest', () => {
  it('accepts a known method with an id', () => {
    expect(parseRequest({ id: 3, method: 'status', params: { tools: [] } })).toEqual({ id: 3, method: 'status', params: { tools: [] } });
    expect(parseRequest({ id: 4, method: 'hello' })).toEqual({ id: 4, method: 'hello', params: {} });
  });

  it.each([
    [null, null, /object/],
    [[1], null, /object/],
    [{ method: 'hello' }, null, /numeric id/],
    [{ id: 1.5, method: 'hello' }, null, /numeric id/],
    [{ id: 2, method: 'rm -rf' }, 2, /unknown method/],
    [{ id: 2, method: 'constructor' }, 2, /unknown method/],
    [{ id: 2, method: 'status', params: [1] }, 2, /params must be an object/],
  ])('rejects %j', (data, id, msg) => {
    const r = parseRequest(data);
    expect('error' in r && r.error).toMatch(msg);
    expect(r.id).toBe(id);
  });
});
