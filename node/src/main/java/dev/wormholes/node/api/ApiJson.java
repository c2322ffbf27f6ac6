package dev.wormholes.node.api;

import com.google.common.io.BaseEncoding;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.dht.Contact;
import dev.wormholes.nat.AddressObserver;
import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.node.nat.NatStatus;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.MutableItem;
import dev.wormholes.proto.wire.NatReport;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import dev.wormholes.proto.wire.StoredValue;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/** The JSON shapes of the api contract. */
public final class ApiJson {
  private static final BaseEncoding HEX = BaseEncoding.base16().lowerCase();

  private ApiJson() {}

  /** Return {@code ip:port} ({@code [ip]:port} for IPv6). */
  public static String address(InetSocketAddress a) {
    String host = a.getAddress().getHostAddress();
    return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /** Return lower-case hex of {@code bytes}. */
  public static String hex(byte[] bytes) {
    return HEX.encode(bytes);
  }

  /** Return {@code {"error": message}}. */
  public static JsonObject error(String message) {
    JsonObject o = new JsonObject();
    o.addProperty("error", message);
    return o;
  }

  /** Return {@code {"peers":[{"id","address"}...]}}. */
  public static JsonObject peers(List<Contact> contacts) {
    JsonArray arr = new JsonArray();
    for (Contact c : contacts) {
      JsonObject p = new JsonObject();
      p.addProperty("id", c.id().toString());
      p.addProperty("address", address(c.address()));
      arr.add(p);
    }
    JsonObject o = new JsonObject();
    o.add("peers", arr);
    return o;
  }

  /** Return the {@code lookup} shape of a verified presence record. */
  public static JsonObject presence(Presence p) {
    JsonObject o = new JsonObject();
    o.addProperty("id", dev.wormholes.proto.Identity.idOf(p.getPublicKey().toByteArray()).toString());
    o.addProperty("publicKey", hex(p.getPublicKey().toByteArray()));
    o.addProperty("seq", unsigned(p.getSeq()));
    o.addProperty("expiresAt", Instant.ofEpochMilli(p.getExpiresAtMs()).toString());
    JsonArray eps = new JsonArray();
    for (ReachEndpoint e : p.getEndpointsList()) {
      InetSocketAddress a = Endpoints.fromWire(e.getEndpoint()).orElse(null);
      if (a == null) {
        continue;
      }
      JsonObject j = new JsonObject();
      j.addProperty("kind", e.getKind().name().replace("ENDPOINT_", ""));
      j.addProperty("address", address(a));
      if (!e.getVia().isEmpty() && e.getVia().size() == NodeId.BYTES) {
        j.addProperty("via", NodeId.of(e.getVia().toByteArray()).toString());
      }
      eps.add(j);
    }
    o.add("endpoints", eps);
    o.add("nat", nat(p));
    return o;
  }

  private static JsonObject nat(Presence p) {
    JsonObject o = new JsonObject();
    if (!p.hasNat()) {
      return o;
    }
    NatReport n = p.getNat();
    o.addProperty("mapping", n.getMapping().name());
    o.addProperty("filtering", n.getFiltering().name());
    o.addProperty("portPreserving", n.getPortPreserving());
    o.addProperty("hairpinning", n.getHairpinning());
    o.addProperty("mappingLifetimeSeconds", n.getMappingLifetimeS());
    o.addProperty("portMapping", n.getPortMapping().name());
    return o;
  }

  /**
   * Return the {@code "nat"} object of {@code /v1/status}: public endpoints with confidence, the
   * RFC 4787 axes in lower-case words, hairpinning (null: untested), port preservation, mapping
   * lifetime, the port mapping (or null), rendezvous peers, what this node serves, refusals.
   */
  public static JsonObject nat(NatStatus n) {
    JsonObject o = new JsonObject();
    JsonArray pub = new JsonArray();
    for (AddressObserver.PublicEndpoint e : n.publicEndpoints()) {
      JsonObject j = new JsonObject();
      j.addProperty("address", address(e.endpoint()));
      j.addProperty("confidence", e.confidence().name().toLowerCase(java.util.Locale.ROOT));
      pub.add(j);
    }
    o.add("public_endpoints", pub);
    o.addProperty("public", n.isPublic());
    o.addProperty("mapping", behaviour(n.report().mapping()));
    o.addProperty("filtering", behaviour(n.report().filtering()));
    if (n.report().hairpinning() == null) {
      o.add("hairpinning", com.google.gson.JsonNull.INSTANCE);
    } else {
      o.addProperty("hairpinning", n.report().hairpinning());
    }
    o.addProperty("port_preserving", n.report().portPreserving());
    o.addProperty("lifetime_s", n.report().mappingLifetimeMs() / 1000);
    if (n.portMapping() == null) {
      o.add("port_mapping", com.google.gson.JsonNull.INSTANCE);
    } else {
      JsonObject pm = new JsonObject();
      pm.addProperty("protocol", n.portMapping().protocol().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
      pm.addProperty("endpoint", address(n.portMapping().endpoint()));
      pm.addProperty("lifetime_s", n.portMapping().lifetimeS());
      o.add("port_mapping", pm);
    }
    o.add("rendezvous", peers(n.rendezvous()).get("peers"));
    JsonObject serving = new JsonObject();
    serving.addProperty("registrations", n.registrations());
    serving.addProperty("relay_circuits", n.relayCircuits());
    o.add("serving", serving);
    JsonObject refused = new JsonObject();
    n.refused().forEach(refused::addProperty);
    o.add("refused", refused);
    return o;
  }

  /** Return the RFC 4787 name of {@code b}: none, endpoint-independent, ..., unknown. */
  public static String behaviour(NatBehaviour b) {
    return b.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /** Return the {@code get} shape of a value found under {@code key}. */
  public static JsonObject value(NodeId key, StoredValue v) {
    JsonObject o = new JsonObject();
    o.addProperty("key", key.toString());
    byte[] bytes;
    switch (v.getKindCase()) {
      case MUTABLE: {
        MutableItem m = v.getMutable();
        o.addProperty("kind", "mutable");
        bytes = m.getValue().toByteArray();
        o.addProperty("publicKey", hex(m.getPublicKey().toByteArray()));
        o.addProperty("salt", utf8(m.getSalt().toByteArray()));
        break;
      }
      case PRESENCE:
        o.addProperty("kind", "presence");
        bytes = v.getPresence().getPresence().toByteArray();
        break;
      default:
        o.addProperty("kind", "immutable");
        bytes = v.getImmutable().toByteArray();
    }
    String text = utf8(bytes);
    if (text != null) {
      o.addProperty("value", text);
    }
    o.addProperty("valueBase64", Base64.getEncoder().encodeToString(bytes));
    o.addProperty("seq", unsigned(DhtValues.seq(v)));
    return o;
  }

  /** Return the unsigned 64-bit {@code x} as a JSON number. */
  public static Number unsigned(long x) {
    return x >= 0 ? (Number) x : new java.math.BigInteger(Long.toUnsignedString(x));
  }

  /** Return {@code bytes} as text if they are valid UTF-8, else null. */
  public static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
