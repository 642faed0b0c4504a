// Drives `easel serve`'s POST /v1/images/generations with the official `openai` npm package, unchanged
// except for baseURL. Usage: node openai_sdk_generate.cjs BASE_URL API_KEY MODEL; exits non-zero on any failure.
// The package comes from scripts/install-test-clients.sh (NODE_PATH points at its node_modules).
'use strict';
const assert = require('assert');
const OpenAI = require('openai');

async function main() {
  const [baseURL, apiKey, model] = process.argv.slice(2);
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });

  // `seed` and `steps` are Easel extensions; the SDK passes unknown body fields through.
  const request = { model, prompt: 'a lighthouse on a cliff at dusk', size: '64x64', seed: 7, steps: 2 };
  const generated = await client.images.generate(request);
  assert.strictEqual(generated.data.length, 1);
  const bytes = Buffer.from(generated.data[0].b64_json, 'base64');
  assert.deepStrictEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG comes back');
  assert.strictEqual(bytes.readUInt32BE(16), 64, 'PNG width');
  assert.strictEqual(bytes.readUInt32BE(20), 64, 'PNG height');
  assert.strictEqual(generated.size, '64x64');
  assert.ok(generated.usage.input_tokens > 0 && generated.usage.output_tokens > 0, 'usage is reported');
  assert.strictEqual(generated.usage.total_tokens, generated.usage.input_tokens + generated.usage.output_tokens);

  const again = await client.images.generate(request);
  assert.strictEqual(again.data[0].b64_json, generated.data[0].b64_json, 'the same seed gives the same bytes');

  // Typed errors: BadRequestError naming the param.
  await assert.rejects(
    client.images.generate({ ...request, size: '1000x1000' }),
    (error) => error instanceof OpenAI.BadRequestError && error.param === 'size' && error.status === 400);
  console.log(JSON.stringify({ ok: true, tokens: generated.usage.total_tokens }));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
