package dev.wormholes.node.people;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.people.DeviceInvite;
import dev.wormholes.people.Events;
import dev.wormholes.people.Invite;
import dev.wormholes.people.InviteHandshake;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.wire.InviteAccept;
import dev.wormholes.people.wire.InviteAnswer;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.PersonaHead;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What the streams would carry between {@link People} of different nodes, handed over by hand:
 * for tests of this package and of the drivers built on people (no sockets).
 */
public final class PeopleFixtures {
  private PeopleFixtures() {}

  /** Make {@code inviter} and {@code acceptor} accepted contacts by an invite link, each calling the other by the given petname. */
  public static void befriend(People inviter, String acceptorName, People acceptor, String inviterName) {
    Invite invite = Invite.parse(inviter.invite(acceptorName, 3600).get("link").getAsString()).orElseThrow();
    acceptor.finishAccept(invite, acceptor.log(),
        inviter.redeem(InviteHandshake.accept(invite, acceptor.log(), "")), inviterName);
  }

  /** Pair the fresh node {@code fresh} (identity {@code freshNode}) to the persona of {@code persona} by a device link. */
  public static void pair(People persona, People fresh, Identity freshNode) {
    DeviceInvite d = DeviceInvite.parse(persona.deviceInvite(3600).get("link").getAsString()).orElseThrow();
    KeyLog before = fresh.log();
    InviteAccept accept = InviteHandshake.accept(d.invite(), fresh.log(), "").toBuilder()
        .setDevice(Events.device(freshNode, d.signingKey())).build();
    InviteAnswer answer = persona.redeem(freshNode.id(), accept);
    assertTrue(answer.getOk(), answer.getRefusal());
    Devices.finishJoin(fresh, d, before, answer);
  }

  /** Let {@code contact} take the current key log of {@code of} (as a push would bring it). */
  public static void push(People of, People contact) {
    contact.observe(of.log(), "push");
  }

  /**
   * A DHT in a map shared by several nodes' {@link PeopleDht} views: a newer seq replaces an older
   * value, and a value lives while some node still publishes it ({@link #forget} is a node gone
   * long enough for everything only it re-put to expire).
   */
  public static final class MapDht {
    private final Map<NodeId, StoredValue> values = new HashMap<>();
    private final Map<NodeId, Set<NodeId>> publishers = new HashMap<>();
    private final Map<NodeId, Presence> records = new HashMap<>();
    private long gets;

    /** Return the view of the node {@code node}. */
    public PeopleDht of(Identity node) {
      return new PeopleDht() {
        @Override
        public CompletableFuture<Presence> presence(NodeId id) {
          synchronized (MapDht.this) {
            Presence p = records.get(id);
            return p == null ? CompletableFuture.failedFuture(new IOException("no record of " + id))
                : CompletableFuture.completedFuture(p);
          }
        }

        @Override
        public CompletableFuture<Optional<StoredValue>> get(NodeId key) {
          synchronized (MapDht.this) {
            gets++;
            return CompletableFuture.completedFuture(Optional.ofNullable(values.get(key)));
          }
        }

        @Override
        public CompletableFuture<Void> publish(StoredValue value) {
          synchronized (MapDht.this) {
            NodeId key = DhtValues.keyOf(value).orElseThrow();
            StoredValue held = values.get(key);
            if (held == null || DhtValues.supersedes(value, held)) {
              values.put(key, value);
              publishers.put(key, new HashSet<>());
            }
            if (values.get(key).equals(value)) {
              publishers.get(key).add(node.id());
            }
            return CompletableFuture.completedFuture(null);
          }
        }

        @Override
        public void head(PersonaHead head) {
          synchronized (MapDht.this) {
            records.put(node.id(), Presence.newBuilder()
                .setPublicKey(com.google.protobuf.ByteString.copyFrom(node.publicKey())).setPersona(head).build());
          }
        }

        @Override
        public long networkId() {
          return 0;
        }
      };
    }

    /** Return how many GETs of values all views made. */
    public synchronized long gets() {
      return gets;
    }

    /** Drop {@code node}'s record and every value no other node publishes. */
    public synchronized void forget(Identity node) {
      records.remove(node.id());
      publishers.values().forEach(p -> p.remove(node.id()));
      publishers.entrySet().removeIf(e -> {
        if (e.getValue().isEmpty()) {
          values.remove(e.getKey());
          return true;
        }
        return false;
      });
    }
  }
}
