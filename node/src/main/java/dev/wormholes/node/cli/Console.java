package dev.wormholes.node.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code wormholes console}: an interactive shell with the prompt {@code wormholes>} (JLine:
 * history in {@code DATA/console.history}, completion of commands and petnames). Every command is
 * a control API call; errors are one line. A watcher thread asks the API every second for new
 * whispers and for whispers of ours that got delivered, and prints them above the prompt as they
 * arrive. Works in any terminal, also over ssh.
 */
@Command(name = "console", description = "An interactive shell (prompt wormholes>): whispers shown as they arrive,"
    + " and commands (/help lists them).")
final class Console implements Callable<Integer> {
  static final String PROMPT = "wormholes> ";
  static final long WATCH_EVERY_MS = 1_000;
  static final Map<String, String> COMMANDS = commands();

  @ParentCommand Wormholes parent;

  private final List<String> petnames = new CopyOnWriteArrayList<>();
  // Whispers whose outcome the /whisper command printed itself: the watcher does not repeat it.
  private final Set<String> answered = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean running = true;

  private static Map<String, String> commands() {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put("/status", "this node: id, addresses, peers, NAT");
    m.put("/peers", "the routing table");
    m.put("/ftable", "the routing table by bucket, with its health");
    m.put("/lookup", "/lookup NODE_ID: a node's presence record");
    m.put("/contacts", "your contacts and their state");
    m.put("/whisper", "/whisper NAME TEXT: a short message to a contact");
    m.put("/whispers", "whispers received, and sent ones still waiting");
    m.put("/channels", "your channels: members, posts, epoch");
    m.put("/channel", "/channel NAME: a channel's posts");
    m.put("/join", "/join LINK: join a channel with a one-time link");
    m.put("/leave", "/leave NAME: forget a channel on this node");
    m.put("/channelcast", "/channelcast NAME TEXT: post to a channel's members");
    m.put("/webui", "a one-time URL for the status page");
    m.put("/tor", "Tor (not supported yet)");
    m.put("/help", "this list");
    m.put("/quit", "leave the console (the node keeps running)");
    return m;
  }

  @Override
  public Integer call() throws IOException {
    ControlClient api = parent.client();
    JsonObject me = api.get("/v1/whoami");
    try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
      LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("wormholes")
          .completer(completer())
          .variable(LineReader.HISTORY_FILE, parent.dataDir().resolve("console.history"))
          .build();
      refreshPetnames(api);
      terminal.writer().println("wormholes console: node " + Render.str(me, "node") + ", persona "
          + Render.str(me, "persona") + ", " + Render.str(me, "contacts") + " contact(s). /help lists the commands.");
      terminal.flush();
      Thread watcher = new Thread(() -> watch(api, reader), "console-watcher");
      watcher.setDaemon(true);
      watcher.start();
      while (running) {
        String line;
        try {
          line = reader.readLine(PROMPT);
        } catch (UserInterruptException e) {
          continue;
        } catch (EndOfFileException e) {
          break;
        }
        String out = run(api, line.strip());
        if (!out.isEmpty()) {
          terminal.writer().print(out.endsWith("\n") ? out : out + "\n");
          terminal.flush();
        }
      }
      running = false;
      return 0;
    }
  }

  /** Run one console line; return what to print. */
  String run(ControlClient api, String line) {
    if (line.isEmpty()) {
      return "";
    }
    String[] w = line.split("\\s+", 3);
    String cmd = w[0].toLowerCase(Locale.ROOT);
    try {
      switch (cmd) {
        case "/help":
          StringBuilder sb = new StringBuilder();
          COMMANDS.forEach((c, d) -> sb.append(String.format(Locale.ROOT, "  %-13s %s%n", c, d)));
          return sb.toString();
        case "/quit":
        case "/exit":
          running = false;
          return "";
        case "/status":
          return Render.status(api.get("/v1/status"));
        case "/peers":
          return Render.peers(api.get("/v1/peers"));
        case "/ftable":
          return ftable(api.get("/v1/dht"));
        case "/lookup":
          if (w.length < 2) {
            return "error: /lookup NODE_ID";
          }
          return Render.lookup(api.get("/v1/lookup/" + w[1]), java.time.Instant.now());
        case "/contacts":
          refreshPetnames(api);
          return contacts(api.get("/v1/contacts"));
        case "/whisper":
          if (w.length < 3) {
            return "error: /whisper NAME TEXT";
          }
          JsonObject body = new JsonObject();
          body.addProperty("to", w[1]);
          body.addProperty("text", w[2]);
          JsonObject r = api.post("/v1/whisper", body);
          if (!Render.str(r, "state").equals("queued")) {
            answered.add(Render.str(r, "id"));
          }
          return Render.str(r, "state") + (r.has("reason") ? " (" + Render.str(r, "reason") + ")" : "")
              + ": " + Render.str(r, "to");
        case "/whispers":
          return UiCommands.WhispersCommand.render(api.get("/v1/whispers"));
        case "/webui":
          return Render.str(api.post("/v1/web", new JsonObject()), "url");
        case "/tor":
          return "Tor is not supported yet (Wormholes has its own onion circuits in the making)";
        default:
          String ch = ChannelCommands.console(api, cmd, w);
          return ch != null ? ch : "error: unknown command " + clip(w[0]) + " (/help lists them)";
      }
    } catch (CliException e) {
      return "error: " + e.getMessage();
    }
  }

  private static String ftable(JsonObject d) {
    StringBuilder sb = new StringBuilder();
    sb.append("health ").append(Render.str(d, "health")).append(": ").append(Render.str(d, "contacts"))
        .append(" contacts (k = ").append(Render.str(d, "k")).append(")\n");
    for (JsonElement e : array(d, "buckets")) {
      JsonObject b = e.getAsJsonObject();
      int n = b.get("contacts").getAsInt();
      sb.append(String.format(Locale.ROOT, "  bucket %3s  %2d %s%n", Render.str(b, "bucket"), n, "#".repeat(Math.min(n, 40))));
    }
    return sb.toString();
  }

  private static String contacts(JsonObject r) {
    StringBuilder sb = new StringBuilder();
    JsonArray list = array(r, "contacts");
    if (list.isEmpty()) {
      return "no contacts yet";
    }
    for (JsonElement e : list) {
      JsonObject c = e.getAsJsonObject();
      sb.append(String.format(Locale.ROOT, "  %-16s %-9s%s%n", Render.str(c, "petname"), Render.str(c, "state"),
          c.has("blockReason") ? " -- " + Render.str(c, "blockReason") : ""));
    }
    return sb.toString();
  }

  // Every second: new whispers in, ours delivered; printed above the prompt. Failures are shown once.
  private void watch(ControlClient api, LineReader reader) {
    Set<String> seenIn = null;
    Map<String, String> outState = new HashMap<>();
    String lastError = null;
    while (running) {
      try {
        JsonObject w = api.get("/v1/whispers");
        lastError = null;
        Set<String> ids = new HashSet<>();
        List<String> lines = new ArrayList<>();
        for (JsonElement e : array(w, "inbox")) {
          JsonObject x = e.getAsJsonObject();
          String id = Render.str(x, "id");
          ids.add(id);
          if (seenIn != null && !seenIn.contains(id)) {
            lines.add("whisper from " + Render.str(x, "from") + ": " + Render.str(x, "text"));
          }
        }
        for (JsonElement e : array(w, "outbox")) {
          JsonObject x = e.getAsJsonObject();
          String id = Render.str(x, "id");
          String state = Render.str(x, "state");
          String before = outState.put(id, state);
          if (before != null && !before.equals(state) && !state.equals("queued") && !answered.contains(id)) {
            lines.add("whisper to " + Render.str(x, "to") + " " + state + ": " + Render.str(x, "text"));
          }
        }
        seenIn = ids;
        lines.forEach(reader::printAbove);
      } catch (CliException e) {
        if (!e.getMessage().equals(lastError)) {
          reader.printAbove("error: " + e.getMessage());
        }
        lastError = e.getMessage();
      }
      try {
        Thread.sleep(WATCH_EVERY_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void refreshPetnames(ControlClient api) {
    try {
      List<String> names = new ArrayList<>();
      for (JsonElement e : array(api.get("/v1/contacts"), "contacts")) {
        names.add(Render.str(e.getAsJsonObject(), "petname"));
      }
      petnames.clear();
      petnames.addAll(names);
    } catch (CliException e) {
      // completion of petnames waits for the next refresh
    }
  }

  // Commands first; a petname after /whisper.
  private Completer completer() {
    return (LineReader r, ParsedLine line, List<Candidate> out) -> {
      if (line.wordIndex() == 0) {
        COMMANDS.keySet().forEach(c -> out.add(new Candidate(c)));
      } else if (line.wordIndex() == 1 && line.words().get(0).equalsIgnoreCase("/whisper")) {
        petnames.forEach(p -> out.add(new Candidate(p)));
      }
    };
  }

  private static JsonArray array(JsonObject o, String name) {
    return o.has(name) && o.get(name).isJsonArray() ? o.getAsJsonArray(name) : new JsonArray();
  }

  private static String clip(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }
}
