package dev.wormholes.node.people;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import dev.wormholes.node.socks.StreamDialer;
import dev.wormholes.people.Contact;
import dev.wormholes.people.ContactCodec;
import dev.wormholes.people.Corroboration;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.KeyState;
import dev.wormholes.people.LogItems;
import dev.wormholes.people.LogFetch;
import dev.wormholes.people.LogRounds;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.PersonaLookup;
import dev.wormholes.people.Recovery;
import dev.wormholes.people.wire.HeadClaim;
import dev.wormholes.people.wire.PersonaAnswer;
import dev.wormholes.people.wire.PersonaRequest;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps key logs in step without a server. Publishes this persona's log to the DHT (each event as
 * an item under this node's key, {@link LogItems}) and its head in the presence record; pushes a
 * changed log to every accepted contact's devices and this persona's other devices on the internal
 * service {@link #SERVICE} ({@link LogRounds#pushTargets} names them), and a contact's revocation
 * on to the other contacts ({@link #relay}); reads contacts' presence
 * records on a timer and, when the head one names is worth fetching, fetches that device's items as
 * {@link LogFetch} decides and hands the log to {@link People} (trust on first use judges it); asks
 * contacts which head they hold for a persona ({@link #check}).
 * It also publishes where the log is for a recovery ({@link Recovery}: the locator item of the code
 * this device made, the beacon after a rotation) and reads contacts' beacons, so that a contact
 * whose every known device is gone is found again.
 *
 * <p>When rounds run, whose records they read and when events are published again is {@link
 * LogRounds}' decision; this class performs it. Every network step is bounded: {@link
 * #TIMEOUT_SECONDS} per request, at most {@link LogRounds#CONTACTS_PER_ROUND} contacts per round.
 */
final class LogSync {
  private static final Logger LOG = LoggerFactory.getLogger(LogSync.class);
  /** The internal service of log pushes, log queries and head queries. */
  static final String SERVICE = "wh-persona";
  /** How long one request may take. */
  static final long TIMEOUT_SECONDS = 15;
  private final People people;
  private final PeopleDht dht;
  private final StreamDialer dialer;
  private final Identity device;
  private final DeviceRace.Delay delay;
  // Guarded by this. When rounds and republishing are due, whose records a round reads.
  private final LogRounds schedule;

  /** Return the DHT this syncer keeps logs in. */
  PeopleDht dht() {
    return dht;
  }

  /** Read records every {@code pollSeconds} once started (the schedule is {@link LogRounds}'). */
  LogSync(People people, PeopleDht dht, StreamDialer dialer, Identity device, long pollSeconds) {
    this(people, dht, dialer, device, pollSeconds, DeviceRace.REAL);
  }

  /** Like the other constructor, the wait before asking a person's next device measured by {@code delay}. */
  LogSync(People people, PeopleDht dht, StreamDialer dialer, Identity device, long pollSeconds, DeviceRace.Delay delay) {
    this.people = people;
    this.dht = dht;
    this.dialer = dialer;
    this.device = device;
    this.delay = delay;
    this.schedule = new LogRounds(pollSeconds, monotonicSeconds());
  }

  /** Return how waits before a person's next device are measured. */
  DeviceRace.Delay delay() {
    return delay;
  }

  /** Publish now, then run the rounds {@link LogRounds} calls for on {@code timer}. */
  void start(ScheduledExecutorService timer) {
    publish(people.log());
    if (!people.canSign() && people.log().state().hasDevice(device.id())) {
      fetchKey();
    }
    wake(timer);
  }

  /**
   * Ask this persona's other devices for its current signing key, which this device lacks after a
   * rotation on another ({@link PersonaRequests}' key query); the first answer is handed to {@link
   * Devices#takeKey}. Failures are logged.
   */
  void fetchKey() {
    KeyState own = people.log().state();
    List<NodeId> others = own.devices().keySet().stream().filter(d -> !d.equals(device.id())).toList();
    PersonaRequest q = PersonaRequest.newBuilder().setKeyQuery(ByteString.copyFrom(own.persona().toBytes())).build();
    DeviceRace.run(people.deviceOrder().order(others), d -> ask(d, q).thenApply(a -> {
      if (!a.getOk()) {
        throw new java.util.concurrent.CompletionException(new java.io.IOException(a.getRefusal()));
      }
      return a;
    }), e -> false, a -> {}, delay).whenComplete((a, e) -> {
      if (e != null) {
        LOG.info("no other device of this persona handed over its current signing key: {}", e.getMessage());
      } else if (!Devices.takeKey(people, a)) {
        LOG.info("a device of this persona answered with a key that is not the log's current one");
      }
    });
  }

  // The schedule runs on monotonic seconds, so a wall-clock step moves no round.
  private static long monotonicSeconds() {
    return Math.floorDiv(System.nanoTime(), 1_000_000_000L);
  }

  private void wake(ScheduledExecutorService timer) {
    long delay;
    synchronized (this) {
      delay = Math.max(0, schedule.nextWake() - monotonicSeconds());
    }
    timer.schedule(() -> {
      boolean round;
      synchronized (this) {
        long now = monotonicSeconds();
        schedule.pollRepublish(now);
        round = schedule.pollRound(now);
      }
      if (round) {
        round();
      }
      wake(timer);
    }, delay, TimeUnit.SECONDS);
  }

  /**
   * Publish {@code log}'s head (in the presence record), its inception body under the persona id,
   * and its events not published yet and its device list; the events and the list only once somebody
   * could need them: the persona has a contact or a second event.
   */
  void publish(KeyLog log) {
    dht.head(LogItems.head(log.state()));
    if (firstPublish("inception")) {
      put(LogItems.inceptionItem(log)); // where a persona id alone finds the first device
    }
    if (log.state().seq() == 0 && people.allContacts().isEmpty()) {
      return;
    }
    if (firstPublish("devices:" + log.state().seq() + ":" + log.state().head().text())) {
      put(LogItems.devicesItem(log.state(), dht.networkId())); // where it finds the devices there now
    }
    for (int seq = 0; seq < log.size(); seq++) {
      String id = seq + ":" + java.util.HexFormat.of().formatHex(KeyLog.digest(log.event(seq)));
      synchronized (this) {
        if (!schedule.firstPublish(id)) {
          continue;
        }
      }
      LogItems.item(device, log, seq, dht.networkId()).ifPresent(this::put);
    }
    // Where a recovery with this device's code, and contacts after a rotation, find the log.
    String at = ":" + log.state().seq() + ":" + log.state().head().text();
    people.locator().filter(l -> firstPublish("locator" + at))
        .ifPresent(l -> put(Recovery.locatorItem(l, log.state(), device, dht.networkId())));
    if (people.canSign() && firstPublish("beacon" + at)) {
      Recovery.beaconItem(log, people.signer(), device, dht.networkId()).ifPresent(this::put);
    }
  }

  private synchronized boolean firstPublish(String id) {
    return schedule.firstPublish(id);
  }

  private void put(StoredValue v) {
    dht.publish(v).exceptionally(e -> {
      LOG.debug("cannot publish a key log item: {}", e.toString());
      return null;
    });
  }

  /** This persona's log changed: publish it and push it to the nodes {@link LogRounds#pushTargets} names. */
  void changed(KeyLog log, List<NodeId> alsoTell) {
    publish(log);
    push(log, LogRounds.pushTargets(log.state(), device.id(), people.acceptedContacts(), c -> c.log().state(), alsoTell));
  }

  /** Push {@code log} to {@code targets}; failures are logged. */
  void push(KeyLog log, java.util.Collection<NodeId> targets) {
    PersonaRequest push = PersonaRequest.newBuilder().setPush(ContactCodec.wire(log)).build();
    for (NodeId t : targets) {
      ask(t, push).whenComplete((a, e) -> {
        if (e != null) {
          LOG.info("could not push the key log to {}: {}", t, e.getMessage());
        }
      });
    }
  }

  /**
   * Contact {@code now}'s log was just adopted in place of one in state {@code before}: if it
   * revokes something, pass it on to the other friends' devices ({@link LogRounds#relayTargets}).
   */
  void relay(KeyState before, Contact now) {
    List<NodeId> targets = LogRounds.relayTargets(before, now.log().state(), device.id(),
        people.acceptedContacts(), c -> c.log().state());
    if (!targets.isEmpty()) {
      LOG.info("passing {}'s revocation on to {} devices of other contacts", now.petname(), targets.size());
      push(now.log(), targets);
    }
  }

  /** One timer round: the records {@link LogRounds#reads} names, and the beacons of its contacts. */
  private void round() {
    try {
      KeyState own = people.log().state();
      List<Contact> accepted = people.acceptedContacts();
      List<LogRounds.Reads<Contact>> reads;
      synchronized (this) {
        reads = schedule.reads(own, device.id(), accepted, c -> c.log().state());
      }
      for (LogRounds.Reads<Contact> r : reads) {
        refresh(r.persona(), r.devices());
        r.contact().ifPresent(c -> followBeacon(c.persona()));
      }
    } catch (RuntimeException e) {
      LOG.warn("key log round failed", e);
    }
  }

  /**
   * Read the records of {@code devices} of {@code persona}; for each naming a head {@link
   * People#wantsHead} wants, fetch that device's log from the DHT and hand it to {@link People#observe}. Complete
   * with the notes of what changed.
   */
  CompletableFuture<List<String>> refresh(PersonaId persona, List<NodeId> devices) {
    List<CompletableFuture<List<String>>> each = new ArrayList<>();
    for (NodeId d : devices) {
      each.add(headOf(d, persona).thenCompose(h -> {
        Optional<KeyLog> held = h.flatMap(p -> people.wantsHead(persona, p.head()));
        if (held.isEmpty()) {
          return CompletableFuture.completedFuture(List.<String>of());
        }
        return fetch(h.get().deviceKey(), h.get().head().seq(), held)
            .thenApply(log -> log.map(l -> people.observe(l, "the DHT (device " + d + ")"))
                .orElse(List.of()));
      }).exceptionally(e -> List.of()));
    }
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(x -> {
      List<String> notes = new ArrayList<>();
      each.forEach(f -> notes.addAll(f.join()));
      return notes;
    });
  }

  /**
   * Look for the beacon a rotation after the log held for contact {@code persona} leaves (how a
   * contact whose every known device is gone is found again, {@link Recovery}); fetch the log it
   * points at when it is past the held one, and hand it to {@link People#observe}. Complete with
   * the notes of what changed.
   */
  CompletableFuture<List<String>> followBeacon(PersonaId persona) {
    Optional<KeyLog> held = people.contactLog(persona);
    if (held.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    return dht.get(Recovery.beaconKey(held.get().state())).thenCompose(item -> {
      Optional<Recovery.Pointer> at = item.flatMap(v -> Recovery.openBeacon(v, held.get().state()))
          .filter(p -> p.seq() > held.get().state().seq());
      if (at.isEmpty()) {
        return CompletableFuture.completedFuture(List.<String>of());
      }
      return fetch(at.get().deviceKey(), at.get().seq(), held).thenApply(log -> log
          .map(l -> people.observe(l, "the DHT (beacon of device " + at.get().device() + ")")).orElse(List.of()));
    }).exceptionally(e -> List.of());
  }

  /** A head of a persona a device's presence record names, and that device's key (where its items are). */
  private record Published(byte[] deviceKey, dev.wormholes.people.LogHead head) {}

  /** Complete with the head of {@code persona} that {@code device}'s record names, or empty (none, or no record). */
  private CompletableFuture<Optional<Published>> headOf(NodeId device, PersonaId persona) {
    return dht.presence(device).thenApply(record -> LogItems.seen(record)
        .filter(seen -> seen.persona().equals(persona))
        .map(seen -> new Published(record.getPublicKey().toByteArray(), seen.head())));
  }

  /**
   * Find the devices of {@code persona}, a person this node may know nothing of, as {@link
   * PersonaLookup} decides (which candidates, their logs one at a time, the highest claimed head
   * first, at most {@link PersonaLookup#ITEM_BUDGET} item GETs): the GETs of the inception and the
   * device list, the candidates' records, the item GETs. Complete with the devices of the log
   * found in key-log order; when none is, the first device alone, or none when the DHT holds no
   * inception of {@code persona}.
   */
  CompletableFuture<List<NodeId>> devices(PersonaId persona) {
    PersonaLookup l = new PersonaLookup(persona);
    CompletableFuture<Optional<StoredValue>> inception = dht.get(l.inceptionKey()).exceptionally(e -> Optional.empty());
    CompletableFuture<Optional<StoredValue>> listed = dht.get(l.listKey()).exceptionally(e -> Optional.empty());
    return inception.thenCombine(listed, (a, b) -> {
      synchronized (l) {
        return l.handleValues(a, b);
      }
    }).thenCompose(candidates -> {
      List<CompletableFuture<Void>> records = new ArrayList<>();
      for (NodeId d : candidates) {
        records.add(dht.presence(d).thenApply(Optional::of).exceptionally(e -> Optional.empty())
            .thenAccept(r -> {
              synchronized (l) {
                l.handleRecord(d, r);
              }
            }));
      }
      CompletableFuture<List<NodeId>> done = new CompletableFuture<>();
      CompletableFuture.allOf(records.toArray(CompletableFuture[]::new)).thenRun(() -> drive(new Asks<>(
          l::pollGets, PersonaLookup.Get::key, l::handleItem, () -> {
            if (l.outcome().isPresent()) {
              LOG.debug("lookup of persona {}: {} item GETs over {} logs", persona, l.itemGets(), l.fetches());
              done.complete(l.outcome().get());
            }
            return l.outcome().isPresent();
          }, l::inFlight, l::nextWake), l));
      return done;
    });
  }

  /**
   * Fetch the log up to {@code seq} from the items of the device with {@code deviceKey}, holding
   * {@code held} of that persona: what is asked, when a missing item is asked again and when the
   * fetch ends are {@link LogFetch}'s. Complete with the log, or empty when the fetch gave up or the
   * items make no valid log.
   */
  CompletableFuture<Optional<KeyLog>> fetch(byte[] deviceKey, long seq, Optional<KeyLog> held) {
    LogFetch f = new LogFetch(deviceKey, seq, held, monotonicMillis());
    CompletableFuture<Optional<KeyLog>> done = new CompletableFuture<>();
    drive(new Asks<Long>(f::pollGets, f::key, f::handleItem, () -> {
      if (f.outcome().isPresent()) {
        if (f.log().isEmpty()) {
          LOG.debug("key log fetch ended without a log: {}", f.outcome().get());
        }
        done.complete(f.log());
      }
      return f.outcome().isPresent();
    }, f::inFlight, f::nextWake), f);
    return done;
  }

  /**
   * An engine that asks DHT items ({@link LogFetch}, {@link PersonaLookup}) as {@link #drive}
   * performs it; {@code ended} returns whether it ended and hands its outcome on.
   */
  private record Asks<G>(java.util.function.LongFunction<List<G>> poll, java.util.function.Function<G, NodeId> key,
      Handler<G> handle, java.util.function.BooleanSupplier ended, java.util.function.IntSupplier inFlight,
      java.util.function.LongSupplier nextWake) {}

  /** Hands an engine the answer to one of its GETs. */
  private interface Handler<G> {
    void answer(G get, Optional<StoredValue> value, long now);
  }

  // Performs what e asks now; each answer and each due retry drives it again. The engine is guarded by lock.
  private <G> void drive(Asks<G> e, Object lock) {
    List<G> gets;
    long wait;
    synchronized (lock) {
      if (e.ended().getAsBoolean()) {
        return;
      }
      long now = monotonicMillis();
      gets = e.poll().apply(now);
      if (gets.isEmpty() && e.ended().getAsBoolean()) {
        return; // ended without asking more (a lookup with no log left to fetch)
      }
      long at = e.nextWake().getAsLong();
      wait = gets.isEmpty() && e.inFlight().getAsInt() == 0 && at != Long.MAX_VALUE ? at - now : -1;
    }
    for (G g : gets) {
      dht.get(e.key().apply(g)).exceptionally(x -> Optional.empty()).thenAccept(v -> {
        synchronized (lock) {
          e.handle().answer(g, v, monotonicMillis());
        }
        drive(e, lock);
      });
    }
    if (wait >= 0) {
      CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS).execute(() -> drive(e, lock));
    }
  }

  private static long monotonicMillis() {
    return System.nanoTime() / 1_000_000L;
  }

  /**
   * Corroborate contact {@code c}: read its devices' records first (fetching a newer log), then ask
   * every other accepted contact which head it holds for it. Complete with the report.
   */
  CompletableFuture<JsonObject> check(Contact c) {
    PersonaId persona = c.persona();
    return refresh(persona, List.copyOf(c.log().state().devices().keySet()))
        .thenCombine(followBeacon(persona), (a, b) -> {
          List<String> all = new ArrayList<>(a);
          all.addAll(b);
          return all;
        }).thenCompose(notes -> {
      List<Contact> friends = people.acceptedContacts().stream()
          .filter(f -> !f.persona().equals(persona)).toList();
      List<CompletableFuture<Corroboration.Answer>> answers = new ArrayList<>();
      PersonaRequest q = PersonaRequest.newBuilder()
          .setHeadQuery(ByteString.copyFrom(persona.toBytes())).build();
      for (Contact f : friends) {
        answers.add(askAny(f, q).thenApply(a -> {
          Optional<HeadClaim> claim = a.answer().hasHead()
              ? Corroboration.open(a.answer().getHead(), a.node(), persona, device.id()) : Optional.empty();
          KeyLog mine = people.contactLog(persona).orElse(c.log());
          return claim.map(h -> Corroboration.judge(f.petname(), mine, h)).orElseGet(() ->
              new Corroboration.Answer(f.petname(), Corroboration.Verdict.UNKNOWN, Optional.empty(), false));
        }).exceptionally(e -> null));
      }
      return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(x -> {
        JsonObject o = new JsonObject();
        JsonArray list = new JsonArray();
        List<Corroboration.Answer> got = new ArrayList<>();
        int unreachable = 0;
        for (CompletableFuture<Corroboration.Answer> f : answers) {
          Corroboration.Answer a = f.join();
          if (a == null) {
            unreachable++;
            continue;
          }
          got.add(a);
          JsonObject one = new JsonObject();
          one.addProperty("friend", a.friend());
          one.addProperty("verdict", a.verdict().name().toLowerCase(Locale.ROOT));
          a.head().ifPresent(h -> one.addProperty("head", h.text()));
          one.addProperty("verified", a.verified());
          list.add(one);
        }
        Contact now = people.contactOf(persona).orElse(c);
        o.addProperty("petname", now.petname());
        o.addProperty("persona", persona.toString());
        o.addProperty("pinned", now.pinned().text());
        o.addProperty("state", now.state().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        now.blockReason().ifPresent(r -> o.addProperty("blockReason", r));
        o.addProperty("asked", friends.size());
        o.addProperty("unreachable", unreachable);
        o.addProperty("agree", got.stream().filter(a -> a.verdict() == Corroboration.Verdict.AGREE
            || a.verdict() == Corroboration.Verdict.BEHIND).count());
        o.addProperty("disagree", got.stream().filter(a -> a.verdict() == Corroboration.Verdict.DISAGREE).count());
        o.addProperty("summary", Corroboration.summary(got));
        o.add("answers", list);
        JsonArray n = new JsonArray();
        notes.forEach(n::add);
        o.add("notes", n);
        return o;
      });
    });
  }

  /** An answer and the node that gave it. */
  record From(NodeId node, PersonaAnswer answer) {}

  /** Ask the devices of {@code c} in the node's order until one answers ({@link DeviceRace}). */
  CompletableFuture<From> askAny(Contact c, PersonaRequest request) {
    List<NodeId> devices = people.deviceOrder().order(List.copyOf(c.log().state().devices().keySet()));
    return DeviceRace.run(devices, d -> ask(d, request).whenComplete((a, e) -> {
      if (e == null) {
        people.deviceOrder().onAnswer(d);
      } else {
        people.deviceOrder().onFailure(d);
      }
    }).thenApply(a -> new From(d, a)), e -> false, a -> {}, delay);
  }

  /** Send {@code request} to {@code node} on {@link #SERVICE}; complete with the answer. */
  CompletableFuture<PersonaAnswer> ask(NodeId node, PersonaRequest request) {
    return dialer.dial(node, SERVICE)
        .thenCompose(stream -> InviteStream.ask(stream, request, PersonaAnswer.parser()))
        .orTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  /** Return how many timer rounds ran. */
  synchronized long rounds() {
    return schedule.rounds();
  }
}
