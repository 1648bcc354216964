import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/ipc/schema.ts';
import { MAX_SOCKET_PATH_BYTES, socketLocation } from '../../src/home/paths.ts';

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
    expect(socketLocation({ home: '/Users/a', env: { XDG_RUNTIME_DIR: '/run/x', TMPDIR: '/var/folders/x' }, platform: 'darwin' }).path).toBe('/Users/a/Library/Application Support/gwctl/agent.sock');
  });

  it('a path over 103 bytes falls back to /tmp/gwctl-<uid>/ and says why', () => {
    const home = '/home/' + 'x'.repeat(90);
    const loc = socketLocation({ home, env: {}, platform: 'darwin', uid: 501 });
    expect(loc.path).toBe('/tmp/gwctl-501/agent.sock');
    expect(loc.fallbackReason).toMatch(/longer than 103 bytes/);
    const ok = socketLocation({ home: '/home/a', env: { XDG_RUNTIME_DIR: '/r/' + 'y'.repeat(MAX_SOCKET_PATH_BYTES - '/r//gwctl/agent.sock'.length) }, platform: 'linux' });
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
