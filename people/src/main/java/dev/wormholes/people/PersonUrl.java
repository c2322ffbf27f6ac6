package dev.wormholes.people;

import java.util.Locale;
import java.util.Optional;

/**
 * The shareable address of a person's service, {@code wormhole://SERVICE@PERSON[/anything]}
 * (PERSON: a petname or a persona id), as {@code SERVICE@PERSON}. Invite and device links
 * ({@code wormhole://invite/...}, {@code wormhole://device/...}) have no {@code @} before their
 * first {@code /} and are not person URLs.
 */
public final class PersonUrl {
  /** The scheme and its separator. */
  public static final String PREFIX = "wormhole://";

  private PersonUrl() {}

  /** Return {@code text} as {@code SERVICE@PERSON} if it is a person URL, or empty. */
  public static Optional<String> serviceAtPerson(String text) {
    String t = text.trim();
    if (!t.toLowerCase(Locale.ROOT).startsWith(PREFIX)) {
      return Optional.empty();
    }
    String rest = t.substring(PREFIX.length());
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    int at = authority.indexOf('@');
    return at > 0 && at < authority.length() - 1 && authority.indexOf('@', at + 1) < 0
        ? Optional.of(authority) : Optional.empty();
  }
}
