import { type Client, type ExecutionOptions, type Host, type HostMap, policies, type types } from 'cassandra-driver';

/** What the driver knows of a keyspace's replication (its metadata has these fields; its typings omit the options). */
export interface KeyspaceReplication {
  readonly strategy: string;
  readonly strategyOptions?: Readonly<Record<string, string>>;
}

/**
 * Whether each node of `dataCentre` holds every key of a keyspace replicated as `replication`, on a cluster whose
 * nodes are in `nodeDataCentres` (one entry a node, `undefined` where the driver does not know it): no more nodes
 * than replicas, as a single node or 3 nodes at 3 replicas. NetworkTopologyStrategy places its replicas in each
 * data centre, so the nodes of `dataCentre` count (and those of no known data centre, which may be among them);
 * SimpleStrategy places them on the next nodes of the ring, whatever their data centre, so every node counts.
 * Unknown replication, transient replicas (`3/1`) and other strategies answer false.
 */
export function everyLocalNodeHoldsEveryKey(
  replication: KeyspaceReplication | undefined,
  dataCentre: string,
  nodeDataCentres: readonly (string | undefined)[],
): boolean {
  if (replication === undefined) return false;
  const options = replication.strategyOptions ?? {};
  if (/NetworkTopologyStrategy$/.test(replication.strategy)) {
    const nodes = nodeDataCentres.filter((nodeDataCentre) => nodeDataCentre === dataCentre || !nodeDataCentre).length;
    return atMost(nodes, options[dataCentre]);
  }
  if (/SimpleStrategy$/.test(replication.strategy)) return atMost(nodeDataCentres.length, options.replication_factor);
  return false;
}

/** Whether `nodes` is at most the replication factor `factor` (a whole number of replicas). */
function atMost(nodes: number, factor: string | undefined): boolean {
  const replicas = Number(factor);
  return Number.isInteger(replicas) && nodes <= replicas;
}

/** What the driver's hosts count of their own connections (public in its JavaScript, absent from its typings). */
interface HostLoad {
  /** Queries sent and not answered yet, on every connection to the host. */
  getInFlight(): number;
  /** Answers received in the last 200 to 400 ms. */
  getResponseCount(): number;
}

// NOTE: the driver's own test of a replica that has stopped answering (its DefaultLoadBalancingPolicy, for replicas
// only): queries pile up and no answer comes. A node cut off without a reset (a partition, a dead machine) stays
// "up" to the driver until its connection is closed, and round robin kept sending it a share of the queries, each
// waiting the whole query timeout. A node paused by a GC for a second or two is moved back for as long, and no
// connection is closed for it.
const stalledInFlight = 10;
const stalledAnswers = 1;

/** Whether `host` has stopped answering: queries in flight and next to no answers of late. */
export function stalled(host: HostLoad): boolean {
  return host.getInFlight() >= stalledInFlight && host.getResponseCount() <= stalledAnswers;
}

/**
 * `plan` with its stalled hosts moved to the back, in order, as long as most of its hosts answer: when most have
 * stalled, the cluster itself is slow, and moving the load around would not help.
 */
export function stalledLast<H>(plan: readonly H[], isStalled: (host: H) => boolean): readonly H[] {
  const answering = plan.filter((host) => !isStalled(host));
  if (answering.length === plan.length || answering.length <= plan.length / 2) return plan;
  return [...answering, ...plan.filter(isStalled)];
}

// NOTE: token-aware routing sends a query to a replica of its key, one hop shorter than through another node. It
// costs every query a Murmur3 hash of the key and a lookup of its replicas: 10% of the server's instructions per
// request (pinned A/B on 2 cores, mix at 64 connections, three rounds: 183-187k user instructions per request with
// it, 164-167k without). Where every local node is a replica of every key, any local node is as good, and the
// cost buys nothing.
/**
 * Queries go to the local data centre only, to a replica of their key (token-aware) unless every local node holds
 * every key of their keyspace; then round robin over the local nodes. Decided again when the keyspace's replication
 * or the cluster's nodes change. A node that has stopped answering goes last in every plan (see `stalled`).
 */
export class LocalReplicaRouting extends policies.loadBalancing.LoadBalancingPolicy {
  readonly #dataCentre: string;
  readonly #roundRobin: policies.loadBalancing.DCAwareRoundRobinPolicy;
  readonly #tokenAware: policies.loadBalancing.TokenAwarePolicy;
  #client: Client | undefined;
  #hosts: HostMap | undefined;
  // The driver replaces a keyspace's metadata object and its list of hosts when they change: a decision holds as
  // long as both are the objects it was made from.
  readonly #decisions = new Map<string, { replication: object | undefined; hosts: readonly Host[]; roundRobin: boolean }>();

  constructor(dataCentre: string) {
    super();
    this.#dataCentre = dataCentre;
    this.#roundRobin = new policies.loadBalancing.DCAwareRoundRobinPolicy(dataCentre);
    this.#tokenAware = new policies.loadBalancing.TokenAwarePolicy(this.#roundRobin);
  }

  override init(...[client, hosts, callback]: Parameters<policies.loadBalancing.LoadBalancingPolicy['init']>): void {
    this.#client = client;
    this.#hosts = hosts;
    // The token-aware policy initialises the round robin it wraps.
    this.#tokenAware.init(client, hosts, callback);
  }

  override getDistance(host: Host): types.distance {
    return this.#roundRobin.getDistance(host);
  }

  override newQueryPlan(
    keyspace: string,
    executionOptions: ExecutionOptions,
    callback: (error: Error, iterator: Iterator<Host>) => void,
  ): void {
    const target = executionOptions?.getKeyspace() ?? keyspace;
    const policy = target !== undefined && this.#roundRobinServes(target) ? this.#roundRobin : this.#tokenAware;
    policy.newQueryPlan(keyspace, executionOptions, (error, plan) => {
      if (error) return callback(error, plan);
      // The local nodes only: a handful.
      callback(
        error,
        stalledLast([...{ [Symbol.iterator]: () => plan }], (host) => stalled(host as unknown as HostLoad)).values(),
      );
    });
  }

  override getOptions(): Map<string, object> {
    return this.#tokenAware.getOptions();
  }

  #roundRobinServes(keyspace: string): boolean {
    const hosts = this.#hosts?.values() ?? [];
    const replication = this.#client?.metadata.keyspaces[keyspace] as KeyspaceReplication | undefined;
    const known = this.#decisions.get(keyspace);
    if (known !== undefined && known.replication === replication && known.hosts === hosts) return known.roundRobin;
    const roundRobin = everyLocalNodeHoldsEveryKey(
      replication,
      this.#dataCentre,
      hosts.map((host) => host.datacenter),
    );
    this.#decisions.set(keyspace, { replication, hosts, roundRobin });
    return roundRobin;
  }
}
