package dev.wormholes.node.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The commands for people at a screen: {@code web} (the status page's login URL), {@code whisper}
 * and {@code whispers}.
 */
final class UiCommands {
  private UiCommands() {}

  /** {@code wormholes web}. */
  @Command(name = "web", description = "Print a one-time URL that logs a browser on this machine into the node's"
      + " status page (valid for 5 minutes, once).")
  static final class Web implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Override
    public Integer call() {
      JsonObject r = parent.client().post("/v1/web", new JsonObject());
      return parent.print(r, Render.str(r, "url") + "\n");
    }
  }

  /** {@code wormholes whisper NAME TEXT...}. */
  @Command(name = "whisper", description = "Send a short message (up to 1024 bytes) to a contact; it waits in"
      + " this node's outbox and is retried while the contact is offline.")
  static final class Whisper implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(index = "0", paramLabel = "NAME",
        description = "a contact's petname or persona id (also as wormhole://SERVICE@NAME), or a node id")
    String name;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "TEXT", description = "the message (words are joined with spaces)")
    List<String> words;

    @Override
    public Integer call() {
      String text = String.join(" ", words);
      int bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      if (bytes > 1024) {
        throw CliException.usage("the whisper is " + bytes + " bytes; the limit is 1024");
      }
      JsonObject body = new JsonObject();
      body.addProperty("to", name);
      body.addProperty("text", text);
      JsonObject r = parent.client().post("/v1/whisper", body);
      String state = Render.str(r, "state");
      String line = switch (state) {
        case "delivered" -> "delivered to " + Render.str(r, "to");
        case "refused" -> "refused by " + Render.str(r, "to") + ": " + Render.str(r, "reason");
        default -> "queued for " + Render.str(r, "to") + " (not reachable now; retried until it is)";
      };
      if (state.equals("refused")) {
        if (parent.json) {
          parent.print(r, "");
        }
        throw CliException.failed(line);
      }
      return parent.print(r, line + "\n");
    }
  }

  /** {@code wormholes mailbox add|remove|list [NAME]}. */
  @Command(name = "mailbox", description = "Name up to three contacts as mailbox friends: they hold whispers"
      + " sealed to you while you are offline, and this node fetches them when it is back.")
  static final class MailboxCommand implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(index = "0", paramLabel = "ACTION", description = "add, remove or list")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "a contact's petname or persona id")
    String name;

    @Override
    public Integer call() {
      JsonObject r;
      if (action.equals("list")) {
        r = parent.client().get("/v1/mailboxes");
      } else if (name == null) {
        throw CliException.usage("mailbox " + action + " needs a NAME");
      } else {
        JsonObject body = new JsonObject();
        body.addProperty("action", action);
        body.addProperty("name", name);
        r = parent.client().post("/v1/mailboxes", body);
      }
      StringBuilder sb = new StringBuilder();
      JsonArray named = r.getAsJsonArray("mailboxes");
      if (named.isEmpty()) {
        sb.append("no mailbox friends named\n");
      }
      for (JsonElement e : named) {
        JsonObject o = e.getAsJsonObject();
        sb.append("mailbox ").append(o.has("name") ? Render.str(o, "name") : "?").append(' ')
            .append(Render.str(o, "persona")).append('\n');
      }
      int held = r.getAsJsonObject("holding").entrySet().stream().mapToInt(x -> x.getValue().getAsInt()).sum();
      sb.append("holding ").append(held).append(" sealed whispers for friends\n");
      return parent.print(r, sb.toString());
    }
  }

  /** {@code wormholes whispers}. */
  @Command(name = "whispers", description = "List whispers received (oldest first) and those sent that still wait.")
  static final class WhispersCommand implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Override
    public Integer call() {
      JsonObject r = parent.client().get("/v1/whispers");
      return parent.print(r, render(r));
    }

    static String render(JsonObject r) {
      StringBuilder sb = new StringBuilder();
      JsonArray in = array(r, "inbox");
      if (in.isEmpty()) {
        sb.append("no whispers received\n");
      }
      for (JsonElement e : in) {
        JsonObject w = e.getAsJsonObject();
        sb.append(String.format(Locale.ROOT, "%s  %-16s %s%n", Render.str(w, "sentAt"), Render.str(w, "from"),
            Render.str(w, "text").replace("\n", "\n" + " ".repeat(42))));
      }
      for (JsonElement e : array(r, "outbox")) {
        JsonObject w = e.getAsJsonObject();
        if (!Render.str(w, "state").equals("delivered")) {
          sb.append(String.format(Locale.ROOT, "to %-16s %-8s %s attempt(s)%s: %s%n", Render.str(w, "to"),
              Render.str(w, "state"), Render.str(w, "attempts"),
              w.has("reason") ? " (" + Render.str(w, "reason") + ")" : "", Render.str(w, "text")));
        }
      }
      return sb.toString();
    }

    private static JsonArray array(JsonObject o, String name) {
      return o.has(name) && o.get(name).isJsonArray() ? o.getAsJsonArray(name) : new JsonArray();
    }
  }
}
