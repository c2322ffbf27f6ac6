package dev.wormholes.node.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The private network commands of {@code wormholes}: {@code network create|invite|join|remove}
 * and {@code networks} (control API calls to {@code /v1/networks}).
 */
final class NetworkCommands {
  private NetworkCommands() {}

  /** {@code wormholes network create|invite|join|remove}. */
  @Command(name = "network", description = "Make, invite into, join or remove members of a private network.",
      subcommands = {Create.class, Invite.class, Join.class, Remove.class})
  static final class NetworkCommand implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Override
    public Integer call() {
      throw CliException.usage("network needs a subcommand: create, invite, join or remove");
    }
  }

  /** {@code wormholes network create NAME}. */
  @Command(name = "create", description = "Make a private network; this node is its first member and admin.")
  static final class Create implements Callable<Integer> {
    @ParentCommand NetworkCommand network;

    @Parameters(paramLabel = "NAME", description = "1 to 32 lowercase letters, digits and dashes")
    String name;

    @Override
    public Integer call() {
      JsonObject body = new JsonObject();
      body.addProperty("name", name.toLowerCase(Locale.ROOT));
      JsonObject r = network.parent.client().post("/v1/networks/create", body);
      return network.parent.print(r, "network " + Render.str(r, "name") + " " + Render.str(r, "id") + "\n");
    }
  }

  /** {@code wormholes network invite NAME [--admin] [--expires D]}. */
  @Command(name = "invite", description = "Print a one-time link that lets one device join the network.")
  static final class Invite implements Callable<Integer> {
    @ParentCommand NetworkCommand network;

    @Parameters(paramLabel = "NAME") String name;

    @Option(names = "--admin", description = "the joiner becomes an admin too")
    boolean admin;

    @Mixin LinkExpiry expiry;

    @Override
    public Integer call() {
      JsonObject body = new JsonObject();
      body.addProperty("name", name);
      body.addProperty("admin", admin);
      body.addProperty("expiresSeconds", expiry.seconds());
      JsonObject r = network.parent.client().post("/v1/networks/invite", body);
      return network.parent.print(r, Render.str(r, "link") + "\n");
    }
  }

  /** {@code wormholes network join LINK [--name NAME]}. */
  @Command(name = "join", description = "Join a private network with a one-time link.")
  static final class Join implements Callable<Integer> {
    @ParentCommand NetworkCommand network;

    @Parameters(paramLabel = "LINK", description = "wormholes-net:...") String link;

    @Option(names = "--name", paramLabel = "NAME", description = "this node's name for the network (default: the inviter's)")
    String name;

    @Override
    public Integer call() {
      if (!link.trim().startsWith("wormholes-net:")) {
        throw CliException.usage("not a network invite link: it starts with wormholes-net:");
      }
      JsonObject body = new JsonObject();
      body.addProperty("link", link.trim());
      if (name != null) {
        body.addProperty("name", name.toLowerCase(Locale.ROOT));
      }
      JsonObject r = network.parent.client().post("/v1/networks/join", body);
      return network.parent.print(r, "joined " + Render.str(r, "name") + "\n");
    }
  }

  /** {@code wormholes network remove NAME MEMBER}. */
  @Command(name = "remove", description = "Remove a member (node id): a new epoch key goes to the others only.")
  static final class Remove implements Callable<Integer> {
    @ParentCommand NetworkCommand network;

    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Parameters(index = "1", paramLabel = "MEMBER", description = "the member's node id") String member;

    @Override
    public Integer call() {
      JsonObject body = new JsonObject();
      body.addProperty("name", name);
      body.addProperty("member", member);
      JsonObject r = network.parent.client().post("/v1/networks/remove", body);
      return network.parent.print(r, "removed; " + name + " is at epoch " + Render.str(r, "epoch") + "\n");
    }
  }

  /** {@code wormholes networks}. */
  @Command(name = "networks", description = "List this node's private networks: members, epoch, who is online.")
  static final class Networks implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Override
    public Integer call() {
      JsonObject r = parent.client().get("/v1/networks");
      StringBuilder sb = new StringBuilder();
      for (JsonElement e : r.getAsJsonArray("networks")) {
        JsonObject n = e.getAsJsonObject();
        if (Boolean.parseBoolean(Render.str(n, "removed"))) {
          sb.append(String.format(Locale.ROOT, "%s  removed: this node was removed by %s (epoch %s, signed notice kept)%n"
              + "  id %s%n", Render.str(n, "name"), Render.str(n, "removed_by"), Render.str(n, "epoch"), Render.str(n, "id")));
          continue;
        }
        sb.append(String.format(Locale.ROOT, "%s  epoch %s  %s%n  id %s%n", Render.str(n, "name"),
            Render.str(n, "epoch"), Boolean.parseBoolean(Render.str(n, "admin")) ? "admin" : "member",
            Render.str(n, "id")));
        for (JsonElement m : n.getAsJsonArray("members")) {
          JsonObject mo = m.getAsJsonObject();
          sb.append(String.format(Locale.ROOT, "  %s %s%s%s%n", Render.str(mo, "id"),
              Boolean.parseBoolean(Render.str(mo, "online")) ? "online " : "offline",
              Boolean.parseBoolean(Render.str(mo, "admin")) ? " admin" : "",
              Boolean.parseBoolean(Render.str(mo, "self")) ? " (this node)" : ""));
        }
        if (n.has("unanswered_s") && n.get("unanswered_s").getAsLong() > 0) {
          sb.append(String.format(Locale.ROOT, "  no member reachable for %s s (asked kept peers for the roster %s times):"
              + " a change made while this node was away reaches it from any member of its epoch that comes online;"
              + " if none does, an admin can invite it again%n", Render.str(n, "unanswered_s"), Render.str(n, "asked_rounds")));
        }
      }
      return parent.print(r, sb.length() == 0 ? "no private networks\n" : sb.toString());
    }
  }

  /** Fail unless this node is in network {@code name} and {@code node} (a node id) is a member of it. */
  static void requireMember(ControlClient client, String name, String node) {
    for (JsonElement e : client.get("/v1/networks").getAsJsonArray("networks")) {
      JsonObject n = e.getAsJsonObject();
      if (Render.str(n, "name").equals(name)) {
        if (Boolean.parseBoolean(Render.str(n, "removed"))) {
          throw CliException.failed("this node was removed from network " + name + " by " + Render.str(n, "removed_by"));
        }
        for (JsonElement m : n.getAsJsonArray("members")) {
          if (Render.str(m.getAsJsonObject(), "id").equalsIgnoreCase(node)) {
            return;
          }
        }
        throw CliException.failed("node " + node + " is not a member of network " + name);
      }
    }
    throw CliException.failed("this node is in no network called " + name + " (wormholes networks lists them)");
  }

  /** {@code wormholes ping --network NAME NODE_ID}: round trips inside the network. */
  static int ping(Wormholes parent, String name, dev.wormholes.proto.NodeId node, int count) {
    JsonObject body = new JsonObject();
    body.addProperty("name", name);
    body.addProperty("node", node.toString());
    body.addProperty("count", count);
    JsonObject r = parent.client().post("/v1/networks/ping", body);
    StringBuilder sb = new StringBuilder("path network " + name + "\n");
    if (r.has("rtt_ms") && r.get("rtt_ms").isJsonArray()) {
      r.getAsJsonArray("rtt_ms").forEach(x -> sb.append(String.format(Locale.ROOT, "rtt %.3f ms%n", x.getAsDouble())));
    }
    return parent.print(r, sb.toString());
  }
}
