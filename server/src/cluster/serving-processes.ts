import type { Config } from '../config/load.js';
import { type BackendChoice, configuredBackend } from '../storage/registry.js';
import { configuredWorkers, defaultWorkers, localDatabaseHost, type WorkerCount } from './default-workers.js';

/**
 * How many processes serve the port, and why: `workers` as the file sets it, else what this machine fits, less a
 * core for the backend's database server when one runs on this machine (default-workers.ts).
 */
export function servingProcesses(config: Pick<Config, 'workers'> & BackendChoice): WorkerCount {
  const fitting = defaultWorkers({ localDatabase: localDatabaseHost(configuredBackend(config).databaseHosts) });
  return config.workers === undefined ? fitting : configuredWorkers(config.workers, fitting);
}
