/**
 * Prometheus metrics of a running node ({@code wormholed --metrics HOST:PORT}): Micrometer meters
 * that read the counters the runtime, the DHT engine, the NAT agent and the path finder already
 * keep, served as Prometheus text at {@code /metrics} on a loopback address.
 */
package dev.wormholes.node.metrics;
