package dev.wormholes.node.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code wormholes [--data DIR] COMMAND [--json]}: talk to the daemon ({@code wormholed}) of a
 * data dir over its control API.
 *
 * <p>Check node ids, keys and value sizes here, before calling the daemon. Print a short human
 * form, or with {@code --json} the API's JSON object on one line. On failure print one line on
 * stderr prefixed {@code wormholes: } and exit 1 (not found / query failed), 2 (usage / bad
 * input) or 3 (no daemon running); never a stack trace.
 */
@Command(name = "wormholes", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "wormholes 0.1.0",
    description = "Talk to the Wormholes node (bin/wormholed) of a data dir.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {StreamCommands.PingCommand.class, StreamCommands.Expose.class, StreamCommands.Unexpose.class, StreamCommands.Services.class,
        StreamCommands.ConnectCommand.class, StreamCommands.Circuits.class, PeopleCommands.WhoAmI.class, PeopleCommands.InviteCommand.class,
        PeopleCommands.Accept.class, PeopleCommands.Contacts.class, PeopleCommands.ContactCommand.class,
        PeopleCommands.Sign.class, PeopleCommands.Verify.class, PeopleCommands.Encrypt.class, PeopleCommands.Decrypt.class,
        NetworkCommands.NetworkCommand.class, NetworkCommands.Networks.class, UiCommands.Web.class,
        UiCommands.Whisper.class, UiCommands.WhispersCommand.class, UiCommands.MailboxCommand.class, Console.class,
        PeopleCommands.Rotate.class, PeopleCommands.Recover.class, PeopleCommands.DeviceCommand.class, PeopleCommands.Request.class,
        ChannelCommands.ChannelCommand.class, ChannelCommands.Channels.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:ok", "1:not found, or the query failed", "2:usage or bad input",
        "3:no daemon is running for the data dir"})
public final class Wormholes implements Callable<Integer> {
  @Option(names = "--data", paramLabel = "DIR", scope = ScopeType.INHERIT,
      description = "The node's data dir (default: ~/.wormholes).")
  String data;

  boolean json;

  /** Set by {@code --json} before or after the command; once set, it stays set. */
  @Option(names = "--json", scope = ScopeType.INHERIT,
      description = "Print the API's answer as one JSON object.")
  void json(boolean on) {
    json |= on;
  }

  @Spec CommandSpec spec;

  private final PrintStream out;
  private final PrintStream err;
  private final InputStream in;

  PrintStream out() {
    return out;
  }

  InputStream in() {
    return in;
  }

  private Wormholes(PrintStream out, PrintStream err, InputStream in) {
    this.out = out;
    this.err = err;
    this.in = in;
  }

  /** Run the command line and exit with its code. */
  public static void main(String[] args) {
    System.exit(execute(args, System.out, System.err, System.in));
  }

  /** Run the command line with the given streams and return the exit code (0, 1, 2 or 3). */
  public static int execute(String[] args, PrintStream out, PrintStream err, InputStream in) {
    Wormholes app = new Wormholes(out, err, in);
    CommandLine cl = new CommandLine(app);
    // `wormholes --json status --json` is no mistake worth an error.
    cl.setOverwrittenOptionsAllowed(true);
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setParameterExceptionHandler((e, a) -> {
      err.println("wormholes: " + usageMessage(e) + " (see wormholes --help)");
      return CliException.USAGE;
    });
    cl.setExecutionExceptionHandler((e, c, r) -> {
      if (e instanceof CliException) {
        err.println("wormholes: " + e.getMessage());
        return ((CliException) e).exitCode();
      }
      err.println("wormholes: unexpected error: " + ControlClient.oneLine(e.toString()));
      return CliException.FAILED;
    });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** Without a command: print the usage to stderr and exit 2. */
  @Override
  public Integer call() {
    spec.commandLine().usage(err);
    return CliException.USAGE;
  }

  @Command(name = "id", description = "Print this node's id.")
  int id() {
    JsonObject a = client().get("/v1/id");
    return print(a, Render.id(a));
  }

  @Command(name = "status", description = "Print id, listen and observed addresses, peer count, records held.")
  int status() {
    JsonObject a = client().get("/v1/status");
    return print(a, Render.status(a));
  }

  @Command(name = "peers", description = "List the routing table: node id and address.")
  int peers() {
    JsonObject a = client().get("/v1/peers");
    return print(a, Render.peers(a));
  }

  @Command(name = "lookup", description = "Find a node's verified presence record (by node id or public key): "
      + "endpoints, seq, expiry, and which source answered (overlay or mainline).")
  int lookup(@Parameters(paramLabel = "NODE_ID", description = "52 base32 characters, as `wormholes id` prints, "
      + "or the node's public key (64 hex digits), which mainline needs") String nodeId,
      @Option(names = "--network", paramLabel = "NAME", description = "look up inside this private network") String network) {
    if (network != null) {
      NodeId member = NodeId.parse(nodeId).orElseThrow(() -> CliException.usage("not a node id: '" + clip(nodeId) + "'"));
      JsonObject a = client().get("/v1/networks/lookup/" + network + "/" + member);
      return print(a, Render.lookup(a, Instant.now()));
    }
    String key = nodeId.matches("[0-9a-fA-F]{64}") ? nodeId.toLowerCase() : null;
    NodeId id = key != null ? null : NodeId.parse(nodeId).orElseThrow(() -> CliException.usage("not a node id: '"
        + clip(nodeId) + "' (a node id is 52 base32 characters, as wormholes id prints)"));
    JsonObject a = client().get("/v1/lookup/" + (key != null ? key : id));
    return print(a, Render.lookup(a, Instant.now()));
  }

  @Command(name = "put", description = "Store a value (up to 1000 bytes) in the DHT and print its key.")
  int put(
      @Option(names = "--mutable", description = "A mutable item signed by this node: key = hash(public key, salt).") boolean mutable,
      @Option(names = "--salt", paramLabel = "S", description = "Salt of a mutable item (default: \"default\").") String salt,
      @Option(names = "--seq", paramLabel = "N", description = "Sequence number of a mutable item (default: held seq + 1).") Long seq,
      @Parameters(paramLabel = "VALUE", description = "The value as text, or - to read bytes from stdin.") String value) {
    if (!mutable && (salt != null || seq != null)) {
      throw CliException.usage("--salt and --seq need --mutable");
    }
    JsonObject body = valueBody(value);
    if (mutable) {
      body.addProperty("mutable", true);
      if (salt != null) {
        body.addProperty("salt", checkedSalt(salt));
      }
      if (seq != null) {
        if (seq < 0) {
          throw CliException.usage("--seq must not be negative");
        }
        body.addProperty("seq", seq);
      }
    }
    JsonObject a = client().post("/v1/put", body);
    if (!json) {
      err.print(Render.putSummary(a));
    }
    return print(a, Render.putKey(a));
  }

  @Command(name = "get", description = "Fetch the value stored under KEY and print it.")
  int get(@Parameters(paramLabel = "KEY", description = "52 base32 characters, as `wormholes put` prints") String key) {
    NodeId k = NodeId.parse(key).orElseThrow(() -> CliException.usage("not a key: '" + clip(key)
        + "' (a key is 52 base32 characters, as wormholes put prints)"));
    JsonObject a = client().get("/v1/get/" + k);
    if (json) {
      return print(a, null);
    }
    if ("presence".equals(Render.str(a, "kind"))) {
      out.print(Render.presenceHint(a));
    } else if (a.has("value") && a.get("value").isJsonPrimitive()) {
      out.println(a.get("value").getAsString());
    } else {
      byte[] bytes = decodeBase64(a.get("valueBase64"));
      out.write(bytes, 0, bytes.length);
    }
    return 0;
  }

  int print(JsonObject answer, String human) {
    if (json) {
      out.println(answer.toString());
    } else {
      out.print(human);
    }
    return 0;
  }

  ControlClient client() {
    return new ControlClient(dataDir(), shownDataDir());
  }

  /** Return the data dir as given (or the default), for messages. */
  private String shownDataDir() {
    return data != null ? data : System.getProperty("user.home") + "/.wormholes";
  }

  /** Return the data dir. */
  Path dataDir() {
    String shown = shownDataDir();
    if (shown.isBlank()) {
      throw CliException.usage("--data needs a directory");
    }
    if (shown.startsWith("~/")) {
      shown = System.getProperty("user.home") + shown.substring(1);
    }
    return Path.of(shown);
  }

  /** Return {@code {"value": text}}, or for "-" {@code {"valueBase64": stdin}}; throw if too large. */
  private JsonObject valueBody(String value) {
    JsonObject body = new JsonObject();
    if (value.equals("-")) {
      body.addProperty("valueBase64", Base64.getEncoder().encodeToString(readStdin()));
    } else {
      checkSize(value.getBytes(StandardCharsets.UTF_8).length);
      body.addProperty("value", value);
    }
    return body;
  }

  private static String checkedSalt(String salt) {
    int bytes = salt.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0) {
      throw CliException.usage("--salt must not be empty");
    }
    if (bytes > Limits.MAX_SALT) {
      throw CliException.usage("salt is " + bytes + " bytes; the limit is " + Limits.MAX_SALT);
    }
    return salt;
  }

  private byte[] readStdin() {
    try {
      byte[] b = in.readNBytes(Limits.MAX_VALUE + 1);
      if (b.length > Limits.MAX_VALUE) {
        throw CliException.usage("value is more than " + Limits.MAX_VALUE + " bytes; the limit is " + Limits.MAX_VALUE);
      }
      return b;
    } catch (IOException e) {
      throw CliException.usage("cannot read the value from stdin: " + ControlClient.oneLine(String.valueOf(e.getMessage())));
    }
  }

  private static void checkSize(int bytes) {
    if (bytes > Limits.MAX_VALUE) {
      throw CliException.usage("value is " + bytes + " bytes; the limit is " + Limits.MAX_VALUE);
    }
  }

  private static byte[] decodeBase64(JsonElement e) {
    if (e == null || !e.isJsonPrimitive()) {
      throw CliException.failed("the daemon's answer holds no value");
    }
    try {
      return Base64.getDecoder().decode(e.getAsString());
    } catch (IllegalArgumentException x) {
      throw CliException.failed("the daemon's answer holds a value that is not base64");
    }
  }

  private static String usageMessage(CommandLine.ParameterException e) {
    if (e instanceof CommandLine.UnmatchedArgumentException) {
      CommandLine.UnmatchedArgumentException u = (CommandLine.UnmatchedArgumentException) e;
      String first = u.getUnmatched().isEmpty() ? "" : u.getUnmatched().get(0);
      boolean atTop = u.getCommandLine().getParent() == null;
      if (atTop && !first.startsWith("-")) {
        return "unknown command '" + clip(first) + "' (commands: "
            + String.join(", ", u.getCommandLine().getSubcommands().keySet()) + ")";
      }
      return "unknown argument '" + clip(first) + "' for " + u.getCommandLine().getCommandName();
    }
    return ControlClient.oneLine(String.valueOf(e.getMessage()));
  }

  private static String clip(String s) {
    String t = ControlClient.oneLine(s);
    return t.length() <= 60 ? t : t.substring(0, 57) + "...";
  }
}
