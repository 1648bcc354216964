/** Redaction by value (issue 18 §1): a key gwctl handled is masked whatever it looks like. */
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import type { KeySource } from '../../src/gateway/types.ts';
import { request } from '../../src/gateway/http.ts';
import { clearSecrets, redact, registerSecret } from '../../src/shared/redact.ts';
import { startGateway } from '../helpers/gateway.ts';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from '../helpers/home.ts';

afterEach(() => clearSecrets());

describe('redact', () => {
  it('masks a registered secret with no known prefix, anywhere in the text', () => {
    const key = 'Zq9x7Tt0pLm4Kk2v';
    expect(redact(`the gateway said: bad key ${key}!`)).toContain(key);
    registerSecret(key);
    expect(redact(`the gateway said: bad key ${key}!`)).toBe('the gateway said: bad key …redacted!');
  });

  it('still masks token-shaped text it never saw', () => {
    expect(redact('key sk-abcdef123456 refused')).toBe('key sk-…redacted refused');
  });

  it('a header value the HTTP client cannot send is not quoted in the error', async () => {
    const gw = await startGateway();
    try {
      const bad = 'Zq9x7Tt0pLm4\r\nX-Evil: 1';
      const err = await request(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${bad}` } }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).not.toContain('Zq9x7Tt0pLm4');
      expect(redact(`echo: ${bad}`)).not.toContain('Zq9x7Tt0pLm4');
    } finally {
      await gw.close();
    }
  });
});

describe('the engine checks outside strings again before planning', () => {
  it('a KeySource handing over an unsafe key or model id gets nothing written', async () => {
    const h = tempHome();
    try {
      mkdirSync(join(h.home, '.codex'));
      const make = (key: string, models: string[]): KeySource => ({
        health: async () => undefined,
        models: async () => models,
        acquire: async () => ({ key, ref: { kind: 'static' } }),
        release: async () => undefined,
      });
      const gateway = {
        kind: 'static',
        root: 'http://127.0.0.1:9',
        baseUrl: { anthropic: 'http://127.0.0.1:9', openai: 'http://127.0.0.1:9/v1', gemini: 'http://127.0.0.1:9' },
        providerId: 'servbay',
        displayName: 'AI Gateway',
      };
      for (const [key, models] of [
        ['{file:/etc/hostname}', ['gpt-4o']],
        ['sk-good-key-0123', ['{env:HOME}']],
        ['sk-good-key-0123', ['ok', 'a\u001bb']],
      ] as const) {
        const engine = new Engine({ home: h.home, env: h.env, stateDir: join(h.home, 'state'), gateway, keys: make(key, [...models]) });
        await expect(engine.takeover('codex')).rejects.toThrow(/the gateway at http:\/\/127\.0\.0\.1:9 gave a (key|model id) gwctl will not write/);
        expect(readdirSync(join(h.home, '.codex'))).toEqual([]);
      }
    } finally {
      h.cleanup();
    }
  });
});
