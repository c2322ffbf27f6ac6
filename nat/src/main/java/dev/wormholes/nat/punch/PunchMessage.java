package dev.wormholes.nat.punch;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The datagrams of hole punching, rendezvous and NAT tests (encoded by {@link PunchCodec}). Byte
 * arrays are owned by the message once built; callers never mutate them.
 */
public sealed interface PunchMessage {

  /**
   * Node to rendezvous: keep my registration (and my NAT binding) alive.
   *
   * @param publicKey the node's Ed25519 key; its SHA-256 is the node id being registered
   * @param seq strictly increasing per key (the node's monotonic time will do): replays are refused
   * @param signature over {@link PunchCodec#REGISTER_DOMAIN} || key || seq
   */
  record Register(byte[] publicKey, long seq, byte[] signature) implements PunchMessage {}

  /** Rendezvous to node: registered; this is the address you came from. @param observed it */
  record Registered(InetSocketAddress observed) implements PunchMessage {}

  /**
   * Initiator to rendezvous (and forwarded to the target): let us punch.
   *
   * @param session random id chosen by the initiator
   * @param initiatorKey the initiator's Ed25519 key
   * @param targetId the 32-byte node id of the target
   * @param hint the initiator's NAT axes
   * @param candidates the initiator's own candidates (at most {@link PunchCodec#MAX_CANDIDATES})
   * @param signature by initiatorKey over {@link PunchCodec#CONNECT_DOMAIN} || the fields above
   * @param observedByRendezvous set by the rendezvous when forwarding: where the initiator came from
   *     (the datagram is zero-padded to {@link PunchCodec#MIN_CONNECT} bytes, more than any
   *     Accept, so that what a Connect makes the target send its initiator is never larger than
   *     the Connect)
   */
  record Connect(long session, byte[] initiatorKey, byte[] targetId, NatHint hint,
      List<Candidate> candidates, byte[] signature, InetSocketAddress observedByRendezvous)
      implements PunchMessage {}

  /**
   * Target to rendezvous (and forwarded to the initiator): agreed, here are my candidates.
   *
   * @param session the initiator's session id
   * @param responderKey the target's Ed25519 key (its SHA-256 must be the target id)
   * @param initiatorId the initiator's node id, for routing back
   * @param hint the target's NAT axes
   * @param candidates the target's own candidates
   * @param signature by responderKey over {@link PunchCodec#ACCEPT_DOMAIN} || the fields above
   * @param cookie the target's random value, echoed in {@link Sync}: it proves that the
   *     initiator received the Accept at the address it registered from (not signed)
   * @param observedByRendezvous set by the rendezvous when forwarding: where the target came from
   */
  record Accept(long session, byte[] responderKey, byte[] initiatorId, NatHint hint,
      List<Candidate> candidates, byte[] signature, long cookie, InetSocketAddress observedByRendezvous)
      implements PunchMessage {}

  /**
   * Initiator to rendezvous to target: start probing now (the initiator starts half an RTT later).
   *
   * @param session the session id
   * @param targetId where the rendezvous routes it
   * @param cookie the Accept's cookie: the target trusts the initiator's address only with it
   */
  record Sync(long session, byte[] targetId, long cookie) implements PunchMessage {}

  /**
   * Rendezvous to initiator: cannot route.
   *
   * @param session the session id
   * @param reason why
   */
  record Refused(long session, int reason) implements PunchMessage {}

  /**
   * A punch probe, sent directly.
   *
   * @param session the session id
   * @param nonce the sender's fresh random nonce for this session
   * @param signature by the sender's key over {@link PunchCodec#PROBE_DOMAIN} || session || nonce
   */
  record Probe(long session, long nonce, byte[] signature) implements PunchMessage {}

  /**
   * The answer to a probe: proves that the holder of the key received our nonce at this address.
   *
   * @param session the session id
   * @param echoedNonce the nonce of the probe answered
   * @param signature by the answerer's key over {@link PunchCodec#ACK_DOMAIN} || session || nonce
   */
  record ProbeAck(long session, long echoedNonce, byte[] signature) implements PunchMessage {}

  /**
   * Ask a reflector for our observed address (padded to {@link PunchCodec#MIN_OBSERVE} bytes so
   * that the reply is never larger: no amplification).
   *
   * @param txid echoed in the reply
   */
  record Observe(long txid) implements PunchMessage {}

  /**
   * A reflector's answer.
   *
   * @param txid the request's
   * @param observed the source address the request came from
   */
  record Observed(long txid, InetSocketAddress observed) implements PunchMessage {}

  /**
   * Ask for a dial-back to our own observed address ({@link dev.wormholes.nat.DialBackRule}).
   *
   * @param nonce to carry in the dial-back
   * @param fromOtherHost whether a helper at another IP should send it (else: our reflector, from
   *     another port)
   * @param target the address the requester believes it has; must equal its observed source
   */
  record DialBackRequest(long nonce, boolean fromOtherHost, InetSocketAddress target)
      implements PunchMessage {}

  /**
   * Reflector to trusted helper: send a dial-back to target (already checked by the reflector).
   *
   * @param nonce to carry
   * @param target the requester's observed address
   */
  record DialBackOrder(long nonce, InetSocketAddress target) implements PunchMessage {}

  /** The dial-back itself. @param nonce the requester's nonce */
  record DialBack(long nonce) implements PunchMessage {}
}
