package dev.wormholes.node.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code wormholes channel create|invite|join|leave|post|read|remove} and {@code wormholes
 * channels} (control API calls to {@code /v1/channels}).
 */
final class ChannelCommands {
  private ChannelCommands() {}

  /** {@code wormholes channel ...}. */
  @Command(name = "channel", description = "Make, invite into, join, leave, post to, read or remove members of a channel.",
      subcommands = {Create.class, Invite.class, Join.class, Leave.class, Post.class, Read.class, Remove.class})
  static final class ChannelCommand implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Override
    public Integer call() {
      throw CliException.usage("channel needs a subcommand: create, invite, join, leave, post, read or remove");
    }

    JsonObject post(String path, String... pairs) {
      return parent.client().post(path, body(pairs));
    }
  }

  /**
   * Run the console's channel command {@code cmd} with words {@code w} (the command, then at most
   * two more, the last one the rest of the line); return what to print, or null if {@code cmd} is
   * not a channel command. {@code /channel} and {@code /leave} take the rest of the line as the
   * channel's name; {@code /channelcast} takes one word (a name without spaces, or the id). The
   * answers print as the {@code wormholes channel} commands print them.
   */
  static String console(ControlClient api, String cmd, String[] w) {
    String usage = switch (cmd) {
      case "/channels" -> "/channels";
      case "/channel" -> "/channel NAME";
      case "/join" -> "/join LINK";
      case "/leave" -> "/leave NAME";
      case "/channelcast" -> "/channelcast NAME TEXT";
      default -> null;
    };
    if (usage == null) {
      return null;
    }
    if (w.length < usage.split(" ").length) {
      return "error: " + usage;
    }
    String rest = w.length < 2 ? "" : String.join(" ", Arrays.copyOfRange(w, 1, w.length));
    return switch (cmd) {
      case "/channels" -> Channels.render(api.get("/v1/channels"));
      case "/channel" -> Read.render(api.get(Read.path(rest)));
      case "/join" -> Join.render(api.post("/v1/channels/join", body("link", w[1])));
      case "/leave" -> Leave.render(api.post("/v1/channels/leave", body("channel", rest)));
      default -> Post.render(api.post("/v1/channels/post", body("channel", w[1], "text", w[2])));
    };
  }

  // A JSON object of string properties: name, value, name, value...
  private static JsonObject body(String... pairs) {
    JsonObject body = new JsonObject();
    for (int i = 0; i < pairs.length; i += 2) {
      body.addProperty(pairs[i], pairs[i + 1]);
    }
    return body;
  }

  /** {@code wormholes channel create NAME}. */
  @Command(name = "create", description = "Make a channel; this node owns it (invites, removes).")
  static final class Create implements Callable<Integer> {
    @ParentCommand ChannelCommand channel;

    @Parameters(paramLabel = "NAME", description = "1 to 64 bytes") String name;

    @Override
    public Integer call() {
      JsonObject r = channel.post("/v1/channels/create", "name", name);
      return channel.parent.print(r, "channel " + Render.str(r, "name") + " " + Render.str(r, "id") + "\n");
    }
  }

  /** {@code wormholes channel invite CHANNEL [--expires D]}. */
  @Command(name = "invite", description = "Print a one-time link that lets one device join the channel.")
  static final class Invite implements Callable<Integer> {
    @ParentCommand ChannelCommand channel;

    @Parameters(paramLabel = "CHANNEL", description = "the channel's name or id") String name;

    @Mixin LinkExpiry expiry;

    @Override
    public Integer call() {
      JsonObject body = new JsonObject();
      body.addProperty("channel", name);
      body.addProperty("expiresSeconds", expiry.seconds());
      JsonObject r = channel.parent.client().post("/v1/channels/invite", body);
      return channel.parent.print(r, Render.str(r, "link") + "\n");
    }
  }

  /** {@code wormholes channel join LINK}. */
  @Command(name = "join", description = "Join a channel with a one-time link (asks the owner's node).")
  static final class Join implements Callable<Integer> {
    @ParentCommand ChannelCommand channel;

    @Parameters(paramLabel = "LINK", description = "wormholes-channel:...") String link;

    @Override
    public Integer call() {
      if (!link.strip().startsWith("wormholes-channel:")) {
        throw CliException.usage("not a channel invite link: it starts with wormholes-channel:");
      }
      JsonObject r = channel.post("/v1/channels/join", "link", link.strip());
      return channel.parent.print(r, render(r));
    }

    static String render(JsonObject r) {
      return "joined " + Render.str(r, "name") + " " + Render.str(r, "id") + "\n";
    }
  }

  /** {@code wormholes channel leave CHANNEL}. */
  @Command(name = "leave", description = "Forget a channel and its posts on this node.")
  static final class Leave implements Callable<Integer> {
    @ParentCommand ChannelCommand channel;

    @Parameters(paramLabel = "CHANNEL") String name;

    @Override
    public Integer call() {
      JsonObject r = channel.post("/v1/channels/leave", "channel", name);
      return channel.parent.print(r, render(r));
    }

    static String render(JsonObject r) {
      return "left " + Render.str(r, "name") + "\n";
    }
  }

  /** {@code wormholes channel post CHANNEL TEXT...}. */
  @Command(name = "post", description = "Post a message (up to 1024 bytes) to a channel's members.")
  static final class Post implements Callable<Integer> {
    @ParentCommand ChannelCommand channel;

    @Parameters(index = "0", paramLabel = "CHANNEL") String name;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "TEXT", description = "the message (words joined with spaces)")
    List<String> words;

    @Override
    public Integer call() {
      JsonObject r = channel.post("/v1/channels/post", "channel", name, "text", String.join(" ", words));
      return channel.parent.print(r, render(r));
    }

    static String render(JsonObject r) {
      return "posted #" + Render.str(r, "seq") + " to " + Render.str(r, "name") + "\n";
    }
  }

  /** {@code wormholes channel read CHANNEL}. */
  @Command(name = "read", description = "Print a channel's posts in the order this node got them.")
  static final class Read implements Callable<Integer> {
    @ParentCommand ChannelCommand channel;

    @Parameters(paramLabel = "CHANNEL") String name;

    @Override
    public Integer call() {
      JsonObject r = channel.parent.client().get(path(name));
      return channel.parent.print(r, render(r));
    }

    static String path(String name) {
      return "/v1/channels/read/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
    }

    static String render(JsonObject r) {
      StringBuilder sb = new StringBuilder();
      for (JsonElement e : r.getAsJsonArray("posts")) {
        JsonObject p = e.getAsJsonObject();
        sb.append(String.format(Locale.ROOT, "%s %s #%s: %s%n", Render.str(p, "sentAt"), Render.str(p, "from"),
            Render.str(p, "seq"), p.has("text") ? Render.str(p, "text") : "(sealed to an epoch this node has no key of)"));
      }
      return sb.length() == 0 ? "no posts yet\n" : sb.toString();
    }
  }

  /** {@code wormholes channel remove CHANNEL MEMBER}. */
  @Command(name = "remove", description = "Remove a member (node id or petname): the others get a new epoch key.")
  static final class Remove implements Callable<Integer> {
    @ParentCommand ChannelCommand channel;

    @Parameters(index = "0", paramLabel = "CHANNEL") String name;

    @Parameters(index = "1", paramLabel = "MEMBER") String member;

    @Override
    public Integer call() {
      JsonObject r = channel.post("/v1/channels/remove", "channel", name, "member", member);
      return channel.parent.print(r, "removed; " + Render.str(r, "name") + " is at epoch " + Render.str(r, "epoch") + "\n");
    }
  }

  /** {@code wormholes channels}. */
  @Command(name = "channels", description = "List this node's channels: members, posts, epoch.")
  static final class Channels implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Override
    public Integer call() {
      JsonObject r = parent.client().get("/v1/channels");
      return parent.print(r, render(r));
    }

    static String render(JsonObject r) {
      StringBuilder sb = new StringBuilder();
      for (JsonElement e : r.getAsJsonArray("channels")) {
        JsonObject c = e.getAsJsonObject();
        sb.append(String.format(Locale.ROOT, "%s  %s members  %s posts  epoch %s%s%n  id %s%n", Render.str(c, "name"),
            c.getAsJsonArray("members").size(), Render.str(c, "posts"), Render.str(c, "epoch"),
            Boolean.parseBoolean(Render.str(c, "member")) ? "" : "  (removed)", Render.str(c, "id")));
      }
      return sb.length() == 0 ? "no channels\n" : sb.toString();
    }
  }
}
