import { describe, expect, it } from 'vitest';
import { defaultWorkers } from '../../src/cluster/default-workers.js';
import { servingProcesses } from '../../src/cluster/serving-processes.js';
import { configFrom } from '../../src/config/load.js';

describe('the processes that serve the port', () => {
  it("workers defaults to what this process's cgroup allows, and says why", () => {
    expect(servingProcesses(configFrom({}))).toMatchObject({ count: defaultWorkers().count, reason: defaultWorkers().reason });
    expect(servingProcesses(configFrom({ workers: 3 }))).toMatchObject({
      count: 3,
      reason: 'workers is set in the configuration',
    });
  });

  it('the default workers leave one core to a Cassandra node on this machine, and only then', () => {
    const onThisMachine = servingProcesses(configFrom({ cassandra: { hosts: ['10.64.0.1', '127.0.0.1'] } }));
    const expected = defaultWorkers({ localDatabase: '127.0.0.1' });
    expect(onThisMachine).toMatchObject({ count: expected.count, reason: expected.reason });
    expect(servingProcesses(configFrom({ cassandra: { hosts: ['10.64.0.1'] } })).reason).toBe(defaultWorkers().reason);
    expect(servingProcesses(configFrom({ cassandra: { hosts: ['127.0.0.1'] }, workers: 2 })).count).toBe(2);
  });

  it('workers set above what this machine fits keep the count this machine fits, for a warning; at or below it, nothing', () => {
    const fitting = defaultWorkers({ localDatabase: '127.0.0.1' });
    const local = { cassandra: { hosts: ['127.0.0.1'] } };
    expect(servingProcesses(configFrom({ ...local, workers: fitting.count + 1 })).fits).toEqual(fitting);
    expect(servingProcesses(configFrom({ ...local, workers: fitting.count })).fits).toBeUndefined();
    expect(servingProcesses(configFrom({ workers: defaultWorkers().count + 1 })).fits).toEqual(defaultWorkers());
    expect(servingProcesses(configFrom({})).fits).toBeUndefined();
  });

  it("the default workers share the machine among the ports, at least one each; workers set is each port's", () => {
    const machine = defaultWorkers();
    expect(servingProcesses(configFrom({}), 2)).toEqual({
      count: Math.max(1, Math.floor(machine.count / 2)),
      reason: `${machine.reason}, shared by 2 ports`,
    });
    expect(servingProcesses(configFrom({}), machine.count + 1).count).toBe(1);
    expect(servingProcesses(configFrom({ workers: 2 }), 2).count).toBe(2);
    expect(servingProcesses(configFrom({ workers: machine.count + 1 }), 2).fits?.count).toBe(
      Math.max(1, Math.floor(machine.count / 2)),
    );
  });
});
