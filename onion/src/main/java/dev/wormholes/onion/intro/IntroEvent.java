package dev.wormholes.onion.intro;

import dev.wormholes.onion.circuit.Hop;

/** What {@link Introductions} reports to its driver. */
public sealed interface IntroEvent {

  /** Service: the introduction point on {@code circuit} took the auth key. */
  record IntroEstablished(long circuit) implements IntroEvent {}

  /**
   * Service: an introduction passed every check; build a circuit whose last hop is {@code
   * rendezvousPoint} and hand it to {@link Introductions#rendezvous} within {@code
   * IntroConfig.rendezvousTimeoutMs}.
   */
  record RendezvousWanted(long request, Hop rendezvousPoint) implements IntroEvent {}

  /** Client: the rendezvous point on {@code circuit} holds the cookie; introduce now. */
  record RendezvousReady(long circuit) implements IntroEvent {}

  /** Client: the introduction point's answer ({@code IntroMessages.ACK_*}); close the intro circuit. */
  record IntroduceAcked(long introCircuit, long rendezvousCircuit, int status) implements IntroEvent {}

  /**
   * Either end: {@code circuit} now carries the end-to-end layer (the client's circuit to the
   * rendezvous point, or the service's); streams go over it, opened by the client.
   */
  record Rendezvoused(long circuit, boolean service) implements IntroEvent {}
}
