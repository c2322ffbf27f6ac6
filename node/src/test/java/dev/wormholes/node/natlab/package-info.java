/**
 * Issue 4's NAT lab matrix with real {@code wormholed} processes: {@link
 * dev.wormholes.node.natlab.WormholedNatLabTest} builds one lab with nat/lab/natlab.sh ({@link
 * dev.wormholes.node.natlab.LabNet}), runs a daemon in every host ({@link
 * dev.wormholes.node.natlab.LabDaemon}) and asserts, per pair of NAT types, the path type {@code
 * wormholes ping} reports and that authenticated data flows both ways over it; {@link
 * dev.wormholes.node.natlab.MatrixReport} prints the table.
 */
package dev.wormholes.node.natlab;
