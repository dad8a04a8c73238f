import type { Config } from '../config/load.js';
import { type BackendChoice, configuredBackend } from '../storage/registry.js';
import { configuredWorkers, defaultWorkers, localDatabaseHost, type WorkerCount } from './default-workers.js';

/**
 * How many processes serve each of `ports` ports, and why: `workers` as the file sets it, else what this machine
 * fits, less a core for the backend's database server when one runs on this machine (default-workers.ts), shared
 * among the ports.
 */
export function servingProcesses(config: Pick<Config, 'workers'> & BackendChoice, ports = 1): WorkerCount {
  const machine = defaultWorkers({ localDatabase: localDatabaseHost(configuredBackend(config).databaseHosts) });
  const fitting =
    ports === 1
      ? machine
      : { count: Math.max(1, Math.floor(machine.count / ports)), reason: `${machine.reason}, shared by ${ports} ports` };
  return config.workers === undefined ? fitting : configuredWorkers(config.workers, fitting);
}
