/**
 * What a node keeps across restarts: its identity seed, the DHT values it holds, a routing-table
 * snapshot for rejoining without bootstrap flags, and its presence sequence counter. {@link
 * dev.wormholes.node.store.LmdbNodeStore} keeps them durably in LMDB under {@code DATA/db/};
 * {@link dev.wormholes.node.store.MemoryNodeStore} keeps them in memory for tests and benchmarks.
 * {@link dev.wormholes.node.store.DataDir} owns the data directory's files and permissions.
 */
package dev.wormholes.node.store;
