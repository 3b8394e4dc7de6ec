import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { LuaScript } from '@app/redis';
import { deleteRedisKeys, withRedis } from '../support/fixtures';
import { useRedisService } from '../support/services';

// Scripts go by SHA1, and in full only when Redis does not know them: against the real Redis, after a SCRIPT FLUSH.
const redis = useRedisService();

test('a script Redis does not know is sent in full once, then called by its SHA1', async () => {
  const client = (await redis()).client;
  const script = new LuaScript(`redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1]) .. '-${randomUUID()}'`);
  const key = `bwc:it-lua-${randomUUID()}`;
  try {
    await client.script('FLUSH');
    assert.deepEqual(await client.script('EXISTS', script.sha), [0]);
    assert.match(await script.run<string>(client, [key], ['one']), /^one-/);
    assert.deepEqual(await client.script('EXISTS', script.sha), [1], 'the full text loaded it');
    assert.match(await script.run<string>(client, [key], ['two']), /^two-/);
    assert.equal(await withRedis((c) => c.get(key)), 'two');
  } finally {
    await deleteRedisKeys([key]);
  }
});

test("a script's own error is thrown as it is, not retried as a missing script", async () => {
  const client = (await redis()).client;
  const script = new LuaScript(`return redis.error_reply('BOOM ${randomUUID()}')`);
  await script.run(client, []).catch(() => undefined); // loaded now
  await assert.rejects(script.run(client, []), /BOOM/);
});
