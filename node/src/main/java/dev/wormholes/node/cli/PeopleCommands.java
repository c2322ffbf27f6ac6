package dev.wormholes.node.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The people commands of {@code wormholes}: {@code whoami}, {@code invite}, {@code accept}, {@code
 * contacts}, {@code contact rename|block|unblock|remove|verify}, {@code sign} and {@code verify} (control
 * API calls).
 */
final class PeopleCommands {
  private PeopleCommands() {}

  /** {@code wormholes whoami}. */
  @Command(name = "whoami", description = "Print this node's persona: id, devices, key log seq.")
  static final class WhoAmI implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Override
    public Integer call() {
      JsonObject r = parent.client().get("/v1/whoami");
      StringBuilder sb = new StringBuilder();
      sb.append(String.format(Locale.ROOT, "%-10s %s%n", "persona", Render.str(r, "persona")));
      for (JsonElement d : array(r, "devices")) {
        String id = d.getAsString();
        sb.append(String.format(Locale.ROOT, "%-10s %s%s%n", "device", id,
            id.equals(Render.str(r, "node")) ? " (this node)" : ""));
      }
      sb.append(String.format(Locale.ROOT, "%-10s %s%n", "log seq", Render.str(r, "seq")));
      sb.append(String.format(Locale.ROOT, "%-10s %s%n", "contacts", Render.str(r, "contacts")));
      if (r.has("canSign") && !r.get("canSign").getAsBoolean()) {
        sb.append(String.format(Locale.ROOT, "%-10s %s%n", "note", "this device does not hold the persona's current signing key"));
      }
      if (r.has("thisDeviceRemoved") && r.get("thisDeviceRemoved").getAsBoolean()) {
        sb.append(String.format(Locale.ROOT, "%-10s %s%n", "REMOVED", "this node was removed from the persona: it no longer speaks for it"));
      }
      for (JsonElement a : array(r, "alarms")) {
        sb.append(String.format(Locale.ROOT, "%-10s %s%n", "ALARM", a.getAsString()));
      }
      return parent.print(r, sb.toString());
    }
  }

  /** {@code wormholes invite [--name N] [--expires D]}. */
  @Command(name = "invite", description = "Print a one-time invite link for a person to accept.")
  static final class InviteCommand implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Option(names = "--name", paramLabel = "PETNAME", description = "what to call the person once they accept")
    String name = "";

    @Option(names = "--expires", paramLabel = "DURATION",
        description = "how long the link is valid: N followed by s, m, h or d (default 24h, a code 10m; at most 30d)")
    String expires;

    @Option(names = "--code", description = "print a code to read aloud (123-456-789-012; one try, then it is"
        + " burnt) instead of a link; default expiry 10m")
    boolean code;

    @Override
    public Integer call() {
      JsonObject body = new JsonObject();
      body.addProperty("name", name.toLowerCase(Locale.ROOT));
      body.addProperty("expiresSeconds", seconds(code && expires == null ? "10m" : expires == null ? "24h" : expires));
      body.addProperty("code", code);
      JsonObject r = parent.client().post("/v1/invite", body);
      return parent.print(r, Render.str(r, code ? "code" : "link") + "\n");
    }
  }

  /** {@code wormholes accept LINK [--name N]}. */
  @Command(name = "accept", description = "Accept an invite link or code: both sides end as accepted contacts.")
  static final class Accept implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(paramLabel = "LINK", description = "wormhole://invite/... or a code 123-456-789-012 (a person), or"
        + " wormhole://device/... (this node becomes a device of that persona)")
    String link;

    @Option(names = "--name", paramLabel = "PETNAME", description = "what to call the inviter")
    String name = "";

    @Override
    public Integer call() {
      String lower = link.trim().toLowerCase(Locale.ROOT);
      if (lower.startsWith("wormhole://device/")) {
        JsonObject body = new JsonObject();
        body.addProperty("link", link.trim());
        JsonObject r = parent.client().post("/v1/accept", body);
        return parent.print(r, "this node is now a device of persona " + Render.str(r, "persona") + " (log seq "
            + Render.str(r, "seq") + ", " + Render.str(r, "contacts") + " contacts copied)\n");
      }
      if (dev.wormholes.people.PersonUrl.parse(link) instanceof dev.wormholes.people.PersonUrl.Parsed) {
        throw CliException.usage(link.trim() + " is the address of a person's service, not an invite: if they"
            + " are a contact, give it to wormholes connect; else ask them for wormholes invite");
      }
      if (!lower.startsWith("wormhole://invite/") && dev.wormholes.people.CodeInvites.Code.parse(link).isEmpty()) {
        throw CliException.usage("not an invite link (wormhole://invite/..., wormhole://device/...) or code (123-456-789-012)");
      }
      JsonObject body = new JsonObject();
      body.addProperty("link", link.trim());
      body.addProperty("name", name.toLowerCase(Locale.ROOT));
      JsonObject r = parent.client().post("/v1/accept", body);
      return parent.print(r, "accepted: " + Render.str(r, "petname") + " (persona "
          + Render.str(r, "persona") + ")\n");
    }
  }

  /** {@code wormholes contacts [approve|deny NAME]}. */
  @Command(name = "contacts", description = "List contacts: petname, state, persona, devices; approve NAME or"
      + " deny NAME answers a contact request.")
  static final class Contacts implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(index = "0", arity = "0..1", paramLabel = "ACTION", description = "approve or deny")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "the requester's petname")
    String name;

    @Override
    public Integer call() {
      if (action != null) {
        String a = action.toLowerCase(Locale.ROOT);
        if (!a.matches("approve|deny") || name == null) {
          throw CliException.usage("use: contacts [approve NAME | deny NAME]");
        }
        JsonObject body = new JsonObject();
        body.addProperty("action", a);
        body.addProperty("name", name.toLowerCase(Locale.ROOT));
        JsonObject r = parent.client().post("/v1/contact", body);
        return parent.print(r, (a.equals("approve") ? "approved " : "denied ") + Render.str(r, "petname") + "\n");
      }
      JsonObject r = parent.client().get("/v1/contacts");
      StringBuilder sb = new StringBuilder();
      JsonArray list = array(r, "contacts");
      if (list.isEmpty()) {
        sb.append("no contacts yet (wormholes invite, then wormholes accept LINK on the other side)\n");
      }
      for (JsonElement e : list) {
        JsonObject c = e.getAsJsonObject();
        sb.append(String.format(Locale.ROOT, "%-16s %-9s %s %d device(s)%s%n", Render.str(c, "petname"),
            Render.str(c, "state"), Render.str(c, "persona"), array(c, "nodes").size(),
            c.has("blockReason") ? " -- " + Render.str(c, "blockReason")
                : Render.str(c, "state").startsWith("pending") ? " -- " + Render.str(c, "introducedBy") : ""));
      }
      return parent.print(r, sb.toString());
    }
  }

  /** {@code wormholes contact rename|block|unblock|remove|verify NAME [NEW_NAME]}. */
  @Command(name = "contact", description = "Change a contact: rename NAME NEW_NAME, block NAME, unblock NAME,"
      + " remove NAME, verify NAME (you compared its persona id out of band); check NAME asks your other"
      + " contacts which key log head they hold for NAME.")
  static final class ContactCommand implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(index = "0", paramLabel = "ACTION", description = "rename, block, unblock, remove, verify or check")
    String action;

    @Parameters(index = "1", paramLabel = "NAME", description = "the contact's petname")
    String name;

    @Parameters(index = "2", arity = "0..1", paramLabel = "NEW_NAME", description = "for rename: the new petname")
    String to;

    @Override
    public Integer call() {
      String a = action.toLowerCase(Locale.ROOT);
      if (!a.matches("rename|block|unblock|remove|verify|check")) {
        throw CliException.usage("not a contact action: '" + action + "' (rename, block, unblock, remove, verify, check)");
      }
      if (a.equals("rename") != (to != null)) {
        throw CliException.usage(a.equals("rename") ? "rename needs NAME NEW_NAME" : a + " takes only NAME");
      }
      JsonObject body = new JsonObject();
      body.addProperty("action", a);
      body.addProperty("name", name.toLowerCase(Locale.ROOT));
      if (to != null) {
        body.addProperty("to", to.toLowerCase(Locale.ROOT));
      }
      JsonObject r = parent.client().post("/v1/contact", body);
      if (a.equals("check")) {
        return parent.print(r, check(r));
      }
      String done = a.equals("verify") ? "verified" : a + (a.endsWith("e") ? "d" : "ed");
      return parent.print(r, done + " " + Render.str(r, "petname") + "\n");
    }
  }

  /** {@code wormholes sign TEXT|--file F|-}. */
  @Command(name = "sign", description = "Sign TEXT (or --file F, or - for stdin) with the persona's key;"
      + " print it ASCII-armoured.")
  static final class Sign implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(arity = "0..1", paramLabel = "TEXT", description = "the text to sign, or - to read stdin")
    String text;

    @Option(names = "--file", paramLabel = "F", description = "sign the bytes of this file")
    String file;

    @Override
    public Integer call() {
      if ((text == null) == (file == null)) {
        throw CliException.usage("give TEXT, - (stdin) or --file F");
      }
      byte[] message = file != null || text.equals("-") ? input(file, parent.in())
          : text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      JsonObject r = parent.client().post("/v1/sign", base64Body(message));
      return parent.print(r, Render.str(r, "armored"));
    }
  }

  /** {@code wormholes verify [FILE|-]}. */
  @Command(name = "verify", description = "Check an ASCII-armoured signed message (from FILE, or stdin):"
      + " who signed it; print the message.")
  static final class Verify implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "the text holding the signed message (default: stdin)")
    String file;

    @Override
    public Integer call() {
      JsonObject r = parent.client().post("/v1/verify", armoredBody(input(file, parent.in())));
      if (!r.has("valid") || !r.get("valid").getAsBoolean()) {
        if (parent.json) {
          parent.print(r, "");
        }
        throw CliException.failed("not a good signature: " + Render.str(r, "reason"));
      }
      StringBuilder sb = new StringBuilder("good signature by ");
      sb.append(r.has("contact") ? Render.str(r, "contact") + " (persona " + Render.str(r, "persona") + ")"
          : "persona " + Render.str(r, "persona") + (r.get("self").getAsBoolean() ? " (you)" : " (not a contact)"));
      sb.append(", log seq ").append(Render.str(r, "seq")).append('\n');
      if (r.has("blockReason")) {
        sb.append("contact ").append(Render.str(r, "contact")).append(" is blocked: ")
            .append(Render.str(r, "blockReason")).append('\n');
      }
      for (JsonElement n : array(r, "notes")) {
        sb.append("note: ").append(n.getAsString()).append('\n');
      }
      sb.append(r.has("message") ? Render.str(r, "message") : "(a binary message; --json gives it in base64)\n");
      return parent.print(r, sb.toString());
    }
  }

  /** {@code wormholes encrypt --to NAME|PERSONA [FILE|-]}. */
  @Command(name = "encrypt", description = "Encrypt FILE (default: stdin) to a contact's current key (HPKE);"
      + " print it ASCII-armoured. The sender stays anonymous: sign inside if it matters.")
  static final class Encrypt implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Option(names = "--to", required = true, paramLabel = "NAME",
        description = "a contact's petname or persona id (also as wormhole://SERVICE@NAME)")
    String to;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "the bytes to encrypt (default: stdin)")
    String file;

    @Override
    public Integer call() {
      JsonObject body = base64Body(input(file, parent.in()));
      body.addProperty("to", to);
      JsonObject r = parent.client().post("/v1/encrypt", body);
      return parent.print(r, Render.str(r, "armored"));
    }
  }

  /** {@code wormholes decrypt [FILE|-]}. */
  @Command(name = "decrypt", description = "Decrypt an ASCII-armoured message encrypted to your persona"
      + " (from FILE, or stdin); print its bytes.")
  static final class Decrypt implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "the text holding the encrypted message (default: stdin)")
    String file;

    @Override
    public Integer call() {
      JsonObject r = parent.client().post("/v1/decrypt", armoredBody(input(file, parent.in())));
      if (parent.json) {
        return parent.print(r, "");
      }
      byte[] message = java.util.Base64.getDecoder().decode(Render.str(r, "messageBase64"));
      parent.out().write(message, 0, message.length);
      parent.out().flush();
      return 0;
    }
  }

  /** Return the text of a {@code contact check} answer. */
  static String check(JsonObject r) {
    StringBuilder sb = new StringBuilder();
    sb.append(Render.str(r, "petname")).append(": ").append(Render.str(r, "summary"))
        .append(" (pinned head ").append(Render.str(r, "pinned")).append(", ").append(Render.str(r, "state"))
        .append(", ").append(Render.str(r, "asked")).append(" asked, ").append(Render.str(r, "unreachable"))
        .append(" unreachable)\n");
    for (JsonElement e : array(r, "answers")) {
      JsonObject a = e.getAsJsonObject();
      sb.append("  ").append(Render.str(a, "friend")).append(": ").append(Render.str(a, "verdict"))
          .append(a.has("head") ? " " + Render.str(a, "head") : "")
          .append(a.get("verified").getAsBoolean() ? " (verified)" : "").append('\n');
    }
    for (JsonElement n : array(r, "notes")) {
      sb.append("note: ").append(n.getAsString()).append('\n');
    }
    if (r.has("blockReason")) {
      sb.append("blocked: ").append(Render.str(r, "blockReason")).append('\n');
    }
    return sb.toString();
  }

  /** {@code wormholes request PERSON [--name N] [--message TEXT]}. */
  @Command(name = "request", description = "Ask PERSON to become a contact; they answer with wormholes contacts"
      + " approve|deny.")
  static final class Request implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(paramLabel = "PERSON", description = "their persona id (their wormholes whoami prints it), a"
        + " contact's petname, wormhole://SERVICE@PERSON, or a node id of one of their devices")
    String person;

    @Option(names = "--name", paramLabel = "PETNAME", description = "what to call them")
    String name = "";

    @Option(names = "--message", paramLabel = "TEXT", description = "a short note for them (at most 280 characters)")
    String message = "";

    @Override
    public Integer call() {
      JsonObject body = new JsonObject();
      body.addProperty("person", person);
      body.addProperty("name", name.toLowerCase(Locale.ROOT));
      body.addProperty("message", message);
      JsonObject r = parent.client().post("/v1/request", body);
      return parent.print(r, "asked: " + Render.str(r, "petname") + " (" + Render.str(r, "state") + ", persona "
          + Render.str(r, "persona") + ")\n");
    }
  }

  /** {@code wormholes rotate [CODE|-]}. */
  @Command(name = "rotate", description = "Rotate the persona's signing key to the pre-committed one: give the"
      + " recovery code (or - / nothing to read it from stdin); prints the next recovery code once.")
  static final class Rotate implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(arity = "0..1", paramLabel = "CODE", description = "the recovery code, or - for stdin")
    String code;

    @Override
    public Integer call() {
      JsonObject r = postCode(parent, "/v1/rotate", code);
      return parent.print(r, rotated(r));
    }
  }

  /** {@code wormholes recover [CODE|-]}. */
  @Command(name = "recover", description = "On a new machine (a fresh data directory), take back the persona"
      + " whose recovery code this is after losing every device: the key is rotated to the code's, every old"
      + " device removed, this node made its only device; contacts follow. Prints the next recovery code once.")
  static final class Recover implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(arity = "0..1", paramLabel = "CODE", description = "the recovery code, or - for stdin")
    String code;

    @Override
    public Integer call() {
      JsonObject r = postCode(parent, "/v1/recover", code);
      StringBuilder sb = new StringBuilder();
      for (JsonElement d : array(r, "removed")) {
        sb.append("removed old device ").append(d.getAsString()).append('\n');
      }
      return parent.print(r, sb + rotated(r));
    }
  }

  // POST the recovery code (the argument, or stdin for - or none) to `path`; return the answer.
  private static JsonObject postCode(Wormholes parent, String path, String code) {
    JsonObject body = new JsonObject();
    body.addProperty("recovery", code == null || code.equals("-") ? new String(input(null, parent.in()),
        java.nio.charset.StandardCharsets.UTF_8).trim() : code);
    return parent.client().post(path, body);
  }

  private static String rotated(JsonObject r) {
    return "persona " + Render.str(r, "persona") + " at log seq " + Render.str(r, "seq") + "\n"
        + (r.has("recoveryCode") ? "new recovery code (shown only now; keep it off this machine):\n"
        + Render.str(r, "recoveryCode") + "\n" : "");
  }

  /** {@code wormholes device add|remove}. */
  @Command(name = "device", description = "A persona's devices: add prints a one-time link that another machine"
      + " accepts (wormholes accept LINK) to become a device of this persona; remove DEVICE [--recovery CODE]"
      + " takes a device out (with the code the key is rotated too, so the removed device's copy is dead).")
  static final class DeviceCommand implements Callable<Integer> {
    @ParentCommand Wormholes parent;

    @Parameters(index = "0", paramLabel = "ACTION", description = "add or remove")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DEVICE", description = "for remove: the device's node id")
    String device;

    @Option(names = "--expires", paramLabel = "DURATION", defaultValue = "1h",
        description = "add: how long the link is valid (default 1h)")
    String expires;

    @Option(names = "--recovery", paramLabel = "CODE", description = "remove: the recovery code, to rotate as well")
    String recovery = "";

    @Override
    public Integer call() {
      String a = action.toLowerCase(Locale.ROOT);
      JsonObject body = new JsonObject();
      body.addProperty("action", a);
      if (a.equals("add") && device == null) {
        body.addProperty("expiresSeconds", seconds(expires));
        JsonObject r = parent.client().post("/v1/device", body);
        return parent.print(r, Render.str(r, "link") + "\n");
      }
      if (a.equals("remove") && device != null) {
        body.addProperty("device", device);
        body.addProperty("recovery", recovery);
        JsonObject r = parent.client().post("/v1/device", body);
        return parent.print(r, "removed device " + Render.str(r, "removed") + "\n" + rotated(r));
      }
      throw CliException.usage("use: device add [--expires D] | device remove DEVICE [--recovery CODE]");
    }
  }

  /** The most bytes {@link #input} reads: a signed or encrypted message of the largest size with its armour. */
  static final int MAX_INPUT = 2 * dev.wormholes.people.SignedText.MAX_MESSAGE;

  /**
   * Return the bytes of {@code file}, or of {@code stdin} when {@code file} is null or {@code -};
   * throw a usage error if they cannot be read or are more than {@link #MAX_INPUT}.
   */
  static byte[] input(String file, java.io.InputStream stdin) {
    if (file == null || file.equals("-")) {
      return upTo(stdin, "stdin");
    }
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(file))) {
      return upTo(in, file);
    } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
      throw CliException.usage("cannot read " + file + ": " + e.getMessage());
    }
  }

  private static byte[] upTo(java.io.InputStream in, String what) {
    try {
      byte[] b = in.readNBytes(MAX_INPUT + 1);
      if (b.length > MAX_INPUT) {
        throw CliException.usage(what + " is larger than " + MAX_INPUT + " bytes");
      }
      return b;
    } catch (java.io.IOException e) {
      throw CliException.usage("cannot read " + what + ": " + e.getMessage());
    }
  }

  /** Return the API body {@code {"base64": message}}. */
  private static JsonObject base64Body(byte[] message) {
    JsonObject body = new JsonObject();
    body.addProperty("base64", java.util.Base64.getEncoder().encodeToString(message));
    return body;
  }

  /** Return the API body {@code {"armored": text}} ({@code text} as UTF-8). */
  private static JsonObject armoredBody(byte[] text) {
    JsonObject body = new JsonObject();
    body.addProperty("armored", new String(text, java.nio.charset.StandardCharsets.UTF_8));
    return body;
  }

  /** Return the seconds of {@code text}: N followed by s, m, h or d; throw a usage error otherwise. */
  static long seconds(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (!t.matches("[0-9]{1,7}[smhd]")) {
      throw CliException.usage("not a duration: '" + text + "' (N followed by s, m, h or d, e.g. 24h)");
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    Duration d = switch (t.charAt(t.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
    if (d.isZero() || d.compareTo(Duration.ofDays(30)) > 0) {
      throw CliException.usage("--expires must be more than 0 and at most 30d");
    }
    return d.toSeconds();
  }

  private static JsonArray array(JsonObject o, String name) {
    return o.has(name) && o.get(name).isJsonArray() ? o.getAsJsonArray(name) : new JsonArray();
  }
}
