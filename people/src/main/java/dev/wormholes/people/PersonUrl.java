package dev.wormholes.people;

import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The shareable address of a person's service, {@code wormhole://SERVICE@PERSON[/PATH]}: SERVICE a
 * service name (a DNS label), PERSON a petname or a persona id, PATH anything from the first
 * {@code /}, {@code ?} or {@code #} after the person (kept as written; Wormholes streams carry no
 * path, so only the application at the other end can use it). Scheme, service and person are
 * case-insensitive and kept in lower case. This class is the one parser of the form: every entry
 * point that takes a person or a {@code SERVICE@PERSON} passes its input through {@link #person}
 * or {@link #serviceAtPerson}. Invite and device links ({@code wormhole://invite/...}, {@code
 * wormhole://device/...}) are not person URLs and are refused with a pointer to {@code accept}.
 *
 * @param service the service name, lower case
 * @param person the petname or persona id, lower case
 * @param path the rest of the URL from its first {@code /}, {@code ?} or {@code #}, or empty
 */
public record PersonUrl(String service, String person, String path) {
  /** The scheme and its separator. */
  public static final String PREFIX = "wormhole://";

  /** Longest service name, in characters. */
  public static final int MAX_SERVICE = 63;

  private static final Pattern SERVICE = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  /**
   * Return whether {@code name} is a service name: a DNS label of lower-case letters, digits and
   * '-', 1 to {@value #MAX_SERVICE} characters, no '-' at either end. The one rule for service
   * names, wherever one is taken (stream headers, {@code .wh} names, the CLI, person URLs).
   */
  public static boolean isServiceName(String name) {
    return name != null && name.length() <= MAX_SERVICE && SERVICE.matcher(name).matches();
  }

  /** What {@link #parse} made of a text. */
  public sealed interface Parse permits Parsed, NotUrl, Malformed {}

  /** A well-formed person URL. */
  public record Parsed(PersonUrl url) implements Parse {}

  /** Not a URL at all (no {@code scheme:} before the text): the caller's other forms apply. */
  public record NotUrl() implements Parse {}

  /** A URL that is no person URL, and why, in words for a person. */
  public record Malformed(String reason) implements Parse {}

  /** Parse {@code text} (surrounding white space ignored); never throws. */
  public static Parse parse(String text) {
    String t = text == null ? "" : text.strip();
    int sep = t.indexOf("://");
    if (sep < 0) {
      return t.toLowerCase(Locale.ROOT).startsWith("wormhole:")
          ? new Malformed("'" + clip(t) + "' is not a person URL: write " + PREFIX + "SERVICE@PERSON")
          : new NotUrl();
    }
    String scheme = t.substring(0, sep).toLowerCase(Locale.ROOT);
    if (!scheme.equals("wormhole")) {
      return new Malformed("'" + clip(t) + "' is not a person URL: the scheme is '" + clip(scheme)
          + "', a person URL is " + PREFIX + "SERVICE@PERSON");
    }
    String rest = t.substring(sep + 3);
    int end = firstOf(rest, "/?#");
    String authority = rest.substring(0, end).toLowerCase(Locale.ROOT);
    String path = rest.substring(end);
    if (authority.equals("invite") || authority.equals("device")) {
      return new Malformed("'" + clip(t) + "' is " + (authority.equals("invite") ? "an " : "a ") + authority
          + " link, not a person URL: give it to wormholes accept");
    }
    return authority(t, authority, path, PREFIX);
  }

  // The SERVICE@PERSON `authority` (lower case) of `t` (as written), `prefix` the form's start in refusals.
  private static Parse authority(String t, String authority, String path, String prefix) {
    int at = authority.indexOf('@');
    if (at < 0) {
      return new Malformed("'" + clip(t) + "' names no service: write " + prefix + "SERVICE@" + clip(authority));
    }
    if (authority.indexOf('@', at + 1) >= 0) {
      return new Malformed("'" + clip(t) + "' has more than one '@': write " + prefix + "SERVICE@PERSON");
    }
    String service = authority.substring(0, at);
    String person = authority.substring(at + 1);
    if (service.isEmpty()) {
      return new Malformed("'" + clip(t) + "' names no service before '@': write " + prefix + "SERVICE@"
          + clip(person));
    }
    if (person.isEmpty()) {
      return new Malformed("'" + clip(t) + "' names no person after '@': write " + prefix + clip(service)
          + "@PETNAME (or a persona id)");
    }
    if (!isServiceName(service)) {
      return new Malformed("'" + clip(service) + "' is not a service name (letters, digits and '-', up to 63)");
    }
    if (!Contact.validPetname(person) && PersonaId.parse(person).isEmpty()) {
      return new Malformed("'" + clip(person) + "' is not a petname (letters, digits and '-', up to 32) or"
          + " a persona id (52 characters)");
    }
    return new Parsed(new PersonUrl(service, person, path));
  }

  /**
   * Return the person {@code text} names for an entry point that takes a person: the PERSON of a
   * person URL or of a plain {@code SERVICE@PERSON} (no petname, persona id or node id holds an
   * {@code @}, so the two cannot be confused), or {@code text} itself if it is neither; throw what
   * {@code refuse} makes of the reason if it is a malformed URL or {@code SERVICE@PERSON}.
   */
  public static String person(String text, Function<String, ? extends RuntimeException> refuse) {
    PersonUrl u = url(text, refuse);
    if (u == null && text != null && text.indexOf('@') >= 0) {
      String t = text.strip();
      Parse p = authority(t, t.toLowerCase(Locale.ROOT), "", "");
      if (p instanceof Malformed bad) {
        throw refuse.apply(bad.reason());
      }
      return ((Parsed) p).url().person();
    }
    return u == null ? text : u.person();
  }

  /**
   * Return {@code text} as {@code SERVICE@PERSON} for an entry point that takes that form: a
   * person URL without its path, or {@code text} itself if it is no URL; throw what {@code refuse}
   * makes of the reason if it is a malformed URL.
   */
  public static String serviceAtPerson(String text, Function<String, ? extends RuntimeException> refuse) {
    PersonUrl u = url(text, refuse);
    return u == null ? text : u.serviceAtPerson();
  }

  // The URL text is, null if it is no URL; a malformed one refused.
  private static PersonUrl url(String text, Function<String, ? extends RuntimeException> refuse) {
    Parse p = parse(text);
    if (p instanceof Malformed bad) {
      throw refuse.apply(bad.reason());
    }
    return p instanceof Parsed ok ? ok.url() : null;
  }

  /** Return {@code SERVICE@PERSON}. */
  public String serviceAtPerson() {
    return service + "@" + person;
  }

  /** Return the URL, {@code wormhole://SERVICE@PERSON[PATH]}. */
  public String format() {
    return PREFIX + serviceAtPerson() + path;
  }

  private static int firstOf(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return s.length();
  }

  private static String clip(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
