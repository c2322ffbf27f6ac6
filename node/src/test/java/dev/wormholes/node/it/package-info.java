/**
 * Process-level integration tests: real {@code wormholed} processes inside a network namespace
 * that has only loopback, driven only through {@code bin/wormholes}. {@link
 * dev.wormholes.node.it.Cluster} owns the namespace, the data dirs and every process it starts;
 * {@link dev.wormholes.node.it.ClusterExtension} gives each test a fresh one and tears it down
 * (printing the daemons' logs if the test failed).
 */
package dev.wormholes.node.it;
