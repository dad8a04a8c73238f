import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/schema.js';
import { backendNames, backendSettings, defaultBackend } from '../../src/storage/registry.js';

const document = parse(readFileSync(new URL('../../../openapi/openapi.yaml', import.meta.url), 'utf8'));

describe('the storage registry', () => {
  it("names every backend /healthz may report, and only those: the document's storage.backend values", () => {
    const reported: string[] = document.components.schemas.Health.properties.storage.properties.backend.enum;
    expect([...backendNames].sort()).toEqual([...reported].sort());
  });

  it("gives each backend's section to the configuration under the backend's name", () => {
    for (const name of backendNames) expect(configSchema.shape[name]).toBe(backendSettings[name]);
    expect(configSchema.shape.storage.default).toBe(defaultBackend);
  });
});
