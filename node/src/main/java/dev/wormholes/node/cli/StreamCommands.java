package dev.wormholes.node.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.node.socks.SocksCredentials;
import dev.wormholes.people.Contact;
import dev.wormholes.people.PersonUrl;
import dev.wormholes.proto.NodeId;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The secure-stream commands of {@code wormholes}: {@code expose}, {@code unexpose}, {@code
 * services} (control API calls) and {@code connect} (see {@link Connect}).
 */
final class StreamCommands {
  private StreamCommands() {}

  /** {@code wormholes expose SERVICE HOST:PORT [--allow NODE_ID]... | --public}. */
  @Command(name = "expose", description = "Forward incoming streams for SERVICE to the local TCP port HOST:PORT"
      + " (kept across restarts).")
  static final class Expose implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(index = "0", paramLabel = "SERVICE", description = "service name: lower-case letters, digits, '-'")
    String service;

    @Parameters(index = "1", paramLabel = "HOST:PORT", description = "the local TCP service, e.g. 127.0.0.1:8000")
    String target;

    @Option(names = "--allow", paramLabel = "NODE_ID", description = "this node may connect (repeatable;"
        + " default: no node until one is allowed)")
    List<String> allow = new java.util.ArrayList<>();

    @Option(names = "--public", description = "any node may connect (no --allow with it)")
    boolean everyone;

    @Option(names = "--network", paramLabel = "NAME", description = "only members of private network NAME may"
        + " connect, and only through it (no --allow or --public with it)")
    String network;

    @Override
    public Integer call() {
      if (everyone && !allow.isEmpty()) {
        throw CliException.usage("--public and --allow exclude each other: a public service lets any node in");
      }
      if (network != null && (everyone || !allow.isEmpty())) {
        throw CliException.usage("--network excludes --public and --allow: the network's members may connect");
      }
      JsonObject body = new JsonObject();
      if (network != null) {
        body.addProperty("network", network);
      }
      body.addProperty("service", service);
      body.addProperty("public", everyone);
      body.addProperty("target", target);
      JsonArray a = new JsonArray();
      for (String id : allow) {
        a.add(nodeId(id).toString());
      }
      body.add("allow", a);
      JsonObject r = parent.client().post("/v1/expose", body);
      return parent.print(r, "exposed " + Render.str(r, "service") + " -> " + Render.str(r, "target")
          + " (" + allowed(r) + ")\n");
    }
  }

  /** {@code wormholes unexpose SERVICE}. */
  @Command(name = "unexpose", description = "Stop exposing SERVICE (streams already open stay open).")
  static final class Unexpose implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(paramLabel = "SERVICE", description = "a service name, as wormholes services lists")
    String service;

    @Override
    public Integer call() {
      JsonObject body = new JsonObject();
      body.addProperty("service", service);
      JsonObject r = parent.client().post("/v1/unexpose", body);
      return parent.print(r, "unexposed " + service + "\n");
    }
  }

  /** {@code wormholes services}. */
  @Command(name = "services", description = "List the exposed services: name, target, who may connect.")
  static final class Services implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Override
    public Integer call() {
      JsonObject r = parent.client().get("/v1/services");
      StringBuilder sb = new StringBuilder();
      JsonArray list = r.has("services") && r.get("services").isJsonArray() ? r.getAsJsonArray("services")
          : new JsonArray();
      if (list.isEmpty()) {
        sb.append("no services exposed (wormholes expose SERVICE HOST:PORT)\n");
      }
      for (int i = 0; i < list.size(); i++) {
        JsonObject s = list.get(i).getAsJsonObject();
        sb.append(String.format(Locale.ROOT, "%-16s %-22s %s%n", Render.str(s, "service"), Render.str(s, "target"),
            allowed(s)));
      }
      return parent.print(r, sb.toString());
    }
  }

  /**
   * {@code wormholes connect NODE_ID SERVICE} or {@code wormholes connect SERVICE@PETNAME} (or
   * {@code SERVICE@PERSONA_ID}): stdin/stdout to a stream, through the daemon's SOCKS proxy (which
   * resolves petnames and persona ids to a contact's device).
   */
  @Command(name = "connect", description = "Bridge stdin/stdout to SERVICE on NODE_ID, or to SERVICE@PETNAME of a"
      + " contact (for ssh -o ProxyCommand='wormholes connect %%h ssh').")
  static final class ConnectCommand implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(index = "0", paramLabel = "NODE_ID|SERVICE@PETNAME",
        description = "52 base32 characters, as `wormholes id` prints, or SERVICE@PETNAME or SERVICE@PERSONA_ID"
            + " (also as wormhole://SERVICE@PETNAME)")
    String node;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SERVICE", description = "a service the node exposes")
    String service;

    @Option(names = "--onion", description = "go through a 3-hop onion circuit via friends and friends of friends"
        + " (the node reached sees the last hop, not this node)")
    boolean onion;

    @Option(names = "--network", paramLabel = "NAME", description = "go inside private network NAME (NODE_ID must"
        + " be a member; a node sharing a network is always reached inside one)")
    String network;

    @Override
    public Integer call() {
      String target;
      String svc;
      node = PersonUrl.serviceAtPerson(node, CliException::usage); // wormhole://SERVICE@PERSON
      int at = node.indexOf('@');
      if (at >= 0 && service == null) {
        svc = node.substring(0, at);
        target = node.substring(at + 1).toLowerCase(Locale.ROOT);
        if (!Contact.validPetname(target) && NodeId.parse(target).isEmpty()) {
          throw CliException.usage("not a petname or persona id: '" + target + "' (as wormholes contacts lists)");
        }
      } else if (service != null) {
        svc = service;
        target = nodeId(node).toString();
      } else {
        throw CliException.usage("give NODE_ID SERVICE or SERVICE@PETNAME");
      }
      String name = svc.toLowerCase(Locale.ROOT);
      if (!PersonUrl.isServiceName(name)) {
        throw CliException.usage("not a service name: '" + svc + "'");
      }
      if (network != null) {
        if (onion) {
          throw CliException.usage("--network excludes --onion");
        }
        NetworkCommands.requireMember(parent.client(), network, target);
      }
      JsonObject status = parent.client().get("/v1/status");
      int port = Connect.socksPort(Render.str(status, "socks"));
      SocksCredentials login = new SocksCredentials(Render.str(status, "socksUser"), Render.str(status, "socksPassword"));
      return new Connect(port, login, target, name, onion, network).run(parent.in(), parent.out());
    }
  }

  /** {@code wormholes circuits}: the onion circuits this node built, their hops, age and streams. */
  @Command(name = "circuits", description = "List the onion circuits this node built (hops nearest first, age,"
      + " streams), its links (bytes queued, cells dropped) and the last circuit that closed.")
  static final class Circuits implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Override
    public Integer call() {
      JsonObject r = parent.client().get("/v1/circuits");
      StringBuilder sb = new StringBuilder();
      JsonArray list = r.has("circuits") && r.get("circuits").isJsonArray() ? r.getAsJsonArray("circuits") : new JsonArray();
      for (var e : list) {
        JsonObject c = e.getAsJsonObject();
        sb.append("circuit ").append(Render.str(c, "circuit")).append(": ");
        JsonArray hops = c.getAsJsonArray("hops");
        for (int i = 0; i < hops.size(); i++) {
          sb.append(i == 0 ? "" : " -> ").append(hops.get(i).getAsString());
        }
        sb.append(", built in ").append(Render.str(c, "buildMs")).append(" ms, age ")
            .append(Render.str(c, "ageMs")).append(" ms, streams ").append(Render.str(c, "streams")).append('\n');
      }
      if (list.isEmpty()) {
        sb.append("no circuit\n");
      }
      JsonArray links = r.has("links") && r.get("links").isJsonArray() ? r.getAsJsonArray("links") : new JsonArray();
      for (var e : links) {
        JsonObject l = e.getAsJsonObject();
        sb.append("link ").append(Render.str(l, "peer")).append(": ").append(Render.str(l, "queuedBytes"))
            .append(" bytes queued, ").append(Render.str(l, "cellsDropped")).append(" cells dropped over the cap\n");
      }
      sb.append("cells dropped: ").append(Render.str(r, "cellsDroppedOverCap")).append(" over a link's ")
          .append(Render.str(r, "linkCapBytes")).append("-byte cap, ").append(Render.str(r, "cellsDroppedDialling"))
          .append(" waiting for a link\n");
      String closed = Render.str(r, "lastClosed");
      if (!closed.isEmpty()) {
        sb.append("last closed: ").append(closed).append('\n');
      }
      String failure = Render.str(r, "lastFailure");
      if (!failure.isEmpty()) {
        sb.append("last failure: ").append(failure).append('\n');
      }
      return parent.print(r, sb.toString());
    }
  }

  /** {@code wormholes ping NODE_ID [--count N]}. */
  @Command(name = "ping", description = "Find the best path to NODE_ID (lan, direct, mapped, punched or relayed),"
      + " print it and time round trips over it.")
  static final class PingCommand implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(paramLabel = "NODE_ID", description = "52 base32 characters, as `wormholes id` prints")
    String node;

    @Option(names = "--count", paramLabel = "N", defaultValue = "3", description = "round trips (1-100, default 3)")
    int count;

    @Option(names = "--relay", description = "go through one of the node's relays even if a better path exists")
    boolean relay;

    @Option(names = "--network", paramLabel = "NAME", description = "time round trips inside private network NAME")
    String network;

    @Override
    public Integer call() {
      NodeId id = nodeId(node);
      if (count < 1 || count > 100) {
        throw CliException.usage("--count must be from 1 to 100");
      }
      if (network != null) {
        return NetworkCommands.ping(parent, network, id, count);
      }
      JsonObject body = new JsonObject();
      body.addProperty("node", id.toString());
      body.addProperty("count", count);
      body.addProperty("relay", relay);
      JsonObject r = parent.client().post("/v1/ping", body);
      StringBuilder sb = new StringBuilder();
      sb.append("path ").append(Render.str(r, "path")).append(' ').append(Render.str(r, "address"));
      boolean reused = r.has("reused") && r.get("reused").getAsBoolean();
      sb.append(reused ? " (in use, found in " : " in ").append(Render.str(r, "time_to_path_ms"))
          .append(reused ? " ms)\n" : " ms\n");
      JsonArray rtts = r.has("rtt_ms") && r.get("rtt_ms").isJsonArray() ? r.getAsJsonArray("rtt_ms") : new JsonArray();
      rtts.forEach(x -> sb.append(String.format(Locale.ROOT, "rtt %.3f ms%n", x.getAsDouble())));
      return parent.print(r, sb.toString());
    }
  }

  private static NodeId nodeId(String text) {
    return NodeId.parse(text).orElseThrow(() -> CliException.usage("not a node id: '"
        + (text.length() <= 60 ? text : text.substring(0, 57) + "...")
        + "' (a node id is 52 base32 characters, as wormholes id prints)"));
  }

  private static String allowed(JsonObject s) {
    if (s.has("public") && s.get("public").isJsonPrimitive() && s.get("public").getAsBoolean()) {
      return "public: any node";
    }
    if (s.has("network") && s.get("network").isJsonPrimitive()) {
      return "members of network " + s.get("network").getAsString();
    }
    JsonArray a = s.has("allow") && s.get("allow").isJsonArray() ? s.getAsJsonArray("allow") : new JsonArray();
    if (a.isEmpty()) {
      return "no node may connect yet: add --allow NODE_ID, or --public";
    }
    StringBuilder sb = new StringBuilder("allow ");
    for (int i = 0; i < a.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(a.get(i).getAsString());
    }
    return sb.toString();
  }
}
