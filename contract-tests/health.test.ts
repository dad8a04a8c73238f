import { describe, expect, it } from 'vitest';
import { send } from './harness/http.js';

describe('health', () => {
  it("/healthz answers 200 JSON with Kask's build fields", async () => {
    const response = await send('GET', '/healthz');
    expect(response.status).toBe(200);
    const body = JSON.parse(response.body.toString());
    expect(body).toMatchObject({ version: expect.any(String), build_date: expect.any(String), build_host: expect.any(String) });
  });
});
