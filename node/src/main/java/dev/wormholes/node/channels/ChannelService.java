package dev.wormholes.node.channels;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.networks.NetworkId;
import dev.wormholes.networks.NetworkInvites;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.node.api.ChannelControl;
import dev.wormholes.node.people.People;
import dev.wormholes.node.socks.StreamDialer;
import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.people.channels.Channel;
import dev.wormholes.people.channels.Channels;
import dev.wormholes.people.channels.PostVerdict;
import dev.wormholes.people.channels.wire.SignedPost;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Channels on a node: drives the pure {@link Channels} engine on one thread ({@code
 * wormholes-channels}); every engine call happens there, and after each the engine's saves are
 * forced to {@link ChannelFiles} before anything is answered or sent. Gossip goes over secure
 * streams to {@link #SERVICE} on members' nodes (found like any node: DHT lookup, punch or relay):
 * every sync the engine returns is sent, and its answer or failure handed back (the engine keeps
 * one exchange per member open and at most {@link Channels#MAX_OPEN}); each bounded by {@link
 * Channels#EXCHANGE_TIMEOUT_MS}. Incoming exchanges are open to every node: the engine answers
 * members only. Without a data directory channels live in memory.
 */
public final class ChannelService implements ChannelControl, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelService.class);
  /** The internal service channel gossip and joins arrive on. */
  public static final String SERVICE = "wh-channel";
  /** Text before the base32 of an invite link. */
  public static final String LINK_PREFIX = "wormholes-channel:";
  /** How often due syncs are looked for. */
  static final long TICK_MS = 250;

  private final Channels engine;
  private final NodeId me;
  private final ChannelFiles files;
  private final People people;
  private final ScheduledExecutorService loop;
  private volatile StreamDialer dialer;
  private volatile Map<String, Long> refused = Map.of();
  private volatile int openExchanges;

  private ChannelService(Identity self, Path dir, People people) {
    this.engine = new Channels(self, new SecureRandom());
    this.me = self.id();
    this.files = dir == null ? null : new ChannelFiles(dir);
    this.people = people;
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "wormholes-channels");
      t.setDaemon(true);
      return t;
    });
  }

  /** Open the channels of {@code self} kept in {@code dir} (null: in memory); {@code people} names contacts. */
  public static ChannelService open(Identity self, Path dir, People people) {
    ChannelService s = new ChannelService(self, dir, people);
    if (s.files != null) {
      long now = System.currentTimeMillis();
      s.files.invites().ifPresent(s.engine::restoreInvites);
      s.files.records().forEach((id, record) -> {
        if (!s.engine.restore(record, now)) {
          LOG.warn("ignoring the unreadable stored channel {}", id);
          return;
        }
        NetworkId channel = s.engine.channels().stream().reduce((a, b) -> b).orElseThrow().id();
        for (SignedPost p : s.files.posts(id)) {
          s.engine.restorePost(channel, p);
        }
      });
      s.engine.pollSaves();
    }
    return s;
  }

  /** Take exchanges on {@code t}, dial members with {@code d}, and start gossiping. */
  public void attach(StreamTransport t, StreamDialer d) {
    dialer = d;
    t.expose(SERVICE, Exposure.open(stream -> ChannelStream.serve(stream, bytes -> request(stream.peer(), bytes))));
    loop.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
  }

  // Run `f` on the loop, then store what it changed; complete with its result.
  private <T> CompletableFuture<T> call(Supplier<T> f) {
    return CompletableFuture.supplyAsync(() -> {
      T r = f.get();
      store();
      return r;
    }, loop);
  }

  // Answer `peer`'s request (empty: close unanswered).
  CompletableFuture<Optional<byte[]>> request(NodeId peer, byte[] bytes) {
    return call(() -> engine.handleRequest(peer, bytes, now()));
  }

  private void store() {
    for (Channels.Save s : engine.pollSaves()) {
      if (files != null) {
        files.save(s);
      }
    }
    refused = refusals();
    openExchanges = engine.openExchanges();
  }

  /** Return the gossip exchanges open (sent, answer awaited) as of the last change. */
  public int openExchanges() {
    return openExchanges;
  }

  // Gossip messages refused by reason, then posts dropped by verdict ("post_" + verdict), zeros left out.
  private Map<String, Long> refusals() {
    Map<String, Long> out = new TreeMap<>();
    engine.drops().forEach((k, v) -> out.merge(k.name().toLowerCase(Locale.ROOT), v, Long::sum));
    for (Channel c : engine.channels()) {
      c.dropped().forEach((k, v) -> out.merge("post_" + k.name().toLowerCase(Locale.ROOT), v, Long::sum));
    }
    out.values().removeIf(v -> v == 0);
    return Map.copyOf(out);
  }

  @Override
  public Map<String, Long> refused() {
    return refused;
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  // ---- gossip

  private void tick() {
    try {
      StreamDialer d = dialer;
      if (d == null) {
        return; // streams not started: nothing is polled, so no exchange opens
      }
      for (Channels.Outgoing o : engine.pollSyncs(now())) {
        exchange(d, o).whenCompleteAsync((answer, err) -> {
          if (answer != null) {
            engine.handleAnswer(o.peer(), o.exchange(), answer, now());
            store();
          } else {
            engine.handleFailure(o.peer(), o.exchange());
          }
        }, loop);
      }
      store();
    } catch (RuntimeException e) {
      LOG.warn("channel gossip round failed", e);
    }
  }

  private static CompletableFuture<byte[]> exchange(StreamDialer d, Channels.Outgoing o) {
    return d.dial(o.peer(), SERVICE).thenCompose(s -> ChannelStream.ask(s, o.message()))
        .orTimeout(Channels.EXCHANGE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  // ---- commands

  @Override
  public CompletableFuture<JsonObject> create(String name) {
    if (name.isBlank() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 64) {
      throw new ApiException(400, "a channel name is 1 to 64 bytes");
    }
    return call(() -> {
      Channel c = engine.create(name.strip(), now())
          .orElseThrow(() -> new ApiException(409, "this node holds " + Channels.MAX_CHANNELS + " channels already"));
      return summary(c);
    });
  }

  @Override
  public CompletableFuture<JsonObject> invite(String channel, long expiresSeconds) {
    return call(() -> {
      Channel c = find(channel);
      InviteLink link = engine.invite(c.id(), now() / 1000 + expiresSeconds, List.of())
          .orElseThrow(() -> new ApiException(403, "only the channel's owner invites"));
      JsonObject o = summary(c);
      o.addProperty("link", LINK_PREFIX + NetworkInvites.text(link).substring(NetworkInvites.LINK_PREFIX.length()));
      return o;
    });
  }

  @Override
  public CompletableFuture<JsonObject> join(String text) {
    String t = text.strip();
    Optional<InviteLink> link = t.startsWith(LINK_PREFIX)
        ? NetworkInvites.parseLink(NetworkInvites.LINK_PREFIX + t.substring(LINK_PREFIX.length())) : Optional.empty();
    if (link.isEmpty()) {
      throw new ApiException(400, "not a channel invite link (" + LINK_PREFIX + "...)");
    }
    StreamDialer d = dialer;
    if (d == null) {
      throw new ApiException(503, "streams are not started");
    }
    return call(() -> engine.join(link.get()))
        .thenCompose(o -> exchange(d, o).exceptionally(err -> {
          throw new ApiException(504, "cannot reach the channel's owner: " + ApiException.clip(String.valueOf(err.getMessage())));
        }).thenCompose(answer -> {
          Optional<String> refused = Channels.refusal(answer);
          if (refused.isPresent()) {
            throw new ApiException(403, "the owner refused the link: " + refused.get());
          }
          return call(() -> engine.handleAnswer(o.peer(), o.exchange(), answer, now())
              .map(id -> summary(engine.channel(id)))
              .orElseThrow(() -> new ApiException(502, "the owner's answer does not admit this node")));
        }));
  }

  @Override
  public CompletableFuture<JsonObject> leave(String channel) {
    return call(() -> {
      Channel c = find(channel);
      JsonObject o = summary(c);
      engine.leave(c.id());
      return o;
    });
  }

  @Override
  public CompletableFuture<JsonObject> post(String channel, String text) {
    return call(() -> {
      Channel c = find(channel);
      Channel.Outcome<SignedPost> out = engine.post(c.id(), text, now());
      if (out instanceof Channel.Outcome.Refused<SignedPost> r) {
        throw refusal(r.refusal());
      }
      JsonObject o = summary(c);
      o.addProperty("seq", c.heads().getOrDefault(me, 0L));
      return o;
    });
  }

  @Override
  public CompletableFuture<JsonObject> remove(String channel, String member) {
    NodeId who = member(member);
    return call(() -> {
      Channel c = find(channel);
      Channel.Outcome<Channel.Removal> out = engine.remove(c.id(), who, now());
      if (out instanceof Channel.Outcome.Refused<Channel.Removal> r) {
        throw refusal(r.refusal());
      }
      return summary(c);
    });
  }

  @Override
  public CompletableFuture<JsonObject> read(String channel) {
    return call(() -> {
      Channel c = find(channel);
      JsonObject o = summary(c);
      JsonArray posts = new JsonArray();
      for (Channel.Entry e : c.read()) {
        JsonObject p = new JsonObject();
        p.addProperty("author", e.author().toString());
        p.addProperty("from", label(e.author()));
        p.addProperty("seq", e.seq());
        p.addProperty("epoch", e.epoch());
        p.addProperty("sentAt", Instant.ofEpochMilli(e.sentAtMs()).toString());
        e.text().ifPresent(x -> p.addProperty("text", x));
        e.cutMember().ifPresent(x -> p.addProperty("removed", x.toString()));
        posts.add(p);
      }
      o.add("posts", posts);
      o.add("dropped", dropped(c.dropped()));
      return o;
    });
  }

  @Override
  public CompletableFuture<JsonObject> list() {
    return call(() -> {
      JsonArray a = new JsonArray();
      engine.channels().forEach(c -> a.add(summary(c)));
      JsonObject o = new JsonObject();
      o.add("channels", a);
      JsonObject drops = new JsonObject();
      new TreeMap<>(engine.drops()).forEach((k, v) -> drops.addProperty(k.name().toLowerCase(Locale.ROOT), v));
      o.add("refused", drops);
      return o;
    });
  }

  // ---- helpers (on the loop)

  private Channel find(String channel) {
    String n = channel.strip();
    List<Channel> hits = engine.channels().stream()
        .filter(c -> c.id().text().equals(n.toLowerCase(Locale.ROOT)) || c.roster().name().equals(n)).toList();
    if (hits.isEmpty()) {
      throw new ApiException(404, "no channel '" + ApiException.clip(n) + "' here (a channel id or name)");
    }
    if (hits.size() > 1) {
      throw new ApiException(409, "several channels are called '" + ApiException.clip(n) + "': use the id");
    }
    return hits.get(0);
  }

  private NodeId member(String member) {
    Optional<NodeId> id = NodeId.parse(member.strip());
    if (id.isPresent()) {
      return id.get();
    }
    List<NodeId> devices = people == null ? List.of() : people.devicesOf(member.strip().toLowerCase(Locale.ROOT));
    if (devices.isEmpty()) {
      throw new ApiException(404, "no contact or node id '" + ApiException.clip(member) + "'");
    }
    return devices.get(0);
  }

  private String label(NodeId node) {
    return people == null ? node.shortString()
        : people.acceptedContactOf(node).map(dev.wormholes.people.Contact::petname).orElse(node.shortString());
  }

  private JsonObject summary(Channel c) {
    JsonObject o = new JsonObject();
    o.addProperty("id", c.id().text());
    o.addProperty("name", c.roster().name());
    o.addProperty("epoch", c.roster().epoch());
    o.addProperty("member", c.member());
    o.addProperty("owner", c.roster().admins().stream().findFirst().map(NodeId::toString).orElse(""));
    JsonArray members = new JsonArray();
    c.roster().members().keySet().forEach(m -> members.add(m.toString()));
    o.add("members", members);
    o.addProperty("posts", c.size());
    return o;
  }

  private static JsonObject dropped(Map<PostVerdict, Long> d) {
    JsonObject o = new JsonObject();
    new TreeMap<>(d).forEach((k, v) -> o.addProperty(k.name().toLowerCase(Locale.ROOT), v));
    return o;
  }

  private static ApiException refusal(Channel.Refusal r) {
    return switch (r) {
      case NOT_MEMBER -> new ApiException(403, "this node is not a member of the channel");
      case NOT_OWNER -> new ApiException(403, "only the channel's owner may do that");
      case NO_KEY -> new ApiException(409, "this node holds no key of the channel's current epoch");
      case TOO_LARGE -> new ApiException(413, "a post is 1 to " + Channel.MAX_TEXT_BYTES + " bytes");
      case FULL -> new ApiException(409, "the channel is full (" + Channel.MAX_POSTS + " posts, "
          + Channel.MAX_POSTS_PER_AUTHOR + " per author)");
      case NO_SUCH_MEMBER -> new ApiException(404, "not a member that can be removed (the owner cannot be)");
    };
  }

  /** Stop gossiping (everything taken is on disk). */
  @Override
  public void close() {
    loop.shutdownNow();
  }
}
