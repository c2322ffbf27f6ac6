package dev.wormholes.onion.intro;

import dev.wormholes.onion.circuit.Hop;
import dev.wormholes.onion.circuit.OnionEvent;
import dev.wormholes.onion.crypto.Cgo;
import dev.wormholes.onion.handshake.Extensions;
import dev.wormholes.onion.handshake.HandshakeResult;
import dev.wormholes.onion.handshake.NtorV3;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The client role of {@link Introductions}: a circuit to a rendezvous point holding a random
 * cookie ({@link #establishRendezvous}), then an INTRODUCE1 on a circuit to one of the service's
 * intro points ({@link #introduce}) carrying an ntor-v3 onionskin to that intro's encryption key
 * whose client message names the rendezvous point and cookie; RENDEZVOUS2 carries the service's
 * reply, and a verified reply adds the end-to-end layer to the rendezvous circuit.
 */
public final class IntroClient {
  private static final class Rendezvous {
    final Hop point;
    final int lastHop;
    final byte[] cookie;
    boolean ready;
    NtorV3.ClientState handshake;
    long introCircuit;

    Rendezvous(Hop point, int lastHop, byte[] cookie) {
      this.point = point;
      this.lastHop = lastHop;
      this.cookie = cookie;
    }
  }

  private final Introductions intros;
  private final RandomGenerator random;
  private final Map<Long, Rendezvous> rendezvous = new HashMap<>();
  /** Intro circuit to (its last hop's index, the rendezvous circuit). */
  private final Map<Long, long[]> introducing = new HashMap<>();

  IntroClient(Introductions intros, RandomGenerator random) {
    this.intros = intros;
    this.random = random;
  }

  /**
   * Make {@code circuit} (built here; its last hop, index {@code lastHop}, is {@code point}) wait
   * at the rendezvous point: send ESTABLISH_RENDEZVOUS with a fresh cookie. Return false if the
   * circuit cannot send.
   */
  public boolean establishRendezvous(long circuit, int lastHop, Hop point) {
    byte[] cookie = new byte[IntroMessages.COOKIE_BYTES];
    random.nextBytes(cookie);
    if (rendezvous.containsKey(circuit) || !intros.send(circuit, IntroMessages.ESTABLISH_RENDEZVOUS, cookie)) {
      return false;
    }
    rendezvous.put(circuit, new Rendezvous(point, lastHop, cookie));
    return true;
  }

  /**
   * Introduce this client on {@code introCircuit} (built here, its last hop, index {@code
   * introLastHop}, the intro point {@code keys} name) for the ready rendezvous circuit {@code
   * rendezvousCircuit}. Return false if that circuit is not ready, already introduced, or the
   * service's key is refused.
   */
  public boolean introduce(long introCircuit, int introLastHop, long rendezvousCircuit, HiddenService.IntroKeys keys) {
    Rendezvous r = rendezvous.get(rendezvousCircuit);
    if (r == null || !r.ready || r.handshake != null || introducing.containsKey(introCircuit)) {
      return false;
    }
    byte[] x = new byte[NtorV3.KEY_BYTES];
    random.nextBytes(x);
    byte[] message = IntroMessages.rendezvousInfo(
        new IntroMessages.RendezvousInfo(r.point.identityKey(), r.point.onionKey(), r.cookie));
    HandshakeResult<NtorV3.ClientStart> start = NtorV3.clientStart(
        new NtorV3.RelayKeys(keys.authKey(), keys.encryptionKey()), x, IntroMessages.VERIFICATION, message);
    if (!(start instanceof HandshakeResult.Ok<NtorV3.ClientStart> ok)
        || !intros.send(introCircuit, IntroMessages.INTRODUCE1, IntroMessages.keyed(keys.authKey(), ok.value().onionskin()))) {
      return false;
    }
    r.handshake = ok.value().state();
    r.introCircuit = introCircuit;
    introducing.put(introCircuit, new long[] {introLastHop, rendezvousCircuit});
    return true;
  }

  void handle(OnionEvent.Data d) {
    long c = d.circuit();
    if (d.command() == IntroMessages.INTRODUCE_ACK) {
      long[] in = introducing.remove(c);
      if (in == null || d.fromHop() != in[0] || d.data().length != 1) {
        intros.refuse(c, IntroRefusal.UNEXPECTED);
        return;
      }
      intros.event(new IntroEvent.IntroduceAcked(c, in[1], d.data()[0] & 0xff));
      return;
    }
    Rendezvous r = rendezvous.get(c);
    if (r == null || d.fromHop() != r.lastHop) {
      intros.refuse(c, IntroRefusal.UNEXPECTED);
      return;
    }
    if (d.command() == IntroMessages.RENDEZVOUS_ESTABLISHED) {
      if (r.ready || d.data().length != 0) {
        intros.refuse(c, IntroRefusal.UNEXPECTED);
        return;
      }
      r.ready = true;
      intros.event(new IntroEvent.RendezvousReady(c));
      return;
    }
    // RENDEZVOUS2
    if (r.handshake == null) {
      intros.refuse(c, IntroRefusal.UNEXPECTED);
      return;
    }
    rendezvous.remove(c);
    HandshakeResult<NtorV3.ClientDone> done = NtorV3.clientFinish(r.handshake, d.data(), IntroMessages.VERIFICATION);
    if (!(done instanceof HandshakeResult.Ok<NtorV3.ClientDone> ok) || !Extensions.choosesCgo(ok.value().serverMessage())
        || !intros.engine().addEndToEnd(c, Cgo.SCHEME.client(ok.value().keys().take(Cgo.SCHEME.seedBytes())))) {
      intros.refuse(c, IntroRefusal.HANDSHAKE_FAILED);
      return;
    }
    intros.event(new IntroEvent.Rendezvoused(c, false));
  }

  void circuitGone(long circuit) {
    rendezvous.remove(circuit);
    introducing.remove(circuit);
  }

  /** Return the rendezvous circuits waiting here. */
  public List<Long> waiting() {
    return List.copyOf(rendezvous.keySet());
  }
}
