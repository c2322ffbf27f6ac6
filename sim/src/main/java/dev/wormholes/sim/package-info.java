/**
 * wormsim: a discrete-event simulator that runs the unmodified {@code dht} engine for every node
 * in virtual time. One thread, one {@link dev.wormholes.sim.EventQueue},
 * seeded randomness: the same scenario and seed give a byte-identical report.
 */
package dev.wormholes.sim;
