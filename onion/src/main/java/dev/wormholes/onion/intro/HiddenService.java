package dev.wormholes.onion.intro;

import dev.wormholes.onion.circuit.Hop;
import dev.wormholes.onion.circuit.OnionEvent;
import dev.wormholes.onion.crypto.Cgo;
import dev.wormholes.onion.crypto.RelayCrypto;
import dev.wormholes.onion.handshake.Extensions;
import dev.wormholes.onion.handshake.HandshakeResult;
import dev.wormholes.onion.handshake.NtorV3;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.TokenBucket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The hidden-service role of {@link Introductions}: circuits to introduction points, each with its
 * own auth key (Ed25519, signs ESTABLISH_INTRO, the ntor-v3 ID of introductions through it) and
 * encryption key (X25519, the ntor-v3 onion key B clients encrypt their INTRODUCE to); INTRODUCE2
 * checked (the intro's keys younger than {@code introLifetimeMs}, the handshake budget, the
 * handshake, the replay cache) and answered by a rendezvous: the driver builds a circuit to the
 * named point, {@link #rendezvous} sends RENDEZVOUS1 on it with the ntor-v3 reply and adds the
 * end-to-end layer ({@link #endToEnd}: this side holds the relay half of the client's layer).
 *
 * <p>The replay cache holds each accepted introduction's client key X for {@code introLifetimeMs},
 * the lifetime of the keys it was made for: a replay within it is refused, one after it fails on
 * retired keys. When the cache is full of live entries introductions are refused, never evicted.
 */
public final class HiddenService {
  /** The keys a client needs to introduce itself through one intro point. */
  public record IntroKeys(NodeId introPoint, byte[] authKey, byte[] encryptionKey) {}

  private static final class Intro {
    final Identity auth;
    final NtorV3.OnionKeyPair encryption;
    final NodeId introPoint;
    final int lastHop;
    final long establishedAt;
    boolean established;

    Intro(Identity auth, NtorV3.OnionKeyPair encryption, NodeId introPoint, int lastHop, long establishedAt) {
      this.auth = auth;
      this.encryption = encryption;
      this.introPoint = introPoint;
      this.lastHop = lastHop;
      this.establishedAt = establishedAt;
    }
  }

  private record Pending(Hop rendezvousPoint, byte[] cookie, byte[] reply, byte[] seed, long at) {}

  private static final byte[] CGO_EXTENSIONS = Extensions.cgo();

  private final Introductions intros;
  private final IntroConfig config;
  private final RandomGenerator random;
  private final Map<Long, Intro> byCircuit = new HashMap<>();
  private final LinkedHashMap<ByteBuffer, Long> replay = new LinkedHashMap<>();
  private final LinkedHashMap<Long, Pending> pending = new LinkedHashMap<>();
  private TokenBucket budget;
  private long nextRequest = 1;

  HiddenService(Introductions intros, IntroConfig config, RandomGenerator random) {
    this.intros = intros;
    this.config = config;
    this.random = random;
  }

  /**
   * Make {@code circuit} (built here, {@code lastHop} its last hop's index, that hop {@code
   * introPoint}) an introduction circuit with keys from {@code authSeed} and {@code encryptionSecret}
   * (32 fresh random bytes each); send ESTABLISH_INTRO. Return the keys to publish, or null if the
   * circuit cannot send.
   */
  public IntroKeys establish(long circuit, int lastHop, NodeId introPoint, byte[] authSeed, byte[] encryptionSecret,
      long now) {
    Identity auth = Identity.fromSeed(authSeed);
    NtorV3.OnionKeyPair enc = NtorV3.OnionKeyPair.of(encryptionSecret);
    if (!intros.send(circuit, IntroMessages.ESTABLISH_INTRO, IntroMessages.establishIntro(auth, introPoint.toBytes()))) {
      return null;
    }
    byCircuit.put(circuit, new Intro(auth, enc, introPoint, lastHop, now));
    return new IntroKeys(introPoint, auth.publicKey(), enc.publicKey());
  }

  /** Return the keys of the intro points that answered INTRO_ESTABLISHED and are younger than the lifetime. */
  public List<IntroKeys> established(long now) {
    return byCircuit.values().stream()
        .filter(i -> i.established && now - i.establishedAt < config.introLifetimeMs())
        .map(i -> new IntroKeys(i.introPoint, i.auth.publicKey(), i.encryption.publicKey())).toList();
  }

  void handle(OnionEvent.Data d, long now) {
    Intro intro = byCircuit.get(d.circuit());
    if (intro == null || d.fromHop() != intro.lastHop) {
      intros.refuse(d.circuit(), IntroRefusal.UNEXPECTED);
      return;
    }
    if (d.command() == IntroMessages.INTRO_ESTABLISHED) {
      if (intro.established || d.data().length != 0) {
        intros.refuse(d.circuit(), IntroRefusal.UNEXPECTED);
        return;
      }
      intro.established = true;
      intros.event(new IntroEvent.IntroEstablished(d.circuit()));
      return;
    }
    introduce2(intro, d.data(), now);
  }

  private void introduce2(Intro intro, byte[] body, long now) {
    if (now - intro.establishedAt >= config.introLifetimeMs()) {
      intros.count(IntroRefusal.INTRO_EXPIRED);
      return;
    }
    IntroMessages.Keyed k = IntroMessages.keyed(body);
    if (k == null || !Arrays.equals(k.authKey(), intro.auth.publicKey())) {
      intros.count(IntroRefusal.MALFORMED);
      return;
    }
    expire(now);
    if (replay.size() >= config.maxReplayEntries() || pending.size() >= config.maxPending()) {
      intros.count(IntroRefusal.SERVICE_FULL);
      return;
    }
    if (budget == null) {
      budget = new TokenBucket(config.servicePerSecond(), config.serviceBurst(), now);
    }
    if (!budget.tryTake(1, now)) {
      intros.count(IntroRefusal.SERVICE_BUDGET);
      return;
    }
    HandshakeResult<NtorV3.ServerAccept> accepted = NtorV3.serverAccept(intro.auth.publicKey(),
        List.of(intro.encryption), k.rest(), IntroMessages.VERIFICATION);
    IntroMessages.RendezvousInfo info = accepted instanceof HandshakeResult.Ok<NtorV3.ServerAccept> ok
        ? IntroMessages.rendezvousInfo(ok.value().clientMessage()) : null;
    if (info == null) {
      intros.count(IntroRefusal.HANDSHAKE_FAILED);
      return;
    }
    // X: after ID and B in the onionskin; a MAC-checked onionskin repeats only if replayed.
    ByteBuffer x = ByteBuffer.wrap(Arrays.copyOfRange(k.rest(), 2 * NtorV3.KEY_BYTES, 3 * NtorV3.KEY_BYTES));
    if (replay.containsKey(x)) {
      intros.count(IntroRefusal.REPLAY);
      return;
    }
    Hop rp;
    try {
      rp = new Hop(info.identityKey(), info.onionKey());
    } catch (IllegalArgumentException e) {
      intros.count(IntroRefusal.MALFORMED);
      return;
    }
    byte[] y = new byte[NtorV3.KEY_BYTES];
    random.nextBytes(y);
    HandshakeResult<NtorV3.ServerReply> replied = NtorV3.serverReply(
        ((HandshakeResult.Ok<NtorV3.ServerAccept>) accepted).value().state(), y, CGO_EXTENSIONS,
        IntroMessages.VERIFICATION);
    if (!(replied instanceof HandshakeResult.Ok<NtorV3.ServerReply> r)) {
      intros.count(IntroRefusal.HANDSHAKE_FAILED);
      return;
    }
    replay.put(x, now);
    long request = nextRequest++;
    pending.put(request, new Pending(rp, info.cookie(), r.value().reply(),
        r.value().keys().take(Cgo.SCHEME.seedBytes()), now));
    intros.event(new IntroEvent.RendezvousWanted(request, rp));
  }

  /**
   * Answer introduction {@code request} on {@code circuit} (built here, its last hop the
   * rendezvous point the request named): send RENDEZVOUS1 and add the end-to-end layer. Return
   * false if the request is unknown or expired, or the circuit cannot take it.
   */
  public boolean rendezvous(long request, long circuit, long now) {
    expire(now);
    Pending p = pending.remove(request);
    if (p == null || !intros.send(circuit, IntroMessages.RENDEZVOUS1, IntroMessages.cookied(p.cookie(), p.reply()))) {
      return false;
    }
    if (!intros.engine().addEndToEnd(circuit, endToEnd(Cgo.SCHEME.relay(p.seed())))) {
      intros.engine().close(circuit);
      return false;
    }
    intros.event(new IntroEvent.Rendezvoused(circuit, true));
    return true;
  }

  /** Give up introduction {@code request} (its circuit could not be built). */
  public void abandon(long request) {
    pending.remove(request);
  }

  void circuitGone(long circuit) {
    byCircuit.remove(circuit);
  }

  private void expire(long now) {
    for (Iterator<Long> it = replay.values().iterator(); it.hasNext(); ) {
      if (now - it.next() < config.introLifetimeMs()) {
        break;
      }
      it.remove();
    }
    for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
      if (now - it.next().at() < config.rendezvousTimeoutMs()) {
        break;
      }
      it.remove();
    }
  }

  /**
   * The service's end-to-end layer as the last "hop" of its own circuit: the relay half of the
   * layer whose client half the client holds. Cells to the client are this relay layer's inbound
   * originations; cells from the client are recognised by its outbound half.
   */
  static RelayCrypto.ClientLayer endToEnd(RelayCrypto.RelayLayer relay) {
    return new RelayCrypto.ClientLayer(new RelayCrypto.OutboundClientLayer() {
      @Override
      public void originate(int cmd, byte[] body) {
        relay.inbound().originate(cmd, body);
      }

      @Override
      public void encryptOutbound(int cmd, byte[] body) {
        throw new IllegalStateException("the end-to-end layer is the last");
      }
    }, (cmd, body) -> relay.outbound().decryptOutbound(cmd, body));
  }
}
