// Drives `easel serve`'s POST /v1/images/generations with the official `openai` npm package, unchanged
// except for baseURL, and its POST /v1/images/variations (client.images.createVariation).
// Usage: node openai_sdk_generate.cjs BASE_URL API_KEY MODEL IMAGE; exits non-zero on any failure.
// The package comes from scripts/install-test-clients.sh (NODE_PATH points at its node_modules).
'use strict';
const assert = require('assert');
const fs = require('fs');
const OpenAI = require('openai');
const { toFile } = require('openai');

async function main() {
  const [baseURL, apiKey, model, imagePath] = process.argv.slice(2);
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

  // Streaming: partial images (the engine's previews), then the completed image with usage.
  const stream = await client.images.generate({ ...request, steps: 6, stream: true, partial_images: 2 });
  const types = [];
  let completed = null;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'image_generation.completed') completed = event;
  }
  assert.deepStrictEqual(types, ['image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed']);
  assert.strictEqual(completed.size, '64x64');
  assert.ok(completed.usage.total_tokens > 0, 'the completed event carries usage');
  assert.deepStrictEqual([...Buffer.from(completed.b64_json, 'base64').subarray(1, 4)], [0x50, 0x4e, 0x47]);

  // Variations as dall-e-2 takes them; seed and steps are Easel extensions passed through.
  const variations = await client.images.createVariation({
    image: await toFile(fs.readFileSync(imagePath), 'small.png', { type: 'image/png' }), model, n: 2, seed: 4, steps: 2,
  });
  assert.strictEqual(variations.data.length, 2);
  assert.notStrictEqual(variations.data[0].b64_json, variations.data[1].b64_json, 'seeds 4 and 5 give different images');
  assert.deepStrictEqual(variations.easel.seeds, [4, 5]);

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
