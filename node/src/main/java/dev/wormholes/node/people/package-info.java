/**
 * People in the daemon: the node's persona, its contacts and invites (the pure rules are in the
 * {@code people} module), the approval gate of exposed services, and petnames in {@code .wh}
 * names. {@link dev.wormholes.node.people.People} owns the state; {@link
 * dev.wormholes.node.people.ApprovalGate} is what the stream transport asks.
 */
package dev.wormholes.node.people;
