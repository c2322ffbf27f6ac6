package dev.wormholes.node.socks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The username and password (RFC 1929) a SOCKS client must present: only a process that can read
 * the node's data dir (mode 0700) knows them, so other local users and web pages of a browser
 * pointed at the proxy cannot act as the node.
 *
 * @param user the username ({@value #USER} for generated credentials)
 * @param password the password (32 hex digits for generated credentials)
 */
public record SocksCredentials(String user, String password) {
  /** The username of generated credentials. */
  public static final String USER = "wh";

  /** Return fresh credentials: user {@value #USER} and 128 random bits as hex. */
  public static SocksCredentials generate(SecureRandom random) {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return new SocksCredentials(USER, HexFormat.of().formatHex(b));
  }

  /** Parse {@code USER:PASSWORD} (one line, as {@link #toString()} writes it); empty if malformed. */
  public static Optional<SocksCredentials> parse(String text) {
    String t = text.strip();
    int colon = t.indexOf(':');
    if (colon < 1 || colon == t.length() - 1 || t.length() > 511 || t.contains("\n")) {
      return Optional.empty();
    }
    return Optional.of(new SocksCredentials(t.substring(0, colon), t.substring(colon + 1)));
  }

  /** Return whether {@code user} and {@code password} match, in time independent of where they differ. */
  public boolean matches(String user, String password) {
    boolean u = MessageDigest.isEqual(bytes(this.user), bytes(user));
    boolean p = MessageDigest.isEqual(bytes(this.password), bytes(password));
    return u & p;
  }

  private static byte[] bytes(String s) {
    return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
  }

  /** Return the proxy URL curl takes with {@code -x}: {@code socks5h://USER:PASSWORD@HOST:PORT}. */
  public String url(String hostPort) {
    return "socks5h://" + user + ":" + password + "@" + hostPort;
  }

  /** Return {@code USER:PASSWORD}. */
  @Override
  public String toString() {
    return user + ":" + password;
  }
}
