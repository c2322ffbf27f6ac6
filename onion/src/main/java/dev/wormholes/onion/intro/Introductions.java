package dev.wormholes.onion.intro;

import static dev.wormholes.onion.intro.IntroMessages.*;

import dev.wormholes.onion.cell.RelayMessage;
import dev.wormholes.onion.circuit.OnionEngine;
import dev.wormholes.onion.circuit.OnionEvent;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.TokenBucket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * One node's introductions and rendezvous over an {@link OnionEngine}'s circuits, sans I/O (time
 * arrives as {@code now}, monotonic ms; randomness from the generator handed in). Every node plays
 * the two relay roles for circuits that end at it; {@link #service} is the hidden-service role,
 * {@link #client} the client's.
 *
 * <ul>
 *   <li><b>Introduction point</b> (the last hop of a service's circuit): ESTABLISH_INTRO with a
 *       valid signature by the auth key maps that key to the circuit (a later one for the same key
 *       replaces it), answered INTRO_ESTABLISHED. INTRODUCE1 from a client circuit naming a mapped
 *       key goes to the service as INTRODUCE2 within two token buckets, one per service circuit and
 *       one overall, and is answered INTRODUCE_ACK with a status; a client circuit gets one.
 *   <li><b>Rendezvous point</b> (the last hop of a client's circuit): ESTABLISH_RENDEZVOUS holds
 *       the cookie for that circuit (within a cap overall and one per neighbour the circuits came
 *       from, so one peer's circuits cannot take them all); RENDEZVOUS1 with a held cookie from another circuit sends the
 *       reply on as RENDEZVOUS2 and splices the two circuits ({@link OnionEngine#splice}); an
 *       unknown cookie closes the circuit that sent it.
 * </ul>
 *
 * <p>Driving it: hand every {@link OnionEvent.Data} to {@link #handle} first (it returns false for
 * messages that are not its own, for the streams), every closed or failed circuit to {@link
 * #circuitGone}, and drain {@link #pollEvent} and the engine after each input. A message out of
 * its role, or one that breaks a rule, is counted ({@link #refusals}) and closes its circuit
 * unless {@link IntroRefusal} says it is answered instead.
 */
public final class Introductions {
  private final OnionEngine engine;
  private final IntroConfig config;
  /** The hidden-service role. */
  public final HiddenService service;
  /** The client role. */
  public final IntroClient client;
  private final byte[] selfId;
  private final ArrayDeque<IntroEvent> events = new ArrayDeque<>();
  private final EnumMap<IntroRefusal, Long> refusals = new EnumMap<>(IntroRefusal.class);

  // Introduction point.
  private final Map<ByteBuffer, Long> introByKey = new HashMap<>();
  private final Map<Long, ServiceCircuit> introCircuits = new HashMap<>();
  private final Set<Long> introduced = new HashSet<>();
  private TokenBucket establishBudget;
  private TokenBucket introduceBudget;
  // Rendezvous point.
  private final Map<ByteBuffer, Long> cookies = new HashMap<>();
  private final Map<Long, Held> cookieOf = new HashMap<>();
  private final Map<NodeId, Integer> cookiesFrom = new HashMap<>();

  private record ServiceCircuit(ByteBuffer authKey, TokenBucket budget) {}

  /** A cookie held for a circuit, and the neighbour that circuit came from. */
  private record Held(ByteBuffer cookie, NodeId from) {}

  /** Introductions over {@code engine}'s circuits. */
  public Introductions(OnionEngine engine, IntroConfig config, RandomGenerator random) {
    this.engine = engine;
    this.config = config;
    this.selfId = engine.self().toBytes();
    this.service = new HiddenService(this, config, random);
    this.client = new IntroClient(this, random);
  }

  /**
   * Take a relay message the engine delivered; return false if it is not an introduction or
   * rendezvous message (then it is the streams').
   */
  public boolean handle(OnionEvent.Data d, long now) {
    long c = d.circuit();
    boolean atRelay = d.fromHop() < 0;
    switch (d.command()) {
      case ESTABLISH_INTRO -> {
        if (atRelay) establishIntro(c, d.data(), now); else refuse(c, IntroRefusal.UNEXPECTED);
      }
      case INTRODUCE1 -> {
        if (atRelay) introduce1(c, d.data(), now); else refuse(c, IntroRefusal.UNEXPECTED);
      }
      case ESTABLISH_RENDEZVOUS -> {
        if (atRelay) establishRendezvous(c, d.data(), d.neighbour()); else refuse(c, IntroRefusal.UNEXPECTED);
      }
      case RENDEZVOUS1 -> {
        if (atRelay) rendezvous1(c, d.data()); else refuse(c, IntroRefusal.UNEXPECTED);
      }
      case INTRO_ESTABLISHED, INTRODUCE2 -> {
        if (atRelay) refuse(c, IntroRefusal.UNEXPECTED); else service.handle(d, now);
      }
      case RENDEZVOUS_ESTABLISHED, INTRODUCE_ACK, RENDEZVOUS2 -> {
        if (atRelay) refuse(c, IntroRefusal.UNEXPECTED); else client.handle(d);
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** A circuit closed or failed: forget what any role held for it. */
  public void circuitGone(long circuit) {
    ServiceCircuit s = introCircuits.remove(circuit);
    if (s != null) {
      introByKey.remove(s.authKey(), circuit);
    }
    introduced.remove(circuit);
    Held held = cookieOf.get(circuit);
    if (held != null) {
      cookies.remove(held.cookie(), circuit);
      release(circuit);
    }
    service.circuitGone(circuit);
    client.circuitGone(circuit);
  }

  /** Return the next event, or null. */
  public IntroEvent pollEvent() {
    return events.poll();
  }

  /** Return the refusals counted so far. */
  public Map<IntroRefusal, Long> refusals() {
    return new EnumMap<>(refusals);
  }

  /** Return how many services this node is an introduction point for and cookies it holds. */
  public int[] relayState() {
    return new int[] {introCircuits.size(), cookies.size()};
  }

  // Introduction point

  private void establishIntro(long c, byte[] body, long now) {
    if (introCircuits.containsKey(c) || introduced.contains(c) || cookieOf.containsKey(c)) {
      refuse(c, IntroRefusal.UNEXPECTED);
      return;
    }
    if (establishBudget == null) {
      establishBudget = new TokenBucket(config.establishPerSecond(), config.establishBurst(), now);
    }
    if (!establishBudget.tryTake(1, now)) {
      refuse(c, IntroRefusal.ESTABLISH_BUDGET);
      return;
    }
    byte[] key = checkEstablishIntro(body, selfId);
    if (key == null) {
      refuse(c, IntroRefusal.BAD_SIGNATURE);
      return;
    }
    ByteBuffer k = ByteBuffer.wrap(key);
    Long old = introByKey.get(k);
    if (old == null && introCircuits.size() >= config.maxIntroCircuits()) {
      refuse(c, IntroRefusal.INTRO_CIRCUITS_FULL);
      return;
    }
    if (old != null) {
      introCircuits.remove(old); // the same key on a new circuit: the service moved
    }
    introByKey.put(k, c);
    introCircuits.put(c, new ServiceCircuit(k,
        new TokenBucket(config.introducePerCircuitPerSecond(), config.introducePerCircuitBurst(), now)));
    send(c, INTRO_ESTABLISHED, new byte[0]);
  }

  private void introduce1(long c, byte[] body, long now) {
    if (introCircuits.containsKey(c) || cookieOf.containsKey(c)) {
      refuse(c, IntroRefusal.UNEXPECTED);
      return;
    }
    if (!introduced.add(c)) {
      refuse(c, IntroRefusal.SECOND_INTRODUCE);
      return;
    }
    Keyed k = keyed(body);
    if (k == null) {
      count(IntroRefusal.MALFORMED);
      ack(c, ACK_BAD);
      return;
    }
    Long target = introByKey.get(ByteBuffer.wrap(k.authKey()));
    if (target == null) {
      count(IntroRefusal.UNKNOWN_AUTH_KEY);
      ack(c, ACK_UNKNOWN_SERVICE);
      return;
    }
    if (introduceBudget == null) {
      introduceBudget = new TokenBucket(config.introducePerSecond(), config.introduceBurst(), now);
    }
    if (!introCircuits.get(target).budget().has(1, now)) {
      count(IntroRefusal.INTRODUCE_RATE_CIRCUIT);
      ack(c, ACK_RATE_LIMITED);
      return;
    }
    if (!introduceBudget.tryTake(1, now)) {
      count(IntroRefusal.INTRODUCE_RATE_TOTAL);
      ack(c, ACK_RATE_LIMITED);
      return;
    }
    introCircuits.get(target).budget().take(1);
    send(target, INTRODUCE2, body);
    ack(c, ACK_OK);
  }

  private void ack(long c, int status) {
    send(c, INTRODUCE_ACK, new byte[] {(byte) status});
  }

  // Rendezvous point

  private void establishRendezvous(long c, byte[] body, NodeId from) {
    if (body.length != COOKIE_BYTES || introCircuits.containsKey(c) || introduced.contains(c)) {
      refuse(c, body.length != COOKIE_BYTES ? IntroRefusal.MALFORMED : IntroRefusal.UNEXPECTED);
      return;
    }
    ByteBuffer cookie = ByteBuffer.wrap(body.clone());
    if (cookieOf.containsKey(c) || cookies.containsKey(cookie)) {
      refuse(c, IntroRefusal.COOKIE_IN_USE);
      return;
    }
    if (cookies.size() >= config.maxCookies()) {
      refuse(c, IntroRefusal.COOKIES_FULL);
      return;
    }
    if (cookiesFrom.getOrDefault(from, 0) >= config.maxCookiesPerNeighbour()) {
      refuse(c, IntroRefusal.COOKIES_PER_NEIGHBOUR);
      return;
    }
    cookies.put(cookie, c);
    cookieOf.put(c, new Held(cookie, from));
    cookiesFrom.merge(from, 1, Integer::sum);
    send(c, RENDEZVOUS_ESTABLISHED, new byte[0]);
  }

  private void rendezvous1(long c, byte[] body) {
    Cookied m = cookied(body, 1);
    if (m == null) {
      refuse(c, IntroRefusal.MALFORMED);
      return;
    }
    ByteBuffer cookie = ByteBuffer.wrap(m.cookie());
    Long clientCircuit = cookies.get(cookie);
    if (clientCircuit == null || clientCircuit == c || introCircuits.containsKey(c) || cookieOf.containsKey(c)) {
      refuse(c, clientCircuit == null ? IntroRefusal.UNKNOWN_COOKIE : IntroRefusal.UNEXPECTED);
      return;
    }
    cookies.remove(cookie);
    release(clientCircuit);
    send(clientCircuit, RENDEZVOUS2, m.rest());
    if (!engine.splice(clientCircuit, c)) {
      refuse(c, IntroRefusal.UNEXPECTED);
      engine.close(clientCircuit);
    }
  }

  /** Forget the cookie held for {@code circuit} from its neighbour's count. */
  private void release(long circuit) {
    Held held = cookieOf.remove(circuit);
    cookiesFrom.computeIfPresent(held.from(), (n, k) -> k <= 1 ? null : k - 1);
  }

  // Shared with the roles

  OnionEngine engine() {
    return engine;
  }

  void event(IntroEvent e) {
    events.add(e);
  }

  boolean send(long circuit, int command, byte[] data) {
    return engine.send(circuit, new RelayMessage(command, 0, data));
  }

  void count(IntroRefusal r) {
    refusals.merge(r, 1L, Long::sum);
  }

  /** Count {@code r} and close {@code circuit}. */
  void refuse(long circuit, IntroRefusal r) {
    count(r);
    engine.close(circuit);
    circuitGone(circuit);
  }
}
